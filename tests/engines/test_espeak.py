"""The real offline voice through ctypes."""

from __future__ import annotations

import io
import threading
import wave

import pytest

from bantin_audio.engines.espeak import EspeakEngine
from bantin_audio.errors import SynthesisError


def _wav_seconds(data: bytes) -> float:
    with wave.open(io.BytesIO(data)) as w:
        assert w.getnchannels() == 1 and w.getsampwidth() == 2
        return w.getnframes() / w.getframerate()


def test_speaks_vietnamese_to_wav() -> None:
    data = EspeakEngine().synthesize("Đây là Đài truyền thanh xã Quang Thuận.")
    assert data[:4] == b"RIFF"
    assert 1.0 < _wav_seconds(data) < 10.0


def test_longer_text_gives_longer_audio() -> None:
    engine = EspeakEngine()
    short = _wav_seconds(engine.synthesize("Bản tin."))
    long = _wav_seconds(engine.synthesize("Bản tin ngày hôm nay có ba tin chính về nông thôn mới."))
    assert long > short * 2


def test_calls_from_threads_are_serialized_and_all_succeed() -> None:
    engine = EspeakEngine()
    results: list[bytes] = []
    errors: list[BaseException] = []

    def speak(n: int) -> None:
        try:
            results.append(engine.synthesize(f"Tin thứ {n}, huyện Bạch Thông."))
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=speak, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(results) == 6 and all(_wav_seconds(r) > 0.5 for r in results)


def test_text_without_words_is_refused() -> None:
    with pytest.raises(SynthesisError):
        EspeakEngine().synthesize(" ... ")


def test_unknown_voice_is_a_clear_error() -> None:
    with pytest.raises(SynthesisError, match="không có giọng"):
        EspeakEngine(voice="xx-no-such-voice").synthesize("Xin chào")
