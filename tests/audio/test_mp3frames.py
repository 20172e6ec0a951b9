"""MP3 clips joined frame by frame: the worker's first file of an article, without ffmpeg."""

from __future__ import annotations

import io
import subprocess
import wave
from pathlib import Path

import pytest

from bantin_audio.audio.ffmpeg import find_ffmpeg
from bantin_audio.audio.mp3frames import (
    frame_format,
    frame_length,
    join_frames,
    scan_frames,
    silent_frame,
)
from bantin_audio.model import Segment, SegmentClip
from bantin_audio.pipeline import segment_phrasing
from tests.fakes import FRAME_MS, SILENT_FRAME, tone_mp3

RATE = 24000


def _pcm(path_or_bytes: Path | bytes) -> bytes:
    """Decode MP3 with the real ffmpeg into 24 kHz mono 16-bit samples."""
    data = path_or_bytes.read_bytes() if isinstance(path_or_bytes, Path) else path_or_bytes
    return subprocess.run([find_ffmpeg(), "-hide_banner", "-loglevel", "error", "-f", "mp3",
                           "-i", "pipe:0", "-f", "s16le", "-ac", "1", "-ar", str(RATE),
                           "pipe:1"], input=data, capture_output=True, check=True).stdout


def _clip(index: int, audio: bytes, kind: str = "paragraph", text: str = "Bản tin xã.",
          pause_ms: int = 480, fmt: str = "mp3", engine: str = "google") -> SegmentClip:
    return SegmentClip(Segment(index, kind, text, text, pause_ms=pause_ms), audio, fmt, engine)


def _encoded(*args: str, ms: int = 480, to: Path | None = None) -> bytes:
    """Encode a tone with ffmpeg; into a file `to` when given (the Info frame needs a seek)."""
    out = subprocess.run(
        [find_ffmpeg(), "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
         f"sine=frequency=440:sample_rate={RATE}:duration={ms / 1000}", "-ac", "1", *args,
         "-f", "mp3", str(to) if to else "pipe:1"], capture_output=True, check=True).stdout
    return to.read_bytes() if to else out


def _wav(ms: int = 300) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(22050)
        w.writeframes(b"\x01\x00" * (22050 * ms // 1000))
    return buf.getvalue()


def test_google_frames_are_read_as_google_sends_them() -> None:
    fmt = frame_format(SILENT_FRAME)
    assert fmt is not None and (fmt.mpeg1, fmt.layer, fmt.sample_rate, fmt.bitrate_kbps,
                                fmt.mono, fmt.samples) == (False, 3, 24000, 32, True, 576)
    assert frame_length(SILENT_FRAME) == 96
    assert silent_frame(SILENT_FRAME) == SILENT_FRAME
    tone = tone_mp3(480)
    found = scan_frames(tone)
    # 480 ms of tone plus the encoder's delay and padding: whole 96-byte frames
    assert found.complete and len(found.frames) == len(tone) // 96 >= 480 // FRAME_MS
    assert frame_format(b"<!DOCTYPE html>") is None


def test_clips_and_pauses_join_into_one_stream_ffmpeg_plays_whole(tmp_path: Path) -> None:
    a, b = tone_mp3(480), tone_mp3(960, freq=550)
    clips = [_clip(0, a, "title", "Tin buổi sáng", pause_ms=720),
             _clip(1, b, "paragraph", "Xã tổ chức ra quân làm đường.", pause_ms=0)]
    out = tmp_path / "first.mp3"
    program = join_frames(clips, out, sample_rate=RATE, bitrate_kbps=32,
                          phrasing=segment_phrasing)
    assert program is not None
    # exactly the clips' frames, with 30 silent frames (720 ms) between them
    assert out.read_bytes() == a + SILENT_FRAME * 30 + b
    assert program.bytes == out.stat().st_size
    a_ms, b_ms = len(a) // 96 * FRAME_MS, len(b) // 96 * FRAME_MS
    assert program.duration_ms == a_ms + 720 + b_ms
    assert [(t.index, t.start_ms, t.end_ms) for t in program.timings] == \
        [(0, 0, a_ms), (1, a_ms + 720, a_ms + 720 + b_ms)]
    assert program.engines == {"google": 2}
    # ffmpeg decodes the whole of it: as long as the parts, silent where the pause is
    pcm = _pcm(out)
    decoded_ms = len(pcm) // 2 * 1000 // RATE
    assert abs(decoded_ms - program.duration_ms) <= 2 * FRAME_MS
    pause = pcm[(a_ms + 200) * RATE // 1000 * 2:(a_ms + 600) * RATE // 1000 * 2]
    assert pause.count(0) == len(pause)
    tone = pcm[(a_ms + 900) * RATE // 1000 * 2:(a_ms + 1300) * RATE // 1000 * 2]
    assert max(abs(int.from_bytes(tone[i:i + 2], "little", signed=True))
               for i in range(0, len(tone), 2)) > 3000


def test_a_segment_of_several_phrases_is_timed_in_proportion(tmp_path: Path) -> None:
    text = ("Ủy ban nhân dân xã Quang Thuận vừa tổ chức hội nghị tổng kết công tác năm, "
            "đánh giá kết quả thực hiện các chỉ tiêu phát triển kinh tế xã hội, "
            "và triển khai nhiệm vụ trọng tâm của năm tới cho các thôn bản.")
    phrases = segment_phrasing(Segment(0, "paragraph", text, text))
    assert len(phrases) >= 2
    audio = b"".join(tone_mp3(480) for _ in phrases)
    program = join_frames([_clip(0, audio, text=text, pause_ms=0)], tmp_path / "p.mp3",
                          sample_rate=RATE, bitrate_kbps=32, phrasing=segment_phrasing)
    assert program is not None
    spans = program.timings[0].phrases
    assert [(p["from"], p["to"]) for p in spans] == [(f, t) for _, f, t in phrases]
    assert spans[0]["start_ms"] == 0 and spans[-1]["end_ms"] == program.duration_ms
    assert all(p["start_ms"] < p["end_ms"] for p in spans)
    assert all(x["end_ms"] == y["start_ms"] for x, y in zip(spans, spans[1:], strict=False))


@pytest.mark.parametrize("other", [
    pytest.param(lambda: _wav(), id="offline-voice-wav"),
    pytest.param(lambda: _encoded("-ar", "24000", "-b:a", "64k"), id="other-bitrate"),
    pytest.param(lambda: _encoded("-ar", "22050", "-b:a", "32k"), id="other-rate"),
    pytest.param(lambda: b"<!DOCTYPE html><html>" + b"x" * 400, id="not-audio"),
])
def test_a_clip_the_frames_cannot_join_leaves_it_to_the_stitcher(tmp_path: Path,
                                                                  other: object) -> None:
    data = other()  # type: ignore[operator]
    fmt = "wav" if data[:4] == b"RIFF" else "mp3"
    clips = [_clip(0, tone_mp3(480)), _clip(1, data, fmt=fmt,
                                            engine="espeak" if fmt == "wav" else "google")]
    out = tmp_path / "x.mp3"
    assert join_frames(clips, out, sample_rate=RATE, bitrate_kbps=32) is None
    assert not out.exists() and list(tmp_path.iterdir()) == []  # nothing written


def test_an_info_frame_is_left_out_and_a_cut_last_frame_dropped(tmp_path: Path) -> None:
    with_info = _encoded("-ar", "24000", "-b:a", "32k", "-write_xing", "1",
                         "-id3v2_version", "0", to=tmp_path / "info.mp3")
    (tmp_path / "info.mp3").unlink()
    plain = _encoded("-ar", "24000", "-b:a", "32k", "-write_xing", "0")
    assert len(scan_frames(with_info).frames) == len(scan_frames(plain).frames) + 1
    cut = tone_mp3(480)[:-40]
    assert scan_frames(cut).truncated and scan_frames(cut).complete
    out = tmp_path / "j.mp3"
    program = join_frames([_clip(0, with_info, pause_ms=0), _clip(1, cut, pause_ms=0)], out,
                          sample_rate=RATE, bitrate_kbps=32)
    assert program is not None
    data = out.read_bytes()
    info_at, info_len = scan_frames(with_info).frames[0]
    assert with_info[info_at + 13:info_at + 17] == b"Info"
    # no Info frame, no cut frame
    assert data == with_info[info_at + info_len:] + tone_mp3(480)[:-96]
    found = scan_frames(data)
    assert found.complete and not found.truncated
    assert program.duration_ms == len(found.frames) * FRAME_MS
