"""Three worker machines, simulated: each worker process has its own empty data directory and
scratch disk; only PostgreSQL, Redis and the object store (SeaweedFS) are shared. One worker is
killed with SIGKILL mid-job and another stopped with SIGTERM, and every article still finishes
once, plays through the web node, and costs Google at most the phrases in flight twice."""

from __future__ import annotations

import re
import secrets
import signal
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from flask.testing import FlaskClient

from bantin_audio.jobqueue import PRIORITY_LISTENER
from bantin_audio.jobs import submit_article
from bantin_audio.web import create_app
from tests.fakegoogle_proxy import FakeGoogleProxy
from tests.scaled.conftest import Deployment, article, pid_of
from tests.servers import PostgresServer, SeaweedS3

ARTICLES = 30
PARAGRAPHS = 3
CONCURRENCY = 2  # Google requests at once per job: the most a killed job can have in flight


@pytest.fixture
def backend_env(tmp_path: Path, postgres: PostgresServer,
                seaweedfs: SeaweedS3) -> Iterator[dict[str, str]]:
    """The web node's data dir; the database on PostgreSQL, media in the object store."""
    url = postgres.create_database()
    yield {"BANTIN_DATA_DIR": str(tmp_path / "web-node"), "BANTIN_DATABASE_URL": url,
           "BANTIN_MEDIA_URL": f"s3://{seaweedfs.bucket}/t-{secrets.token_hex(6)}/bantin",
           "BANTIN_MEDIA_ENDPOINT": seaweedfs.endpoint,
           "BANTIN_MEDIA_ACCESS_KEY": seaweedfs.access_key,
           "BANTIN_MEDIA_SECRET_KEY": seaweedfs.secret_key,
           "BANTIN_JOB_LEASE_S": "8"}
    postgres.drop_database(url)


def _running_on(dep: Deployment, pid: int) -> bool:
    """True when a job claimed by process `pid` has spoken at least one segment."""
    return any(pid_of(job.lease_owner) == pid and job.status == "running" and job.done >= 1
               for job in dep.store.jobs.recent(limit=ARTICLES + 5))


def test_three_worker_machines_share_only_the_database_the_queue_and_the_object_store(
        deployment: Deployment, proxy: FakeGoogleProxy, tmp_path: Path) -> None:
    proxy.fake.delay = 0.3
    machines = [tmp_path / f"may-{n}" for n in range(3)]
    env = {"BANTIN_CONCURRENCY": str(CONCURRENCY), "BANTIN_CONCURRENCY_START": str(CONCURRENCY)}
    workers = [deployment.start_worker("--count", "2", "--grace", "0",
                                       BANTIN_DATA_DIR=str(m), **env) for m in machines]
    ids = [submit_article(deployment.store, article(n, PARAGRAPHS), deployment.settings,
                          deployment.queue, PRIORITY_LISTENER).job.id
           for n in range(ARTICLES)]

    killed, stopped, survivor = workers
    deployment.wait_for(lambda: _running_on(deployment, killed.pid), timeout=180)
    killed.send_signal(signal.SIGKILL)
    killed.wait()
    deployment.wait_for(lambda: _running_on(deployment, stopped.pid), timeout=180)
    stopped.send_signal(signal.SIGTERM)
    assert stopped.wait(timeout=60) == 0  # graceful: hands its jobs back and exits

    deployment.wait_for(lambda: all(deployment.store.jobs.get(j).status == "done" for j in ids),
                        timeout=600)
    assert survivor.poll() is None

    # No job done twice: each finished exactly once, over all the machines' logs.
    finished = Counter(int(m) for m in re.findall(r"job (\d+): finished", deployment.log_text()))
    assert all(finished[j] == 1 for j in ids), finished
    # Google heard every phrase; only the phrases in flight at the kill were spoken twice.
    texts = list(proxy.fake.texts)
    spoken = {s.segment.spoken for j in ids
              for s in deployment.store.articles.segments(
                  deployment.store.jobs.get(j).article_id or 0)}
    assert set(texts) == spoken and len(spoken) == ARTICLES * (PARAGRAPHS + 1)
    assert len(texts) - len(spoken) <= CONCURRENCY
    attempts = sum(deployment.store.jobs.get(j).attempts for j in ids)
    print(f"\n{ARTICLES} articles on 3 machines: {len(texts)} Google requests for "
          f"{len(spoken)} phrases, {attempts} attempts, each job finished once")

    # Nothing finished is on a worker machine's disk: renditions live in the object store.
    for machine in machines:
        media = machine / "media"
        assert not media.exists() or not [p for p in media.rglob("*") if p.is_file()]

    # Every article plays through the web node (a redirect to the object store).
    web = create_app(deployment.settings.replace(data_dir=tmp_path / "web-node"))
    web.config["TESTING"] = True
    client: FlaskClient = web.test_client()
    for job_id in ids:
        article_id = deployment.store.jobs.get(job_id).article_id
        assert article_id is not None
        mp3 = {r.kind: r for r in deployment.store.renditions.for_article(article_id)}["mp3"]
        assert mp3.complete
        slug = deployment.store.articles.get(article_id).slug
        assert f"/am-thanh/{mp3.path}" in client.get(f"/bai/{slug}").get_data(as_text=True)
        redirect = client.get(f"/am-thanh/{mp3.path}")
        assert redirect.status_code == 302
        got = requests.get(redirect.headers["Location"], headers={"Range": "bytes=0-1023"},
                           timeout=10)
        assert got.status_code == 206 and len(got.content) == 1024
