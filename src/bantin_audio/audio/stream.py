"""Stream a long programme to disk: clips are decoded one window at a time, never all at once.

A programme is a sequence of parts: clips (loaded lazily, decoded, trimmed of their own silence)
and silences. Each decoded clip's PCM is written straight into a mono 16-bit WAV on disk and
handed to optional sinks (a loudness meter running in a parallel ffmpeg), then dropped; pauses
are written as zero PCM in small blocks. Memory therefore depends on the longest clip and the
decode window, not on the programme's length. Decoding runs a few clips ahead in worker
threads (each decode is an ffmpeg process), so the cores stay busy while the writer waits.

With a clip cache, a clip whose shaped PCM is kept in its scratch area (every clip of an
article already read: see Pipeline.prepared_pcm) is not decoded at all, and a clip decoded
here is kept there, so a programme rebuilt from the same clips decodes nothing.
"""

from __future__ import annotations

import logging
import wave
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import AudioError
from .cache import ClipCache
from .stitch import SAMPLE_WIDTH, decode_clips, shape_clip, shaped_key, write_atomically

log = logging.getLogger(__name__)

SILENCE_BLOCK_MS = 1000  # zero PCM is written in blocks of this length, whatever the pause


@dataclass(frozen=True)
class Clip:
    """A clip of the programme: `load()` returns (bytes, format) when it is its turn."""

    load: Callable[[], tuple[bytes, str]]
    tag: Any = None  # the caller's handle, returned with the clip's placement
    trim: bool = True  # cut the clip's own leading and trailing silence


@dataclass(frozen=True)
class Silence:
    """A pause of `ms` milliseconds."""

    ms: int


Part = Clip | Silence
PcmSink = Callable[[bytes], None]


@dataclass(frozen=True)
class Placement:
    """Where a clip landed in the programme, in samples at the programme's rate."""

    tag: Any
    start: int
    end: int


@dataclass
class StreamedProgram:
    """The WAV written by `stream_program` and where each clip sits in it."""

    path: Path
    sample_rate: int
    samples: int
    placements: list[Placement]

    @property
    def duration_ms(self) -> int:
        """Return the programme's length in milliseconds."""
        return self.samples * 1000 // self.sample_rate

    def ms(self, sample: int) -> int:
        """Return the time in milliseconds of a sample position."""
        return sample * 1000 // self.sample_rate


def _decode_batch(clips: list[Clip], sample_rate: int,
                  kept: ClipCache | None = None) -> list[bytes]:
    """Load a run of clips and return each trimmed and levelled, decoding in one go the ones
    whose shaped PCM is not kept in `kept` (and keeping theirs)."""
    loaded = [clip.load() for clip in clips]
    out: list[bytes | None] = [None] * len(clips)
    keys: dict[int, str] = {}
    if kept is not None:
        for i, (clip, (data, fmt)) in enumerate(zip(clips, loaded, strict=True)):
            if clip.trim:  # the kept PCM is the trimmed shape
                keys[i] = shaped_key(data, fmt, sample_rate)
                out[i] = kept.get_shaped(keys[i])
    todo = [i for i, pcm in enumerate(out) if pcm is None]
    if todo:
        segs = decode_clips([loaded[i] for i in todo], sample_rate)
        for i, seg in zip(todo, segs, strict=True):
            pcm = shape_clip(seg, clips[i].trim)
            out[i] = pcm
            if kept is not None and i in keys:
                kept.put_shaped(keys[i], pcm)
    return [pcm for pcm in out if pcm is not None]


def _decoded(parts: Iterable[Part], sample_rate: int, workers: int, window: int,
             batch: int = 16, kept: ClipCache | None = None
             ) -> Iterator[tuple[Part, bytes | None]]:
    """Yield each part in order with its PCM (None for silences), decoding batches ahead.

    Clips are decoded several at a time (one ffmpeg process per batch) in worker threads. The
    batches grow 1, 2, 4, ... up to `batch`, so the first clips reach the programme at once
    and the long tail is decoded cheaply; at most `window` decoded clips wait in memory, so
    memory stays flat however long the programme runs.
    """
    window = max(1, window)
    groups: deque[tuple[list[Part], int, Future[list[bytes]] | None]] = deque()
    current: list[Part] = []
    size = 1

    def pending() -> int:
        return sum(n for _, n, _ in groups)

    def drain_one() -> Iterator[tuple[Part, bytes | None]]:
        group, _, fut = groups.popleft()
        pcms = iter(fut.result() if fut is not None else [])
        for part in group:
            yield part, next(pcms) if isinstance(part, Clip) else None

    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="decode") as pool:

        def flush() -> Iterator[tuple[Part, bytes | None]]:
            clips = [p for p in current if isinstance(p, Clip)]
            while groups and pending() + len(clips) > window:
                yield from drain_one()
            fut = pool.submit(_decode_batch, clips, sample_rate, kept) if clips else None
            groups.append((list(current), len(clips), fut))
            current.clear()

        try:
            for part in parts:
                current.append(part)
                if sum(1 for p in current if isinstance(p, Clip)) >= min(size, batch, window):
                    yield from flush()
                    size *= 2
                # Write whatever is already decoded, so the programme keeps up with the voice.
                while groups and (groups[0][2] is None or groups[0][2].done()):
                    yield from drain_one()
            if current:
                yield from flush()
            while groups:
                yield from drain_one()
        finally:
            for _, _, fut in groups:
                if fut is not None:
                    fut.cancel()


def stream_program(parts: Iterable[Part], out_path: Path, *, sample_rate: int,
                   sinks: Iterable[PcmSink] = (), workers: int = 2, window: int = 32,
                   on_part: Callable[[Part], None] | None = None,
                   kept: ClipCache | None = None) -> StreamedProgram:
    """Write `parts` as one mono 16-bit WAV at `out_path` atomically, holding only a window.

    With `kept`, clips' shaped PCM is read from and written to its scratch area.
    """
    out_path = Path(out_path)
    sinks = list(sinks)
    placements: list[Placement] = []
    samples = 0
    silence_block = b"\0" * (SAMPLE_WIDTH * sample_rate * SILENCE_BLOCK_MS // 1000)

    def produce(tmp: Path) -> None:
        nonlocal samples
        try:
            wav = wave.open(str(tmp), "wb")
        except (OSError, wave.Error) as exc:
            raise AudioError(f"Không ghi được tệp tạm {tmp}: {exc}") from exc
        with wav:
            wav.setnchannels(1)
            wav.setsampwidth(SAMPLE_WIDTH)
            wav.setframerate(sample_rate)

            def emit(pcm: bytes) -> None:
                wav.writeframesraw(pcm)
                for sink in sinks:
                    sink(pcm)

            for part, pcm in _decoded(parts, sample_rate, workers, window, kept=kept):
                if isinstance(part, Silence):
                    n = max(0, part.ms) * sample_rate // 1000
                    samples += n
                    while n > 0:
                        block = silence_block[: min(n, len(silence_block) // SAMPLE_WIDTH)
                                              * SAMPLE_WIDTH]
                        emit(block)
                        n -= len(block) // SAMPLE_WIDTH
                elif pcm is not None:
                    start = samples
                    samples += len(pcm) // SAMPLE_WIDTH
                    emit(pcm)
                    placements.append(Placement(part.tag, start, samples))
                if on_part is not None:
                    on_part(part)

    write_atomically(out_path, produce)
    log.info("streamed %d clips, %d samples at %d Hz into %s", len(placements), samples,
             sample_rate, out_path)
    return StreamedProgram(out_path, sample_rate, samples, placements)
