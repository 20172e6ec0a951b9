"""Resilience around an engine: retries with backoff, a rate limit, a circuit breaker.

The fallback from Google to the offline voice happens per segment in the pipeline; this module
makes each engine call as likely to succeed as it can be without hammering Google.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from ..errors import SynthesisError
from .base import Engine

log = logging.getLogger(__name__)


class RateLimiter:
    """A token bucket shared by every thread of the process: at most `rate` calls a second."""

    def __init__(self, rate: float, burst: int = 1, clock: Callable[[], float] = time.monotonic):
        self.rate = rate
        self.burst = max(1, burst)
        self._clock = clock
        self._tokens = float(self.burst)
        self._last = clock()
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Wait for a token; return the seconds waited."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
            self._last = now
            self._tokens -= 1.0
            wait = 0.0 if self._tokens >= 0 else -self._tokens / self.rate
        if wait > 0:
            time.sleep(wait)
        return wait


class CircuitBreaker:
    """After `threshold` failures in a row, refuse calls for `cooldown` seconds."""

    def __init__(self, threshold: int, cooldown: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.threshold = max(1, threshold)
        self.cooldown = cooldown
        self._clock = clock
        self._failures = 0
        self._open_until = 0.0
        self._lock = threading.Lock()

    @property
    def is_open(self) -> bool:
        """Tell whether calls are being refused right now."""
        with self._lock:
            return self._clock() < self._open_until

    def record_success(self) -> None:
        """Close the breaker."""
        with self._lock:
            self._failures = 0
            self._open_until = 0.0

    def record_failure(self) -> None:
        """Count a failure; open the breaker at the threshold."""
        with self._lock:
            self._failures += 1
            if self._failures >= self.threshold:
                self._open_until = self._clock() + self.cooldown
                self._failures = 0
                log.warning("circuit opened for %.0f s after %d failures",
                            self.cooldown, self.threshold)


@dataclass
class RetryPolicy:
    """How often and how long to retry a failed call."""

    retries: int = 3
    base: float = 0.5
    cap: float = 8.0

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Return the wait before retry number `attempt` (1-based): full jitter, or Retry-After."""
        if retry_after is not None:
            return retry_after
        return random.uniform(0, min(self.cap, self.base * (2 ** (attempt - 1))))


class ResilientEngine:
    """An engine wrapped with rate limit, retries and a circuit breaker; an Engine itself."""

    def __init__(self, engine: Engine, *, limiter: RateLimiter | None = None,
                 breaker: CircuitBreaker | None = None, policy: RetryPolicy | None = None,
                 check: Callable[[bytes, str], str | None] | None = None):
        self.engine = engine
        self.label = engine.label
        self.name = engine.name
        self.audio_format = engine.audio_format
        self.max_chars = engine.max_chars
        self.limiter = limiter
        self.breaker = breaker
        self.policy = policy or RetryPolicy(retries=0)
        # check(audio, format) -> why the answer is not audio, or None: an answer that is not
        # audio (a web page with status 200) is a failure like any other, retried and counted.
        self.check = check
        self.requests = 0
        self.failed_requests = 0  # requests that ended in a failure (429, 5xx, timeout...)
        self._count_lock = threading.Lock()

    @property
    def available(self) -> bool:
        """Tell whether the engine is worth trying now (its circuit is closed)."""
        return self.breaker is None or not self.breaker.is_open

    def synthesize(self, text: str) -> bytes:
        """Return audio for `text`, retrying transient failures; raise SynthesisError."""
        attempt = 0
        while True:
            if not self.available:
                raise SynthesisError(
                    f"Tạm thời không dùng {self.label} sau nhiều lỗi liên tiếp",
                    "hệ thống sẽ thử lại sau thời gian chờ",
                )
            if self.limiter is not None:
                self.limiter.acquire()
            with self._count_lock:
                self.requests += 1
            try:
                audio = self.engine.synthesize(text)
                problem = self.check(audio, self.audio_format) if self.check else None
                if problem is not None:
                    raise SynthesisError(f"{self.label} trả về dữ liệu không phải âm thanh "
                                         f"({problem})", "thử lại sau")
            except SynthesisError as exc:
                with self._count_lock:
                    self.failed_requests += 1
                attempt += 1
                transient = exc.retryable
                if not transient or attempt > self.policy.retries:
                    if transient and self.breaker is not None:
                        self.breaker.record_failure()
                    raise
                wait = self.policy.delay(attempt, exc.retry_after)
                if wait > self.policy.cap:
                    # Retry-After longer than we are willing to wait: give up on this engine now.
                    if self.breaker is not None:
                        self.breaker.record_failure()
                    raise
                log.info("%s failed (%s); retry %d in %.2f s", self.label, exc.message,
                         attempt, wait)
                time.sleep(wait)
                continue
            if self.breaker is not None:
                self.breaker.record_success()
            return audio
