"""The portal watcher runs once per deployment: two Celery worker processes on a real Redis
poll a due source once per period, and when the lock's holder dies its lock expires and the
other worker takes the watch over."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bantin_audio.queue_celery import LEADER_KEY
from bantin_audio.sources.config import MIN_INTERVAL_S, parse_source_config
from tests.fakeportal import FakePortal, sample_article
from tests.scaled.conftest import Deployment

LEADS = "this worker now runs the portal watcher"


@pytest.fixture
def portal() -> Iterator[FakePortal]:
    with FakePortal() as running:
        yield running


def _polls(portal: FakePortal) -> list[float]:
    return [r.at for r in portal.hits("/rss.xml")]


def _leader_log(logs: Path) -> list[str]:
    return sorted(p.name for p in logs.glob("*.log") if LEADS in p.read_text(errors="replace"))


def test_two_workers_poll_a_due_source_once_per_period_and_a_dead_holder_hands_over(
        deployment: Deployment, portal: FakePortal) -> None:
    art = sample_article(1)
    portal.publish(art["title"], art["lead"], art["paragraphs"])
    base, config = parse_source_config(portal.url, feeds=[portal.url + "/rss.xml"],
                                       poll_interval_s=MIN_INTERVAL_S, first_take=1)
    deployment.store.sources.add("xa-yen-hoa", base, config.to_dict())
    env = {"BANTIN_WATCH": "1", "BANTIN_PRIVATE_FETCH_HOSTS": "127.0.0.2"}
    workers = [deployment.start_worker("--count", "1", **env) for _ in range(2)]
    deployment.wait_for(lambda: len(_polls(portal)) >= 1, timeout=120)
    # Three periods with both workers up: one poll per period, not one per worker.
    deployment.wait_for(lambda: len(_polls(portal)) >= 3, timeout=4 * MIN_INTERVAL_S)
    time.sleep(MIN_INTERVAL_S / 2)
    polls = _polls(portal)
    gaps = [b - a for a, b in zip(polls, polls[1:], strict=False)]
    assert all(gap >= MIN_INTERVAL_S - 1 for gap in gaps), gaps
    assert len(_leader_log(deployment.logs)) == 1
    client = deployment.queue.client
    # The lock is held with an expiry, never forever: a holder that dies cannot keep it.
    ttl_ms = client.pttl(LEADER_KEY)
    assert 0 < ttl_ms <= 15_000
    leader = workers[int(_leader_log(deployment.logs)[0].split("-")[1].split(".")[0])]
    other = workers[1 - workers.index(leader)]
    # The holder dies without releasing anything; its lock runs out and the other takes over.
    leader.send_signal(signal.SIGKILL)
    leader.wait()
    killed_at, before = time.time(), len(_polls(portal))
    deployment.wait_for(lambda: client.pttl(LEADER_KEY) <= 0 or len(_leader_log(
        deployment.logs)) == 2, timeout=20)
    deployment.wait_for(lambda: len(_polls(portal)) > before, timeout=15 + 2 * MIN_INTERVAL_S)
    assert other.poll() is None and len(_leader_log(deployment.logs)) == 2
    assert _polls(portal)[before] - killed_at <= 15 + MIN_INTERVAL_S + 5
    deployment.wait_for(lambda: len(_polls(portal)) > before + 1, timeout=2 * MIN_INTERVAL_S)
    polls = _polls(portal)
    gaps = [b - a for a, b in zip(polls, polls[1:], strict=False)]
    assert all(gap >= MIN_INTERVAL_S - 1 for gap in gaps), gaps
    source = deployment.store.sources.get_by_name("xa-yen-hoa")
    assert source.last_error is None and source.last_poll_at is not None
