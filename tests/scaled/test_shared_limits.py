"""Limits shared by every process through a real Redis: Google's rate, its breaker, the web's."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from bantin_audio.config import Settings
from bantin_audio.engines.shared_limits import SharedCircuitBreaker, SharedRateLimiter, connect
from bantin_audio.jobs import submit_article
from bantin_audio.web import create_app
from tests.fakegoogle_proxy import FakeGoogleProxy
from tests.scaled.conftest import Deployment, article
from tests.servers import free_port

JITTER_S = 0.25


def _most_in_one_second(times: list[float]) -> int:
    times = sorted(times)
    most, start = 0, 0
    for end, t in enumerate(times):
        while t - times[start] >= 1.0:
            start += 1
        most = max(most, end - start + 1)
    return most


def test_two_limiters_on_one_redis_share_one_rate(redis_url: str) -> None:
    rate, burst = 8.0, 2
    # Two processes' limiters (each its own client), four threads each.
    limiters = [SharedRateLimiter(connect(redis_url), rate, burst) for _ in range(2)]
    granted: list[float] = []
    lock = threading.Lock()

    def take(limiter: SharedRateLimiter) -> None:
        for _ in range(6):
            limiter.acquire()
            with lock:
                granted.append(time.monotonic())

    threads = [threading.Thread(target=take, args=(lim,)) for lim in limiters for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(granted) == 48
    # Per process, 2 x 8 = 16 would pass in a second; together only the rate plus the burst.
    assert _most_in_one_second(granted) <= rate + burst


def test_a_breaker_opened_by_one_process_is_open_for_all(redis_url: str) -> None:
    first = SharedCircuitBreaker(connect(redis_url), threshold=3, cooldown=60)
    second = SharedCircuitBreaker(connect(redis_url), threshold=3, cooldown=60)
    first.record_failure()
    second.record_failure()
    assert not first.is_open and not second.is_open
    first.record_failure()  # the third failure in a row, counted across both
    assert second.is_open and first.is_open
    second.record_success()
    assert not first.is_open


def test_without_redis_each_process_keeps_its_own_limits() -> None:
    gone = connect(f"redis://127.0.0.1:{free_port()}/0")
    limiter = SharedRateLimiter(gone, rate=1000.0, burst=5)
    breaker = SharedCircuitBreaker(gone, threshold=2, cooldown=60)
    assert limiter.acquire() == 0.0  # the local bucket answers
    breaker.record_failure()
    breaker.record_failure()
    assert breaker.is_open  # the local breaker counted both


def test_three_workers_hold_the_global_rate(deployment: Deployment,
                                            proxy: FakeGoogleProxy) -> None:
    rate, burst = 4, 2
    proxy.fake.delay = 0.05
    env = {"BANTIN_GOOGLE_RPS": str(rate), "BANTIN_CONCURRENCY_START": str(burst),
           "BANTIN_CONCURRENCY": "4"}
    ids = [submit_article(deployment.store, article(n), deployment.settings,
                          deployment.queue).job.id for n in range(6)]
    for _ in range(3):
        deployment.start_worker("--count", "2", **env)
    deployment.wait_for(lambda: all(deployment.store.jobs.get(j).status == "done" for j in ids),
                        timeout=180)
    times = sorted(proxy.fake.times)
    assert len(times) == 30
    # The bucket grants at most `burst` + `rate` x T tokens in any T seconds; Google sees each
    # request a little after its grant (TLS, a loaded machine), which can bring a grant from
    # the next second into this one: JITTER_S of slack on the window.
    assert _most_in_one_second(times) <= burst + rate * (1 + JITTER_S)
    # Sustained: three processes at 4 rps each would reach 12; the deployment stays at 4.
    assert len(times) - burst <= rate * (times[-1] - times[0]) + 1
    assert proxy.fake.throttled == 0


def test_web_nodes_share_the_submission_limit(tmp_path: Path, redis_url: str) -> None:
    settings = Settings(data_dir=tmp_path / "data", redis_url=redis_url, api_token="t" * 24)
    apps = [create_app(settings) for _ in range(2)]  # two web nodes, one Redis
    clients = [a.test_client() for a in apps]
    headers = {"Authorization": "Bearer " + "t" * 24}
    codes = [clients[n % 2].post("/api/articles", json={"text": f"Tin {n}\n\nMục {n}."},
                                 headers=headers).status_code for n in range(21)]
    assert codes[:20] == [202] * 20
    assert codes[20] == 429  # 20 a minute per address, counted across both nodes
