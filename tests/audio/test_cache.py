"""The content-addressed clip cache."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from bantin_audio.audio.cache import ClipCache, audio_problem, clip_key
from bantin_audio.errors import AudioError
from tests.fakes import HTML_PAGE, SILENT_FRAME, tone_mp3

AUDIO = SILENT_FRAME * 3


def test_key_depends_on_engine_and_text() -> None:
    assert clip_key("gtts:vi:com", "một") != clip_key("espeak:vi:150", "một")
    assert clip_key("gtts:vi:com", "một") != clip_key("gtts:vi:com", "hai")
    assert clip_key("gtts:vi:com", "một") == clip_key("gtts:vi:com", "một")


def test_put_then_get_and_no_temp_files_left(tmp_path: Path) -> None:
    cache = ClipCache(tmp_path)
    key = clip_key("e", "t")
    cache.put(key, "mp3", AUDIO)
    assert cache.get(key, "mp3") == AUDIO
    assert cache.get(key, "wav") is None
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == [f"{key}.mp3"]


def test_same_clip_requested_at_once_is_created_once(tmp_path: Path) -> None:
    cache = ClipCache(tmp_path)
    calls = []

    def create() -> bytes:
        calls.append(1)
        time.sleep(0.2)
        return AUDIO

    results: list[tuple[bytes, bool]] = []
    threads = [threading.Thread(target=lambda: results.append(cache.get_or_create("k" * 64, "mp3",
                                                                                 create)))
               for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1
    assert [r[0] for r in results] == [AUDIO] * 5
    assert sum(1 for _, cached in results if not cached) == 1


def test_failed_creation_stores_nothing(tmp_path: Path) -> None:
    cache = ClipCache(tmp_path)

    def boom() -> bytes:
        raise RuntimeError("engine died")

    try:
        cache.get_or_create("a" * 64, "mp3", boom)
    except RuntimeError:
        pass
    assert cache.get("a" * 64, "mp3") is None
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]


def _wav(frames: int) -> bytes:
    import io
    import wave

    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(22050)
        w.writeframes(b"\0\1" * frames)
    return out.getvalue()


def test_audio_check_accepts_real_clips_and_refuses_everything_else() -> None:
    # Google's kind of MP3 (and several joined, as phrases of one segment are), a WAV
    assert audio_problem(tone_mp3(), "mp3") is None
    assert audio_problem(tone_mp3() + SILENT_FRAME * 2 + tone_mp3(240), "mp3") is None
    assert audio_problem(b"ID3\x03\x00\x00\x00\x00\x00\x05" + b"\0" * 5 + AUDIO,
                         "mp3") is None
    assert audio_problem(_wav(100), "wav") is None
    page = audio_problem(HTML_PAGE.encode(), "mp3")
    assert page is not None and "<!DOCTYPE html>" in page
    assert audio_problem(b"", "mp3") == "rỗng"
    assert audio_problem(AUDIO + b"<html>garbage after the frames</html>", "mp3") is not None
    assert audio_problem(HTML_PAGE.encode(), "wav") is not None
    assert audio_problem(_wav(0), "wav") is not None


def test_non_audio_is_never_stored(tmp_path: Path) -> None:
    cache = ClipCache(tmp_path)
    with pytest.raises(AudioError, match="hỏng"):
        cache.put("b" * 64, "mp3", HTML_PAGE.encode())
    with pytest.raises(AudioError):
        cache.get_or_create("c" * 64, "mp3", lambda: HTML_PAGE.encode())
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]


def test_a_poisoned_entry_is_evicted_on_read_and_made_again(tmp_path: Path) -> None:
    cache = ClipCache(tmp_path)
    key = "d" * 64
    cache.path(key, "mp3").parent.mkdir(parents=True)
    cache.path(key, "mp3").write_bytes(HTML_PAGE.encode())  # written by an older release
    assert cache.get(key, "mp3") is None
    assert not cache.path(key, "mp3").exists()
    data, cached = cache.get_or_create(key, "mp3", lambda: AUDIO)
    assert (data, cached) == (AUDIO, False)
    assert cache.path(key, "mp3").read_bytes() == AUDIO
