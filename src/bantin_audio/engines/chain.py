"""Resilience around an engine: retries with backoff, a rate limit, a circuit breaker.

The fallback from Google to the offline voice happens per segment in the pipeline; this module
makes each engine call as likely to succeed as it can be without hammering Google.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import math
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from ..errors import SynthesisError
from .base import FIRST_AUDIO, REQUEST_PRIORITY, Engine

log = logging.getLogger(__name__)


class Limiter(Protocol):
    """A rate limit: this process's RateLimiter, or one shared by every worker."""

    def acquire(self, urgent: bool = False) -> float:
        """Wait for a token; return the seconds waited. An urgent call (a listener's first
        audio) takes its token without waiting while the bucket's debt stays within what the
        limiter lends: the calls after it wait for those tokens instead."""


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
    """A token bucket shared by every thread of the process: at most `rate` calls a second.

    Urgent calls (the phrases of a listener's first paragraph) may take up to `lend` tokens
    ahead without waiting; the bucket's debt makes the calls after them wait, so over any
    stretch of time no more than `burst + lend` calls go beyond the rate.
    """

    def __init__(self, rate: float, burst: int = 1, clock: Callable[[], float] = time.monotonic,
                 lend: int = 0):
        self.rate = rate
        self.burst = max(1, burst)
        self.lend = max(0, lend)
        self._clock = clock
        self._tokens = float(self.burst)
        self._last = clock()
        self._lock = threading.Lock()

    def acquire(self, urgent: bool = False) -> float:
        """Wait for a token (urgent: see the class); return the seconds waited."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
            self._last = now
            self._tokens -= 1.0
            wait = 0.0 if self._tokens >= 0 else -self._tokens / self.rate
        return wait_for_token(wait, self.rate, self.lend if urgent else 0)


def wait_for_token(wait: float, rate: float, lend: int) -> float:
    """Sleep `wait` seconds for a token unless the debt it stands for is within `lend`."""
    if wait <= 0 or wait * rate <= lend + 1e-9:
        return 0.0
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

    Starts at `start` and, while answers come back well, adds one request per good answer (as
    TCP's slow start) up to `ceiling`, until the first refusal stops that growth. Answers are
    judged a round at a time (at least `min_round` answers, and as many as the limit, to
    requests sent during the round), because
    a refusal (429, 5xx, timeout) means one of two things:

      - throttling: the server refuses what goes beyond a rate or a number of requests; fewer
        requests at once bring fewer refusals, and the same work done as soon;
      - refusals independent of load (a share of requests refused whatever we do); fewer
        requests at once then only make the work slower, with as many refusals.

    A round refused more than the tolerated share (plus what chance explains) lowers the limit
    to the share of the round the server took (3 of 4 answered: 3 at once; by one at least and
    by half at most: a "decrease") and ends the slow start; after that, such a decrease is an
    experiment: the next round, at fewer requests at once, must see a significantly smaller
    share refused (`SIGNIFICANT`). If it does, the server is throttling: the limit stays down
    and grows by one per good round from there, except that a limit throttling refused is
    tried again only after 2, 4, 8... good rounds (each refusal there doubling the wait), so
    probing costs few refusals. If it does not, the refusals are independent of load: their
    share (at the lower limit) becomes the tolerated one and the limit goes back to where it
    was for a round that checks the judgement by what the server accepts a second (two short
    rounds' refused shares are weak evidence, and the round that prompted the decrease was
    chosen for its refusals): independent refusals let it accept about as much more as it was
    sent (`PROPORTION`), a throttling server about as much as at the lower limit, and the
    limit comes down again as under throttling. Judged right, the limit grows again by one
    per good answer until a round is refused beyond the tolerated share. A round refused
    mostly (more than `MAJORITY`) halves the limit whatever the cause (an overwhelmed or
    failing server). Never above `ceiling` nor below 1; `adaptive=False` keeps `start`
    fixed.

    Waiting requests go in order of priority (REQUEST_PRIORITY, then arrival), so the first
    paragraph goes first; when the first requests of a burst find nothing in flight, they wait
    `gather_s` for the rest of the burst, so that order holds from the very first request (or
    only until the `first` requests announced by `expect_first` are all there).
    Requests marked `first` (what a listener hears first) may go beyond the limit, up to the
    ceiling, during the slow start and until the first refusal (again after a round without
    one): the first paragraph's phrases all go
    at once, each on its own connection, so its audio takes one round trip, not several.
    """

    SIGNIFICANT = 1.64  # one-sided z of a two-proportion test (about 95 %) that shows throttling
    MAJORITY = 0.5  # a round refused more than this halves the limit whatever the cause
    MAX_PATIENCE = 16  # good rounds before trying again a limit that throttling refused
    PROPORTION = 0.8  # share of "in proportion" that shows refusals independent of load

    def __init__(self, start: int, ceiling: int, gather_s: float = 0.03, *,
                 min_round: int = 8, adaptive: bool = True,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.ceiling = max(1, ceiling)
        self._clock = clock
        self.limit = float(min(max(1, start), self.ceiling))
        self.gather_s = gather_s
        self.min_round = max(1, min_round)
        self.adaptive = adaptive
        self._slow_start = True
        self._growing = True  # the slow start's growth, until the first refusal
        self._in_flight = 0
        self._started = 0
        self._round_start = 0  # answers to tickets after this one make the current round
        self._round = [0, 0]  # answers, refusals
        self._round_began = clock()
        self._refused_at = 0  # the fewest requests at once that throttling refused
        self._patience = 1  # good rounds below it before trying it again
        self._clean = 0  # good rounds in a row
        # the first paragraphs may go beyond the limit: until a refusal, back after a clean round
        self._first_burst = True
        # (limit, answers, refusals) of the round before an experimental decrease
        self._experiment: tuple[float, int, int] | None = None
        # after refusals were judged independent of load: the lower limit of the round that
        # judged so, and the answers it had accepted per second
        self._verify: tuple[float, float] | None = None
        self.tolerated = 0.0  # share of refusals judged independent of load
        # waiters in order of priority, each with its own condition on the gate's one lock:
        # a freed slot wakes the one waiter it is for, not every waiting thread at once
        self._queue: list[tuple[tuple[int, ...], int, threading.Condition]] = []
        self._order = itertools.count()
        self._lock = threading.Lock()
        self._gathering_until = 0.0
        self._first_expected = 0  # first requests announced: the gather ends when all are in
        self._first_arrived = 0
        self._first_expected_until = 0.0
        self.peak = 0  # most requests in flight at once
        self.decreases = 0
        self.throttling: bool | None = None  # what the last experiment found, None before one

    @property
    def in_flight(self) -> int:
        """Return how many requests are under way."""
        with self._lock:
            return self._in_flight

    def acquire(self, priority: tuple[int, ...] = (), first: bool = False) -> int:
        """Wait for a slot (the best-priority waiter first); return a ticket for `release`.

        `first` marks a request of the first paragraphs: see the class's description.
        """
        with self._lock:
            me = threading.Condition(self._lock)
            entry = (priority, next(self._order), me)
            heapq.heappush(self._queue, entry)
            now = time.monotonic()
            if self._in_flight == 0 and len(self._queue) == 1 and now >= self._gathering_until:
                self._gathering_until = now + self.gather_s  # an idle gate: gather the burst
            if first and self._first_expected and now < self._first_expected_until:
                self._first_arrived += 1
                if self._first_arrived >= self._first_expected:
                    self._first_expected = self._first_arrived = 0
                    self._gathering_until = now  # everyone the order is about is here
                    for waiting in self._queue:
                        waiting[2].notify()
            while True:
                wait = self._gathering_until - time.monotonic()
                if wait > 0:
                    me.wait(wait)
                    continue
                if self._queue[0] is entry and self._in_flight < self._room(first):
                    break
                me.wait()
            heapq.heappop(self._queue)
            self._in_flight += 1
            self._started += 1
            self.peak = max(self.peak, self._in_flight)
            self._wake_next()  # the next in line may fit too
            return self._started

    def _wake_next(self) -> None:
        if self._queue:
            self._queue[0][2].notify()

    def expect_first(self, count: int) -> None:
        """Announce `count` requests marked `first` about to arrive: an idle gate gathers only
        until they are all queued (in priority order) instead of the whole `gather_s`."""
        with self._lock:
            self._first_expected, self._first_arrived = max(0, count), 0
            self._first_expected_until = time.monotonic() + 1.0  # a count never met expires

    @property
    def first_burst(self) -> bool:
        """Tell whether requests marked `first` may go beyond the limit right now."""
        return self.adaptive and self._slow_start and self._first_burst

    def _room(self, first: bool) -> int:
        return self.ceiling if first and self.first_burst else int(self.limit)

    def release(self, ticket: int, congested: bool | None) -> None:
        """Give the slot back: congested=True on 429/5xx/timeouts, False on success, None
        otherwise (a refusal that says nothing about load)."""
        with self._lock:
            self._in_flight -= 1
            if congested is not None and self.adaptive:
                self._record(ticket, congested)
            self._wake_next()

    def _set(self, limit: float) -> None:
        self.limit = min(float(self.ceiling), max(1.0, limit))

    def _record(self, ticket: int, congested: bool) -> None:
        if congested:
            self._first_burst = False
            if not self.tolerated:
                # the first refusal ends the growth at once (the round still decides how far
                # to come down): growing on until the round's end would overshoot by as many
                # again. Refusals judged independent of load do not stop it.
                self._growing = False
        if not congested and self._slow_start and self._growing:
            self._set(self.limit + 1)
        if ticket <= self._round_start:
            return  # sent before this round began: it speaks for another limit
        self._round[0] += 1
        self._round[1] += congested
        # The round after an experimental decrease is twice as long: it decides.
        # A round already refused mostly ends at once: waiting for the rest of it only
        # sends more requests that the server refuses.
        deciding = self._experiment is not None or self._verify is not None
        least = max(self.min_round * (2 if deciding else 1), int(self.limit))
        if self._round[0] >= least or self._round[1] > self.MAJORITY * least:
            self._end_round()

    def _end_round(self) -> None:
        answers, refused = self._round
        if not refused:
            self._first_burst = True
        share = refused / answers
        now = self._clock()
        accepted = (answers - refused) / max(1e-3, now - self._round_began)  # a second
        self._round = [0, 0]
        self._round_start = self._started
        self._round_began = now
        experiment, self._experiment = self._experiment, None
        verify, self._verify = self._verify, None
        if verify is not None:
            # Back at the higher limit for a round: refusals independent of load let it get
            # as much more accepted a second as it sends more at once; a server that
            # throttles accepts about as much as at the lower limit (more only up to what it
            # takes). Clearly less than in proportion: throttling after all (two short rounds'
            # refused shares could not tell), or at least nothing gained by more at once.
            lower, accepted_low = verify
            more = int(self.limit) / max(1, int(lower))
            if accepted < accepted_low * self.PROPORTION * more:
                self.tolerated = 0.0
                self.throttling = True
                self._too_many(int(self.limit))
                self._set(lower)
                self.decreases += 1
                log.info("no more accepted at more requests at once: throttling after all, "
                         "%d at once", int(self.limit))
                return
            # judged right: on up, a request more per good answer, while answers allow
            self._slow_start = self._growing = True
        if experiment is not None:
            before, answers_before, refused_before = experiment
            if _z(refused_before, answers_before, refused, answers) < self.SIGNIFICANT:
                # Half the requests, about the same share refused: not the load. The share at
                # the lower limit is the one to tolerate (under throttling, the smaller one).
                # The next round, back where it was, checks that judgement by what Google
                # accepts a second (the round before the decrease, chosen for its refusals,
                # would flatter the lower limit).
                self._verify = (self.limit, accepted)
                self.tolerated = share
                self.throttling = False
                self._refused_at, self._patience = 0, 1
                self._set(before)
                log.info("refusals independent of load (%.0f %%): %d requests at once again",
                         100 * self.tolerated, int(self.limit))
                return
            self.throttling = True
            self._too_many(int(before))
        if share > self.MAJORITY:
            self._too_many(int(self.limit))
            self._lower(answers, refused, experiment=False)
        elif refused and share > self.tolerated + _chance(self.tolerated, answers):
            self._lower(answers, refused, experiment=True)
        elif not self._slow_start or not self._growing:
            self._slow_start = False  # a slow start whose growth a refusal stopped is over
            self._clean += 1
            if int(self.limit) + 1 < self._refused_at or not self._refused_at \
                    or self._clean >= self._patience:
                self._set(self.limit + 1)
                self._clean = 0

    def _too_many(self, level: int) -> None:
        """Note that `level` requests at once were too many: trying it again waits longer."""
        if level <= self._refused_at or not self._refused_at:
            self._patience = min(self.MAX_PATIENCE, self._patience * 2) \
                if level == self._refused_at else 2
            self._refused_at = level

    def _lower(self, answers: int, refused: int, *, experiment: bool) -> None:
        """Lower the limit to the share of the round the server took (at most by half, at
        least by one): a server taking 3 of 4 requests gets 3 at once, not 2."""
        self._slow_start = False
        if self.limit < 2:
            return
        if experiment:
            self._experiment = (self.limit, answers, refused)
        taken = max(0.5, 1 - refused / answers)
        self.limit = max(1.0, min(self.limit - 1, self.limit * taken))
        self.decreases += 1
        log.info("server refused %d of %d answers: %d requests at once now", refused, answers,
                 int(self.limit))


def _z(f1: int, n1: int, f2: int, n2: int) -> float:
    """Return the z statistic of share f1/n1 exceeding share f2/n2 (pooled two-proportion)."""
    pooled = (f1 + f2) / (n1 + n2)
    spread = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    return (f1 / n1 - f2 / n2) / spread if spread else 0.0


def _chance(share: float, answers: int) -> float:
    """Return how far a round's refusal share may stray above `share` by chance alone."""
    p = max(share, 0.05)
    return 2 * math.sqrt(p * (1 - p) / answers)


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
        first = FIRST_AUDIO.get()
        ticket = self.concurrency.acquire(REQUEST_PRIORITY.get(), first) \
            if self.concurrency is not None else 0
        # A listener's first paragraph borrows rate-limit tokens while the server has not
        # pushed back (its retries after a refusal wait for theirs like any other request).
        urgent = first and (self.concurrency is None or self.concurrency.first_burst)
        congested: bool | None = None
        try:
            if self.limiter is not None:
                self.limiter.acquire(urgent)
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
