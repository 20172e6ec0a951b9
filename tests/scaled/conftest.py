"""The scaled mode on real servers: Celery workers (real processes) on a real Redis.

By default the store is the SQLite file in a shared data directory; `backend_env` is the one
place that says where data and media live, and test_three_machines.py overrides it with
PostgreSQL and object storage (SeaweedFS), leaving each worker machine only its own scratch.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bantin_audio.config import Settings
from bantin_audio.jobs import open_store
from bantin_audio.model import Article
from bantin_audio.queue_celery import CeleryQueue
from bantin_audio.store import Store
from tests.fakegoogle_proxy import FakeGoogleProxy, proxy_env

BANTIN = str(Path(sys.executable).with_name("bantin-audio"))


@pytest.fixture
def backend_env(tmp_path: Path) -> dict[str, str]:
    """Where the deployment keeps its data: the database and media settings of every role."""
    return {"BANTIN_DATA_DIR": str(tmp_path / "data")}


@pytest.fixture
def proxy() -> Iterator[FakeGoogleProxy]:
    """The fake Google behind a loopback HTTPS proxy, for worker processes."""
    with FakeGoogleProxy() as running:
        yield running


@dataclass
class Deployment:
    """A scaled deployment under test: its settings, store, queue and worker processes."""

    env: dict[str, str]
    settings: Settings
    store: Store
    queue: CeleryQueue
    logs: Path
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def start_worker(self, *args: str, **env: str) -> subprocess.Popen[bytes]:
        """Start `bantin-audio worker` as its own process; its log goes to a file."""
        log = open(self.logs / f"worker-{len(self.workers)}.log", "wb")  # noqa: SIM115
        proc = subprocess.Popen([BANTIN, "worker", *args], env={**self.env, **env},
                                stdout=log, stderr=subprocess.STDOUT)
        log.close()
        self.workers.append(proc)
        return proc

    def log_text(self) -> str:
        """Return every worker's log, for failure messages and checks."""
        return "\n".join(p.read_text(errors="replace") for p in sorted(self.logs.glob("*.log")))

    def wait_for(self, done: Callable[[], bool], timeout: float = 120.0) -> None:
        """Wait until `done()` is true; fail with the workers' logs after `timeout`."""
        deadline = time.monotonic() + timeout
        while not done():
            if time.monotonic() > deadline:
                pytest.fail("timed out; worker logs:\n" + self.log_text()[-6000:])
            time.sleep(0.1)

    def stop(self) -> None:
        """Stop every worker still running (SIGTERM, then SIGKILL)."""
        for proc in self.workers:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.workers:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.fixture
def deployment(tmp_path: Path, redis_url: str, backend_env: dict[str, str],
               proxy: FakeGoogleProxy) -> Iterator[Deployment]:
    """A scaled deployment: Redis queue and limits, the fake Google, no worker yet."""
    env = proxy_env(proxy.url)
    env.update(backend_env)
    env.update(BANTIN_QUEUE_URL=redis_url, BANTIN_ENGINE="gtts", BANTIN_QUEUE_SWEEP_S="1",
               BANTIN_WATCH="0", BANTIN_CONCURRENCY="4", BANTIN_CONCURRENCY_START="4",
               BANTIN_BACKOFF_BASE="0.05", BANTIN_BACKOFF_MAX="0.2")
    settings = Settings.from_env({k: v for k, v in env.items() if k.startswith("BANTIN_")})
    store = open_store(settings)
    logs = tmp_path / "logs"
    logs.mkdir()
    dep = Deployment(env=env, settings=settings, store=store,
                     queue=CeleryQueue(settings, store), logs=logs)
    try:
        yield dep
    finally:
        dep.stop()
        dep.queue.client.close()


def article(n: int, paragraphs: int = 4) -> Article:
    """Return article `n`: every phrase is its own, so the fake Google sees each once."""
    return Article(title=f"Tin số {n} của xã Phú Lộc",
                   paragraphs=[f"Bản tin {n}, mục {k}: xã hoàn thành chỉ tiêu số {k} trong năm."
                               for k in range(1, paragraphs + 1)],
                   source_url=f"https://phuloc.example.vn/tin/{n}")


def pid_of(owner: str | None) -> int | None:
    """Return the process id in a lease owner (host:pid:token), if any."""
    if not owner:
        return None
    parts = owner.rsplit(":", 2)
    return int(parts[1]) if len(parts) == 3 and parts[1].isdigit() else None

