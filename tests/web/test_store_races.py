"""Workers racing on one database: two reading the same address at once share one article."""

from __future__ import annotations

import threading
import time

from bantin_audio.model import Article, Segment
from bantin_audio.store import Store, SubmitResult

URL = "https://xa.example.vn/tin/hop-dan"


def _article() -> Article:
    return Article(title="Xã họp dân", paragraphs=["Xã họp dân bàn làm đường."], source_url=URL)


def _segments() -> list[Segment]:
    return [Segment(0, "title", "Xã họp dân", "xã họp dân"),
            Segment(1, "paragraph", "Xã họp dân bàn làm đường.", "xã họp dân bàn làm đường.")]


def _waiting_on_a_lock(store: Store, since: float) -> bool:
    """Return whether another connection of this database waits on a lock (PostgreSQL); on
    SQLite, whether the other thread had time to reach its BEGIN IMMEDIATE."""
    if store.embedded:
        return time.monotonic() - since > 0.5
    row = store.db.conn().execute(
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
        "AND datname = current_database()").fetchone()
    return int(row[0]) > 0


def test_two_workers_attaching_the_same_address_at_once_share_one_article(db_url: str) -> None:
    """Worker A has inserted the article in its open transaction when worker B, having found no
    row for the address, inserts it too: B waits for A, then must take A's row (on PostgreSQL
    a plain INSERT would violate the unique address instead)."""
    first, second, watcher = Store(db_url), Store(db_url, migrate=False), \
        Store(db_url, migrate=False)
    job_a, _ = first.jobs.queue_source("html", data="<p>Bản thứ nhất</p>")
    job_b, _ = first.jobs.queue_source("html", data="<p>Bản thứ hai</p>")
    assert first.jobs.claim("worker-a", job_id=job_a.id) is not None
    assert second.jobs.claim("worker-b", job_id=job_b.id) is not None
    outcome: list[SubmitResult | BaseException | None] = []

    def attach_b() -> None:
        try:
            outcome.append(second.jobs.attach_article(job_b.id, "worker-b", _article(),
                                                      _segments()))
        except BaseException as exc:  # noqa: BLE001 - the failure is what the test reports
            outcome.append(exc)

    thread = threading.Thread(target=attach_b)
    with first.unit():
        attached = first.jobs.attach_article(job_a.id, "worker-a", _article(), _segments())
        assert attached is not None and attached.created
        started = time.monotonic()
        thread.start()
        deadline = started + 10
        while not _waiting_on_a_lock(watcher, started) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert thread.is_alive(), outcome  # B waits for A's transaction
    thread.join(30)
    assert len(outcome) == 1
    result = outcome[0]
    assert isinstance(result, SubmitResult), repr(result)
    assert result.article.id == attached.article.id and not result.created
    assert [a.id for a in watcher.articles.recent(include_held=True)] == [attached.article.id]
    assert watcher.jobs.get(job_b.id).article_id == attached.article.id
    assert len(watcher.articles.segments(attached.article.id)) == 2
    for store in (first, second, watcher):
        store.dispose()


def test_many_threads_submitting_one_address_make_one_article(db_url: str) -> None:
    """Eight threads, each with its own connection, submit the same address together."""
    stores = [Store(db_url, migrate=(n == 0)) for n in range(8)]
    barrier = threading.Barrier(len(stores))
    results: list[SubmitResult | BaseException] = []
    lock = threading.Lock()

    def submit(store: Store) -> None:
        barrier.wait()
        try:
            made: SubmitResult | BaseException = store.articles.submit(_article(), _segments())
        except BaseException as exc:  # noqa: BLE001 - the failure is what the test reports
            made = exc
        with lock:
            results.append(made)

    threads = [threading.Thread(target=submit, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert all(isinstance(r, SubmitResult) for r in results), results
    ids = {r.article.id for r in results if isinstance(r, SubmitResult)}
    assert len(results) == len(stores) and len(ids) == 1
    assert sum(r.created for r in results if isinstance(r, SubmitResult)) == 1
    assert len(stores[0].articles.recent(include_held=True)) == 1
    for store in stores:
        store.dispose()
