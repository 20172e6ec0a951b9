"""Resilience around an engine: retries with backoff, a rate limit, a circuit breaker.

The fallback from Google to the offline voice happens per segment in the pipeline; this module
makes each engine call as likely to succeed as it can be without hammering Google.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from ..errors import SynthesisError
from .base import REQUEST_PRIORITY, Engine

log = logging.getLogger(__name__)


class Limiter(Protocol):
    """A rate limit: this process's RateLimiter, or one shared by every worker."""

    def acquire(self) -> float:
        """Wait for a token; return the seconds waited."""


class Breaker(Protocol):
    """A circuit breaker: this process's CircuitBreaker, or one shared by every worker."""

    @property
    def is_open(self) -> bool:
        """Tell whether calls are being refused right now."""

    def record_success(self) -> None:
        """Close the breaker."""

    def record_failure(self) -> None:
        """Count a failure; open the breaker at the threshold."""


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


class AdaptiveConcurrency:
    """How many requests may be in flight at once, adapted to how the server answers (AIMD).

    Starts at `start`; every answer that comes back well adds one request until the first sign
    of congestion (as TCP's slow start), then 1/limit (one more request per round of
    answers); a 429 or 5xx halves the limit, once per round (the requests already in
    flight when it halved do not halve it again); never above `ceiling` nor below 1. Waiting
    requests go in order of priority (REQUEST_PRIORITY, then arrival), so the first paragraph
    goes first; when the first requests of a burst find nothing in flight, they wait
    `gather_s` for the rest of the burst, so that order holds from the very first request.
    """

    def __init__(self, start: int, ceiling: int, gather_s: float = 0.03) -> None:
        self.ceiling = max(1, ceiling)
        self.limit = float(min(max(1, start), self.ceiling))
        self.gather_s = gather_s
        self._slow_start = True
        self._in_flight = 0
        self._started = 0
        self._round_end = 0  # requests started up to here belong to the round already halved
        self._queue: list[tuple[tuple[int, ...], int]] = []
        self._order = itertools.count()
        self._cond = threading.Condition()
        self._gathering_until = 0.0
        self.peak = 0  # most requests in flight at once
        self.decreases = 0

    @property
    def in_flight(self) -> int:
        """Return how many requests are under way."""
        with self._cond:
            return self._in_flight

    def acquire(self, priority: tuple[int, ...] = ()) -> int:
        """Wait for a slot (the best-priority waiter first); return a ticket for `release`."""
        with self._cond:
            entry = (priority, next(self._order))
            heapq.heappush(self._queue, entry)
            now = time.monotonic()
            if self._in_flight == 0 and len(self._queue) == 1 and now >= self._gathering_until:
                self._gathering_until = now + self.gather_s  # an idle gate: gather the burst
            while True:
                wait = self._gathering_until - time.monotonic()
                if wait > 0:
                    self._cond.wait(wait)
                    continue
                if self._queue[0] == entry and self._in_flight < int(self.limit):
                    break
                self._cond.wait()
            heapq.heappop(self._queue)
            self._in_flight += 1
            self._started += 1
            self.peak = max(self.peak, self._in_flight)
            self._cond.notify_all()  # the next in line may fit too
            return self._started

    def release(self, ticket: int, congested: bool | None) -> None:
        """Give the slot back: congested=True on 429/5xx/timeouts, False on success, None
        otherwise (a refusal that says nothing about load)."""
        with self._cond:
            self._in_flight -= 1
            if congested is False:
                step = 1.0 if self._slow_start else 1.0 / self.limit
                self.limit = min(float(self.ceiling), self.limit + step)
            elif congested and ticket > self._round_end:
                self._slow_start = False
                self.limit = max(1.0, self.limit / 2)
                self._round_end = self._started
                self.decreases += 1
                log.info("server congested: %d requests at once now", int(self.limit))
            self._cond.notify_all()


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

    def __init__(self, engine: Engine, *, limiter: Limiter | None = None,
                 breaker: Breaker | None = None, policy: RetryPolicy | None = None,
                 check: Callable[[bytes, str], str | None] | None = None,
                 concurrency: AdaptiveConcurrency | None = None):
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
        self.concurrency = concurrency
        self.requests = 0
        self.failed_requests = 0  # requests that ended in a failure (429, 5xx, timeout...)
        self._count_lock = threading.Lock()

    @property
    def available(self) -> bool:
        """Tell whether the engine is worth trying now (its circuit is closed)."""
        return self.breaker is None or not self.breaker.is_open

    def _attempt(self, text: str) -> bytes:
        """Make one request: a concurrency slot, a rate-limit token, the call, the check."""
        ticket = self.concurrency.acquire(REQUEST_PRIORITY.get()) \
            if self.concurrency is not None else 0
        congested: bool | None = None
        try:
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
                # 429 and 5xx say "too much"; so does a timeout or a refused connection (no
                # status): fewer requests at once until answers come back.
                status = exc.status
                congested = True if status == 429 or (status or 0) >= 500 or \
                    (status is None and exc.retryable) else None
                with self._count_lock:
                    self.failed_requests += 1
                raise
            congested = False
            return audio
        finally:
            if self.concurrency is not None:
                self.concurrency.release(ticket, congested)

    def synthesize(self, text: str) -> bytes:
        """Return audio for `text`, retrying transient failures; raise SynthesisError."""
        attempt = 0
        while True:
            if not self.available:
                raise SynthesisError(
                    f"Tạm thời không dùng {self.label} sau nhiều lỗi liên tiếp",
                    "hệ thống sẽ thử lại sau thời gian chờ",
                )
            try:
                audio = self._attempt(text)
            except SynthesisError as exc:
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
