"""The store on SQLite and PostgreSQL: schema revisions, idempotent submissions, edits, leases
across workers."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest
from sqlalchemy.exc import IntegrityError

from bantin_audio.database import HEAD_REVISION, script_head
from bantin_audio.database.migrations.legacy import _MIGRATIONS
from bantin_audio.errors import InputError, NotFound
from bantin_audio.model import Article, Segment
from bantin_audio.store import Store, ascii_slug


def _segments(*texts: str) -> list[Segment]:
    kinds = ["title"] + ["paragraph"] * (len(texts) - 1)
    return [Segment(i, k, t, t.lower()) for i, (k, t) in enumerate(zip(kinds, texts,
                                                                       strict=True))]


def _article(title: str = "Tin Đắk Lắk", url: str | None = None, *paras: str) -> Article:
    return Article(title=title, paragraphs=list(paras or ["Đoạn một.", "Đoạn hai."]),
                   source_url=url)


def test_schema_is_at_the_head_revision_and_wal(tmp_path: Path) -> None:
    store = Store(tmp_path / "db.sqlite3")
    assert store.revision() == HEAD_REVISION == script_head()
    conn = sqlite3.connect(tmp_path / "db.sqlite3")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert Store(tmp_path / "db.sqlite3").migrate() == HEAD_REVISION  # nothing to do again


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 5")
    conn.close()
    with pytest.raises(InputError):
        Store(path)
    conn = sqlite3.connect(tmp_path / "other.sqlite3")
    conn.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
    conn.execute("INSERT INTO alembic_version VALUES ('9999')")
    conn.commit()
    conn.close()
    with pytest.raises(InputError):
        Store(tmp_path / "other.sqlite3")


def test_slug_keeps_d_and_drops_diacritics() -> None:
    assert ascii_slug("Nghị định số 07/2021/NĐ-CP về Đắk Lắk") == \
        "nghi-dinh-so-07-2021-nd-cp-ve-dak-lak"


def test_same_url_or_same_content_gives_one_article_and_one_job(db_url: str) -> None:
    store = Store(db_url)
    first = store.articles.submit(_article(url="https://x.vn/a"),
                                  _segments("Tin", "Đoạn một.", "Hai."))
    again = store.articles.submit(_article(url="https://x.vn/a"),
                                  _segments("Tin", "Đoạn một.", "Hai."))
    same_text = store.articles.submit(_article(url=None), _segments("Tin", "Đoạn một.", "Hai."))
    assert first.created and not again.created and not same_text.created
    assert again.article.id == same_text.article.id == first.article.id
    assert again.job.id == same_text.job.id == first.job.id
    assert len(store.jobs.recent()) == 1


def test_edit_keeps_address_and_only_changed_segments_go_pending(db_url: str) -> None:
    store = Store(db_url)
    first = store.articles.submit(_article("Tin", "https://x.vn/a", "Một.", "Hai."),
                                  _segments("Tin", "Một.", "Hai."))
    for seg in _segments("Tin", "Một.", "Hai."):
        store.articles.mark_segment(first.article.id, seg.index, seg.spoken, status="done",
                                    engine="google")
    claimed = store.jobs.claim("w1")
    assert claimed is not None
    store.jobs.finish(claimed.id, "w1", status="done")
    edited = store.articles.submit(_article("Tin", "https://x.vn/a", "Một.", "Hai đã sửa."),
                                   _segments("Tin", "Một.", "Hai đã sửa."))
    assert edited.changed and not edited.created
    assert edited.article.slug == first.article.slug
    assert [s.status for s in store.articles.segments(first.article.id)] == \
        ["done", "done", "pending"]
    assert edited.job.status == "queued" and edited.job.id != first.job.id


def test_claim_is_exclusive_and_expired_leases_are_taken_over(db_url: str) -> None:
    a, b = Store(db_url), Store(db_url)  # two connections, as two processes would have
    a.articles.submit(_article(), _segments("Tin", "Một."))
    job = a.jobs.claim("worker-a", lease_s=0.2)
    assert job is not None and job.status == "running"
    assert b.jobs.claim("worker-b") is None
    time.sleep(0.3)
    taken = b.jobs.claim("worker-b")
    assert taken is not None and taken.id == job.id and taken.lease_owner == "worker-b"
    assert not a.jobs.heartbeat(job.id, "worker-a")  # the old worker learns it lost the job
    assert not a.jobs.finish(job.id, "worker-a", status="done")
    assert b.jobs.finish(job.id, "worker-b", status="done")


def test_dead_owner_is_taken_over_at_once(db_url: str) -> None:
    store = Store(db_url)
    store.articles.submit(_article(), _segments("Tin", "Một."))
    job = store.jobs.claim("host:1:dead", lease_s=600)
    assert job is not None
    assert store.jobs.claim("other") is None
    assert store.jobs.claim("other", dead_owners=["host:1:dead"]) is not None


def test_failed_write_leaves_nothing_half_written(db_url: str) -> None:
    store = Store(db_url)
    bad = [Segment(0, "title", "Tin", "tin"), Segment(0, "paragraph", "x", "x")]  # same index
    with pytest.raises(IntegrityError):
        store.articles.submit(_article(), bad)
    assert store.articles.recent() == [] and store.jobs.recent() == []


def test_search_folds_vietnamese_case(db_url: str) -> None:
    store = Store(db_url)
    store.articles.submit(_article("Đắk Lắk mùa cà phê"), _segments("Đắk Lắk mùa cà phê", "Một."))
    assert [r.article.title for r in store.articles.recent(query="đắk lắk")] == \
        ["Đắk Lắk mùa cà phê"]
    assert store.articles.recent(query="50%_") == []


def test_delete_cascades(db_url: str) -> None:
    store = Store(db_url)
    result = store.articles.submit(_article(), _segments("Tin", "Một."))
    store.articles.delete(result.article.id)
    with pytest.raises(NotFound):
        store.jobs.get(result.job.id)
    assert store.articles.segments(result.article.id) == []


def test_a_queued_source_becomes_its_article_in_the_same_job(db_url: str) -> None:
    store = Store(db_url)
    job, created = store.jobs.queue_source("url", url="https://x.vn/a")
    again, created_again = store.jobs.queue_source("url", url="https://x.vn/a")
    assert created and not created_again and again.id == job.id  # deduplicated while queued
    assert (job.article_id, job.stage, job.source_kind) == (None, "fetch", "url")
    text_job, _ = store.jobs.queue_source("text", data="Tin\n\nMột.")
    assert text_job.id != job.id and store.jobs.source(text_job.id) == ("text", None,
                                                                        "Tin\n\nMột.")
    claimed = store.jobs.claim("w1")
    assert claimed is not None and claimed.id == job.id
    # Another worker that does not hold the lease cannot attach anything.
    assert store.jobs.attach_article(job.id, "w2", _article(url="https://x.vn/a"),
                                     _segments("Tin", "Một.")) is None
    result = store.jobs.attach_article(job.id, "w1", _article(url="https://x.vn/a"),
                                       _segments("Tin", "Một."))
    assert result is not None and result.created and result.job.id == job.id
    assert result.job.article_id == result.article.id and result.job.stage == "synthesize"
    assert result.job.total == 2 and store.jobs.source(job.id)[2] is None  # the page is let go
    assert store.jobs.queue_source("url", url="https://x.vn/a")[0].id == job.id  # still running
    assert store.jobs.finish(job.id, "w1", status="done")
    # Once finished, the same URL is a new job (the page may have changed); the article is
    # known at once by its URL.
    later, created = store.jobs.queue_source("url", url="https://x.vn/a")
    known = store.articles.by_url("https://x.vn/a")
    assert created and later.id != job.id and known is not None
    assert known.id == result.article.id


def test_a_queued_job_of_the_same_article_is_folded_into_the_fetching_one(
        db_url: str) -> None:
    store = Store(db_url)
    old = store.articles.submit(_article(url="https://x.vn/a"), _segments("Tin", "Một.")).job
    job, _ = store.jobs.queue_source("url", url="https://x.vn/a")
    claimed = store.jobs.claim("w1", only_job=job.id)
    assert claimed is not None
    result = store.jobs.attach_article(job.id, "w1", _article(url="https://x.vn/a"),
                                       _segments("Tin", "Một.", "Hai."))
    assert result is not None and result.changed
    assert [j.id for j in store.jobs.recent()] == [job.id]  # one job does the article's work
    with pytest.raises(NotFound):
        store.jobs.get(old.id)


def test_a_version_2_database_gains_job_sources(tmp_path: Path) -> None:
    path = tmp_path / "bantin.sqlite3"
    conn = sqlite3.connect(path)
    conn.executescript(_MIGRATIONS[1] + _MIGRATIONS[2])
    conn.execute("INSERT INTO articles(id, slug, content_hash, title, fields, created_at, "
                 "updated_at) VALUES (7, 'a-7', 'h', 'Tin', '{\"title\": \"Tin\"}', 1, 1)")
    conn.execute("INSERT INTO jobs(id, article_id, status, done, total, created_at, updated_at) "
                 "VALUES (3, 7, 'done', 4, 4, 1, 1)")
    conn.execute("PRAGMA user_version = 2")
    conn.commit()
    conn.close()
    store = Store(path)
    assert store.revision() == HEAD_REVISION
    job = store.jobs.get(3)
    assert (job.article_id, job.status, job.source_kind, job.stage) == (7, "done", None,
                                                                         "synthesize")
    assert "stage" not in job.to_dict()  # older jobs keep their API shape


def test_the_job_list_is_one_query_whatever_its_length(db_url: str) -> None:
    store = Store(db_url)
    store.articles.submit(_article("Tin đầu", "https://x.vn/0"), _segments("Tin đầu", "Một."))
    store.jobs.queue_source("url", url="https://x.vn/chua-doc")  # a job with no article yet

    def listed() -> tuple[int, list[tuple[int, str | None]]]:
        before = store.statements_run()
        rows = store.jobs.recent_with_articles(limit=50)
        used = store.statements_run() - before
        return used, [(j.id, a.article.title if a else None) for j, a in rows]

    few, rows = listed()
    assert rows[-1][1] == "Tin đầu" and rows[0][1] is None
    for n in range(1, 12):
        store.articles.submit(_article(f"Tin {n}", f"https://x.vn/{n}"),
                              _segments(f"Tin {n}", "Hai."))
    many, rows = listed()
    assert few == many == 1 and len(rows) == 13
    assert [j.id for j, _ in store.jobs.recent_with_articles(limit=50)] == \
        [j.id for j in store.jobs.recent(limit=50)]
    assert all(a is None or a.id == j.article_id
               for j, a in store.jobs.recent_with_articles(limit=50))
    before = store.statements_run()
    store.jobs.recent(limit=50)
    assert store.statements_run() - before == 1


def test_the_bulletin_list_is_one_query_with_items_and_latest_builds(db_url: str) -> None:
    from bantin_audio.store import BulletinBuildRow

    store = Store(db_url)
    ids = [store.articles.submit(_article(f"Tin {n}", f"https://x.vn/{n}"),
                                 _segments(f"Tin {n}", "Một.")).article.id for n in range(3)]
    made = []
    for n in range(6):
        items = [{"article_id": i} for i in (ids if n % 2 else ids[:1])]
        bulletin = store.bulletins.save({"title": f"Bản tin {n}", "date": f"2024-10-0{n + 1}",
                                         "station": {"name": "Đài xã"}, "items": items,
                                         "status": "approved" if n < 4 else "draft"})
        made.append(bulletin.id)
        for build in range(n % 3):  # none, one, or two builds (only the latest is kept)
            store.bulletins.put_build(BulletinBuildRow(
                bulletin_id=bulletin.id, fingerprint=f"f{n}.{build}", duration_ms=1000,
                files={"mp3": f"{n}-{build}.mp3"}, sizes={"mp3": 1}, cues=[], loudness={},
                engines={"google": 1}))
    before = store.statements_run()
    listed = store.bulletins.recent_with_builds(limit=100)
    assert store.statements_run() - before == 1
    assert [row.id for row, _ in listed] == list(reversed(made))  # newest date first
    for row, build in listed:
        assert row.data == store.bulletins.get(row.id).data
        latest = store.bulletins.latest_build(row.id)
        assert (build.fingerprint if build else None) == (latest.fingerprint if latest else None)
    assert [r.id for r in store.bulletins.recent(status="approved")] == list(reversed(made[:4]))
    assert [r.data for r in store.bulletins.recent()] == [r.data for r, _ in listed]
    store.bulletins.save({**store.bulletins.get(made[1]).data, "items": []})
    assert dict((r.id, r.data["items"]) for r, _ in store.bulletins.recent_with_builds())[
        made[1]] == []


def test_a_job_is_claimed_by_id_and_leases_run_on_the_database_clock(db_url: str) -> None:
    store = Store(db_url)
    first = store.articles.submit(_article("Tin một", "https://x.vn/1"),
                                  _segments("Tin một", "A.")).job
    second = store.articles.submit(_article("Tin hai", "https://x.vn/2"),
                                   _segments("Tin hai", "B.")).job
    claimed = store.jobs.claim("w1", lease_s=60, job_id=second.id)  # not the oldest: this one
    assert claimed is not None and claimed.id == second.id
    assert store.jobs.claim("w2", job_id=second.id) is None  # its lease holds
    now = store.now()
    assert claimed.lease_until is not None and 30 < claimed.lease_until - now <= 60
    assert store.jobs.heartbeat(second.id, "w1", lease_s=120)
    assert 90 < (store.jobs.get(second.id).lease_until or 0) - store.now() <= 120
    with store.unit() as uow:  # the lease ran out by the database's own clock
        uow.connection.execute("UPDATE jobs SET lease_until=? WHERE id=?",
                               (store.now() - 1, second.id))
    taken = store.jobs.claim("w2", job_id=second.id)
    assert taken is not None and taken.lease_owner == "w2" and taken.attempts == 2
    assert not store.jobs.finish(second.id, "w1", status="done")
    assert store.jobs.get(first.id).status == "queued"  # untouched by the claims by id


def test_misread_reports_group_by_word_and_close_on_either_database(db_url: str) -> None:
    store = Store(db_url)
    first = store.articles.submit(_article(url="https://x.vn/bc"),
                                  _segments("Tin", "Xã Ea Tul họp."))
    article_id = first.article.id
    one = store.reports.add(article_id, 1, "Ea  Tul", "ê a tun")
    two = store.reports.add(article_id, 1, "ea tul", None)
    store.reports.add(article_id, 0, "Tin", None)
    assert two > one > 0
    groups = store.reports.groups()
    assert [(g.word_key, g.count) for g in groups] == [("ea tul", 2), ("tin", 1)]
    assert groups[0].word == "Ea Tul" or groups[0].word == "ea tul"
    assert groups[0].suggestions == [("ê a tun", 1)]
    with pytest.raises(NotFound):
        store.reports.add(article_id, 9, "không có", None)
    assert store.reports.close("ea tul", "resolved") == 2
    assert [g.word_key for g in store.reports.groups()] == ["tin"]
