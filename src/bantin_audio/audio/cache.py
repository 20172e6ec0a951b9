"""Content-addressed clip cache: one file per (engine, voice, settings, spoken text)."""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path

log = logging.getLogger(__name__)


def clip_key(engine_name: str, spoken: str) -> str:
    """Return the cache key of a clip: a hash of the engine identity and the spoken text."""
    return hashlib.sha256(f"{engine_name}\x00{spoken}".encode()).hexdigest()


class ClipCache:
    """Clips stored as <root>/<ab>/<key>.<format>, written atomically (temp file + rename)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._lock = threading.Lock()
        self._inflight: dict[str, Future[bytes]] = {}

    def path(self, key: str, fmt: str) -> Path:
        """Return where the clip with this key lives."""
        return self.root / key[:2] / f"{key}.{fmt}"

    def get(self, key: str, fmt: str) -> bytes | None:
        """Return the cached clip, or None."""
        try:
            return self.path(key, fmt).read_bytes()
        except FileNotFoundError:
            return None

    def put(self, key: str, fmt: str, data: bytes) -> Path:
        """Store a clip atomically; return its path."""
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

    def get_or_create(self, key: str, fmt: str, create: Callable[[], bytes]) -> tuple[bytes, bool]:
        """Return (clip, was_cached); the same key requested at once is created only once."""
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
