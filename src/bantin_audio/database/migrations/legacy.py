"""The schema versions of the PRAGMA user_version mechanism (before Alembic), kept to upgrade
an SQLite file made by an older release to schema 4, which the baseline revision equals."""

from __future__ import annotations

import logging

from sqlalchemy import Connection

log = logging.getLogger(__name__)

LEGACY_SCHEMA_VERSION = 4

_MIGRATIONS: dict[int, str] = {
    1: """
    CREATE TABLE articles (
        id INTEGER PRIMARY KEY,
        slug TEXT NOT NULL UNIQUE,
        source_url TEXT UNIQUE,
        content_hash TEXT NOT NULL,
        title TEXT NOT NULL,
        date TEXT,
        fields TEXT NOT NULL,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL
    );
    CREATE INDEX articles_content_hash ON articles(content_hash);
    CREATE INDEX articles_created ON articles(created_at);
    CREATE TABLE segments (
        article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        idx INTEGER NOT NULL,
        kind TEXT NOT NULL,
        display TEXT NOT NULL,
        spoken TEXT NOT NULL,
        pause_ms INTEGER NOT NULL DEFAULT 500,
        status TEXT NOT NULL DEFAULT 'pending',
        engine TEXT,
        fallback_reason TEXT,
        clip_hash TEXT,
        error TEXT,
        PRIMARY KEY (article_id, idx)
    );
    CREATE TABLE jobs (
        id INTEGER PRIMARY KEY,
        article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        status TEXT NOT NULL DEFAULT 'queued',
        done INTEGER NOT NULL DEFAULT 0,
        total INTEGER NOT NULL DEFAULT 0,
        error TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        lease_owner TEXT,
        lease_until REAL,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL
    );
    CREATE INDEX jobs_status ON jobs(status, id);
    CREATE INDEX jobs_article ON jobs(article_id, id);
    CREATE TABLE renditions (
        article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        kind TEXT NOT NULL,
        path TEXT NOT NULL,
        bytes INTEGER NOT NULL,
        duration_ms INTEGER NOT NULL,
        content_hash TEXT NOT NULL,
        timings TEXT NOT NULL DEFAULT '[]',
        complete INTEGER NOT NULL DEFAULT 0,
        segments_done INTEGER NOT NULL DEFAULT 0,
        created_at REAL NOT NULL,
        PRIMARY KEY (article_id, kind)
    );
    CREATE INDEX renditions_hash ON renditions(content_hash);
    CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    """,
    # Bulletins (issue 6). Jobs gain a kind: an article's synthesis, or a bulletin's build.
    # SQLite cannot drop NOT NULL from article_id in place, so the table is rebuilt.
    2: """
    CREATE TABLE bulletins (
        id INTEGER PRIMARY KEY,
        title TEXT,
        date TEXT,
        station TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'draft',
        approved_by TEXT,
        approved_at TEXT,
        approved_fingerprint TEXT,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL
    );
    CREATE TABLE bulletin_items (
        bulletin_id INTEGER NOT NULL REFERENCES bulletins(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        PRIMARY KEY (bulletin_id, position)
    );
    CREATE INDEX bulletin_items_article ON bulletin_items(article_id);
    CREATE TABLE bulletin_builds (
        id INTEGER PRIMARY KEY,
        bulletin_id INTEGER NOT NULL REFERENCES bulletins(id) ON DELETE CASCADE,
        fingerprint TEXT NOT NULL,
        duration_ms INTEGER NOT NULL,
        files TEXT NOT NULL,
        sizes TEXT NOT NULL,
        cues TEXT NOT NULL,
        loudness TEXT NOT NULL,
        engines TEXT NOT NULL,
        warning TEXT,
        created_at REAL NOT NULL
    );
    CREATE INDEX bulletin_builds_bulletin ON bulletin_builds(bulletin_id, id);
    CREATE TABLE jobs_v2 (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL DEFAULT 'article',
        article_id INTEGER REFERENCES articles(id) ON DELETE CASCADE,
        bulletin_id INTEGER REFERENCES bulletins(id) ON DELETE CASCADE,
        status TEXT NOT NULL DEFAULT 'queued',
        done INTEGER NOT NULL DEFAULT 0,
        total INTEGER NOT NULL DEFAULT 0,
        error TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        lease_owner TEXT,
        lease_until REAL,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL
    );
    INSERT INTO jobs_v2(id, kind, article_id, status, done, total, error, attempts, lease_owner,
                        lease_until, created_at, updated_at)
        SELECT id, 'article', article_id, status, done, total, error, attempts, lease_owner,
               lease_until, created_at, updated_at FROM jobs;
    DROP TABLE jobs;
    ALTER TABLE jobs_v2 RENAME TO jobs;
    CREATE INDEX jobs_status ON jobs(status, id);
    CREATE INDEX jobs_article ON jobs(article_id, id);
    CREATE INDEX jobs_bulletin ON jobs(bulletin_id, id);
    """,
    # Submissions are fetched, cleaned and normalized by the job, not the request: an article
    # job may start with no article yet, only its source (a URL, page HTML or pasted text).
    3: """
    ALTER TABLE jobs ADD COLUMN source_kind TEXT;
    ALTER TABLE jobs ADD COLUMN source_url TEXT;
    ALTER TABLE jobs ADD COLUMN source_data BLOB;
    ALTER TABLE jobs ADD COLUMN source_key TEXT;
    CREATE INDEX jobs_source_key ON jobs(source_key, status);
    """,
    # Watched portals (sources), the article addresses found on them, and holds that keep an
    # article off public pages (withdrawn by its portal, or waiting for an editor's approval).
    4: """
    CREATE TABLE sources (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        base_url TEXT NOT NULL,
        config TEXT NOT NULL,
        paused INTEGER NOT NULL DEFAULT 0,
        validators TEXT NOT NULL DEFAULT '{}',
        polled INTEGER NOT NULL DEFAULT 0,
        failures INTEGER NOT NULL DEFAULT 0,
        last_poll_at REAL,
        next_poll_at REAL,
        last_error TEXT,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL
    );
    CREATE TABLE source_items (
        source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
        url TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'new',
        article_id INTEGER REFERENCES articles(id) ON DELETE SET NULL,
        lastmod TEXT,
        etag TEXT,
        last_modified TEXT,
        gone INTEGER NOT NULL DEFAULT 0,
        failures INTEGER NOT NULL DEFAULT 0,
        error TEXT,
        first_seen REAL NOT NULL,
        checked_at REAL,
        next_check REAL,
        job_id INTEGER,
        page_hash TEXT,
        PRIMARY KEY (source_id, url)
    );
    CREATE INDEX source_items_due ON source_items(source_id, next_check);
    CREATE INDEX source_items_article ON source_items(article_id);
    CREATE TABLE article_holds (
        id INTEGER PRIMARY KEY,
        article_id INTEGER UNIQUE REFERENCES articles(id) ON DELETE CASCADE,
        url TEXT UNIQUE,
        reason TEXT NOT NULL,
        since REAL NOT NULL
    );
    """,
}


def upgrade_legacy(conn: Connection, version: int) -> None:
    """Run the old statements from `version` up to schema 4 on an SQLite connection."""
    for target in range(version + 1, LEGACY_SCHEMA_VERSION + 1):
        log.info("upgrading a legacy database to schema %d", target)
        for statement in _MIGRATIONS[target].split(";"):
            if statement.strip():
                conn.exec_driver_sql(statement)
        conn.exec_driver_sql(f"PRAGMA user_version = {target}")
