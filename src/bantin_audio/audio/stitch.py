"""Stitch segment clips into one program: the only module that imports pydub.

Clips arrive as MP3 (Google) or WAV (eSpeak NG). Each is decoded without ffprobe, brought to
one format (mono, 16-bit, the program's sample rate), trimmed of its own leading and trailing
silence with a threshold relative to the clip, followed by its pause, and the raw audio is
joined once. ffmpeg encodes the result into a temp file beside the target, which is tagged and
then renamed into place, so a failure never leaves a partial file.
"""

from __future__ import annotations

import hashlib
import io
import logging
import tempfile
import warnings
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..errors import AudioError
from ..model import Program, SegmentClip, TimingEntry
from ..output_files import write_atomically
from .ffmpeg import find_ffmpeg, run_ffmpeg
from .mp3frames import Phrasing, timed_phrases
from .tags import write_tags

with warnings.catch_warnings():
    # pydub imports audioop, deprecated since 3.11 (audioop-lts replaces it on 3.13+).
    warnings.simplefilter("ignore", DeprecationWarning)
    warnings.simplefilter("ignore", SyntaxWarning)
    # pydub looks for ffmpeg on PATH at import and warns when the bundled one is all we have;
    # we point it at the binary we use before every decode (decode_clip).
    warnings.simplefilter("ignore", RuntimeWarning)
    from pydub import AudioSegment
    from pydub.exceptions import CouldntDecodeError
    from pydub.silence import detect_leading_silence

log = logging.getLogger(__name__)

SAMPLE_WIDTH = 2
# Bump when the way clips are shaped or joined changes: it is part of the keys of the decoded
# clips and finished renditions kept in the scratch cache.
STITCH_VERSION = 1
KEEP_EDGE_MS = 40  # keep a little of the silence so consonant onsets are not clipped
TARGET_DBFS = -20.0  # average speech level of every clip before joining
# Phrase boundaries: first placed in proportion to the phrases' spoken lengths, then moved to
# the quietest moment (the breath between two phrases) within this distance.
PHRASE_SEARCH_MS = 600
PHRASE_WINDOW_MS = 30

ENCODERS: dict[str, list[str]] = {
    # CBR keeps seeks to paragraph timestamps exact.
    "mp3": ["-c:a", "libmp3lame", "-b:a", "{kbps}k", "-f", "mp3"],
    # WebM Opus for browsers that prefer it; never Ogg (slow to start, Safari cannot play it).
    "webm": ["-c:a", "libopus", "-b:a", "{kbps}k", "-application", "voip", "-f", "webm"],
    "wav": ["-c:a", "pcm_s16le", "-f", "wav"],
}


def decode_clip(data: bytes, fmt: str, sample_rate: int) -> AudioSegment:
    """Decode clip bytes into mono 16-bit audio at `sample_rate`."""
    try:
        if fmt == "wav":
            seg = AudioSegment.from_wav(io.BytesIO(data))
        else:
            AudioSegment.converter = find_ffmpeg()  # the configured binary (Settings.ffmpeg)
            # codec= makes pydub call ffmpeg directly instead of ffprobe (which is not bundled).
            seg = AudioSegment.from_file(io.BytesIO(data), format=fmt, codec=fmt)
    except (CouldntDecodeError, IndexError, ValueError, EOFError) as exc:
        raise AudioError(f"Không giải mã được đoạn âm thanh ({fmt})",
                         _short_reason(str(exc))) from exc
    return seg.set_channels(1).set_sample_width(SAMPLE_WIDTH).set_frame_rate(sample_rate)


def _short_reason(text: str, limit: int = 160) -> str | None:
    """Return the last meaningful line of a decoder's report, shortened (for logs and admins)."""
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    if not lines:
        return None
    last = lines[-1]
    return last if len(last) <= limit else last[:limit - 1] + "…"


def decode_clips(clips: Sequence[tuple[bytes, str]], sample_rate: int) -> list[AudioSegment]:
    """Decode many clips at once: WAV in Python, all compressed clips in one ffmpeg process.

    Starting ffmpeg costs about as much as decoding a whole clip, so an hour-long bulletin of
    Google clips decodes several times faster this way than clip by clip.
    """
    out: list[AudioSegment | None] = [None] * len(clips)
    compressed = [(i, data, fmt) for i, (data, fmt) in enumerate(clips) if fmt != "wav"]
    for i, (data, fmt) in enumerate(clips):
        if fmt == "wav":
            out[i] = decode_clip(data, fmt, sample_rate)
    if len(compressed) == 1:
        i, data, fmt = compressed[0]
        out[i] = decode_clip(data, fmt, sample_rate)
    elif compressed:
        with tempfile.TemporaryDirectory(prefix="bantin-decode-") as tmp:
            args: list[str] = []
            outputs: list[tuple[int, Path]] = []
            for n, (_i, data, fmt) in enumerate(compressed):
                src = Path(tmp, f"{n}.{fmt}")
                src.write_bytes(data)
                args += ["-f", fmt, "-i", str(src)]
            for n, (i, _data, _fmt) in enumerate(compressed):
                dst = Path(tmp, f"{n}.raw")
                args += ["-map", f"{n}:a", "-f", "s16le", "-ac", "1", "-ar", str(sample_rate),
                         str(dst)]
                outputs.append((i, dst))
            try:
                run_ffmpeg(["-y", *args])
            except AudioError:
                # One bad clip fails the whole batch: decode one by one to name the culprit.
                for i, data, fmt in compressed:
                    out[i] = decode_clip(data, fmt, sample_rate)
            else:
                for i, dst in outputs:
                    out[i] = AudioSegment(data=dst.read_bytes(), sample_width=SAMPLE_WIDTH,
                                          frame_rate=sample_rate, channels=1)
    return [seg for seg in out if seg is not None]


def trim_silence(seg: AudioSegment) -> AudioSegment:
    """Cut leading and trailing silence, judged relative to the clip's own loudness."""
    if len(seg) == 0 or seg.dBFS == float("-inf"):
        return seg
    threshold = seg.dBFS - 20
    start = max(0, detect_leading_silence(seg, silence_threshold=threshold) - KEEP_EDGE_MS)
    end = max(0, detect_leading_silence(seg.reverse(), silence_threshold=threshold)
              - KEEP_EDGE_MS)
    if start + end >= len(seg):
        return seg
    return seg[start:len(seg) - end]


def silence_bytes(ms: int, sample_rate: int) -> bytes:
    """Return raw PCM silence of `ms` milliseconds."""
    return b"\0" * (SAMPLE_WIDTH * (sample_rate * ms // 1000))


def level_clip(seg: AudioSegment, target_dbfs: float = TARGET_DBFS) -> AudioSegment:
    """Bring the clip's average level to `target_dbfs`, never pushing peaks past -1 dBFS.

    Google's voice and the offline voice come at different levels; a listener should not have
    to reach for the volume when a paragraph falls back to the other voice.
    """
    if len(seg) == 0 or seg.dBFS == float("-inf"):
        return seg
    gain = min(target_dbfs - seg.dBFS, -1.0 - seg.max_dBFS)
    return seg.apply_gain(gain) if abs(gain) > 0.1 else seg


def shape_clip(seg: AudioSegment, trim: bool = True) -> bytes:
    """Return decoded clip audio trimmed of its own silence and levelled, as raw PCM."""
    return bytes(level_clip(trim_silence(seg) if trim else seg).raw_data)


def shaped_key(audio: bytes, fmt: str, sample_rate: int) -> str:
    """Return the scratch-cache key of a clip's shaped PCM (see shape_clip, trimmed)."""
    return hashlib.sha256(b"%d:%s:%d\x00" % (STITCH_VERSION, fmt.encode(), sample_rate)
                          + audio).hexdigest()


def prepare_clip(clip: SegmentClip, sample_rate: int) -> bytes:
    """Return the clip as trimmed, levelled raw PCM at `sample_rate` (no pause)."""
    return shape_clip(decode_clip(clip.audio, clip.audio_format, sample_rate))


def phrase_bounds(raw: bytes, sample_rate: int, weights: Sequence[int]) -> list[int]:
    """Return where each phrase of a clip ends (ms from the clip's start), the last at its end.

    A first guess puts the cuts in proportion to `weights` (the phrases' spoken lengths); each
    cut then moves to the quietest short window within PHRASE_SEARCH_MS, where one phrase's
    audio ends and the next begins (every phrase is its own request, with its own silences).
    """
    seg = AudioSegment(data=raw, sample_width=SAMPLE_WIDTH, frame_rate=sample_rate, channels=1)
    total, whole = len(seg), max(1, sum(weights))
    ends, acc, low = [], 0, 0
    for w in weights[:-1]:
        acc += w
        guess = total * acc // whole
        best, quiet = guess, None
        lo = max(low + PHRASE_WINDOW_MS, guess - PHRASE_SEARCH_MS)
        hi = min(total - PHRASE_WINDOW_MS, guess + PHRASE_SEARCH_MS)
        for at in range(lo, hi, PHRASE_WINDOW_MS // 3):
            level = seg[at:at + PHRASE_WINDOW_MS].rms + abs(at - guess) // 100
            if quiet is None or level < quiet:
                best, quiet = at + PHRASE_WINDOW_MS // 2, level
        low = max(low, min(best, total))
        ends.append(low)
    return [*ends, total]


def _phrases(raw: bytes, sample_rate: int, start_ms: int, end_ms: int,
             cuts: Sequence[tuple[int, int, int]]) -> list[dict[str, int]]:
    if not cuts:
        return []
    ends = phrase_bounds(raw, sample_rate, [c[0] for c in cuts]) if len(cuts) > 1 else []
    return timed_phrases(start_ms, end_ms, cuts, ends)


def render_pcm(clips: Sequence[SegmentClip], sample_rate: int,
               prepared: Mapping[int, bytes] | None = None,
               phrasing: Phrasing | None = None) -> tuple[bytes, list[TimingEntry]]:
    """Return the joined raw PCM of `clips` with pauses, and the timing map.

    `prepared` maps segment indexes to PCM already made by `prepare_clip` (the pipeline decodes
    clips while the rest are still being synthesized); the others are decoded here in parallel.
    With `phrasing`, each entry also times the segment's phrases (see phrase_bounds).
    """
    prepared = dict(prepared or {})
    missing = [c for c in clips if c.segment.index not in prepared]
    if missing:
        decoded = decode_clips([(c.audio, c.audio_format) for c in missing], sample_rate)
        for clip, seg in zip(missing, decoded, strict=True):
            prepared[clip.segment.index] = shape_clip(seg)
    parts: list[bytes] = []
    timings: list[TimingEntry] = []
    samples = 0
    for clip in clips:
        raw = prepared[clip.segment.index]
        start = samples
        samples += len(raw) // SAMPLE_WIDTH
        start_ms, end_ms = start * 1000 // sample_rate, samples * 1000 // sample_rate
        timings.append(TimingEntry(
            index=clip.segment.index, kind=clip.segment.kind, text=clip.segment.display,
            start_ms=start_ms, end_ms=end_ms, engine=clip.engine,
            phrases=_phrases(raw, sample_rate, start_ms, end_ms,
                             phrasing(clip.segment) if phrasing else ()),
        ))
        pause = silence_bytes(max(0, clip.segment.pause_ms), sample_rate)
        samples += len(pause) // SAMPLE_WIDTH
        parts.extend((raw, pause))
    return b"".join(parts), timings


def encode_pcm(pcm: bytes, out_path: Path, *, fmt: str, sample_rate: int, bitrate_kbps: int,
               channels: int = 1, out_rate: int | None = None,
               filters: str | None = None) -> None:
    """Encode raw mono PCM into `out_path` (written in place: callers pass a temp path)."""
    if fmt not in ENCODERS:
        raise AudioError(f"Định dạng âm thanh không hỗ trợ: {fmt}")
    args = ["-y", "-f", "s16le", "-ar", str(sample_rate), "-ac", "1", "-i", "pipe:0"]
    if filters:
        args += ["-af", filters]
    args += ["-ac", str(channels), "-ar", str(out_rate or sample_rate)]
    args += [a.format(kbps=bitrate_kbps) for a in ENCODERS[fmt]]
    run_ffmpeg([*args, str(out_path)], input_bytes=pcm)


def stitch(clips: Sequence[SegmentClip], out_path: Path, *, fmt: str = "mp3",
           bitrate_kbps: int = 32, sample_rate: int = 24000,
           tags: dict[str, Any] | None = None,
           prepared: Mapping[int, bytes] | None = None,
           phrasing: Phrasing | None = None) -> Program:
    """Join `clips` with their pauses into one file at `out_path`, atomically, and tag it."""
    if not clips:
        raise AudioError("Không có đoạn âm thanh nào để ghép")
    out_path = Path(out_path)
    pcm, timings = render_pcm(clips, sample_rate, prepared, phrasing)
    duration_ms = len(pcm) // SAMPLE_WIDTH * 1000 // sample_rate
    write_atomically(out_path, lambda tmp: _encode_and_tag(pcm, tmp, fmt, sample_rate,
                                                           bitrate_kbps, tags, timings))
    engines = Counter(t.engine for t in timings)
    return Program(path=str(out_path), duration_ms=duration_ms, timings=timings,
                   bytes=out_path.stat().st_size, engines=dict(engines))


def _encode_and_tag(pcm: bytes, tmp: Path, fmt: str, sample_rate: int, bitrate_kbps: int,
                    tags: dict[str, Any] | None, timings: list[TimingEntry]) -> None:
    encode_pcm(pcm, tmp, fmt=fmt, sample_rate=sample_rate, bitrate_kbps=bitrate_kbps)
    if fmt == "mp3" and tags is not None:
        write_tags(tmp, chapters=timings, **tags)


def probe_duration_ms(path: Path) -> int:
    """Return the decoded duration of an audio file in milliseconds (ffmpeg alone, no ffprobe)."""
    pcm = run_ffmpeg(["-i", str(path), "-f", "s16le", "-ac", "1", "-ar", "8000", "pipe:1"])
    return len(pcm) // SAMPLE_WIDTH * 1000 // 8000
