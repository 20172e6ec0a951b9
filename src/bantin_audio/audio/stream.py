"""Stream a long programme to disk: clips are decoded one window at a time, never all at once.

A programme is a sequence of parts: clips (loaded lazily, decoded, trimmed of their own silence)
and silences. Each decoded clip's PCM is written straight into a mono 16-bit WAV on disk and
handed to optional sinks (a loudness meter running in a parallel ffmpeg), then dropped; pauses
are written as zero PCM in small blocks. Memory therefore depends on the longest clip and the
decode window, not on the programme's length. Decoding runs a few clips ahead in worker
threads (each decode is an ffmpeg process), so the cores stay busy while the writer waits.
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
from .stitch import SAMPLE_WIDTH, decode_clip, trim_silence, write_atomically

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


def _decode(clip: Clip, sample_rate: int) -> bytes:
    data, fmt = clip.load()
    seg = decode_clip(data, fmt, sample_rate)
    if clip.trim:
        seg = trim_silence(seg)
    return bytes(seg.raw_data)


def _decoded(parts: Iterable[Part], sample_rate: int, workers: int,
             window: int) -> Iterator[tuple[Part, bytes | None]]:
    """Yield each part in order with its PCM (None for silences), decoding a window ahead."""
    pending: deque[tuple[Part, Future[bytes] | None]] = deque()
    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="decode") as pool:
        try:
            for part in parts:
                future = pool.submit(_decode, part, sample_rate) if isinstance(part, Clip) \
                    else None
                pending.append((part, future))
                # Bounded lookahead: at most `window` decoded clips wait in memory.
                while sum(1 for _, f in pending if f is not None) > window:
                    first, fut = pending.popleft()
                    yield first, fut.result() if fut is not None else None
            while pending:
                first, fut = pending.popleft()
                yield first, fut.result() if fut is not None else None
        finally:
            for _, fut in pending:
                if fut is not None:
                    fut.cancel()


def stream_program(parts: Iterable[Part], out_path: Path, *, sample_rate: int,
                   sinks: Iterable[PcmSink] = (), workers: int = 2, window: int = 4,
                   on_part: Callable[[Part], None] | None = None) -> StreamedProgram:
    """Write `parts` as one mono 16-bit WAV at `out_path` atomically, holding only a window."""
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

            for part, pcm in _decoded(parts, sample_rate, workers, window):
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
