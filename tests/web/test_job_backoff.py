"""A failed attempt waits before the next one in the embedded mode too: 15 s, then 30 s.

No test sleeps: the waits run on the database's clock, so the tests move the job row's time.
"""

from __future__ import annotations

from flask import Flask

from bantin_audio.jobs import MAX_ATTEMPTS, Worker, retry_delay
from bantin_audio.model import Article, Segment
from bantin_audio.store import Store
from tests.servers import free_port


def _wait_left(store: Store, job_id: int) -> float:
    until = store.jobs.get(job_id).lease_until
    assert until is not None
    return until - store.now()


def _time_passes(store: Store, job_id: int) -> None:
    """Move the job's not-before time to just past, as if its back-off had been waited out."""
    with store.unit() as uow:
        uow.connection.execute("UPDATE jobs SET lease_until=? WHERE id=?",
                               (store.now() - 0.01, job_id))


def test_the_back_off_doubles_from_15_seconds() -> None:
    assert [retry_delay(n) for n in (1, 2, 3, 4, 10)] == [15.0, 30.0, 60.0, 120.0, 300.0]


def test_a_job_queued_again_after_a_failure_is_not_claimed_before_its_time(db_url: str) -> None:
    store = Store(db_url)
    made = store.articles.submit(Article(title="Tin xã", paragraphs=["Xã họp."]),
                                 [Segment(0, "title", "Tin xã", "tin xã")])
    other = store.articles.submit(Article(title="Tin huyện", paragraphs=["Huyện họp."]),
                                  [Segment(0, "title", "Tin huyện", "tin huyện")])
    job = store.jobs.claim("w1")
    assert job is not None and job.id == made.job.id
    assert store.jobs.finish(job.id, "w1", status="queued", error="Google bận",
                             retry_after_s=15)
    assert 14 < _wait_left(store, job.id) <= 15
    # The next claim skips the waiting job (the younger one goes first), then finds nothing.
    taken = store.jobs.claim("w2")
    assert taken is not None and taken.id == other.job.id
    assert store.jobs.claim("w2") is None
    assert [j.id for j in store.jobs.claimable()] == []
    _time_passes(store, job.id)
    assert [j.id for j in store.jobs.claimable()] == [job.id]
    again = store.jobs.claim("w2")
    assert again is not None and again.id == job.id and again.attempts == 2
    # Handed back by a worker that stops, or queued again by an editor: no wait.
    assert store.jobs.release(again.id, "w2")
    assert store.jobs.get(job.id).lease_until is None
    again = store.jobs.claim("w3")
    assert again is not None and store.jobs.finish(again.id, "w3", status="queued",
                                                   retry_after_s=30)
    assert store.jobs.claim("w4") is None
    # An editor's retry of a job waiting out its back-off means now.
    assert store.jobs.retry(job.id).lease_until is None
    again = store.jobs.claim("w4")
    assert again is not None and again.id == job.id
    assert store.jobs.finish(job.id, "w4", status="queued", retry_after_s=30)
    assert store.jobs.claim("w4") is None
    # A queue that hands out ids (Celery, with its own countdown) claims it by id.
    by_id = store.jobs.claim("w4", job_id=job.id)
    assert by_id is not None and by_id.id == job.id
    assert store.jobs.finish(job.id, "w4", status="failed", error="Google bận",
                             retry_after_s=60)
    assert store.jobs.get(job.id).lease_until is None  # a failed job waits for nothing
    store.jobs.retry(job.id)
    claimed = store.jobs.claim("w5")
    assert claimed is not None and claimed.id == job.id
    store.dispose()


def test_an_embedded_worker_retries_a_failed_fetch_after_15_then_30_seconds(
        app: Flask, worker: Worker) -> None:
    store: Store = app.extensions["bantin"].store
    url = f"http://127.0.0.1:{free_port()}/tin/hop-dan"  # nothing listens: the fetch fails
    job, _ = store.jobs.queue_source("url", url=url)
    waits = []
    for attempt in range(1, MAX_ATTEMPTS + 1):
        assert worker.run_once()
        row = store.jobs.get(job.id)
        assert row.attempts == attempt and row.error and "Không kết nối được" in row.error
        if attempt == MAX_ATTEMPTS:
            break
        assert row.status == "queued"
        waits.append(_wait_left(store, job.id))
        assert not worker.run_once()  # nothing to do until the back-off has passed
        assert store.jobs.get(job.id).attempts == attempt
        _time_passes(store, job.id)
    assert 14 < waits[0] <= 15 and 29 < waits[1] <= 30
    final = store.jobs.get(job.id)
    assert final.status == "failed" and final.lease_until is None
