"""Retries, backoff, Retry-After, rate limit and circuit breaker around the real gTTS engine."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from bantin_audio.engines.chain import (
    AdaptiveConcurrency,
    CircuitBreaker,
    RateLimiter,
    ResilientEngine,
    RetryPolicy,
)
from bantin_audio.engines.google import GoogleEngine
from bantin_audio.errors import SynthesisError
from tests.fakes import FakeGoogle

QUICK = RetryPolicy(retries=3, base=0.01, cap=0.05)


@pytest.mark.parametrize("mode", ["429", "sorry", "500", "timeout", "connection", "noaudio"])
def test_transient_failures_are_retried_until_success(fake_google: FakeGoogle, mode: str) -> None:
    fake_google.mode = mode
    fake_google.fail_first = 2
    engine = ResilientEngine(GoogleEngine(), policy=QUICK)
    assert engine.synthesize("Bản tin sáng nay")
    assert fake_google.requests == 3


def test_gives_up_after_the_configured_retries(fake_google: FakeGoogle) -> None:
    fake_google.mode = "500"
    engine = ResilientEngine(GoogleEngine(), policy=QUICK)
    with pytest.raises(SynthesisError):
        engine.synthesize("Bản tin")
    assert fake_google.requests == 4  # one try and three retries


def test_retry_after_longer_than_the_cap_fails_at_once(fake_google: FakeGoogle) -> None:
    fake_google.mode = "429"
    fake_google.retry_after = "120"
    engine = ResilientEngine(GoogleEngine(), policy=QUICK)
    started = time.monotonic()
    with pytest.raises(SynthesisError):
        engine.synthesize("Bản tin")
    assert fake_google.requests == 1
    assert time.monotonic() - started < 5  # did not sleep for two minutes


def test_short_retry_after_is_waited_for(fake_google: FakeGoogle) -> None:
    fake_google.mode = "429"
    fake_google.retry_after = "0.2"
    fake_google.fail_first = 1
    engine = ResilientEngine(GoogleEngine(), policy=RetryPolicy(retries=2, base=0.0, cap=1.0))
    started = time.monotonic()
    engine.synthesize("Bản tin")
    assert time.monotonic() - started >= 0.2


def test_breaker_skips_google_after_repeated_failures(fake_google: FakeGoogle) -> None:
    fake_google.mode = "connection"
    breaker = CircuitBreaker(threshold=2, cooldown=60)
    engine = ResilientEngine(GoogleEngine(), breaker=breaker, policy=RetryPolicy(0, 0.0, 0.0))
    for _ in range(2):
        with pytest.raises(SynthesisError):
            engine.synthesize("Bản tin")
    assert not engine.available
    before = fake_google.requests
    with pytest.raises(SynthesisError, match="Tạm thời"):
        engine.synthesize("Bản tin")
    assert fake_google.requests == before  # no request while the circuit is open


def test_breaker_closes_after_cooldown() -> None:
    now = [0.0]
    breaker = CircuitBreaker(threshold=1, cooldown=10, clock=lambda: now[0])
    breaker.record_failure()
    assert breaker.is_open
    now[0] = 11.0
    assert not breaker.is_open


def test_rate_limiter_spaces_calls_beyond_the_burst() -> None:
    limiter = RateLimiter(rate=20, burst=2)
    started = time.monotonic()
    waits = [limiter.acquire() for _ in range(6)]
    elapsed = time.monotonic() - started
    assert waits[0] == 0 and waits[1] == 0
    assert elapsed >= 4 / 20 * 0.9  # four calls beyond the burst at 20 per second


def test_backoff_grows_and_is_capped() -> None:
    policy = RetryPolicy(retries=5, base=1.0, cap=3.0)
    assert all(0 <= policy.delay(1) <= 1.0 for _ in range(50))
    assert all(0 <= policy.delay(5) <= 3.0 for _ in range(50))
    assert max(policy.delay(3) for _ in range(200)) > 1.0
    assert policy.delay(2, retry_after=4.5) == 4.5


# -- adaptive concurrency --------------------------------------------------------------------

def _drive(gate, refuse, batches: int) -> tuple[list[int], int]:  # type: ignore[no-untyped-def]
    """Send `batches` full batches through `gate`; `refuse(limit, n)` says whether the n-th
    request of a batch sent at that limit is refused. Return the limits seen and refusals."""
    limits, refusals = [], 0
    for _ in range(batches):
        level = int(gate.limit)
        limits.append(level)
        tickets = [gate.acquire() for _ in range(level)]
        _NOW[0] += 0.3  # a batch takes one answer's time
        for n, ticket in enumerate(tickets):
            refused = refuse(level, n)
            refusals += refused
            gate.release(ticket, congested=refused)
    return limits, refusals


_NOW = [0.0]


def _gate(**kwargs: Any) -> AdaptiveConcurrency:
    """An adaptive gate on the clock `_drive` moves by one answer's time per batch."""
    return AdaptiveConcurrency(gather_s=0, clock=lambda: _NOW[0], **kwargs)


def test_concurrency_grows_by_one_per_good_answer_up_to_the_ceiling() -> None:

    gate = _gate(start=4, ceiling=10)
    for _ in range(4):  # slow start: one more per good answer
        gate.release(gate.acquire(), congested=False)
    assert gate.limit == 8
    tickets = [gate.acquire() for _ in range(8)]
    assert gate.in_flight == 8 and gate.peak == 8
    for t in tickets:
        gate.release(t, congested=None)  # failures that say nothing about load change nothing
    assert gate.limit == 8
    _drive(gate, lambda level, n: False, 20)
    assert gate.limit == 10 and gate.decreases == 0  # never above the ceiling


def test_a_throttling_server_keeps_the_limit_down() -> None:

    def throttled(level: int, n: int) -> bool:
        return n >= 2  # the server takes two requests at a time and refuses the rest

    gate = _gate(start=4, ceiling=12)
    limits, refusals = _drive(gate, throttled, 60)
    assert gate.throttling is True and gate.tolerated == 0
    assert max(limits[-40:]) <= 4 and min(limits[-40:]) >= 1
    fixed = _gate(start=4, ceiling=4, adaptive=False)
    fixed_limits, fixed_refusals = _drive(fixed, throttled, 60)
    assert set(fixed_limits) == {4} and fixed.decreases == 0
    # per request sent, far fewer refused than at a fixed four
    assert refusals / sum(limits) < 0.6 * fixed_refusals / sum(fixed_limits)


def test_refusals_independent_of_load_do_not_hold_the_limit_down() -> None:

    count = 0

    def every_fifth(level: int, n: int) -> bool:
        nonlocal count
        count += 1
        return count % 5 == 0  # 20 % refused, whatever the number at once

    gate = _gate(start=4, ceiling=12)
    limits, _ = _drive(gate, every_fifth, 40)
    assert gate.decreases >= 1  # it did try fewer at once
    assert gate.throttling is False and gate.tolerated == pytest.approx(0.2, abs=0.1)
    assert limits[-20:] == [12] * 20  # and came back to the ceiling for good


def test_a_server_refusing_most_requests_gets_one_at_a_time() -> None:

    gate = _gate(start=8, ceiling=8)
    _drive(gate, lambda level, n: True, 12)
    assert gate.limit == 1  # never below one


def test_answers_to_requests_sent_before_a_round_do_not_count_in_it() -> None:
    from bantin_audio.engines.chain import AdaptiveConcurrency

    gate = AdaptiveConcurrency(start=2, ceiling=2, gather_s=0, min_round=2)
    first, late = gate.acquire(), gate.acquire()
    gate.release(first, congested=True)
    gate.release(gate.acquire(), congested=True)  # a round of two, both refused: halved
    assert gate.limit == 1 and gate.decreases == 1
    gate.release(late, congested=True)  # a late 429 of a request sent at the old limit
    for _ in range(2):
        gate.release(gate.acquire(), congested=False)
    assert gate.limit == 1  # one good round: two at once were refused, so it waits for two
    for _ in range(2):
        gate.release(gate.acquire(), congested=False)
    assert gate.limit == 2 and gate.decreases == 1


def test_waiting_requests_go_in_reading_order() -> None:
    import threading

    from bantin_audio.engines.chain import AdaptiveConcurrency

    gate = AdaptiveConcurrency(start=1, ceiling=1, gather_s=0)
    holder = gate.acquire()
    admitted: list[tuple[int, ...]] = []

    def request(priority: tuple[int, ...]) -> None:
        ticket = gate.acquire(priority)
        admitted.append(priority)
        gate.release(ticket, congested=False)

    threads = [threading.Thread(target=request, args=(p,)) for p in [(7, 0), (0, 3), (2, 1),
                                                                      (0, 1)]]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 5
    while len(gate._queue) < 4 and time.monotonic() < deadline:
        time.sleep(0.01)
    gate.limit = 1.0
    gate.release(holder, congested=None)
    for t in threads:
        t.join(5)
    assert admitted == [(0, 1), (0, 3), (2, 1), (7, 0)]


def test_google_429s_shrink_the_concurrency(fake_google: FakeGoogle) -> None:
    from bantin_audio.engines.chain import AdaptiveConcurrency

    gate = AdaptiveConcurrency(start=1, ceiling=8, gather_s=0, min_round=2)
    engine = ResilientEngine(GoogleEngine(), policy=QUICK, concurrency=gate)
    engine.synthesize("Một")
    assert gate.limit == 2
    fake_google.mode = "429"
    fake_google.fail_first = fake_google.requests + 2  # two 429s, then answers again
    assert engine.synthesize("Hai")
    assert gate.limit == 1 and gate.decreases == 1  # a round half refused: halved
    assert engine.failed_requests == 2 and engine.requests == 4


def _acquired_at_once(gate: object, count: int) -> list[int]:
    """Acquire `count` first-paragraph slots from threads; fail (not hang) if any must wait."""
    tickets: list[int] = []
    threads = [threading.Thread(target=lambda n=n: tickets.append(
        gate.acquire((0, n), first=True)), daemon=True) for n in range(count)]  # type: ignore
    for t in threads:
        t.start()
    for t in threads:
        t.join(2)
    assert len(tickets) == count, f"only {len(tickets)} of {count} went at once"
    return tickets


def test_the_first_paragraphs_go_beyond_the_starting_limit_until_google_pushes_back() -> None:
    from bantin_audio.engines.chain import AdaptiveConcurrency

    gate = AdaptiveConcurrency(start=2, ceiling=6, gather_s=0, min_round=2)
    first = _acquired_at_once(gate, 6)  # all at once, up to the ceiling
    assert gate.in_flight == 6 and gate.limit == 2
    waiting = threading.Thread(target=lambda: gate.release(gate.acquire((0, 6), first=True),
                                                           congested=False))
    waiting.start()
    time.sleep(0.1)
    assert waiting.is_alive()  # never beyond the ceiling
    for ticket in first:
        gate.release(ticket, congested=True)  # Google refuses: the slow start is over
    waiting.join(5)
    assert not waiting.is_alive() and gate.limit < 6
    tickets = [gate.acquire((0, n), first=True) for n in range(int(gate.limit))]
    late = threading.Thread(target=lambda: gate.release(gate.acquire((0, 9), first=True),
                                                        congested=None))
    late.start()
    time.sleep(0.1)
    assert late.is_alive()  # after a refusal, the first paragraphs keep to the limit too
    for ticket in tickets:
        gate.release(ticket, congested=None)
    late.join(5)


def test_a_fixed_gate_never_lets_the_first_paragraphs_beyond_it() -> None:
    from bantin_audio.engines.chain import AdaptiveConcurrency

    gate = AdaptiveConcurrency(start=2, ceiling=8, gather_s=0, adaptive=False)
    held = [gate.acquire(first=True) for _ in range(2)]
    extra = threading.Thread(target=lambda: gate.release(gate.acquire(first=True), None))
    extra.start()
    time.sleep(0.1)
    assert extra.is_alive() and gate.peak == 2
    for ticket in held:
        gate.release(ticket, congested=None)
    extra.join(5)


def _throttled_run(fake: FakeGoogle, gate: object, phrases: int) -> tuple[int, int, int]:
    """Speak `phrases` phrases from eight threads through `gate`; return (requests, failed,
    phrases that exhausted their retries)."""
    from concurrent.futures import ThreadPoolExecutor

    engine = ResilientEngine(GoogleEngine(), policy=RetryPolicy(retries=20, base=0.05, cap=0.4),
                             concurrency=gate)  # type: ignore[arg-type]
    gave_up = 0

    def speak(n: int) -> None:
        nonlocal gave_up
        try:
            engine.synthesize(f"Câu số {n} của bản tin")
        except SynthesisError:
            gave_up += 1

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(speak, range(phrases)))
    return engine.requests, engine.failed_requests, gave_up


def test_adaptive_concurrency_sends_fewer_refused_requests_to_a_throttling_google(
        fake_google: FakeGoogle) -> None:
    from bantin_audio.engines.chain import AdaptiveConcurrency

    # Google answers within 0.1 s but takes at most 6 requests a second (bursts of 2): four at
    # once offer up to 40 a second (still more than 6 on a loaded machine), so many are refused.
    fake_google.delay, fake_google.throttle_rps, fake_google.throttle_burst = 0.1, 6.0, 2.0
    fixed = _throttled_run(fake_google, AdaptiveConcurrency(4, 4, gather_s=0, adaptive=False),
                           40)
    fake_google._tokens = None  # a fresh bucket for the second run
    adaptive = _throttled_run(fake_google, AdaptiveConcurrency(4, 8, gather_s=0), 40)
    assert fixed[2] == adaptive[2] == 0  # both did all the work (enough retries for either)
    assert fixed[1] > 10  # the fixed four were throttled
    assert adaptive[1] < 0.75 * fixed[1]  # the adaptive limit clearly less


def test_a_refused_round_lowers_the_limit_to_what_the_server_took() -> None:
    from bantin_audio.engines.chain import AdaptiveConcurrency

    gate = AdaptiveConcurrency(start=4, ceiling=4, gather_s=0, min_round=4)
    tickets = [gate.acquire() for _ in range(4)]
    for n, ticket in enumerate(tickets):
        gate.release(ticket, congested=n == 0)  # Google took three of four
    assert gate.limit == 3 and gate.decreases == 1  # three at once, not half
    gate = AdaptiveConcurrency(start=8, ceiling=8, gather_s=0, min_round=8)
    tickets = [gate.acquire() for _ in range(8)]
    for n, ticket in enumerate(tickets):
        gate.release(ticket, congested=n < 3)  # three of eight refused: at most half lost
    assert gate.limit == 5


def test_urgent_calls_borrow_tokens_that_the_calls_after_them_wait_for() -> None:
    now = [0.0]
    limiter = RateLimiter(rate=4, burst=2, lend=3, clock=lambda: now[0])
    # the burst, then three borrowed tokens: five urgent calls without a wait
    assert [limiter.acquire(urgent=True) for _ in range(5)] == [0.0] * 5
    # the next call, urgent or not, waits for the three borrowed tokens and its own
    started = time.monotonic()
    assert limiter.acquire(urgent=True) == pytest.approx(1.0)
    assert time.monotonic() - started >= 0.9
    # a call that is not urgent never borrows: at once beyond the burst it waits
    calm = RateLimiter(rate=20, burst=1, lend=5, clock=lambda: now[0])
    assert calm.acquire() == 0.0
    assert calm.acquire() == pytest.approx(0.05)


def test_the_first_paragraphs_borrow_only_until_google_pushes_back(
        fake_google: FakeGoogle) -> None:
    from bantin_audio.engines.base import FIRST_AUDIO
    from bantin_audio.engines.chain import AdaptiveConcurrency

    gate = AdaptiveConcurrency(start=1, ceiling=6, gather_s=0, min_round=2)
    limiter = RateLimiter(rate=2, burst=1, lend=5)
    engine = ResilientEngine(GoogleEngine(), limiter=limiter, concurrency=gate,
                             policy=RetryPolicy(retries=1, base=0.0, cap=0.0))
    def first(text: str) -> None:  # a thread of the first paragraphs' phrases
        FIRST_AUDIO.set(True)
        engine.synthesize(text)

    token = FIRST_AUDIO.set(True)
    try:
        threads = [threading.Thread(target=first, args=(f"Câu {n}",)) for n in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(10)
        sent = fake_google.times[:6]
        assert max(sent) - min(sent) < 0.4  # six at once at two a second: five borrowed
        assert gate.first_burst
        fake_google.mode = "429"
        with pytest.raises(SynthesisError):
            engine.synthesize("Câu bị từ chối")
        assert not gate.first_burst  # refused: the retry and what follows wait their turn
        retried = fake_google.times[-2:]
        assert retried[1] - retried[0] >= 0.4
    finally:
        FIRST_AUDIO.reset(token)


def test_an_idle_gate_gathers_only_until_the_announced_first_requests_are_in() -> None:
    from bantin_audio.engines.chain import AdaptiveConcurrency

    gate = AdaptiveConcurrency(start=1, ceiling=4, gather_s=5.0)
    gate.expect_first(3)
    order: list[int] = []
    lock = threading.Lock()

    def go(n: int) -> None:
        ticket = gate.acquire((n,), first=True)
        with lock:
            order.append(n)
        gate.release(ticket, congested=None)

    started = time.monotonic()
    threads = []
    for n in (2, 1, 0):  # arriving against reading order
        threads.append(threading.Thread(target=go, args=(n,)))
        threads[-1].start()
        time.sleep(0.05)
    for t in threads:
        t.join(10)
    assert time.monotonic() - started < 2.0  # not the whole 5 s gather
    assert order == [0, 1, 2]  # yet in reading order


def test_throttling_that_refused_shares_miss_is_found_by_what_google_accepts() -> None:
    # A server that takes three requests per answer's time: at seven at once it refuses four,
    # at five two. Two short rounds' refused shares cannot tell that from refusals
    # independent of load; what it accepts a second can: no more at seven than at five.
    def takes_three(level: int, n: int) -> bool:
        return n >= 3

    gate = _gate(start=4, ceiling=12)
    limits, _ = _drive(gate, takes_three, 60)
    assert gate.throttling is True and gate.tolerated == 0
    tail = limits[-40:]
    assert max(tail) <= 4 and sum(tail) / len(tail) <= 3.5, limits


def test_the_slow_start_stops_growing_at_the_first_refusal() -> None:
    gate = _gate(start=4, ceiling=12)
    tickets = [gate.acquire() for _ in range(4)]
    for ticket, refused in zip(tickets, (False, False, True, False), strict=True):
        gate.release(ticket, congested=refused)
    # two good answers grew it to six; after the refusal, good answers add nothing before the
    # round decides (growing on would overshoot by as many again)
    assert gate.limit == 6
