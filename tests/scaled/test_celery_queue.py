"""Jobs on Celery workers (real processes) through a real Redis, against the fake Google."""

from __future__ import annotations

import json
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from bantin_audio.config import Settings
from bantin_audio.jobqueue import PRIORITY_BACKFILL, PRIORITY_LISTENER
from bantin_audio.jobs import open_store, submit_article
from bantin_audio.queue_celery import CeleryQueue
from tests.fakegoogle_proxy import FakeGoogleProxy
from tests.scaled.conftest import BANTIN, Deployment, article, pid_of
from tests.servers import free_port


def _submit(dep: Deployment, n: int, paragraphs: int = 4,
            priority: int = PRIORITY_LISTENER, send: bool = True) -> int:
    result = submit_article(dep.store, article(n, paragraphs), dep.settings,
                            dep.queue if send else None, priority)
    return result.job.id


def _status(dep: Deployment, job_id: int) -> str:
    return dep.store.jobs.get(job_id).status


def test_jobs_run_on_two_worker_processes_each_phrase_once(
        deployment: Deployment, proxy: FakeGoogleProxy) -> None:
    proxy.fake.delay = 0.05
    ids = [_submit(deployment, n) for n in range(6)]
    for _ in range(2):
        deployment.start_worker("--count", "2")
    deployment.wait_for(lambda: all(_status(deployment, j) == "done" for j in ids))
    texts = list(proxy.fake.texts)
    assert len(texts) == len(set(texts)) == 6 * 5  # title + 4 paragraphs, each spoken once
    for job_id in ids:
        job = deployment.store.jobs.get(job_id)
        assert job.attempts == 1 and job.done == job.total == 5
        assert job.article_id is not None
        kinds = {r.kind for r in deployment.store.renditions.for_article(job.article_id)}
        assert {"mp3", "webm", "broadcast"} <= kinds
    logs = sorted(deployment.logs.glob("worker-*.log"))
    assert all("claimed by" in p.read_text() for p in logs)  # both processes took jobs


def test_a_duplicate_delivery_is_dropped(deployment: Deployment,
                                         proxy: FakeGoogleProxy) -> None:
    proxy.fake.delay = 0.1
    job_id = _submit(deployment, 1)
    job = deployment.store.jobs.get(job_id)
    # The same row announced twice more: what a redelivery after a lost ack looks like.
    assert not deployment.queue.send(job)  # this version of the row was sent already
    assert deployment.queue.send(job, force=True)
    assert deployment.queue.send(job, force=True)
    deployment.start_worker("--count", "3")
    deployment.wait_for(lambda: _status(deployment, job_id) == "done")
    deployment.wait_for(lambda: deployment.log_text().count("delivery dropped") >= 2)
    assert deployment.store.jobs.get(job_id).attempts == 1  # claimed once
    assert len(proxy.fake.texts) == len(set(proxy.fake.texts)) == 5


def test_a_row_whose_message_was_lost_is_sent_by_the_sweep(
        deployment: Deployment, proxy: FakeGoogleProxy) -> None:
    deployment.start_worker("--count", "1")
    # Inserted, but the process died before sending: no message at all.
    job_id = _submit(deployment, 2, send=False)
    deployment.wait_for(lambda: _status(deployment, job_id) == "done", timeout=60)
    assert "no message waited for this queued row" in deployment.log_text()
    assert deployment.store.jobs.get(job_id).attempts == 1


def test_a_listeners_article_goes_before_the_backfill(
        deployment: Deployment, proxy: FakeGoogleProxy) -> None:
    proxy.fake.delay = 0.02
    backfill = [_submit(deployment, n, paragraphs=2, priority=PRIORITY_BACKFILL)
                for n in range(10, 16)]
    listener = _submit(deployment, 20, paragraphs=2, priority=PRIORITY_LISTENER)
    deployment.start_worker("--count", "1")
    deployment.wait_for(lambda: _status(deployment, listener) == "done")
    started = {j: deployment.store.jobs.get(j) for j in backfill}
    # The listener's article was taken first: at most the worker's one prefetched message
    # (prefetch 1) can have been fetched before it.
    assert sum(1 for j in started.values() if j.status == "done") <= 1
    deployment.wait_for(lambda: all(_status(deployment, j) == "done" for j in backfill))


def test_a_worker_killed_mid_job_leaves_it_to_another(
        deployment: Deployment, proxy: FakeGoogleProxy) -> None:
    proxy.fake.delay = 0.3
    env = {"BANTIN_CONCURRENCY": "2", "BANTIN_CONCURRENCY_START": "2"}
    first = deployment.start_worker("--count", "1", **env)
    job_id = _submit(deployment, 3, paragraphs=16)
    deployment.wait_for(lambda: deployment.store.jobs.get(job_id).done >= 3)
    owner = pid_of(deployment.store.jobs.get(job_id).lease_owner)
    assert owner == first.pid
    second = deployment.start_worker("--count", "1", **env)
    first.send_signal(signal.SIGKILL)
    first.wait()
    deployment.wait_for(lambda: _status(deployment, job_id) == "done", timeout=180)
    job = deployment.store.jobs.get(job_id)
    assert job.done == job.total == 17 and job.attempts == 2
    assert second.poll() is None
    texts = list(proxy.fake.texts)
    assert set(texts) == {s.segment.spoken
                          for s in deployment.store.articles.segments(job.article_id)}
    # Only the phrases in flight at the kill (at most the 2 requests at once) were spoken twice.
    assert len(texts) - len(set(texts)) <= 2


def test_sigterm_hands_the_running_job_back(deployment: Deployment,
                                            proxy: FakeGoogleProxy) -> None:
    proxy.fake.delay = 0.3
    env = {"BANTIN_CONCURRENCY": "1", "BANTIN_CONCURRENCY_START": "1"}
    first = deployment.start_worker("--count", "1", "--grace", "0", **env)
    job_id = _submit(deployment, 4, paragraphs=12)
    deployment.wait_for(lambda: deployment.store.jobs.get(job_id).done >= 2)
    first.send_signal(signal.SIGTERM)
    t0 = time.monotonic()
    assert first.wait(timeout=60) == 0
    stopped_after = time.monotonic() - t0
    job = deployment.store.jobs.get(job_id)
    assert job.status == "queued" and job.attempts == 0  # handed back, not a failed attempt
    done_before = job.done
    assert 2 <= done_before < job.total
    deployment.start_worker("--count", "1", **env)
    deployment.wait_for(lambda: _status(deployment, job_id) == "done")
    texts = list(proxy.fake.texts)
    assert len(texts) - len(set(texts)) <= 1  # at most the one phrase in flight
    assert stopped_after < 30


def test_a_submission_while_redis_is_down_keeps_its_row(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", engine="gtts",
                        queue_url=f"redis://127.0.0.1:{free_port()}/0")
    store = open_store(settings)
    queue = CeleryQueue(settings, store)
    result = submit_article(store, article(5), settings, queue)  # no exception
    job = store.jobs.get(result.job.id)
    assert job.status == "queued"  # the sweep sends it once Redis answers
    assert [j.id for j in store.jobs.claimable()] == [job.id]


def test_a_web_node_queues_and_a_worker_node_reads(deployment: Deployment,
                                                   proxy: FakeGoogleProxy) -> None:
    port = free_port()
    token = "w" * 24
    env = {**deployment.env, "BANTIN_API_TOKEN": token, "BANTIN_PORT": str(port)}
    web = subprocess.Popen([BANTIN, "serve", "--workers", "2"], env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert web.stdout is not None
        lines = [web.stdout.readline() for _ in range(4)]
        assert any("BANTIN_QUEUE_URL" in line for line in lines), lines  # no local workers
        worker = deployment.start_worker("--count", "1")
        job_id = _post_article(port, token)
        deployment.wait_for(lambda: _status(deployment, job_id) == "done")
    finally:
        web.terminate()
        web.wait(timeout=30)
        if web.stdout is not None:
            web.stdout.close()
    assert worker.poll() is None and "claimed by" in deployment.log_text()
    job = deployment.store.jobs.get(job_id)
    assert job.total >= 2 and len(proxy.fake.texts) == len(set(proxy.fake.texts)) == job.total


def _post_article(port: int, token: str) -> int:
    body = json.dumps({"text": "Xã Phú Lộc ra quân làm đường\n\nNgười dân góp công sức."})
    deadline = time.monotonic() + 30
    while True:
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/articles", data=body.encode(), method="POST",
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=5) as resp:
                assert resp.status == 202
                return int(json.loads(resp.read())["job"]["id"])
        except urllib.error.URLError as exc:  # not listening yet
            if isinstance(exc, urllib.error.HTTPError):
                raise
            assert time.monotonic() < deadline
            time.sleep(0.2)
