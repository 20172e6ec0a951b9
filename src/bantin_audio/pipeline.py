"""Script -> clips -> Program: bounded concurrency, reading order, progress callbacks.

Engines are used only through the Engine protocol, in order of preference: each segment is
spoken by the first engine that succeeds (Google, then the offline voice in `auto`), and the
engine that spoke it is recorded. Long segments are cut into phrases for engines with a length
limit; phrases of all segments share one pool of workers and wait for the engine's slots in
reading order, so the first segments start at once and the total time is bounded by the number
of parallel requests, not by the longest paragraph.
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import json
import logging
import shutil
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from concurrent.futures import TimeoutError as FutureTimeout
from functools import partial
from pathlib import Path
from typing import Any

from .audio.cache import ClipCache, clip_key
from .audio.stitch import (
    STITCH_VERSION,
    decode_clip,
    prepare_clip,
    shaped_key,
    stitch,
    write_atomically,
)
from .config import Settings
from .engines.base import FIRST_AUDIO, REQUEST_PRIORITY, Engine
from .errors import AudioError, SynthesisError
from .model import Program, Progress, Script, Segment, SegmentClip, TimingEntry
from .speech.chunks import split_phrases
from .speech.phrases import phrase_spans

log = logging.getLogger(__name__)

ProgressCallback = Callable[[Progress], None]
ClipCallback = Callable[[SegmentClip], None]


class Pipeline:
    """Synthesize scripts with a list of engines, a clip cache and bounded concurrency."""

    def __init__(self, engines: Sequence[Engine], cache: ClipCache, settings: Settings) -> None:
        if not engines:
            raise ValueError("a pipeline needs at least one engine")
        self.engines = list(engines)
        self.cache = cache
        self.settings = settings
        ceiling = settings.concurrency
        # Each engine has its own slots, so the offline voice never waits behind Google's
        # requests; an engine that adapts its concurrency (Google) admits fewer at a time, in
        # reading order. The phrase threads outnumber the slots so that every waiting phrase
        # reaches that ordered queue instead of a first-come one.
        self._slots: dict[str, Any] = {
            e.name: contextlib.nullcontext() if getattr(e, "concurrency", None) is not None
            else threading.BoundedSemaphore(ceiling) for e in self.engines}
        self._phrase_pool = ThreadPoolExecutor(max_workers=4 * ceiling,
                                               thread_name_prefix="phrase")
        # The first paragraphs' phrases have threads of their own: they never queue behind
        # later paragraphs' phrases for a thread before reaching the ordered queue.
        self._first_pool = ThreadPoolExecutor(max_workers=ceiling, thread_name_prefix="first")
        # Google's reading of the first paragraphs, when it outlives their deadline
        self._late_pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="late")

    @property
    def request_count(self) -> int:
        """Return how many engine requests this pipeline has made so far."""
        return sum(getattr(e, "requests", 0) for e in self.engines)

    def close(self) -> None:
        """Stop the worker threads."""
        self._phrase_pool.shutdown(wait=True, cancel_futures=True)
        self._first_pool.shutdown(wait=True, cancel_futures=True)
        self._late_pool.shutdown(wait=True, cancel_futures=True)

    def _engine(self, label: str) -> Engine | None:
        return next((e for e in self.engines if e.label == label), None)

    def evict(self, clip: SegmentClip) -> None:
        """Remove `clip` from the cache (it could not be decoded), so it is made again."""
        engine = self._engine(clip.engine)
        if engine is not None:
            log.warning("segment %d: clip by %s cannot be decoded; removed from the cache",
                        clip.segment.index, clip.engine)
            self.cache.evict(clip_key(engine.name, clip.segment.spoken), clip.audio_format)

    def evict_undecodable(self, clips: Sequence[SegmentClip]) -> int:
        """Decode each clip; remove the ones that fail from the cache; return how many failed."""
        bad = 0
        for clip in clips:
            try:
                decode_clip(clip.audio, clip.audio_format, self.settings.sample_rate)
            except AudioError:
                self.evict(clip)
                bad += 1
        return bad

    # -- one segment ---------------------------------------------------------------------------

    def cached_clip(self, segment: Segment) -> SegmentClip | None:
        """Return a clip of `segment` already in the cache from any engine, best engine first."""
        for engine in self.engines:
            data = self.cache.get(clip_key(engine.name, segment.spoken), engine.audio_format)
            if data is not None:
                return SegmentClip(segment, data, engine.audio_format, engine.label, cached=True)
        return None

    def synthesize_segment(self, segment: Segment, prefer_primary: bool = False) -> SegmentClip:
        """Return the clip of `segment`: from the cache, else the first engine that succeeds.

        With `prefer_primary`, a cached clip from a fallback voice is not enough while the
        preferred engine is available again: it is asked first, and the cached fallback clip
        is still used if it fails (the service upgrades articles read during an outage).
        """
        clip = self.cached_clip(segment)
        primary = self.engines[0]
        if clip is not None and not (prefer_primary and clip.engine != primary.label
                                     and getattr(primary, "available", True)):
            return clip
        failures: list[str] = []
        for engine in self.engines:
            if not getattr(engine, "available", True):
                failures.append(f"{engine.label}: tạm ngừng sau nhiều lỗi liên tiếp")
                continue
            try:
                data, cached = self._cached_speech(engine, segment)
            except (SynthesisError, AudioError) as exc:
                log.warning("segment %d: %s failed: %s", segment.index, engine.label, exc)
                failures.append(f"{engine.label}: {exc.message}")
                continue
            reason = "; ".join(failures) or None
            if reason:
                log.info("segment %d spoken by %s after: %s", segment.index, engine.label, reason)
            return SegmentClip(segment, data, engine.audio_format, engine.label,
                               fallback_reason=reason, cached=cached)
        raise SynthesisError(
            f"Không đọc được đoạn {segment.index + 1}: " + "; ".join(failures),
            "thử lại sau hoặc dùng --engine espeak",
        )

    def _cached_speech(self, engine: Engine, segment: Segment) -> tuple[bytes, bool]:
        """Return `engine`'s clip of the segment from the clip cache, speaking it on a miss."""
        return self.cache.get_or_create(
            clip_key(engine.name, segment.spoken), engine.audio_format,
            partial(self._speak, engine, segment.spoken, segment.index))

    def _speak(self, engine: Engine, text: str, position: int = 0) -> bytes:
        phrases = split_phrases(text, engine.max_chars) if engine.max_chars else [text]
        first = FIRST_AUDIO.get()
        if len(phrases) == 1:
            return self._request(engine, phrases[0], (position, 0), first)
        pool = self._first_pool if first else self._phrase_pool
        futures = [pool.submit(self._request, engine, p, (position, n), first)
                   for n, p in enumerate(phrases)]
        wait(futures, return_when=FIRST_EXCEPTION)
        failed = next((f for f in futures if f.done() and f.exception() is not None), None)
        if failed is not None:
            for other in futures:
                other.cancel()
            # Let the phrases already under way finish, so no request outlives this call.
            wait(futures)
            raise failed.exception()  # type: ignore[misc]
        # MP3 frames of the same format concatenate into one valid stream; WAV engines take
        # whole segments (max_chars is None), so they never reach this join.
        return b"".join(f.result() for f in futures)

    def _request(self, engine: Engine, phrase: str, priority: tuple[int, int],
                 first: bool = False) -> bytes:
        token = REQUEST_PRIORITY.set(priority)
        first_token = FIRST_AUDIO.set(first)
        try:
            with self._slots[engine.name]:
                return engine.synthesize(phrase)
        finally:
            FIRST_AUDIO.reset(first_token)
            REQUEST_PRIORITY.reset(token)

    # -- a whole script ------------------------------------------------------------------------

    def _offline_now(self, segment: Segment, waited: float) -> SegmentClip | None:
        """Return the last engine's clip of `segment` for a listener who cannot wait longer."""
        offline = self.engines[-1]
        try:
            data, cached = self._cached_speech(offline, segment)
        except (SynthesisError, AudioError) as exc:
            log.warning("segment %d: no offline reading either: %s", segment.index, exc)
            return None
        return SegmentClip(segment, data, offline.audio_format, offline.label, cached=cached,
                           fallback_reason=f"{self.engines[0].label}: chưa trả lời sau "
                                           f"{waited:g} giây")

    def _within_deadline(self, segment: Segment, prefer_primary: bool, deadline: float,
                         late: Callable[[Future[SegmentClip]], None]) -> SegmentClip:
        """Return the segment's clip within `deadline` seconds, by the offline voice if need be.

        Google's reading keeps going in the background; `late` receives its future, so the
        caller can put Google's clip in place of the offline one when it arrives.
        """
        # in the caller's context: the reading keeps its FIRST_AUDIO mark
        fut = self._late_pool.submit(contextvars.copy_context().run, self.synthesize_segment,
                                     segment, prefer_primary)
        try:
            return fut.result(timeout=deadline)
        except FutureTimeout:
            pass
        clip = self._offline_now(segment, deadline)
        if clip is None:
            return fut.result()
        log.info("segment %d: read by %s after %.1f s without %s", segment.index, clip.engine,
                 deadline, self.engines[0].label)
        late(fut)
        return clip

    def _announce_first(self, first: Sequence[Segment]) -> None:
        """Tell the first engine's gate how many requests the first paragraphs will make, so
        they go as soon as all are queued in reading order. A hint, read from the local
        cache's file names alone (no clip read, no shared store asked before the first
        request): a count too high only lets the gate gather for its usual `gather_s`."""
        engine = self.engines[0]
        gate = getattr(engine, "concurrency", None)
        if gate is None:
            return
        gate.expect_first(sum(
            len(split_phrases(seg.spoken, engine.max_chars)) if engine.max_chars else 1
            for seg in first
            if not self.cache.path(clip_key(engine.name, seg.spoken),
                                   engine.audio_format).is_file()))

    def synthesize(self, script: Script, progress: ProgressCallback | None = None,
                   on_clip: ClipCallback | None = None,
                   prefer_primary: bool = False,
                   first_deadline: float | None = None) -> list[SegmentClip]:
        """Return the clips of every segment in reading order, reporting progress per segment.

        `on_clip` gets the clips in reading order. With `first_deadline`, the first paragraphs
        (up to the first body paragraph) that the first engine has not read within that many
        seconds are read by the last engine; when the first engine's clip arrives later it
        replaces that one: `on_clip` is called again for the segment (an upgrade), and the
        returned list holds it. The call returns when every such late reading has ended.
        """
        segments = script.segments
        total = len(segments)
        results: list[SegmentClip | None] = [None] * total
        upgraded: dict[int, SegmentClip] = {}
        late_futures: list[Future[SegmentClip]] = []
        emitted = 0
        done = 0
        lock = threading.Lock()
        position = {seg.index: n for n, seg in enumerate(segments)}
        first_count = first_segment_count(segments)
        self._announce_first(segments[:first_count])
        deadline_for = first_count if first_deadline and len(self.engines) > 1 else 0

        def finished(index: int, fut: Future[SegmentClip]) -> None:
            nonlocal emitted, done
            if fut.cancelled() or fut.exception() is not None:
                return
            clip = fut.result()
            with lock:
                n = position[index]
                results[n] = upgraded.pop(index, clip)
                done += 1
                if progress:
                    progress(Progress(done, total, index, clip.engine))
                while emitted < total and results[emitted] is not None:
                    if on_clip:
                        on_clip(results[emitted])  # type: ignore[arg-type]
                    emitted += 1

        def arrived_late(index: int, fut: Future[SegmentClip]) -> None:
            if fut.cancelled() or fut.exception() is not None:
                return
            clip = fut.result()
            with lock:
                n = position[index]
                current = results[n]
                if current is None:  # before the offline clip was even recorded
                    upgraded[index] = clip
                    return
                if clip.engine == current.engine:
                    return
                results[n] = clip
                if n < emitted and on_clip:
                    on_clip(clip)

        def late(index: int, fut: Future[SegmentClip]) -> None:
            with lock:
                late_futures.append(fut)
            fut.add_done_callback(partial(arrived_late, index))

        def run(seg: Segment, n: int) -> SegmentClip:
            # What a listener hears first goes at once, every phrase in parallel.
            FIRST_AUDIO.set(n < first_count)
            if n < deadline_for:
                assert first_deadline is not None
                return self._within_deadline(seg, prefer_primary, first_deadline,
                                             partial(late, seg.index))
            return self.synthesize_segment(seg, prefer_primary)

        with ThreadPoolExecutor(max_workers=self.settings.concurrency,
                                thread_name_prefix="segment") as pool:
            futures = []
            for n, seg in enumerate(segments):
                fut = pool.submit(run, seg, n)
                fut.add_done_callback(partial(finished, seg.index))
                futures.append(fut)
            _, pending = wait(futures, return_when=FIRST_EXCEPTION)
            for f in pending:
                f.cancel()
        with lock:
            waiting = list(late_futures)
        wait(waiting)  # no reading outlives this call
        for f in futures:
            if not f.cancelled() and f.exception() is not None:
                raise f.exception()  # type: ignore[misc]
        return [c for c in results if c is not None]

    # -- stitching without redoing work ----------------------------------------------------

    def prepared_pcm(self, clip: SegmentClip, sample_rate: int | None = None) -> bytes:
        """Return the clip decoded, trimmed and levelled (raw PCM), decoding it only once.

        The PCM is kept in the scratch cache under the clip's content, so publishing a longer
        prefix of an article or re-reading it after an edit never decodes a clip twice.
        """
        rate = sample_rate or self.settings.sample_rate
        key = shaped_key(clip.audio, clip.audio_format, rate)
        pcm = self.cache.get_shaped(key)
        if pcm is None:
            pcm = prepare_clip(clip, rate)
            self.cache.put_shaped(key, pcm)
        return pcm

    def stitch(self, clips: Sequence[SegmentClip], out_path: Path, *, fmt: str = "mp3",
               bitrate_kbps: int = 32, sample_rate: int | None = None,
               tags: dict[str, Any] | None = None,
               prepared: dict[int, bytes] | None = None, keep: bool = True) -> Program:
        """Write `clips` as one file like audio.stitch.stitch, but never redo finished work.

        A finished rendition is kept in the scratch cache under a key made of every clip's
        content, the pauses, the texts of the timing map, the tags and the encoding settings:
        asked again, the file is copied from there without decoding or encoding anything.
        Otherwise only clips never decoded before are decoded (see prepared_pcm), then one
        encode. `keep=False` skips keeping the rendition (a passing prefix of an article).
        """
        rate = sample_rate or self.settings.sample_rate
        key = rendition_key(clips, fmt, bitrate_kbps, rate, tags)
        program = self._reuse_rendition(key, fmt, out_path) if keep else None
        if program is not None:
            return program
        pcm = dict(prepared or {})
        for clip in clips:
            if clip.segment.index not in pcm:
                pcm[clip.segment.index] = self._prepared_or_evict(clip, rate)
        program = stitch(clips, out_path, fmt=fmt, bitrate_kbps=bitrate_kbps, sample_rate=rate,
                         tags=tags, prepared=pcm, phrasing=segment_phrasing)
        if keep:
            self._keep_rendition(key, fmt, out_path, program)
        return program

    def _prepared_or_evict(self, clip: SegmentClip, rate: int) -> bytes:
        try:
            return self.prepared_pcm(clip, rate)
        except AudioError:
            self.evict(clip)  # the next attempt makes the clip again
            raise

    def _reuse_rendition(self, key: str, fmt: str, out_path: Path) -> Program | None:
        meta_raw = self.cache.get_scratch("renditions", key, "json")
        source = self.cache.scratch_path("renditions", key, fmt)
        if meta_raw is None or not source.is_file():
            return None
        try:
            meta = json.loads(meta_raw)
            if source.stat().st_size != meta["bytes"] or file_sha256(source) != meta["sha256"]:
                raise ValueError("changed since it was kept")
            timings = [TimingEntry(**t) for t in meta["timings"]]
        except (ValueError, KeyError, TypeError, OSError) as exc:
            log.warning("kept rendition %s unusable (%s): made again", key[:12], exc)
            return None
        # A copy, not a link: whoever edits the output file in place must not change the copy
        # kept here.
        write_atomically(Path(out_path), lambda tmp: shutil.copyfile(source, tmp))
        return Program(path=str(out_path), duration_ms=meta["duration_ms"], timings=timings,
                       bytes=meta["bytes"], engines=meta["engines"])

    def _keep_rendition(self, key: str, fmt: str, out_path: Path, program: Program) -> None:
        try:
            data = Path(out_path).read_bytes()
        except OSError:
            return
        if self.cache.put_scratch("renditions", key, fmt, data) is None:
            return
        meta = {"duration_ms": program.duration_ms, "bytes": len(data),
                "sha256": hashlib.sha256(data).hexdigest(), "engines": program.engines,
                "timings": [t.to_dict() for t in program.timings]}
        self.cache.put_scratch("renditions", key, "json", json.dumps(meta).encode())

    # -- a whole reading to one file -------------------------------------------------------

    def render(self, script: Script, out_path: Path, progress: ProgressCallback | None = None,
               tags: dict[str, Any] | None = None, fmt: str = "mp3") -> Program:
        """Synthesize `script` and write the stitched, tagged program to `out_path` atomically.

        An unchanged reading is copied from the scratch cache (no decode, no encode); a reading
        with some new clips decodes only those, as they arrive, and encodes once.
        """
        rate = self.settings.sample_rate
        decoding: dict[int, Future[bytes]] = {}
        # Decode each newly made clip as soon as it is ready, while later segments are still
        # synthesized, so only the encoding is left when the last clip arrives. Clips that
        # came from the cache wait: the whole rendition may be in the scratch cache already.
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="decode") as decoders:
            def on_clip(clip: SegmentClip) -> None:
                if not clip.cached:
                    decoding[clip.segment.index] = decoders.submit(self.prepared_pcm, clip,
                                                                   rate)

            clips = self.synthesize(script, progress, on_clip)
            prepared: dict[int, bytes] = {}
            for n, clip in enumerate(clips):
                fut = decoding.get(clip.segment.index)
                try:
                    if fut is not None:
                        prepared[clip.segment.index] = fut.result()
                except AudioError:
                    # A clip that cannot be decoded (a damaged cache entry) is made again once.
                    self.evict(clip)
                    clips[n] = self.synthesize_segment(clip.segment)
                    prepared[clip.segment.index] = prepare_clip(clips[n], rate)
        total = len(clips)
        if progress:
            progress(Progress(total, total, stage="stitch"))
        if tags is None:
            tags = default_tags(script)
        bitrate = self.settings.bitrate_kbps if fmt == "mp3" else 24
        try:
            program = self.stitch(clips, out_path, fmt=fmt, bitrate_kbps=bitrate,
                                  sample_rate=rate, tags=tags, prepared=prepared)
        except AudioError:
            # A cached clip the decoder refuses was evicted: make it again, stitch once more.
            clips = [c if c.segment.index in prepared else self._fresh(c) for c in clips]
            program = self.stitch(clips, out_path, fmt=fmt, bitrate_kbps=bitrate,
                                  sample_rate=rate, tags=tags, prepared=prepared)
        if progress:
            progress(Progress(total, total, stage="done"))
        return program

    def _fresh(self, clip: SegmentClip) -> SegmentClip:
        """Return `clip`, or a new one when its cache entry was evicted as undecodable."""
        engine = self._engine(clip.engine)
        if engine is not None and self.cache.get(clip_key(engine.name, clip.segment.spoken),
                                                 clip.audio_format) is None:
            return self.synthesize_segment(clip.segment)
        return clip


# Bump when the phrase timing of the map changes: kept renditions are then timed again.
PHRASE_TIMING_VERSION = 1


def segment_phrasing(segment: Segment) -> list[tuple[int, int, int]]:
    """Return (spoken characters, shown start, shown end) of each phrase of `segment`."""
    return [(p.chars, p.start, p.end) for p in phrase_spans(segment.display, segment.spoken)]


def rendition_key(clips: Sequence[SegmentClip], fmt: str, bitrate_kbps: int, sample_rate: int,
                  tags: dict[str, Any] | None) -> str:
    """Return the content address of a rendition: everything that shapes its bytes."""
    h = hashlib.sha256()
    head = {"v": STITCH_VERSION, "phrases": PHRASE_TIMING_VERSION, "fmt": fmt,
            "kbps": bitrate_kbps, "rate": sample_rate, "tags": tags}
    h.update(json.dumps(head, sort_keys=True, default=str).encode())
    for clip in clips:
        seg = clip.segment
        h.update(json.dumps([seg.index, seg.kind, seg.display, seg.pause_ms, clip.engine,
                             clip.audio_format], ensure_ascii=False).encode())
        h.update(hashlib.sha256(clip.audio).digest())
    return h.hexdigest()


def file_sha256(path: Path) -> str:
    """Return the SHA-256 of a file, read in blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 16), b""):
            h.update(block)
    return h.hexdigest()


def first_segment_count(segments: Sequence[Segment]) -> int:
    """Return how many segments a listener hears first: up to the first body paragraph."""
    for n, seg in enumerate(segments):
        if seg.kind not in ("title", "date"):
            return n + 1
    return len(segments)


def default_tags(script: Script) -> dict[str, Any]:
    """Return the ID3 tags for one article's reading."""
    return {
        "title": script.title,
        "artist": script.author or "bantin-audio",
        "album": "Bản tin",
        "date": script.date,
        "source_url": script.source_url,
    }
