"""The streaming builder: exact placement, bounded lookahead, no partial file on failure."""

from __future__ import annotations

import threading
import wave
from pathlib import Path

import pytest

from bantin_audio.audio.stream import Clip, Part, Silence, stream_program
from bantin_audio.errors import AudioError
from tests.bulletin.builds import make_tone

RATE = 24000


def _tone_wav(tmp_path: Path, name: str, seconds: float) -> bytes:
    return make_tone(tmp_path / name, seconds=seconds, rate=RATE).read_bytes()


def test_clips_and_pauses_land_at_exact_sample_positions(tmp_path: Path) -> None:
    a = _tone_wav(tmp_path, "a.wav", 0.5)
    parts: list[Part] = [Clip(lambda: (a, "wav"), tag="a", trim=False), Silence(250),
                         Clip(lambda: (a, "wav"), tag="b", trim=False), Silence(2500)]
    program = stream_program(parts, tmp_path / "p.wav", sample_rate=RATE)
    assert [(p.tag, p.start, p.end) for p in program.placements] == \
        [("a", 0, 12000), ("b", 18000, 30000)]
    assert program.samples == 30000 + 60000
    with wave.open(str(tmp_path / "p.wav")) as wav:
        assert wav.getnframes() == program.samples
        assert wav.getframerate() == RATE
        wav.setpos(31000)
        assert set(wav.readframes(24000)) == {0}  # the long pause is zero PCM


def test_sinks_receive_exactly_the_written_audio(tmp_path: Path) -> None:
    a = _tone_wav(tmp_path, "a.wav", 0.3)
    received: list[bytes] = []
    program = stream_program([Clip(lambda: (a, "wav"), trim=False), Silence(100)],
                             tmp_path / "p.wav", sample_rate=RATE, sinks=[received.append])
    with wave.open(str(tmp_path / "p.wav")) as wav:
        assert b"".join(received) == wav.readframes(program.samples)


def test_decoding_runs_only_a_window_ahead_of_the_writer(tmp_path: Path) -> None:
    a = _tone_wav(tmp_path, "a.wav", 0.1)
    lock = threading.Lock()
    loaded = 0
    ahead: list[int] = []
    written = 0

    def load() -> tuple[bytes, str]:
        nonlocal loaded
        with lock:
            loaded += 1
        return a, "wav"

    def on_part(part: Part) -> None:
        nonlocal written
        if isinstance(part, Clip):
            written += 1
            with lock:
                ahead.append(loaded - written)

    parts = [Clip(load, tag=i, trim=False) for i in range(40)]
    stream_program(parts, tmp_path / "p.wav", sample_rate=RATE, window=3, on_part=on_part)
    assert written == 40
    assert max(ahead) <= 3


def test_a_failing_clip_leaves_no_file(tmp_path: Path) -> None:
    a = _tone_wav(tmp_path, "a.wav", 0.1)
    parts: list[Part] = [Clip(lambda: (a, "wav")), Silence(100),
                         Clip(lambda: (b"garbage", "mp3"))]
    (tmp_path / "out").mkdir()
    with pytest.raises(AudioError, match="Không giải mã được"):
        stream_program(parts, tmp_path / "out" / "p.wav", sample_rate=RATE)
    assert list((tmp_path / "out").iterdir()) == []
