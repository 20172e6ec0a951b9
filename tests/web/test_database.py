"""Migrations of an old embedded data dir, `migrate`, `copy-data` into PostgreSQL, and claims
by many processes on PostgreSQL."""

from __future__ import annotations

import multiprocessing
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from bantin_audio.cli import main
from bantin_audio.database import HEAD_REVISION, TABLES
from bantin_audio.database.migrations.legacy import _MIGRATIONS
from bantin_audio.model import Article, Segment
from bantin_audio.store import Store
from tests.servers import PostgresServer

# Rows of every table, as the release before Alembic wrote them (schema 4).
LEGACY_ROWS = [
    "INSERT INTO articles VALUES (7, 'tin-mua-lu-7', 'https://xa.vn/tin-mua-lu', 'h7', "
    "'Tin mưa lũ', '2024-10-01', '{\"title\": \"Tin mưa lũ\", \"paragraphs\": "
    "[\"Nước lên nhanh.\"]}', 100.5, 101.5)",
    "INSERT INTO articles VALUES (9, 'lich-tiem-9', NULL, 'h9', 'Lịch tiêm', NULL, "
    "'{\"title\": \"Lịch tiêm\", \"paragraphs\": [\"Sáng thứ hai.\"]}', 102, 102)",
    "INSERT INTO segments VALUES (7, 0, 'title', 'Tin mưa lũ', 'tin mưa lũ', 700, 'done', "
    "'gtts', NULL, 'c0', NULL)",
    "INSERT INTO segments VALUES (7, 1, 'paragraph', 'Nước lên nhanh.', 'nước lên nhanh', 500, "
    "'failed', NULL, NULL, NULL, 'Google trả lỗi 429')",
    "INSERT INTO bulletins VALUES (2, 'Bản tin sáng', '2024-10-02', '{\"name\": \"Đài xã\"}', "
    "'approved', 'bt', '2024-10-02T06:00', 'fp', 103, 104)",
    "INSERT INTO jobs(id, kind, article_id, status, done, total, attempts, created_at, "
    "updated_at) VALUES (3, 'article', 7, 'failed', 1, 2, 3, 100, 101)",
    "INSERT INTO jobs(id, kind, bulletin_id, status, created_at, updated_at) "
    "VALUES (4, 'bulletin', 2, 'done', 103, 104)",
    "INSERT INTO jobs(id, kind, status, source_kind, source_data, source_key, created_at, "
    "updated_at) VALUES (5, 'article', 'queued', 'text', 'Tin dán vào\n\nĐoạn một.', 'k5', "
    "105, 105)",
    "INSERT INTO jobs(id, kind, status, source_kind, source_data, source_key, created_at, "
    "updated_at) VALUES (6, 'article', 'queued', 'html', X'3c703e54696e3c2f703e', 'k6', 106, "
    "106)",
    "INSERT INTO renditions VALUES (7, 'mp3', 'ab12.mp3', 2048, 3000, 'ab12', "
    "'[{\"index\": 0, \"start_ms\": 0}]', 1, 2, 101)",
    "INSERT INTO settings VALUES ('secret_key', 's3cr3t')",
    "INSERT INTO settings VALUES ('bulletin_station', '{\"name\": \"Đài xã\"}')",
    "INSERT INTO bulletin_items VALUES (2, 0, 7)",
    "INSERT INTO bulletin_builds VALUES (8, 2, 'fp', 3000, '{\"mp3\": \"b.mp3\"}', "
    "'{\"mp3\": 10}', '[]', '{}', '{\"gtts\": 1}', NULL, 104)",
    "INSERT INTO sources VALUES (1, 'Huyện A', 'https://a.vn', '{\"hosts\": [\"a.vn\"]}', 0, "
    "'{}', 1, 0, 100, 700, NULL, 90, 100)",
    "INSERT INTO source_items VALUES (1, 'https://xa.vn/tin-mua-lu', 'imported', 7, NULL, "
    "NULL, NULL, 0, 0, NULL, 95, 100, 800, NULL, 'ph')",
    "INSERT INTO article_holds VALUES (1, 9, NULL, 'awaiting_approval', 102)",
]
LEGACY_COUNTS = {"articles": 2, "segments": 2, "bulletins": 1, "jobs": 4, "renditions": 1,
                 "settings": 2, "bulletin_items": 1, "bulletin_builds": 1, "sources": 1,
                 "source_items": 1, "article_holds": 1}


def _legacy_data_dir(data_dir: Path, version: int = 4) -> Path:
    """Write an embedded database as the release before Alembic left it."""
    data_dir.mkdir(parents=True)
    conn = sqlite3.connect(data_dir / "bantin.sqlite3")
    for target in range(1, version + 1):
        conn.executescript(_MIGRATIONS[target])
    conn.execute(f"PRAGMA user_version = {version}")
    for row in LEGACY_ROWS:
        conn.execute(row)
    conn.commit()
    conn.close()
    return data_dir


def _cli(*args: str) -> object:
    return CliRunner(mix_stderr=False).invoke(main, list(args), catch_exceptions=False)


def _check_legacy_rows(store: Store) -> None:
    article = store.articles.get(7)
    assert (article.slug, article.article.title) == ("tin-mua-lu-7", "Tin mưa lũ")
    assert [(s.status, s.error) for s in store.articles.segments(7)] == [
        ("done", None), ("failed", "Google trả lỗi 429")]
    assert store.jobs.get(3).status == "failed" and store.jobs.get(4).kind == "bulletin"
    assert store.jobs.source(5) == ("text", None, "Tin dán vào\n\nĐoạn một.")
    assert store.jobs.source(6) == ("html", None, b"<p>Tin</p>")
    assert store.renditions.for_article(7)[0].timings == [{"index": 0, "start_ms": 0}]
    assert store.settings.get("secret_key") == "s3cr3t"
    assert store.bulletins.defaults() == {"name": "Đài xã"}
    bulletin = store.bulletins.get(2)
    assert [i["article_id"] for i in bulletin.data["items"]] == [7]
    assert store.bulletins.latest_build(2) is not None
    assert store.sources.get_by_name("Huyện A").articles_found == 1
    assert store.articles.hold_reason(9) == "awaiting_approval"


def test_the_baseline_revision_is_the_old_schema_4(tmp_path: Path) -> None:
    old = _legacy_data_dir(tmp_path / "old") / "bantin.sqlite3"
    Store(old).dispose()
    new = tmp_path / "new.sqlite3"
    Store(new).dispose()

    def shape(path: Path) -> dict[str, object]:
        """Columns (name, type affinity, not null, default, key), keys and indexes."""
        conn = sqlite3.connect(path)
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        out: dict[str, object] = {}
        for t in tables:
            columns = [(c[1], "REAL" if c[2] == "FLOAT" else c[2], bool(c[3]) or c[5] > 0,
                        c[4], c[5]) for c in conn.execute(f"PRAGMA table_info({t})")]
            keys = sorted((k[2], k[3], k[4], k[6]) for k in
                          conn.execute(f"PRAGMA foreign_key_list({t})"))
            indexes = sorted((i[1], i[2], tuple(c[2] for c in conn.execute(
                f"PRAGMA index_info('{i[1]}')"))) for i in conn.execute(f"PRAGMA index_list({t})")
                if not i[1].startswith("sqlite_autoindex"))
            uniques = sorted(tuple(c[2] for c in conn.execute(f"PRAGMA index_info('{i[1]}')"))
                             for i in conn.execute(f"PRAGMA index_list({t})") if i[2])
            out[t] = (columns, keys, indexes, uniques)
        conn.close()
        return out

    assert shape(old) == shape(new)
    assert set(shape(new)) == {t.name for t in TABLES} | {"alembic_version"}


@pytest.mark.parametrize("version", [1, 3, 4])
def test_migrate_upgrades_an_old_data_dir_and_loses_nothing(tmp_path: Path,
                                                           version: int) -> None:
    data_dir = tmp_path / "data"
    if version == 4:
        _legacy_data_dir(data_dir)
    else:  # older files hold only the tables they had
        data_dir.mkdir()
        conn = sqlite3.connect(data_dir / "bantin.sqlite3")
        for target in range(1, version + 1):
            conn.executescript(_MIGRATIONS[target])
        conn.execute(f"PRAGMA user_version = {version}")
        conn.execute(LEGACY_ROWS[0])
        conn.execute("INSERT INTO jobs(id, article_id, status, created_at, updated_at) "
                     "VALUES (3, 7, 'done', 1, 1)")
        conn.commit()
        conn.close()
    result = _cli("migrate", "--data-dir", str(data_dir))
    assert result.exit_code == 0, result.stderr
    assert f"schema {version} → {HEAD_REVISION}" in result.output
    again = _cli("migrate", "--data-dir", str(data_dir))
    assert f"bản mới nhất: {HEAD_REVISION}" in again.output
    store = Store(data_dir / "bantin.sqlite3")
    if version == 4:
        _check_legacy_rows(store)
    else:
        assert store.articles.get(7).slug == "tin-mua-lu-7" and store.jobs.get(3).kind == "article"
    store.dispose()


def test_copy_data_moves_an_embedded_deployment_into_postgresql(
        tmp_path: Path, postgres: PostgresServer) -> None:
    data_dir = _legacy_data_dir(tmp_path / "data")
    target = postgres.create_database()
    try:
        result = _cli("copy-data", "--data-dir", str(data_dir), "--to", target)
        assert result.exit_code == 0, result.stderr
        for table, rows in LEGACY_COUNTS.items():
            assert f"{table}: {rows} dòng" in result.stderr
        store = Store(target)
        assert store.revision() == HEAD_REVISION
        _check_legacy_rows(store)
        # The sequences moved past the copied ids: new rows do not collide.
        made = store.articles.submit(Article(title="Tin mới", paragraphs=["Một."]),
                                     [Segment(0, "title", "Tin mới", "tin mới"),
                                      Segment(1, "paragraph", "Một.", "một")])
        assert made.article.id == 10 and made.job.id == 7
        store.dispose()
        # A target with rows is refused, and nothing is written to it.
        refused = _cli("copy-data", "--data-dir", str(data_dir), "--to", target)
        assert refused.exit_code == 1 and "đã có dữ liệu" in refused.stderr
        check = Store(target)
        assert len(check.articles.recent(include_held=True)) == 3
        check.dispose()
    finally:
        postgres.drop_database(target)


def _claim_all(url: str, owner: str, out: multiprocessing.Queue,  # type: ignore[type-arg]
               ready: object) -> None:
    store = Store(url)
    store.settings.get("warm")  # connected before the race starts
    ready.wait()  # type: ignore[attr-defined]
    claimed = []
    while (job := store.jobs.claim(owner, lease_s=60)) is not None:
        claimed.append(job.id)
        assert store.jobs.finish(job.id, owner, status="done")
    store.dispose()
    out.put(claimed)


def test_many_processes_never_claim_the_same_job_on_postgresql(
        postgres: PostgresServer) -> None:
    url = postgres.create_database()
    try:
        store = Store(url)
        for n in range(200):
            store.jobs.queue_source("text", data=f"Tin số {n}\n\nĐoạn {n}.")
        store.dispose()
        ctx = multiprocessing.get_context("spawn")
        out, ready = ctx.Queue(), ctx.Barrier(4)
        workers = [ctx.Process(target=_claim_all, args=(url, f"w{i}", out, ready))
                   for i in range(4)]
        for w in workers:
            w.start()
        claimed = [out.get(timeout=120) for _ in workers]
        for w in workers:
            w.join(timeout=60)
            assert w.exitcode == 0
        every = [job_id for ids in claimed for job_id in ids]
        assert len(every) == len(set(every)) == 200  # each job once, none left over
        assert sum(1 for ids in claimed if ids) >= 2  # the workers did race
        store = Store(url)
        assert {j.status for j in store.jobs.recent(limit=500)} == {"done"}
        assert all(j.attempts == 1 for j in store.jobs.recent(limit=500))
        store.dispose()
    finally:
        postgres.drop_database(url)
