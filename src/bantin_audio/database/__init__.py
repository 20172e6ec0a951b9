"""The database: one schema for SQLite (embedded) and PostgreSQL, engines, and migrations.

The tables are described once with SQLAlchemy Core; Alembic revisions shipped inside the
package (`bantin_audio/migrations`) create and upgrade them on either database. An SQLite
file made before Alembic (schema versioned by PRAGMA user_version) is brought to the old
schema 4, stamped with the baseline revision and upgraded from there, losing nothing.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Engine,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    create_engine,
    event,
    text,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.pool import NullPool

from ..errors import InputError

log = logging.getLogger(__name__)

DATABASE_FILENAME = "bantin.sqlite3"
LEXICON_FILENAME = "lexicon.tsv"  # the editors' lexicon before revision 0004 (kept as a backup)
# The newest Alembic revision this code knows; a test checks it is the script directory's head.
HEAD_REVISION = "0004"
BASELINE_REVISION = "0001"  # equal to the last schema of the PRAGMA user_version mechanism
LEGACY_SCHEMA_VERSION = 4

MIGRATIONS_DIR = Path(__file__).parent / "migrations"

metadata = MetaData()


def _d(value: str) -> Any:
    return text(value)


articles = Table(
    "articles", metadata,
    Column("id", Integer, primary_key=True),
    Column("slug", Text, nullable=False, unique=True),
    Column("source_url", Text, unique=True),
    Column("content_hash", Text, nullable=False),
    Column("title", Text, nullable=False),
    Column("date", Text),
    Column("fields", Text, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    Index("articles_content_hash", "content_hash"),
    Index("articles_created", "created_at"),
)

segments = Table(
    "segments", metadata,
    Column("article_id", Integer, ForeignKey("articles.id", ondelete="CASCADE"),
           nullable=False),
    Column("idx", Integer, nullable=False),
    Column("kind", Text, nullable=False),
    Column("display", Text, nullable=False),
    Column("spoken", Text, nullable=False),
    Column("pause_ms", Integer, nullable=False, server_default=_d("500")),
    Column("status", Text, nullable=False, server_default=_d("'pending'")),
    Column("engine", Text),
    Column("fallback_reason", Text),
    Column("clip_hash", Text),
    Column("error", Text),
    PrimaryKeyConstraint("article_id", "idx"),
)

bulletins = Table(
    "bulletins", metadata,
    Column("id", Integer, primary_key=True),
    Column("title", Text),
    Column("date", Text),
    Column("station", Text, nullable=False),
    Column("status", Text, nullable=False, server_default=_d("'draft'")),
    Column("approved_by", Text),
    Column("approved_at", Text),
    Column("approved_fingerprint", Text),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
)

jobs = Table(
    "jobs", metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", Text, nullable=False, server_default=_d("'article'")),
    Column("article_id", Integer, ForeignKey("articles.id", ondelete="CASCADE")),
    Column("bulletin_id", Integer, ForeignKey("bulletins.id", ondelete="CASCADE")),
    Column("status", Text, nullable=False, server_default=_d("'queued'")),
    Column("done", Integer, nullable=False, server_default=_d("0")),
    Column("total", Integer, nullable=False, server_default=_d("0")),
    Column("error", Text),
    Column("attempts", Integer, nullable=False, server_default=_d("0")),
    Column("lease_owner", Text),
    Column("lease_until", Float),  # seconds since the epoch on the database's clock
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    Column("source_kind", Text),
    Column("source_url", Text),
    Column("source_data", LargeBinary),  # page bytes as submitted
    Column("source_key", Text),
    Column("source_text", Text),  # revision 0002: pasted text or decoded HTML
    Index("jobs_status", "status", "id"),
    Index("jobs_article", "article_id", "id"),
    Index("jobs_bulletin", "bulletin_id", "id"),
    Index("jobs_source_key", "source_key", "status"),
)

renditions = Table(
    "renditions", metadata,
    Column("article_id", Integer, ForeignKey("articles.id", ondelete="CASCADE"),
           nullable=False),
    Column("kind", Text, nullable=False),
    Column("path", Text, nullable=False),
    Column("bytes", Integer, nullable=False),
    Column("duration_ms", Integer, nullable=False),
    Column("content_hash", Text, nullable=False),
    Column("timings", Text, nullable=False, server_default=_d("'[]'")),
    Column("complete", Integer, nullable=False, server_default=_d("0")),
    Column("segments_done", Integer, nullable=False, server_default=_d("0")),
    Column("created_at", Float, nullable=False),
    PrimaryKeyConstraint("article_id", "kind"),
    Index("renditions_hash", "content_hash"),
)

settings = Table(
    "settings", metadata,
    Column("key", Text, primary_key=True),
    Column("value", Text, nullable=False),
)

bulletin_items = Table(
    "bulletin_items", metadata,
    Column("bulletin_id", Integer, ForeignKey("bulletins.id", ondelete="CASCADE"),
           nullable=False),
    Column("position", Integer, nullable=False),
    Column("article_id", Integer, ForeignKey("articles.id", ondelete="CASCADE"),
           nullable=False),
    PrimaryKeyConstraint("bulletin_id", "position"),
    Index("bulletin_items_article", "article_id"),
)

bulletin_builds = Table(
    "bulletin_builds", metadata,
    Column("id", Integer, primary_key=True),
    Column("bulletin_id", Integer, ForeignKey("bulletins.id", ondelete="CASCADE"),
           nullable=False),
    Column("fingerprint", Text, nullable=False),
    Column("duration_ms", Integer, nullable=False),
    Column("files", Text, nullable=False),
    Column("sizes", Text, nullable=False),
    Column("cues", Text, nullable=False),
    Column("loudness", Text, nullable=False),
    Column("engines", Text, nullable=False),
    Column("warning", Text),
    Column("created_at", Float, nullable=False),
    Index("bulletin_builds_bulletin", "bulletin_id", "id"),
)

sources = Table(
    "sources", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", Text, nullable=False, unique=True),
    Column("base_url", Text, nullable=False),
    Column("config", Text, nullable=False),
    Column("paused", Integer, nullable=False, server_default=_d("0")),
    Column("validators", Text, nullable=False, server_default=_d("'{}'")),
    Column("polled", Integer, nullable=False, server_default=_d("0")),
    Column("failures", Integer, nullable=False, server_default=_d("0")),
    Column("last_poll_at", Float),
    Column("next_poll_at", Float),
    Column("last_error", Text),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
)

source_items = Table(
    "source_items", metadata,
    Column("source_id", Integer, ForeignKey("sources.id", ondelete="CASCADE"), nullable=False),
    Column("url", Text, nullable=False),
    Column("status", Text, nullable=False, server_default=_d("'new'")),
    Column("article_id", Integer, ForeignKey("articles.id", ondelete="SET NULL")),
    Column("lastmod", Text),
    Column("etag", Text),
    Column("last_modified", Text),
    Column("gone", Integer, nullable=False, server_default=_d("0")),
    Column("failures", Integer, nullable=False, server_default=_d("0")),
    Column("error", Text),
    Column("first_seen", Float, nullable=False),
    Column("checked_at", Float),
    Column("next_check", Float),
    Column("job_id", Integer),
    Column("page_hash", Text),
    PrimaryKeyConstraint("source_id", "url"),
    Index("source_items_due", "source_id", "next_check"),
    Index("source_items_article", "article_id"),
)

article_holds = Table(
    "article_holds", metadata,
    Column("id", Integer, primary_key=True),
    Column("article_id", Integer, ForeignKey("articles.id", ondelete="CASCADE"), unique=True),
    Column("url", Text, unique=True),
    Column("reason", Text, nullable=False),
    Column("since", Float, nullable=False),
)

misread_reports = Table(
    "misread_reports", metadata,
    Column("id", Integer, primary_key=True),
    Column("article_id", Integer, ForeignKey("articles.id", ondelete="CASCADE"),
           nullable=False),
    Column("segment_idx", Integer, nullable=False),
    Column("word", Text, nullable=False),
    Column("word_key", Text, nullable=False),  # the word case-folded: one word's reports group
    Column("suggestion", Text),
    Column("status", Text, nullable=False, server_default=_d("'open'")),
    Column("created_at", Float, nullable=False),
    Column("resolved_at", Float),
    Index("misread_reports_open", "status", "word_key"),
)  # revision 0003: listeners' reports of a misread word ("Báo đọc sai")

# revision 0004: the editors' pronunciation lexicon, shared by every process of a deployment.
# `term` is the written form exactly as typed ("TTg" and "TTG" are two entries; the lookup
# falls back to a case-insensitive match); `revision` is the lexicon revision that last
# changed the entry.
lexicon_entries = Table(
    "lexicon_entries", metadata,
    Column("term", Text, primary_key=True),
    Column("spoken", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("revision", Integer, nullable=False),
    Column("updated_by", Text),  # where the entry came from: the dictionary page, a report, …
    Column("updated_at", Float, nullable=False),
)

# One row (id 1), bumped by every change of the lexicon: a process caches the lexicon it read
# and re-reads it only when (revision, updated_at) differs. No row yet: an empty lexicon.
lexicon_state = Table(
    "lexicon_state", metadata,
    Column("id", Integer, primary_key=True),
    Column("revision", Integer, nullable=False),
    Column("updated_at", Float, nullable=False),
)

# Parents before children: the order rows are copied in, and tables emptied in reverse.
TABLES = (articles, segments, bulletins, jobs, renditions, settings, bulletin_items,
          bulletin_builds, sources, source_items, article_holds, misread_reports,
          lexicon_entries, lexicon_state)


def database_path(data_dir: Path | str) -> Path:
    """Return where the embedded database lives in a data directory."""
    return Path(data_dir) / DATABASE_FILENAME


def database_url(target: Path | str) -> str:
    """Return a database URL for a URL or an SQLite file path."""
    if isinstance(target, str) and "://" in target:
        return target
    return "sqlite:///" + str(Path(target).absolute())


def redact(url: str) -> str:
    """Return a database URL without its password (for messages and logs)."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<địa chỉ không hợp lệ>"


def make_engine(url: str) -> Engine:
    """Create an engine for an SQLite file or a PostgreSQL URL.

    SQLite connections run in WAL mode with foreign keys on; a write transaction starts with
    BEGIN IMMEDIATE (so writers queue on the lock instead of failing to upgrade it), reads
    with a plain BEGIN. Each thread keeps its own connection, as the store did with sqlite3.
    """
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise InputError(f"BANTIN_DATABASE_URL không hợp lệ: {url!r}",
                         "ví dụ: postgresql://bantin:mat-khau@db/bantin") from exc
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, poolclass=NullPool,
                               connect_args={"timeout": 30.0, "check_same_thread": False,
                                             "isolation_level": None})
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if backend == "postgresql":
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        return create_engine(parsed, poolclass=NullPool)
    raise InputError(f"Cơ sở dữ liệu không được hỗ trợ: {backend}",
                     "dùng sqlite:///… hoặc postgresql://…")


def _sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def _sqlite_begin(conn: Connection) -> None:
    # A write transaction takes the write lock at once; a lone read runs in SQLite's own
    # autocommit (one statement sees one snapshot), as the sqlite3 store always did.
    mode = conn.get_execution_options().get("bantin_begin")
    if mode:
        conn.exec_driver_sql(mode)


# -- migrations -------------------------------------------------------------------------------

def current_revision(conn: Connection) -> str | None:
    """Return the Alembic revision of a database, or None before the first migration."""
    from alembic.migration import MigrationContext

    return MigrationContext.configure(conn).get_current_revision()


def legacy_schema_version(conn: Connection) -> int:
    """Return the PRAGMA user_version of an SQLite file made before Alembic (0 if none)."""
    if conn.dialect.name != "sqlite":
        return 0
    return int(conn.exec_driver_sql("PRAGMA user_version").scalar() or 0)


def upgrade(conn: Connection, lexicon_file: Path | None = None) -> tuple[str | None, str]:
    """Bring a database to the newest revision inside the caller's transaction.

    Returns the revision before and after. An SQLite file of the old mechanism is first
    brought to its schema 4 by the old statements, then stamped with the baseline.
    `lexicon_file` is the editors' lexicon file that revision 0004 imports once (the file is
    kept); by default the `lexicon.tsv` beside an SQLite database file, none for a server.
    """
    from alembic import command
    from alembic.config import Config

    if conn.dialect.name == "postgresql":  # one migrator at a time across processes
        conn.exec_driver_sql("SELECT pg_advisory_xact_lock(4226801)")
    before = current_revision(conn)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = conn
    config.attributes["lexicon_file"] = (lexicon_file if lexicon_file is not None
                                         else default_lexicon_file(conn))
    if before is None:
        legacy = legacy_schema_version(conn)
        if legacy > LEGACY_SCHEMA_VERSION:
            raise InputError(f"Cơ sở dữ liệu mới hơn phiên bản phần mềm này (lược đồ {legacy})",
                             "cập nhật bantin-audio")
        if legacy:
            from .migrations.legacy import upgrade_legacy

            upgrade_legacy(conn, legacy)
            log.info("stamping legacy schema %d as revision %s", legacy, BASELINE_REVISION)
            command.stamp(config, BASELINE_REVISION)
            before = f"schema {legacy}"
    elif before not in _known_revisions(config):
        raise InputError(f"Cơ sở dữ liệu mới hơn phiên bản phần mềm này (bản {before})",
                         "cập nhật bantin-audio")
    command.upgrade(config, "head")
    after = current_revision(conn) or ""
    return before, after


def default_lexicon_file(conn: Connection) -> Path | None:
    """Return the `lexicon.tsv` in the data directory of an SQLite database file, or None."""
    database = conn.engine.url.database
    if conn.dialect.name != "sqlite" or not database or database == ":memory:":
        return None
    return Path(database).parent / LEXICON_FILENAME


def _known_revisions(config: Any) -> set[str]:
    from alembic.script import ScriptDirectory

    return {s.revision for s in ScriptDirectory.from_config(config).walk_revisions()}


def script_head() -> str:
    """Return the head revision of the shipped migration scripts."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return str(ScriptDirectory.from_config(config).get_current_head())
