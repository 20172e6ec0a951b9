"""Content-addressed clip cache: one file per (engine, voice, settings, spoken text).

Only audio gets in: every clip is checked before it is stored (an MP3 must be a chain of MPEG
audio frames, a WAV a RIFF/WAVE file with samples), because a proxy or a refusing Google can
answer 200 with a web page, and a cached page would fail every later reading of the paragraph.
An entry that fails the check when read (or that the stitcher cannot decode, see `evict`) is
removed, so the clip is made again instead of failing forever.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import tempfile
import threading
import wave
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Protocol

from ..errors import AudioError
from .mp3frames import scan_frames

log = logging.getLogger(__name__)

# Decoded clips and finished renditions only save work: each scratch area is kept under this
# size, the least recently used files going first.
SCRATCH_MAX_BYTES = 512 * 1024 * 1024
PRUNE_EVERY = 64  # puts between two checks of an area's size
SHAPED_AREA = "pcm"  # decoded clips, trimmed and levelled (audio.stitch.shape_clip)


def clip_key(engine_name: str, spoken: str) -> str:
    """Return the cache key of a clip: a hash of the engine identity and the spoken text."""
    return hashlib.sha256(f"{engine_name}\x00{spoken}".encode()).hexdigest()


def audio_problem(data: bytes, fmt: str) -> str | None:
    """Return why `data` is not a usable clip of format `fmt`, or None when it is one.

    A header check, not a decode: it costs microseconds per clip, catches everything that is
    not audio (web pages, JSON, empty or truncated answers) and lets real clips through.
    """
    if not data:
        return "rỗng"
    if fmt == "wav":
        try:
            with wave.open(io.BytesIO(data), "rb") as w:
                if w.getnframes() <= 0:
                    return "tệp WAV không có mẫu âm thanh"
        except (wave.Error, EOFError) as exc:
            return f"không phải tệp WAV ({exc})"
        return None
    if fmt != "mp3":
        return None
    found = scan_frames(data)
    if not found.frames:
        start = data[:40].decode("latin-1").strip()
        return f"không phải âm thanh MP3 (bắt đầu bằng {start[:24]!r})"
    if not found.complete:
        return f"dữ liệu MP3 hỏng sau {len(found.frames)} khung"
    return None


class SharedClips(Protocol):
    """Clips shared by every worker machine (object storage), behind the local cache."""

    def get_clip(self, name: str) -> bytes | None:
        """Return the clip stored under `name` (`<key>.<format>`), or None."""
        ...

    def put_clip(self, name: str, data: bytes) -> None:
        """Store a clip under `name` (whole or not at all)."""
        ...

    def drop_clip(self, name: str) -> None:
        """Remove the clip stored under `name`."""
        ...


class ClipCache:
    """Clips stored as <root>/<ab>/<key>.<format>, written atomically (temp file + rename).

    With `shared` (the object store of a deployment on several machines), a clip missing here
    is read from there (and kept here), and every new clip is also stored there, so a job
    taken over by another worker machine re-synthesizes nothing already made. The shared
    store only saves work: its failures are logged, never raised.
    """

    def __init__(self, root: Path, scratch_max_bytes: int = SCRATCH_MAX_BYTES,
                 shared: SharedClips | None = None) -> None:
        self.root = Path(root)
        self.shared = shared
        self.scratch_max_bytes = scratch_max_bytes
        self._lock = threading.Lock()
        self._inflight: dict[str, Future[bytes]] = {}
        self._scratch_puts = 0

    def path(self, key: str, fmt: str) -> Path:
        """Return where the clip with this key lives."""
        return self.root / key[:2] / f"{key}.{fmt}"

    def get(self, key: str, fmt: str) -> bytes | None:
        """Return the cached clip, or None (an entry that is not audio is removed)."""
        try:
            data = self.path(key, fmt).read_bytes()
        except FileNotFoundError:
            return self._get_shared(key, fmt)
        problem = audio_problem(data, fmt)
        if problem is not None:
            log.warning("clip %s.%s in the cache is not audio (%s): removed", key[:12], fmt,
                        problem)
            self.evict(key, fmt)
            return None
        return data

    def evict(self, key: str, fmt: str) -> None:
        """Remove a clip (one that turned out to be unusable), so it is made again."""
        self.path(key, fmt).unlink(missing_ok=True)
        if self.shared is not None:
            try:
                self.shared.drop_clip(f"{key}.{fmt}")
            except Exception as exc:  # the shared store only saves work
                log.warning("clip %s.%s not removed from the shared store: %s", key[:12], fmt,
                            exc)

    def _get_shared(self, key: str, fmt: str) -> bytes | None:
        """Return a clip another machine made (kept here from now on), or None."""
        if self.shared is None:
            return None
        try:
            data = self.shared.get_clip(f"{key}.{fmt}")
        except Exception as exc:  # the shared store only saves work
            log.warning("clip %s.%s not read from the shared store: %s", key[:12], fmt, exc)
            return None
        if data is None:
            return None
        if audio_problem(data, fmt) is not None:
            self.evict(key, fmt)
            return None
        try:
            self._put_local(key, fmt, data)
        except OSError as exc:  # read again from the shared store next time
            log.warning("clip %s.%s not kept locally: %s", key[:12], fmt, exc)
        return data

    def put(self, key: str, fmt: str, data: bytes) -> Path:
        """Store a clip atomically; return its path. Refuse anything that is not audio."""
        problem = audio_problem(data, fmt)
        if problem is not None:
            raise AudioError(f"Không lưu đoạn âm thanh hỏng vào bộ nhớ đệm: {problem}")
        target = self._put_local(key, fmt, data)
        if self.shared is not None:
            try:
                self.shared.put_clip(f"{key}.{fmt}", data)
            except Exception as exc:  # the shared store only saves work
                log.warning("clip %s.%s not stored in the shared store: %s", key[:12], fmt,
                            exc)
        return target

    def _put_local(self, key: str, fmt: str, data: bytes) -> Path:
        target = self.path(key, fmt)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix="." + fmt)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return target

    # -- scratch: derived files kept so that work is not redone -------------------------------

    def scratch_path(self, area: str, key: str, ext: str) -> Path:
        """Return where a derived file (decoded audio, a finished rendition) lives."""
        return self.root / area / key[:2] / f"{key}.{ext}"

    def get_scratch(self, area: str, key: str, ext: str) -> bytes | None:
        """Return a derived file's bytes, or None (a hit counts as a use, for pruning)."""
        path = self.scratch_path(area, key, ext)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        try:
            os.utime(path)
        except OSError:  # a read-only cache is still usable
            pass
        return data

    def prune_scratch(self, area: str) -> int:
        """Delete the least recently used files of `area` beyond its size; return how many."""
        files = []
        for path in (self.root / area).glob("*/*"):
            try:
                st = path.stat()
            except FileNotFoundError:
                continue
            files.append((st.st_mtime, st.st_size, path))
        total = sum(size for _, size, _ in files)
        removed = 0
        for _, size, path in sorted(files):
            if total <= self.scratch_max_bytes:
                break
            path.unlink(missing_ok=True)
            total -= size
            removed += 1
        return removed

    def put_scratch(self, area: str, key: str, ext: str, data: bytes) -> Path | None:
        """Store a derived file atomically; return its path (None when it cannot be written:
        the scratch area only saves work, its failures never fail a reading)."""
        target = self.scratch_path(area, key, ext)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix="." + ext)
        except OSError as exc:
            log.warning("scratch %s not written: %s", area, exc)
            return None
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, target)
        except OSError as exc:
            Path(tmp).unlink(missing_ok=True)
            log.warning("scratch %s not written: %s", area, exc)
            return None
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        with self._lock:
            self._scratch_puts += 1
            prune = self._scratch_puts % PRUNE_EVERY == 0
        if prune:
            self.prune_scratch(area)
        return target

    def get_shaped(self, key: str) -> bytes | None:
        """Return a clip's kept decoded, shaped PCM (16-bit mono), or None.

        A file that cannot be 16-bit samples (odd length: damaged by hand or by the disk) is
        treated as absent, so the clip is decoded again and the file replaced.
        """
        pcm = self.get_scratch(SHAPED_AREA, key, "s16")
        if pcm is not None and len(pcm) % 2:
            log.warning("kept PCM %s has an odd length: decoded again", key[:12])
            return None
        return pcm

    def put_shaped(self, key: str, pcm: bytes) -> None:
        """Keep a clip's decoded, shaped PCM (never fails a reading, see put_scratch)."""
        self.put_scratch(SHAPED_AREA, key, "s16", pcm)

    def get_or_create(self, key: str, fmt: str, create: Callable[[], bytes]) -> tuple[bytes, bool]:
        """Return (clip, was_cached); the same key requested at once is created only once.

        `create` must return audio of format `fmt`; anything else raises AudioError and is not
        stored.
        """
        data = self.get(key, fmt)
        if data is not None:
            return data, True
        with self._lock:
            future = self._inflight.get(key)
            owner = future is None
            if owner:
                future = Future()
                self._inflight[key] = future
        assert future is not None
        if not owner:
            return future.result(), True
        try:
            data = self.get(key, fmt)  # another process may have written it meanwhile
            cached = data is not None
            if data is None:
                data = create()
                self.put(key, fmt, data)
            future.set_result(data)
            return data, cached
        except BaseException as exc:
            future.set_exception(exc)
            raise
        finally:
            with self._lock:
                self._inflight.pop(key, None)
