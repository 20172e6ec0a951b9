"""The content-addressed clip cache."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from bantin_audio.audio.cache import ClipCache, clip_key


def test_key_depends_on_engine_and_text() -> None:
    assert clip_key("gtts:vi:com", "một") != clip_key("espeak:vi:150", "một")
    assert clip_key("gtts:vi:com", "một") != clip_key("gtts:vi:com", "hai")
    assert clip_key("gtts:vi:com", "một") == clip_key("gtts:vi:com", "một")


def test_put_then_get_and_no_temp_files_left(tmp_path: Path) -> None:
    cache = ClipCache(tmp_path)
    key = clip_key("e", "t")
    cache.put(key, "mp3", b"abc")
    assert cache.get(key, "mp3") == b"abc"
    assert cache.get(key, "wav") is None
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == [f"{key}.mp3"]


def test_same_clip_requested_at_once_is_created_once(tmp_path: Path) -> None:
    cache = ClipCache(tmp_path)
    calls = []

    def create() -> bytes:
        calls.append(1)
        time.sleep(0.2)
        return b"audio"

    results: list[tuple[bytes, bool]] = []
    threads = [threading.Thread(target=lambda: results.append(cache.get_or_create("k" * 64, "mp3",
                                                                                 create)))
               for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1
    assert [r[0] for r in results] == [b"audio"] * 5
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
