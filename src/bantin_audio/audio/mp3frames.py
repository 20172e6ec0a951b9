"""MP3 clips read frame by frame, and joined without decoding: the first audio, at once.

An MP3 stream is a chain of frames, each with a four-byte header that gives its length. Clips
of one format (Google answers MPEG-2 Layer III, 24 kHz, mono, 32 kbps CBR: the format of our
own streaming MP3) can be joined by concatenating their frames, every encoder starting a clip
with an empty bit reservoir, and silence added as silent frames (a header and zeroed side
information: no audio data). No ffmpeg process, no decode, no encode: a listener's first
paragraph is playable as soon as its clips have arrived, and the stitched file (trimmed,
levelled) replaces it moments later.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..model import Program, Segment, SegmentClip, TimingEntry
from ..output_files import write_atomically

# MPEG audio frame header tables: bitrates (kbps) by [version is 1][layer], sample rates by
# version. Version codes: 3 = MPEG-1, 2 = MPEG-2, 0 = MPEG-2.5 (1 is reserved).
_BITRATES = {
    (True, 1): (0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448),
    (True, 2): (0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384),
    (True, 3): (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    (False, 1): (0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256),
    (False, 2): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
    (False, 3): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}
ID3V1_BYTES = 128
_INFO_TAGS = (b"Xing", b"Info", b"VBRI")  # a first frame that describes the file, not audio

# (spoken characters, shown start, shown end) of each phrase of a segment, in reading order.
Phrasing = Callable[[Segment], Sequence[tuple[int, int, int]]]


@dataclass(frozen=True)
class FrameFormat:
    """What a frame header says about the audio: frames of one format join into one stream."""

    mpeg1: bool
    layer: int
    sample_rate: int
    bitrate_kbps: int
    mono: bool

    @property
    def samples(self) -> int:
        """Return the samples one frame holds."""
        if self.layer == 1:
            return 384
        return 1152 if self.mpeg1 or self.layer == 2 else 576


def frame_format(header: bytes) -> FrameFormat | None:
    """Return the format of the MPEG audio frame starting with `header`, or None."""
    return _frame_format(bytes(header[:4]))


@functools.lru_cache(maxsize=512)  # a clip's frames share one or two headers
def _frame_format(header: bytes) -> FrameFormat | None:
    if len(header) < 4 or header[0] != 0xFF or header[1] & 0xE0 != 0xE0:
        return None
    version = (header[1] >> 3) & 0x3
    layer = 4 - ((header[1] >> 1) & 0x3)  # 1, 2, 3; 4 means reserved
    bitrate_index = header[2] >> 4
    rate_index = (header[2] >> 2) & 0x3
    if version == 1 or layer == 4 or bitrate_index in (0, 15) or rate_index == 3:
        return None
    mpeg1 = version == 3
    return FrameFormat(mpeg1, layer, _RATES[version][rate_index],
                       _BITRATES[(mpeg1, layer)][bitrate_index], header[3] >> 6 == 3)


def frame_length(header: bytes) -> int:
    """Return the length of the MPEG audio frame starting with `header`, or 0 if it is none."""
    return _frame_length(bytes(header[:4]))


@functools.lru_cache(maxsize=512)
def _frame_length(header: bytes) -> int:
    fmt = _frame_format(header)
    if fmt is None:
        return 0
    bitrate, rate = fmt.bitrate_kbps * 1000, fmt.sample_rate
    padding = (header[2] >> 1) & 0x1
    if fmt.layer == 1:
        return (12 * bitrate // rate + padding) * 4
    if fmt.layer == 3 and not fmt.mpeg1:
        return 72 * bitrate // rate + padding
    return 144 * bitrate // rate + padding


@dataclass(frozen=True)
class FrameScan:
    """Where the frames of an MP3 clip are: `frames` as (offset, length); `stop` is where the
    chain of frames ended and `end` where the audio should have ended (before an ID3v1 tag).
    A last frame cut short by the end of the data (`truncated`) counts, shorter: decoders play
    what it holds."""

    frames: list[tuple[int, int]]
    stop: int
    end: int
    truncated: bool = False

    @property
    def complete(self) -> bool:
        """Tell whether the clip is frames from its tags to its end, and at least one."""
        return bool(self.frames) and self.stop == self.end


def scan_frames(data: bytes) -> FrameScan:
    """Return the frames of an MP3 clip, after an ID3v2 tag and before an ID3v1 tag."""
    pos = 0
    if data[:3] == b"ID3" and len(data) >= 10:  # ID3v2: skip the synchsafe-sized tag
        pos = 10 + ((data[6] << 21) | (data[7] << 14) | (data[8] << 7) | data[9])
    end = len(data)
    if end - pos > ID3V1_BYTES and data[end - ID3V1_BYTES:end - ID3V1_BYTES + 3] == b"TAG":
        end -= ID3V1_BYTES
    frames = []
    while pos < end:
        length = frame_length(data[pos:pos + 4])
        if length == 0:
            break
        if pos + length > end:
            frames.append((pos, end - pos))
            return FrameScan(frames, end, end, truncated=True)
        frames.append((pos, length))
        pos += length
    return FrameScan(frames, pos, end)


def _is_info_frame(frame: bytes, fmt: FrameFormat) -> bool:
    side = (32 if not fmt.mono else 17) if fmt.mpeg1 else (17 if not fmt.mono else 9)
    at = 4 + side + (0 if frame[1] & 0x1 else 2)  # a CRC follows the header when bit 0 is 0
    return frame[at:at + 4] in _INFO_TAGS


def silent_frame(header: bytes) -> bytes:
    """Return a frame of silence in the format of `header` (no CRC, no padding)."""
    plain = bytes((header[0], header[1] | 0x1, header[2] & ~0x2 & 0xFF, header[3]))
    return plain + b"\0" * (frame_length(plain) - 4)


def _audio_frames(clip: SegmentClip) -> list[bytes] | None:
    """Return the audio frames of an MP3 clip (no Info frame, no cut frame), or None."""
    if clip.audio_format != "mp3":
        return None
    data = clip.audio
    found = scan_frames(data)
    if not found.complete:
        return None
    # a frame cut short would be heard as a click between two clips: left out
    frames = [data[at:at + n] for at, n in found.frames[:-1 if found.truncated else None]]
    if frames:
        fmt = _frame_format(frames[0][:4])
        if fmt is not None and _is_info_frame(frames[0], fmt):
            frames = frames[1:]  # it describes the file (often at another bitrate)
    return frames or None


def join_frames(clips: Sequence[SegmentClip], out_path: Path, *, sample_rate: int,
                bitrate_kbps: int, phrasing: Phrasing | None = None) -> Program | None:
    """Write `clips` with their pauses as one MP3 by joining their frames, atomically.

    Return None (writing nothing) unless every clip is a complete MP3 of the output format
    (MPEG Layer III, mono, `sample_rate`, constant `bitrate_kbps`): a clip of the offline
    voice, or of another format, needs the stitcher. The timing map places each segment by
    its frames and its phrases in proportion to their spoken lengths (the stitcher finds the
    breaths between them; the frames alone cannot).
    """
    audio = [_audio_frames(c) for c in clips]
    if not audio or audio[0] is None:
        return None
    header = audio[0][0][:4]
    want = _frame_format(header)
    if want is None or want.layer != 3 or not want.mono or want.sample_rate != sample_rate \
            or want.bitrate_kbps != bitrate_kbps:
        return None
    if any(frames is None or any(_frame_format(f[:4]) != want for f in frames)
           for frames in audio):
        return None
    silence = silent_frame(header)
    frame_ms = want.samples * 1000 / sample_rate
    parts: list[bytes] = []
    timings: list[TimingEntry] = []
    count = 0
    for clip, frames in zip(clips, audio, strict=True):
        assert frames is not None
        seg = clip.segment
        start = count
        parts.extend(frames)
        count += len(frames)
        start_ms, end_ms = round(start * frame_ms), round(count * frame_ms)
        timings.append(TimingEntry(
            index=seg.index, kind=seg.kind, text=seg.display, start_ms=start_ms,
            end_ms=end_ms, engine=clip.engine,
            phrases=timed_phrases(start_ms, end_ms, phrasing(seg) if phrasing else ())))
        pause = round(max(0, seg.pause_ms) / frame_ms)
        parts.append(silence * pause)
        count += pause
    data = b"".join(parts)
    out_path = Path(out_path)
    write_atomically(out_path, lambda tmp: tmp.write_bytes(data))
    return Program(path=str(out_path), duration_ms=round(count * frame_ms), timings=timings,
                   bytes=len(data), engines=dict(Counter(t.engine for t in timings)))


def timed_phrases(start_ms: int, end_ms: int, cuts: Sequence[tuple[int, int, int]],
                  ends: Sequence[int] | None = None) -> list[dict[str, int]]:
    """Return each phrase of a segment placed in the program: `cuts` are the phrases'
    (spoken characters, shown start, shown end); `ends` where each phrase but the last ends,
    in ms from the segment's start, when known, else in proportion to the spoken lengths."""
    if ends is None:
        whole, acc, ends = max(1, sum(c[0] for c in cuts)), 0, []
        for chars, *_ in cuts[:-1]:
            acc += chars
            ends.append((end_ms - start_ms) * acc // whole)
    out, at = [], start_ms
    for n, (_chars, shown_from, shown_to) in enumerate(cuts):
        stop = min(end_ms, start_ms + ends[n]) if n < len(cuts) - 1 else end_ms
        out.append({"start_ms": at, "end_ms": stop, "from": shown_from, "to": shown_to})
        at = stop
    return out
