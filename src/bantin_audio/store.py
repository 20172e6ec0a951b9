"""The store: articles, segments, jobs, audio renditions, bulletins, service settings.

The only module that writes SQL, in the subset SQLite and PostgreSQL share (the few
differences are chosen by dialect here). Every write runs in one transaction, so a crash never
leaves a half-written article or job behind. The schema lives in `database.py` and is
migrated by Alembic when the store is opened.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import secrets
import threading
import time
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError

from .database import (
    DATABASE_FILENAME,
    HEAD_REVISION,
    database_path,
    database_url,
    make_engine,
    redact,
    upgrade,
)
from .errors import InputError, NotFound
from .model import Article, Segment

log = logging.getLogger(__name__)


JOB_STATUSES = ("queued", "running", "done", "failed")
HOLD_REASONS = ("withdrawn", "awaiting_approval")
# An article is held by its id, or (before a job has read it) by the address it comes from.
_NOT_HELD = ("id NOT IN (SELECT article_id FROM article_holds WHERE article_id IS NOT NULL) "
             "AND coalesce(source_url, '') NOT IN "
             "(SELECT url FROM article_holds WHERE url IS NOT NULL)")
SOURCE_KINDS = ("url", "html", "text")
# Every column of a job row except the source's HTML or text (up to megabytes, read only by
# the worker that ingests it).
_JOB_COLUMNS = ("id, kind, article_id, bulletin_id, status, done, total, error, attempts, "
                "lease_owner, lease_until, created_at, updated_at, source_kind, source_url")
SEGMENT_STATUSES = ("pending", "done", "failed")
MISREAD_OPEN_MAX = 5000


@dataclass
class ArticleRow:
    """An article as stored: its fields plus the stable page address."""

    id: int
    slug: str
    source_url: str | None
    content_hash: str
    article: Article
    created_at: float
    updated_at: float


@dataclass
class SegmentRow:
    """One stored segment with its synthesis state."""

    article_id: int
    segment: Segment
    status: str = "pending"
    engine: str | None = None
    fallback_reason: str | None = None
    clip_hash: str | None = None
    error: str | None = None


@dataclass
class JobRow:
    """A job: one article's synthesis (progress in segments) or one bulletin's build."""

    id: int
    article_id: int | None
    status: str
    done: int
    total: int
    error: str | None
    attempts: int
    lease_owner: str | None
    lease_until: float | None
    created_at: float
    updated_at: float
    kind: str = "article"
    bulletin_id: int | None = None
    source_kind: str | None = None  # url, html or text: what the job fetches and cleans first
    source_url: str | None = None

    @property
    def stage(self) -> str:
        """Return what the job does now: "fetch" before its article exists, else "synthesize"."""
        if self.kind == "article" and self.article_id is None and self.source_kind:
            return "fetch"
        return "build" if self.kind == "bulletin" else "synthesize"

    def to_dict(self) -> dict[str, Any]:
        """Return the API shape of a job."""
        data: dict[str, Any] = {"id": self.id, "article_id": self.article_id,
                                "status": self.status, "done": self.done, "total": self.total,
                                "error": self.error}
        if self.kind != "article":
            data.update(kind=self.kind, bulletin_id=self.bulletin_id)
        if self.source_kind:
            data.update(stage=self.stage, source=self.source_kind, source_url=self.source_url)
        return data


@dataclass
class RenditionRow:
    """An audio file of an article (complete, or the finished prefix while synthesizing)."""

    article_id: int
    kind: str
    path: str  # relative to the media directory
    bytes: int
    duration_ms: int
    content_hash: str
    timings: list[dict[str, Any]] = field(default_factory=list)
    complete: bool = False
    segments_done: int = 0
    created_at: float = 0.0


@dataclass
class SubmitResult:
    """What a submission did: the article, its job, and whether anything was new."""

    article: ArticleRow
    job: JobRow
    created: bool  # a new article row
    changed: bool  # segments changed, so synthesis work was queued


@dataclass
class BulletinRow:
    """A stored bulletin in the `Bulletin.to_dict` shape, items read from the articles."""

    id: int
    data: dict[str, Any]
    created_at: float
    updated_at: float


@dataclass
class BulletinBuildRow:
    """The files of one bulletin build (names in the bulletin media directory)."""

    bulletin_id: int
    fingerprint: str
    duration_ms: int
    files: dict[str, str]
    sizes: dict[str, int]
    cues: list[dict[str, Any]]
    loudness: dict[str, dict[str, Any]]
    engines: dict[str, int]
    warning: str | None = None
    id: int = 0
    created_at: float = 0.0


@dataclass
class MisreadGroup:
    """The open reports of one word: how often, what listeners suggested, where it was heard."""

    word_key: str
    word: str
    count: int
    suggestions: list[tuple[str, int]]
    places: list[tuple[int, str, str, int]]  # (article id, slug, title, segment index)
    report_ids: list[int]


@dataclass
class SourceRow:
    """A watched portal: where to discover articles, how often, and what it has done."""

    id: int
    name: str
    base_url: str
    config: dict[str, Any]  # feeds, sitemaps, listings, hosts, interval, patterns, approval...
    paused: bool
    validators: dict[str, dict[str, str]]  # per discovery URL: etag / last_modified
    polled: bool  # a first poll has happened (later polls take every new article)
    failures: int
    last_poll_at: float | None
    next_poll_at: float | None
    last_error: str | None
    created_at: float
    updated_at: float
    articles_found: int = 0

    @property
    def hosts(self) -> list[str]:
        """Return the hosts whose pages may be articles of this source."""
        return list(self.config.get("hosts") or [])

    @property
    def poll_interval_s(self) -> float:
        """Return how often the source is polled, in seconds."""
        return float(self.config.get("poll_interval_s") or 600)


@dataclass
class SourceItemRow:
    """An article address found on a source, with what the watcher knows about it."""

    source_id: int
    url: str
    status: str  # new | imported | skipped | failed | withdrawn
    article_id: int | None
    lastmod: str | None
    etag: str | None
    last_modified: str | None
    gone: int
    failures: int
    error: str | None
    first_seen: float
    checked_at: float | None
    next_check: float | None
    job_id: int | None = None  # the job reading it, while it is queued
    page_hash: str | None = None  # of the page as last fetched by the watcher


def content_hash(article: Article) -> str:
    """Return a hash of what an article says (not where it came from)."""
    data = article.to_dict()
    data.pop("source_url", None)
    raw = json.dumps(data, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(unicodedata.normalize("NFC", raw).encode("utf-8")).hexdigest()


def ascii_slug(text: str, max_len: int = 60) -> str:
    """Return an ASCII slug of Vietnamese text (đ becomes d, diacritics dropped)."""
    text = text.replace("đ", "d").replace("Đ", "D")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    out: list[str] = []
    for ch in text.lower():
        if ch.isascii() and ch.isalnum():
            out.append(ch)
        elif out and out[-1] != "-":
            out.append("-")
    slug = "".join(out).strip("-")
    if len(slug) > max_len:
        slug = slug[:max_len].rsplit("-", 1)[0] or slug[:max_len]
    return slug or "bai-viet"


class _Row:
    """A result row read by column name (`row["id"]`) or position (`row[0]`)."""

    __slots__ = ("_names", "_values")

    def __init__(self, values: Sequence[Any], names: dict[str, int]) -> None:
        self._values = values
        self._names = names

    def __getitem__(self, key: str | int) -> Any:
        return self._values[self._names[key]] if isinstance(key, str) else self._values[key]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._values)

    def keys(self) -> list[str]:
        """Return the column names."""
        return list(self._names)


class _Result:
    """A statement's rows, read at once (every caller reads them all), and its row count."""

    __slots__ = ("_rows", "rowcount")

    def __init__(self, rows: list[_Row], rowcount: int) -> None:
        self._rows = rows
        self.rowcount = rowcount

    def fetchone(self) -> Any:  # a _Row or None, typed loosely as DB-API cursors are
        return self._rows[0] if self._rows else None

    def fetchall(self) -> list[_Row]:
        return self._rows

    def __iter__(self) -> Iterator[_Row]:
        return iter(self._rows)


@functools.lru_cache(maxsize=4096)
def _statement(sql: str, paramstyle: str, with_params: bool) -> str:
    """Return the SQL (qmark placeholders) in the driver's parameter style."""
    if paramstyle == "qmark" or not with_params:
        return sql
    return sql.replace("%", "%%").replace("?", "%s")  # format / pyformat (psycopg)


class _Connection:
    """One thread's connection, from the SQLAlchemy engine: statements run in the open
    transaction (`begin`), or each on its own.

    Statements go to the driver connection SQLAlchemy holds, as written in the SQL SQLite and
    PostgreSQL share: building SQLAlchemy result metadata for every textual statement cost
    the embedded store three times its time (bench/store.py). Driver errors are raised as
    SQLAlchemy's (IntegrityError, OperationalError, ...), and a lost server connection is
    invalidated so that the next statement reconnects.
    """

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.in_transaction = False  # inside Store.transaction()
        self.paramstyle = conn.dialect.paramstyle
        self.autocommits = conn.dialect.name == "sqlite"  # the driver runs in autocommit
        self._error = conn.dialect.loaded_dbapi.Error
        self._dbapi: Any = None
        self.statements = 0  # run on this connection (a page's query count, in tests)

    def _driver(self) -> Any:
        dbapi = self._dbapi
        if dbapi is None:  # first use, or reconnecting after a lost connection
            dbapi = self._dbapi = self.conn.connection.dbapi_connection
            if dbapi is None:
                raise RuntimeError("database connection is closed")
            if self.autocommits:  # sqlite3's own rows read by name or position, in C
                dbapi.row_factory = self.conn.dialect.loaded_dbapi.Row
        return dbapi

    def execute(self, sql: str, params: Sequence[Any] = ()) -> _Result:
        """Run one statement with positional parameters and return its rows."""
        dbapi = self._driver()
        statement = _statement(sql, self.paramstyle, bool(params))
        self.statements += 1
        cursor = None
        try:
            # sqlite3 and psycopg both give Connection.execute (a cursor made in one call)
            cursor = dbapi.execute(statement, tuple(params))
            if self.autocommits:
                out = _Result(cursor.fetchall(), cursor.rowcount)
            elif cursor.description:
                names = {d[0]: i for i, d in enumerate(cursor.description)}
                out = _Result([_Row(r, names) for r in cursor.fetchall()], cursor.rowcount)
            else:
                out = _Result([], cursor.rowcount)
            if not self.in_transaction and not self.autocommits:
                dbapi.commit()
        except self._error as exc:
            if not self.in_transaction and not self.autocommits:
                dbapi.rollback()
            if self.conn.dialect.is_disconnect(exc, dbapi, cursor):
                self.conn.invalidate(exc)
                self._dbapi = None
            raise DBAPIError.instance(statement, params, exc, self._error,
                                      dialect=self.conn.dialect) from exc
        finally:
            if cursor is not None:
                cursor.close()
        return out

    @contextmanager
    def begin(self) -> Iterator[None]:
        """Run a block in one write transaction, committed at its end, rolled back on error.

        SQLite: BEGIN IMMEDIATE, so writers queue on the lock (busy_timeout) rather than fail
        to upgrade a read lock; PostgreSQL: the driver's transaction, READ COMMITTED.
        """
        dbapi = self._driver()
        if self.autocommits:
            self.execute("BEGIN IMMEDIATE")
        self.in_transaction = True
        try:
            yield
        except BaseException:
            self.in_transaction = False
            try:
                dbapi.rollback()
            except self._error:  # the connection is gone: nothing was committed
                log.warning("rollback failed", exc_info=True)
            raise
        self.in_transaction = False
        try:
            dbapi.commit()
        except self._error as exc:
            raise DBAPIError.instance("COMMIT", (), exc, self._error,
                                      dialect=self.conn.dialect) from exc

    def insert(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run an INSERT into a table with an `id` key and return the new row's id."""
        row = self.execute(sql + " RETURNING id", params).fetchone()
        if row is None:
            raise RuntimeError("INSERT returned no id")
        return int(row[0])


class Store:
    """The service's database (SQLite file or PostgreSQL); safe across threads and processes.

    `target` is a database URL (`postgresql://…`, `sqlite:///…`) or the path of an SQLite
    file. Each thread keeps one connection, as the embedded store always did.
    """

    def __init__(self, target: Path | str, *, migrate: bool = True) -> None:
        self.url = database_url(target)
        self.engine = make_engine(self.url)
        self.dialect = self.engine.dialect.name
        self.path = Path(self.engine.url.database or "") if self.embedded else None
        self._local = threading.local()
        # The database clock, in seconds since the epoch: leases never read a host's clock.
        self._now_sql = ("CAST(extract(epoch FROM clock_timestamp()) AS double precision)"
                         if self.dialect == "postgresql"
                         else "((julianday('now') - 2440587.5) * 86400.0)")
        self._agg = "string_agg({}, ',')" if self.dialect == "postgresql" else "group_concat({})"
        if migrate:
            self.migrate()

    @property
    def embedded(self) -> bool:
        """Return whether this is the embedded SQLite file (one machine), not a server."""
        return self.engine.dialect.name == "sqlite"

    # -- connection -----------------------------------------------------------------------

    def _conn(self) -> _Connection:
        conn: _Connection | None = getattr(self._local, "conn", None)
        if conn is None or conn.conn.closed:
            conn = _Connection(self.engine.connect())
            self._local.conn = conn
        return conn

    @contextmanager
    def transaction(self) -> Iterator[_Connection]:
        """Run a block in one write transaction (BEGIN IMMEDIATE on SQLite), rolled back on
        error; a nested block joins the outer transaction."""
        conn = self._conn()
        if conn.in_transaction:
            yield conn
            return
        with conn.begin():
            yield conn

    def close(self) -> None:
        """Close this thread's connection."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.conn.close()
            self._local.conn = None

    def dispose(self) -> None:
        """Close this thread's connection and the engine (other threads' connections end with
        their threads)."""
        self.close()
        self.engine.dispose()

    def migrate(self) -> str | None:
        """Bring the schema to the newest revision; return the revision found before.

        Cheap when there is nothing to do (one query), so every process opening the store
        runs it; `bantin-audio migrate` runs it explicitly and reports both revisions.
        """
        if self.revision() == HEAD_REVISION:
            return HEAD_REVISION
        with self.engine.connect() as conn:
            conn.execution_options(bantin_begin="BEGIN IMMEDIATE")
            with conn.begin():
                before, after = upgrade(conn)
        log.info("database %s migrated from %s to %s", redact(self.url), before, after)
        return before

    def revision(self) -> str | None:
        """Return the schema revision stored in the database (None before the first)."""
        try:
            row = self._conn().execute("SELECT version_num FROM alembic_version").fetchone()
        except DBAPIError:
            return None
        return None if row is None else str(row[0])

    def schema_version(self) -> str | None:
        """Return the schema revision (a cheap query that proves the database answers)."""
        return self.revision()

    def statements_run(self) -> int:
        """Return how many statements this thread's connection has run (to count a page's
        queries)."""
        return self._conn().statements

    def now(self) -> float:
        """Return the database's clock, in seconds since the epoch."""
        row = self._conn().execute(f"SELECT {self._now_sql}").fetchone()
        return float(row[0]) if row is not None else 0.0

    # -- settings -------------------------------------------------------------------------

    def get_setting(self, key: str) -> str | None:
        """Return a stored service setting, or None."""
        row = self._conn().execute("SELECT value FROM settings WHERE key=?", (key,)).fetchone()
        return None if row is None else str(row["value"])

    def setting_or_create(self, key: str, make: Any = None) -> str:
        """Return a stored setting, creating it with make() (a random token) the first time."""
        with self.transaction() as conn:
            row = conn.execute("SELECT value FROM settings WHERE key=?", (key,)).fetchone()
            if row is not None:
                return str(row["value"])
            value = make() if make else secrets.token_urlsafe(32)
            conn.execute("INSERT INTO settings(key, value) VALUES (?, ?) "
                         "ON CONFLICT (key) DO NOTHING", (key, value))
            row = conn.execute("SELECT value FROM settings WHERE key=?", (key,)).fetchone()
            return value if row is None else str(row["value"])

    # -- admin sign-in sessions ---------------------------------------------------------------
    # Kept server-side so that one can be revoked: a copied cookie dies with its row. Each
    # records a fingerprint of the admin token it was opened with, so changing the token ends
    # every session. They live in the settings table (key "session:<id>"), no schema change.

    def open_session(self, token_fingerprint: str, ttl_s: float) -> str:
        """Record a new signed-in session and return its id (expired ones are dropped)."""
        sid = secrets.token_urlsafe(32)
        now = time.time()
        value = json.dumps({"token": token_fingerprint, "expires": now + ttl_s})
        with self.transaction() as conn:
            for row in conn.execute("SELECT key, value FROM settings WHERE key LIKE 'session:%'"
                                    ).fetchall():
                if json.loads(row["value"]).get("expires", 0) < now:
                    conn.execute("DELETE FROM settings WHERE key=?", (row["key"],))
            conn.execute("INSERT INTO settings(key, value) VALUES (?, ?)",
                         ("session:" + sid, value))
        return sid

    def session_valid(self, sid: str, token_fingerprint: str) -> bool:
        """Return whether a session is open, unexpired and opened with the current token."""
        raw = self.get_setting("session:" + sid)
        if raw is None:
            return False
        data = json.loads(raw)
        return bool(data.get("token") == token_fingerprint and data.get("expires", 0) > time.time())

    def close_session(self, sid: str) -> None:
        """Revoke one session (sign-out)."""
        with self.transaction() as conn:
            conn.execute("DELETE FROM settings WHERE key=?", ("session:" + sid,))

    # -- articles -------------------------------------------------------------------------

    def submit(self, article: Article, segments: Sequence[Segment]) -> SubmitResult:
        """Store an article and its script, and queue the synthesis work it needs.

        The same URL or the same content gives back the existing article and job; an edited
        article (same URL) keeps its page address and only its changed segments are queued.
        """
        with self.transaction() as conn:
            article_id, created = self._upsert_article(conn, article)
            changed = self._replace_segments(conn, article_id, segments)
            job = self._ensure_job(conn, article_id, requeue=changed or created)
            return SubmitResult(self.get_article(article_id), job, created, changed)

    def _upsert_article(self, conn: _Connection, article: Article) -> tuple[int, bool]:
        """Find the article by URL, then by content, updating it; or insert it. (id, created)"""
        digest = content_hash(article)
        now = time.time()
        row = None
        if article.source_url:
            row = conn.execute("SELECT * FROM articles WHERE source_url=?",
                               (article.source_url,)).fetchone()
        if row is None:
            row = conn.execute("SELECT * FROM articles WHERE content_hash=? ORDER BY id "
                               "LIMIT 1", (digest,)).fetchone()
        if row is None:
            cur = conn.insert(
                "INSERT INTO articles(slug, source_url, content_hash, title, date, fields, "
                "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                ("tmp-" + secrets.token_hex(8), article.source_url, digest, article.headline,
                 article.date, json.dumps(article.to_dict(), ensure_ascii=False), now, now))
            article_id = cur
            slug = f"{ascii_slug(article.headline)}-{article_id}"
            conn.execute("UPDATE articles SET slug=? WHERE id=?", (slug, article_id))
            return article_id, True
        article_id = int(row["id"])
        if row["content_hash"] != digest:
            fields = article.to_dict()
            if not fields.get("source_url"):
                fields["source_url"] = row["source_url"]
            conn.execute(
                "UPDATE articles SET content_hash=?, title=?, date=?, fields=?, "
                "updated_at=? WHERE id=?",
                (digest, article.headline, article.date,
                 json.dumps(fields, ensure_ascii=False), now, article_id))
        return article_id, False

    # -- submissions fetched by their job ---------------------------------------------------

    def queue_source(self, kind: str, *, url: str | None = None,
                     data: str | bytes | None = None) -> tuple[JobRow, bool]:
        """Queue a job that ingests a source, then synthesizes it; (job, created).

        The same source while its job is still queued or running gives back that job.
        """
        if kind not in SOURCE_KINDS or (kind == "url") != (url is not None) \
                or (kind == "url") == (data is not None):
            raise ValueError(kind)
        raw = url.encode() if url is not None else \
            (data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data or b"")
        key = hashlib.sha256(kind.encode() + b"\0" + raw).hexdigest()
        now = time.time()
        with self.transaction() as conn:
            row = conn.execute("SELECT id FROM jobs WHERE source_key=? AND status IN "
                               "('queued', 'running') ORDER BY id DESC LIMIT 1",
                               (key,)).fetchone()
            if row is not None:
                return self._job(conn, int(row["id"])), False
            # Text goes to source_text, bytes to source_data (PostgreSQL's bytea holds bytes
            # only); the job reads back what was given.
            cur = conn.insert(
                "INSERT INTO jobs(kind, status, source_kind, source_url, source_data, "
                "source_text, source_key, created_at, updated_at) VALUES ('article', 'queued', "
                "?, ?, ?, ?, ?, ?, ?)",
                (kind, url, data if isinstance(data, bytes) else None,
                 data if isinstance(data, str) else None, key, now, now))
            return self._job(conn, cur), True

    def job_source(self, job_id: int) -> tuple[str, str | None, str | bytes | None]:
        """Return a job's source as (kind, url, data), or raise NotFound."""
        row = self._conn().execute("SELECT source_kind, source_url, source_data, source_text "
                                   "FROM jobs WHERE id=?", (job_id,)).fetchone()
        if row is None or row["source_kind"] is None:
            raise NotFound(f"Công việc số {job_id} không có nguồn bài viết")
        data = row["source_text"] if row["source_text"] is not None else row["source_data"]
        if isinstance(data, memoryview):
            data = bytes(data)
        return str(row["source_kind"]), row["source_url"], data

    def article_by_url(self, url: str) -> ArticleRow | None:
        """Return the article fetched from `url`, if there is one."""
        row = self._conn().execute("SELECT * FROM articles WHERE source_url=?",
                                   (url,)).fetchone()
        return None if row is None else self._article(row)

    def attach_article(self, job_id: int, owner: str, article: Article,
                       segments: Sequence[Segment]) -> SubmitResult | None:
        """Store what a job ingested and make the job that article's synthesis job.

        The article is found by URL, then by content, as `submit` does. A queued job of the
        same article is folded into this one; None when `owner` lost the job's lease.
        """
        now = time.time()
        with self.transaction() as conn:
            if conn.execute("SELECT 1 FROM jobs WHERE id=? AND lease_owner=? AND "
                            "status='running'", (job_id, owner)).fetchone() is None:
                return None
            article_id, created = self._upsert_article(conn, article)
            changed = self._replace_segments(conn, article_id, segments)
            conn.execute("DELETE FROM jobs WHERE article_id=? AND id<>? AND status='queued'",
                         (article_id, job_id))
            if not changed:  # the same article again: its failed segments are tried again
                conn.execute("UPDATE segments SET status='pending', error=NULL "
                             "WHERE article_id=? AND status='failed'", (article_id,))
            done, total = conn.execute(
                "SELECT count(CASE WHEN status='done' THEN 1 END), count(*) FROM segments "
                "WHERE article_id=?", (article_id,)).fetchone()
            conn.execute("UPDATE jobs SET article_id=?, source_data=NULL, source_text=NULL, "
                         "done=?, total=?, updated_at=? WHERE id=?",
                         (article_id, done, total, now, job_id))
            return SubmitResult(self.get_article(article_id), self._job(conn, job_id), created,
                                changed)

    def update_script(self, article_id: int, segments: Sequence[Segment]) -> JobRow | None:
        """Replace an article's script (e.g. after a lexicon edit); queue a job if it changed."""
        with self.transaction() as conn:
            if not self._replace_segments(conn, article_id, segments):
                return None
            return self._ensure_job(conn, article_id, requeue=True)

    def _replace_segments(self, conn: _Connection, article_id: int,
                          segments: Sequence[Segment]) -> bool:
        """Store a new script, keeping the state of segments whose spoken text is unchanged."""
        old = {r["idx"]: r for r in conn.execute(
            "SELECT * FROM segments WHERE article_id=?", (article_id,))}
        changed = len(old) != len(segments)
        keep_status = {}
        for seg in segments:
            prev = old.get(seg.index)
            if prev is not None and prev["spoken"] == seg.spoken and prev["status"] == "done":
                keep_status[seg.index] = prev
            if prev is None or prev["spoken"] != seg.spoken or prev["kind"] != seg.kind \
                    or prev["display"] != seg.display or prev["pause_ms"] != seg.pause_ms:
                changed = True
        if not changed:
            return False
        conn.execute("DELETE FROM segments WHERE article_id=?", (article_id,))
        for seg in segments:
            prev = keep_status.get(seg.index)
            conn.execute(
                "INSERT INTO segments(article_id, idx, kind, display, spoken, pause_ms, status, "
                "engine, fallback_reason, clip_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (article_id, seg.index, seg.kind, seg.display, seg.spoken, seg.pause_ms,
                 "done" if prev is not None else "pending",
                 prev["engine"] if prev is not None else None,
                 prev["fallback_reason"] if prev is not None else None,
                 prev["clip_hash"] if prev is not None else None))
        return True

    def _ensure_job(self, conn: _Connection, article_id: int, *, requeue: bool) -> JobRow:
        """Return the article's current job, queuing new work when asked."""
        now = time.time()
        total = conn.execute("SELECT count(*) FROM segments WHERE article_id=?",
                             (article_id,)).fetchone()[0]
        done = conn.execute("SELECT count(*) FROM segments WHERE article_id=? AND status='done'",
                            (article_id,)).fetchone()[0]
        row = conn.execute("SELECT * FROM jobs WHERE article_id=? ORDER BY id DESC LIMIT 1",
                           (article_id,)).fetchone()
        if row is not None and not requeue and row["status"] == "failed":
            # The same article again after a failure: try the same job once more.
            conn.execute("UPDATE segments SET status='pending', error=NULL "
                         "WHERE article_id=? AND status='failed'", (article_id,))
            conn.execute("UPDATE jobs SET status='queued', error=NULL, attempts=0, total=?, "
                         "done=?, updated_at=? WHERE id=?", (total, done, now, row["id"]))
            return self._job(conn, int(row["id"]))
        if row is not None and (not requeue or row["status"] == "queued"):
            if row["status"] == "queued":
                conn.execute("UPDATE jobs SET total=?, done=?, updated_at=? WHERE id=?",
                             (total, done, now, row["id"]))
            return self._job(conn, int(row["id"]))
        if row is not None and row["status"] == "running":
            # The running worker finishes its pass, then sees pending segments and runs again.
            conn.execute("UPDATE jobs SET total=?, updated_at=? WHERE id=?",
                         (total, now, row["id"]))
            return self._job(conn, int(row["id"]))
        cur = conn.insert(
            "INSERT INTO jobs(article_id, status, done, total, created_at, updated_at) "
            "VALUES (?, 'queued', ?, ?, ?, ?)", (article_id, done, total, now, now))
        return self._job(conn, cur)

    def _article(self, row: _Row) -> ArticleRow:
        return ArticleRow(id=int(row["id"]), slug=row["slug"], source_url=row["source_url"],
                          content_hash=row["content_hash"],
                          article=Article.from_dict(json.loads(row["fields"])),
                          created_at=row["created_at"], updated_at=row["updated_at"])

    def get_article(self, article_id: int) -> ArticleRow:
        """Return one article by id, or raise NotFound."""
        row = self._conn().execute("SELECT * FROM articles WHERE id=?", (article_id,)).fetchone()
        if row is None:
            raise NotFound(f"Không có bài viết số {article_id}")
        return self._article(row)

    def get_article_by_slug(self, slug: str, *, include_held: bool = False) -> ArticleRow:
        """Return one article by its page address, or raise NotFound.

        A held article (withdrawn, or waiting for approval) is not found unless asked for.
        """
        sql = "SELECT * FROM articles WHERE slug=?" + ("" if include_held else
                                                        f" AND {_NOT_HELD}")
        row = self._conn().execute(sql, (slug,)).fetchone()
        if row is None:
            raise NotFound("Không tìm thấy bài viết này", "xem danh sách bài mới ở trang chủ")
        return self._article(row)

    def page_version(self, slug: str) -> tuple[Any, ...]:
        """Return what a reader page depends on, in one query (for caching rendered pages)."""
        files = self._agg.format("kind || ':' || path")
        voices = self._agg.format("status || coalesce(engine, '')")
        row = self._conn().execute(
            "SELECT a.id, a.updated_at, "
            f"(SELECT {files} FROM renditions r "
            " WHERE r.article_id = a.id), "
            "(SELECT id || ':' || status || ':' || done || ':' || total || ':' || "
            " coalesce(error, '') FROM jobs j WHERE j.article_id = a.id ORDER BY id DESC "
            " LIMIT 1), "
            f"(SELECT {voices} FROM segments s "
            " WHERE s.article_id = a.id) "
            "FROM articles a WHERE a.slug = ? AND a." +
            _NOT_HELD.replace("source_url", "a.source_url"), (slug,)).fetchone()
        if row is None:
            raise NotFound("Không tìm thấy bài viết này", "xem danh sách bài mới ở trang chủ")
        return tuple(row)

    def list_articles(self, *, query: str | None = None, limit: int = 50,
                      offset: int = 0, include_held: bool = False) -> list[ArticleRow]:
        """Return the latest articles, optionally those whose title contains query.

        Held articles (withdrawn, or waiting for approval) are left out unless asked for.
        """
        where = "" if include_held else _NOT_HELD
        sql = "SELECT * FROM articles" + (f" WHERE {where}" if where else "")
        params: list[Any] = []
        if query:
            sql += (" AND" if where else " WHERE") + " lower(title) LIKE lower(?) ESCAPE '\\'"
            escaped = query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            params.append(f"%{escaped}%")
        sql += " ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?"
        params += [limit, offset]
        rows = self._conn().execute(sql, params).fetchall()
        if query and not rows:
            # SQLite's LIKE folds ASCII case only; fold Vietnamese in Python for small stores.
            needle = query.casefold()
            rows = [r for r in self._conn().execute(
                "SELECT * FROM articles" + (f" WHERE {where}" if where else "") +
                " ORDER BY created_at DESC, id DESC")
                if needle in str(r["title"]).casefold()][offset:offset + limit]
        return [self._article(r) for r in rows]

    def delete_article(self, article_id: int) -> list[str]:
        """Delete an article with its segments, jobs and renditions; return its media paths."""
        with self.transaction() as conn:
            paths = [r["path"] for r in conn.execute(
                "SELECT path FROM renditions WHERE article_id=?", (article_id,))]
            cur = conn.execute("DELETE FROM articles WHERE id=?", (article_id,))
            if cur.rowcount == 0:
                raise NotFound(f"Không có bài viết số {article_id}")
        return paths

    # -- segments -------------------------------------------------------------------------

    def segments(self, article_id: int) -> list[SegmentRow]:
        """Return an article's segments in reading order."""
        rows = self._conn().execute("SELECT * FROM segments WHERE article_id=? ORDER BY idx",
                                    (article_id,)).fetchall()
        return [SegmentRow(article_id=article_id,
                           segment=Segment(index=r["idx"], kind=r["kind"], display=r["display"],
                                           spoken=r["spoken"], pause_ms=r["pause_ms"]),
                           status=r["status"], engine=r["engine"],
                           fallback_reason=r["fallback_reason"], clip_hash=r["clip_hash"],
                           error=r["error"]) for r in rows]

    def mark_segment(self, article_id: int, index: int, spoken: str, *, status: str,
                     engine: str | None = None, fallback_reason: str | None = None,
                     clip_hash: str | None = None, error: str | None = None,
                     job_id: int | None = None) -> bool:
        """Record a segment's result (only if its spoken text is still the same)."""
        if status not in SEGMENT_STATUSES:
            raise ValueError(status)
        with self.transaction() as conn:
            cur = conn.execute(
                "UPDATE segments SET status=?, engine=?, fallback_reason=?, clip_hash=?, error=? "
                "WHERE article_id=? AND idx=? AND spoken=?",
                (status, engine, fallback_reason, clip_hash, error, article_id, index, spoken))
            if job_id is not None:
                done = conn.execute("SELECT count(*) FROM segments WHERE article_id=? "
                                    "AND status='done'", (article_id,)).fetchone()[0]
                total = conn.execute("SELECT count(*) FROM segments WHERE article_id=?",
                                     (article_id,)).fetchone()[0]
                conn.execute("UPDATE jobs SET done=?, total=?, updated_at=? WHERE id=?",
                             (done, total, time.time(), job_id))
            return cur.rowcount > 0

    def reset_failed_segments(self, article_id: int) -> None:
        """Put an article's failed segments back to pending (for a retry)."""
        with self.transaction() as conn:
            conn.execute("UPDATE segments SET status='pending', error=NULL "
                         "WHERE article_id=? AND status='failed'", (article_id,))

    # -- jobs -----------------------------------------------------------------------------

    def _job(self, conn: _Connection, job_id: int) -> JobRow:
        row = conn.execute(f"SELECT {_JOB_COLUMNS} FROM jobs WHERE id=?", (job_id,)).fetchone()
        if row is None:
            raise NotFound(f"Không có công việc số {job_id}")
        return JobRow(**{k: row[k] for k in row.keys()})

    def get_job(self, job_id: int) -> JobRow:
        """Return one job by id, or raise NotFound."""
        return self._job(self._conn(), job_id)

    def latest_job(self, article_id: int) -> JobRow | None:
        """Return the article's most recent job, if any."""
        row = self._conn().execute("SELECT id FROM jobs WHERE article_id=? ORDER BY id DESC "
                                   "LIMIT 1", (article_id,)).fetchone()
        return None if row is None else self.get_job(int(row["id"]))

    def list_jobs(self, limit: int = 100, kind: str = "article") -> list[JobRow]:
        """Return the most recent jobs of one kind, newest first (one query)."""
        rows = self._conn().execute(f"SELECT {_JOB_COLUMNS} FROM jobs WHERE kind=? "
                                    "ORDER BY id DESC LIMIT ?", (kind, limit))
        return [JobRow(**{k: r[k] for k in r.keys()}) for r in rows]

    def list_jobs_with_articles(self, limit: int = 100, kind: str = "article"
                                ) -> list[tuple[JobRow, ArticleRow | None]]:
        """Return the most recent jobs of one kind with their articles, in one query."""
        job_cols = ", ".join(f"j.{c.strip()}" for c in _JOB_COLUMNS.split(","))
        rows = self._conn().execute(
            f"SELECT {job_cols}, a.slug AS a_slug, a.source_url AS a_source_url, "
            "a.content_hash AS a_content_hash, a.fields AS a_fields, "
            "a.created_at AS a_created_at, a.updated_at AS a_updated_at "
            "FROM jobs j LEFT JOIN articles a ON a.id = j.article_id WHERE j.kind=? "
            "ORDER BY j.id DESC LIMIT ?", (kind, limit))
        names = [c.strip() for c in _JOB_COLUMNS.split(",")]
        out: list[tuple[JobRow, ArticleRow | None]] = []
        for r in rows:
            job = JobRow(**{k: r[i] for i, k in enumerate(names)})
            article = None
            if r["a_fields"] is not None:
                article = ArticleRow(
                    id=int(r["article_id"]), slug=r["a_slug"], source_url=r["a_source_url"],
                    content_hash=r["a_content_hash"],
                    article=Article.from_dict(json.loads(r["a_fields"])),
                    created_at=r["a_created_at"], updated_at=r["a_updated_at"])
            out.append((job, article))
        return out

    def claim_job(self, owner: str, lease_s: float = 30.0, dead_owners: Sequence[str] = (),
                  only_job: int | None = None, *, job_id: int | None = None) -> JobRow | None:
        """Claim the oldest queued job (or one whose worker's lease ran out) for `owner`.

        `job_id` (or `only_job`) claims that job only: a task queue hands a worker the id.
        The lease runs on the database's clock, and the claim is one atomic UPDATE of a row
        locked with SKIP LOCKED on PostgreSQL, so concurrent workers never share a job.
        `dead_owners` are owners known dead (a same-host shortcut); any other dead worker's
        job is taken over when its lease expires.
        """
        wanted = job_id if job_id is not None else only_job
        marks = ",".join("?" * len(dead_owners)) or "NULL"
        only = "" if wanted is None else f" AND id = {int(wanted)}"
        lock = " FOR UPDATE SKIP LOCKED" if self.dialect == "postgresql" else ""
        now = self._now_sql
        with self.transaction() as conn:
            row = conn.execute(
                f"UPDATE jobs SET status='running', lease_owner=?, lease_until={now} + ?, "
                "attempts=attempts+1, error=NULL, updated_at=? WHERE id = ("
                "SELECT id FROM jobs WHERE (status='queued' OR (status='running' AND "
                f"(lease_until < {now} OR lease_owner IN ({marks})))){only} "
                f"ORDER BY id LIMIT 1{lock}) RETURNING id",
                (owner, lease_s, time.time(), *dead_owners)).fetchone()
            if row is None:
                return None
            return self._job(conn, int(row["id"]))

    def claimable_jobs(self, limit: int = 500) -> list[JobRow]:
        """Return jobs a worker could claim now (queued, or running on a lapsed lease)."""
        conn = self._conn()
        return [JobRow(**{k: r[k] for k in r.keys()}) for r in conn.execute(
            f"SELECT {_JOB_COLUMNS} FROM jobs WHERE status='queued' OR (status='running' AND "
            f"lease_until < {self._now_sql}) ORDER BY id LIMIT ?", (limit,))]

    def running_owners(self) -> list[str]:
        """Return the owners of running jobs (to find workers that died)."""
        return [r["lease_owner"] for r in self._conn().execute(
            "SELECT DISTINCT lease_owner FROM jobs WHERE status='running' "
            "AND lease_owner IS NOT NULL")]

    def heartbeat(self, job_id: int, owner: str, lease_s: float = 30.0) -> bool:
        """Extend a job's lease; False if another worker took it over."""
        with self.transaction() as conn:
            cur = conn.execute(f"UPDATE jobs SET lease_until={self._now_sql} + ? WHERE id=? "
                               "AND lease_owner=? AND status='running'",
                               (lease_s, job_id, owner))
            return cur.rowcount > 0

    def finish_job(self, job_id: int, owner: str, *, status: str,
                   error: str | None = None) -> bool:
        """Mark a claimed job done, failed or queued again; False if the lease was lost."""
        if status not in JOB_STATUSES:
            raise ValueError(status)
        with self.transaction() as conn:
            if conn.execute("SELECT 1 FROM jobs WHERE id=?", (job_id,)).fetchone() is None:
                return False  # the article was deleted while its job ran
            job = self._job(conn, job_id)
            done, total = job.done, job.total
            if job.kind == "article":
                done = conn.execute("SELECT count(*) FROM segments WHERE article_id=? "
                                    "AND status='done'", (job.article_id,)).fetchone()[0]
                total = conn.execute("SELECT count(*) FROM segments WHERE article_id=?",
                                     (job.article_id,)).fetchone()[0]
            elif status == "done":
                done = total
            cur = conn.execute(
                "UPDATE jobs SET status=?, error=?, done=?, total=?, lease_owner=NULL, "
                "lease_until=NULL, updated_at=? WHERE id=? AND lease_owner=?",
                (status, error, done, total, time.time(), job_id, owner))
            return cur.rowcount > 0

    def release_job(self, job_id: int, owner: str) -> bool:
        """Hand a claimed job back to the queue (a worker stopping), not counted as an attempt."""
        with self.transaction() as conn:
            cur = conn.execute(
                "UPDATE jobs SET status='queued', lease_owner=NULL, lease_until=NULL, "
                "attempts=CASE WHEN attempts > 0 THEN attempts-1 ELSE 0 END, updated_at=? "
                "WHERE id=? AND lease_owner=? AND status='running'", (time.time(), job_id, owner))
            return cur.rowcount > 0

    def retry_job(self, job_id: int) -> JobRow:
        """Queue a finished or failed job again (its failed segments become pending)."""
        with self.transaction() as conn:
            job = self._job(conn, job_id)
            if job.status in ("queued", "running"):
                return job
            conn.execute("UPDATE segments SET status='pending', error=NULL "
                         "WHERE article_id=? AND status='failed'", (job.article_id,))
            conn.execute("UPDATE jobs SET status='queued', error=NULL, attempts=0, "
                         "updated_at=? WHERE id=?", (time.time(), job_id))
            return self._job(conn, job_id)

    def pending_count(self, article_id: int) -> int:
        """Return how many segments still wait for synthesis."""
        return int(self._conn().execute(
            "SELECT count(*) FROM segments WHERE article_id=? AND status='pending'",
            (article_id,)).fetchone()[0])

    # -- renditions -----------------------------------------------------------------------

    def put_rendition(self, rendition: RenditionRow) -> str | None:
        """Store a rendition (replacing the previous one of its kind); return the old path."""
        with self.transaction() as conn:
            if conn.execute("SELECT 1 FROM articles WHERE id=?",
                            (rendition.article_id,)).fetchone() is None:
                raise NotFound(f"Bài viết số {rendition.article_id} đã bị xóa")
            old = conn.execute("SELECT path FROM renditions WHERE article_id=? AND kind=?",
                               (rendition.article_id, rendition.kind)).fetchone()
            conn.execute(
                "INSERT INTO renditions(article_id, kind, path, bytes, duration_ms, "
                "content_hash, timings, complete, segments_done, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (article_id, kind) DO UPDATE "
                "SET path=excluded.path, bytes=excluded.bytes, duration_ms=excluded.duration_ms, "
                "content_hash=excluded.content_hash, timings=excluded.timings, "
                "complete=excluded.complete, segments_done=excluded.segments_done, "
                "created_at=excluded.created_at",
                (rendition.article_id, rendition.kind, rendition.path, rendition.bytes,
                 rendition.duration_ms, rendition.content_hash,
                 json.dumps(rendition.timings, ensure_ascii=False), int(rendition.complete),
                 rendition.segments_done, time.time()))
            return None if old is None or old["path"] == rendition.path else str(old["path"])

    def drop_renditions(self, article_id: int, kinds: Sequence[str]) -> None:
        """Forget some renditions of an article (files are collected later)."""
        with self.transaction() as conn:
            for kind in kinds:
                conn.execute("DELETE FROM renditions WHERE article_id=? AND kind=?",
                             (article_id, kind))

    def renditions(self, article_id: int) -> list[RenditionRow]:
        """Return an article's renditions."""
        rows = self._conn().execute("SELECT * FROM renditions WHERE article_id=? ORDER BY kind",
                                    (article_id,)).fetchall()
        return [self._rendition(r) for r in rows]

    def renditions_for(self, article_ids: Sequence[int]) -> dict[int, list[RenditionRow]]:
        """Return the renditions of many articles, by article id."""
        out: dict[int, list[RenditionRow]] = {i: [] for i in article_ids}
        if not article_ids:
            return out
        marks = ",".join("?" * len(article_ids))
        for r in self._conn().execute(
                f"SELECT * FROM renditions WHERE article_id IN ({marks}) ORDER BY kind",
                list(article_ids)):
            out[int(r["article_id"])].append(self._rendition(r))
        return out

    def rendition_by_path(self, path: str) -> RenditionRow | None:
        """Return the rendition stored under a media path, if any."""
        row = self._conn().execute("SELECT * FROM renditions WHERE path=? LIMIT 1",
                                   (path,)).fetchone()
        return None if row is None else self._rendition(row)

    def media_paths(self) -> set[str]:
        """Return every media path a rendition refers to."""
        return {r["path"] for r in self._conn().execute("SELECT path FROM renditions")}

    @staticmethod
    def _rendition(r: _Row) -> RenditionRow:
        return RenditionRow(article_id=int(r["article_id"]), kind=r["kind"], path=r["path"],
                            bytes=r["bytes"], duration_ms=r["duration_ms"],
                            content_hash=r["content_hash"], timings=json.loads(r["timings"]),
                            complete=bool(r["complete"]), segments_done=r["segments_done"],
                            created_at=r["created_at"])

    # -- bulletins ------------------------------------------------------------------------

    def bulletin_defaults(self) -> dict[str, Any]:
        """Return the station settings new bulletins start from (empty before the first save)."""
        raw = self.get_setting("bulletin_station")
        return {} if raw is None else dict(json.loads(raw))

    def set_bulletin_defaults(self, station: dict[str, Any]) -> None:
        """Remember a station's settings for its next bulletins."""
        with self.transaction() as conn:
            conn.execute("INSERT INTO settings(key, value) VALUES (?, ?) "
                         "ON CONFLICT (key) DO UPDATE SET value=excluded.value",
                         ("bulletin_station", json.dumps(station, ensure_ascii=False)))

    def save_bulletin(self, data: dict[str, Any]) -> BulletinRow:
        """Insert or replace a bulletin (the `Bulletin.to_dict` shape) with its items at once."""
        now = time.time()
        values = (data.get("title"), data.get("date"),
                  json.dumps(data.get("station") or {}, ensure_ascii=False),
                  data.get("status") or "draft", data.get("approved_by"),
                  data.get("approved_at"), data.get("approved_fingerprint"))
        with self.transaction() as conn:
            bulletin_id = data.get("id")
            if bulletin_id is None:
                bulletin_id = conn.insert(
                    "INSERT INTO bulletins(title, date, station, status, approved_by, "
                    "approved_at, approved_fingerprint, created_at, updated_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", (*values, now, now))
            else:
                updated = conn.execute(
                    "UPDATE bulletins SET title=?, date=?, station=?, status=?, approved_by=?, "
                    "approved_at=?, approved_fingerprint=?, updated_at=? WHERE id=?",
                    (*values, now, bulletin_id))
                if updated.rowcount == 0:
                    raise NotFound(f"Không có bản tin số {bulletin_id}")
            conn.execute("DELETE FROM bulletin_items WHERE bulletin_id=?", (bulletin_id,))
            for position, item in enumerate(data.get("items") or []):
                if item.get("article_id") is None:
                    raise InputError("Bản tin trên web chỉ gồm các bài đã có trong kho")
                if conn.execute("SELECT 1 FROM articles WHERE id=?",
                                (item["article_id"],)).fetchone() is None:
                    raise NotFound(f"Không có bài viết số {item['article_id']}")
                conn.execute("INSERT INTO bulletin_items(bulletin_id, position, article_id) "
                             "VALUES (?, ?, ?)", (bulletin_id, position, item["article_id"]))
            return self._bulletin(conn, int(bulletin_id))

    def _bulletin(self, conn: _Connection, bulletin_id: int) -> BulletinRow:
        row = conn.execute("SELECT * FROM bulletins WHERE id=?", (bulletin_id,)).fetchone()
        if row is None:
            raise NotFound(f"Không có bản tin số {bulletin_id}",
                           "xem danh sách bản tin")
        items = [{"article_id": int(r["id"]), "article": json.loads(r["fields"])}
                 for r in conn.execute(
                     "SELECT a.id, a.fields FROM bulletin_items i JOIN articles a "
                     "ON a.id = i.article_id WHERE i.bulletin_id=? ORDER BY i.position",
                     (bulletin_id,))]
        data = {"id": int(row["id"]), "title": row["title"], "date": row["date"],
                "items": items, "station": json.loads(row["station"]), "status": row["status"],
                "approved_by": row["approved_by"], "approved_at": row["approved_at"],
                "approved_fingerprint": row["approved_fingerprint"]}
        return BulletinRow(id=int(row["id"]), data=data, created_at=row["created_at"],
                           updated_at=row["updated_at"])

    def get_bulletin(self, bulletin_id: int) -> BulletinRow:
        """Return one bulletin with its items' current articles, or raise NotFound."""
        return self._bulletin(self._conn(), bulletin_id)

    def list_bulletins(self, *, status: str | None = None, limit: int = 100) -> list[BulletinRow]:
        """Return bulletins newest first, optionally only those with `status`."""
        return [row for row, _ in self._bulletin_list(status, limit, builds=False)]

    def list_bulletins_with_builds(self, *, status: str | None = None, limit: int = 100
                                   ) -> list[tuple[BulletinRow, BulletinBuildRow | None]]:
        """Return bulletins newest first with their latest builds, in one query."""
        return self._bulletin_list(status, limit, builds=True)

    def _bulletin_list(self, status: str | None, limit: int, *, builds: bool
                       ) -> list[tuple[BulletinRow, BulletinBuildRow | None]]:
        """Read bulletins, their items' articles (and latest builds) in one statement."""
        where, params = ("WHERE status=?", [status]) if status is not None else ("", [])
        build_cols = ("bb.id AS bb_id, bb.fingerprint AS bb_fingerprint, "
                      "bb.duration_ms AS bb_duration_ms, bb.files AS bb_files, "
                      "bb.sizes AS bb_sizes, bb.cues AS bb_cues, bb.loudness AS bb_loudness, "
                      "bb.engines AS bb_engines, bb.warning AS bb_warning, "
                      "bb.created_at AS bb_created_at" if builds else "NULL AS bb_id")
        build_join = ("LEFT JOIN bulletin_builds bb ON bb.id = (SELECT max(id) FROM "
                      "bulletin_builds WHERE bulletin_id = b.id) " if builds else "")
        rows = self._conn().execute(
            f"SELECT b.*, i.position AS i_position, a.id AS a_id, a.fields AS a_fields, "
            f"{build_cols} FROM (SELECT * FROM bulletins {where} "
            "ORDER BY coalesce(date, '') DESC, id DESC LIMIT ?) b "
            "LEFT JOIN bulletin_items i ON i.bulletin_id = b.id "
            "LEFT JOIN articles a ON a.id = i.article_id "
            f"{build_join}"
            "ORDER BY coalesce(b.date, '') DESC, b.id DESC, i.position", (*params, limit))
        out: list[tuple[BulletinRow, BulletinBuildRow | None]] = []
        by_id: dict[int, tuple[BulletinRow, BulletinBuildRow | None]] = {}
        for r in rows:
            bid = int(r["id"])
            if bid not in by_id:
                data = {"id": bid, "title": r["title"], "date": r["date"], "items": [],
                        "station": json.loads(r["station"]), "status": r["status"],
                        "approved_by": r["approved_by"], "approved_at": r["approved_at"],
                        "approved_fingerprint": r["approved_fingerprint"]}
                build = None
                if r["bb_id"] is not None:
                    build = BulletinBuildRow(
                        id=int(r["bb_id"]), bulletin_id=bid, fingerprint=r["bb_fingerprint"],
                        duration_ms=int(r["bb_duration_ms"]), files=json.loads(r["bb_files"]),
                        sizes=json.loads(r["bb_sizes"]), cues=json.loads(r["bb_cues"]),
                        loudness=json.loads(r["bb_loudness"]),
                        engines=json.loads(r["bb_engines"]), warning=r["bb_warning"],
                        created_at=r["bb_created_at"])
                by_id[bid] = (BulletinRow(id=bid, data=data, created_at=r["created_at"],
                                          updated_at=r["updated_at"]), build)
                out.append(by_id[bid])
            if r["a_id"] is not None:  # an item whose article exists (inner join before)
                by_id[bid][0].data["items"].append(
                    {"article_id": int(r["a_id"]), "article": json.loads(r["a_fields"])})
        return out

    def delete_bulletin(self, bulletin_id: int) -> list[str]:
        """Delete a bulletin with its items, builds and jobs; return its build files."""
        with self.transaction() as conn:
            names = [n for r in conn.execute(
                "SELECT files FROM bulletin_builds WHERE bulletin_id=?", (bulletin_id,))
                for n in json.loads(r["files"]).values()]
            if conn.execute("DELETE FROM bulletins WHERE id=?", (bulletin_id,)).rowcount == 0:
                raise NotFound(f"Không có bản tin số {bulletin_id}")
        return names

    def queue_bulletin_build(self, bulletin_id: int) -> JobRow:
        """Queue a build of the bulletin, or return the one already queued or running."""
        now = time.time()
        with self.transaction() as conn:
            self._bulletin(conn, bulletin_id)
            row = conn.execute("SELECT id FROM jobs WHERE kind='bulletin' AND bulletin_id=? "
                               "AND status IN ('queued', 'running') ORDER BY id DESC LIMIT 1",
                               (bulletin_id,)).fetchone()
            if row is not None:
                return self._job(conn, int(row["id"]))
            cur = conn.insert("INSERT INTO jobs(kind, bulletin_id, status, created_at, "
                               "updated_at) VALUES ('bulletin', ?, 'queued', ?, ?)",
                               (bulletin_id, now, now))
            return self._job(conn, cur)

    def queue_lexicon_rebuild(self) -> JobRow:
        """Queue a re-reading of every article with the current lexicon, or return the one
        already queued (a running one may have read the lexicon before this edit)."""
        now = time.time()
        with self.transaction() as conn:
            row = conn.execute("SELECT id FROM jobs WHERE kind='lexicon' AND status='queued' "
                               "ORDER BY id DESC LIMIT 1").fetchone()
            if row is not None:
                return self._job(conn, int(row["id"]))
            job_id = conn.insert("INSERT INTO jobs(kind, status, created_at, updated_at) "
                                 "VALUES ('lexicon', 'queued', ?, ?)", (now, now))
            return self._job(conn, job_id)

    def latest_bulletin_job(self, bulletin_id: int) -> JobRow | None:
        """Return the bulletin's most recent build job, if any."""
        row = self._conn().execute("SELECT id FROM jobs WHERE kind='bulletin' AND bulletin_id=? "
                                   "ORDER BY id DESC LIMIT 1", (bulletin_id,)).fetchone()
        return None if row is None else self.get_job(int(row["id"]))

    def job_progress(self, job_id: int, owner: str, done: int, total: int) -> bool:
        """Record a running job's progress; False if another worker holds it now."""
        with self.transaction() as conn:
            cur = conn.execute("UPDATE jobs SET done=?, total=?, updated_at=? WHERE id=? "
                               "AND lease_owner=? AND status='running'",
                               (done, total, time.time(), job_id, owner))
            return cur.rowcount > 0

    def put_bulletin_build(self, build: BulletinBuildRow) -> BulletinBuildRow:
        """Store a finished build of a bulletin, replacing its previous one (files in place)."""
        with self.transaction() as conn:
            self._bulletin(conn, build.bulletin_id)
            cur = conn.insert(
                "INSERT INTO bulletin_builds(bulletin_id, fingerprint, duration_ms, files, "
                "sizes, cues, loudness, engines, warning, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (build.bulletin_id, build.fingerprint, build.duration_ms,
                 json.dumps(build.files), json.dumps(build.sizes),
                 json.dumps(build.cues, ensure_ascii=False), json.dumps(build.loudness),
                 json.dumps(build.engines), build.warning, time.time()))
            new_id = cur
            # Only the latest build is ever served: older files are collected by the workers.
            conn.execute("DELETE FROM bulletin_builds WHERE bulletin_id=? AND id<>?",
                         (build.bulletin_id, new_id))
            row = conn.execute("SELECT * FROM bulletin_builds WHERE id=?", (new_id,)).fetchone()
            return self._build(row)

    def latest_bulletin_build(self, bulletin_id: int) -> BulletinBuildRow | None:
        """Return the bulletin's most recent build, if any."""
        row = self._conn().execute("SELECT * FROM bulletin_builds WHERE bulletin_id=? "
                                   "ORDER BY id DESC LIMIT 1", (bulletin_id,)).fetchone()
        return None if row is None else self._build(row)

    def bulletin_media_names(self) -> set[str]:
        """Return every file name a bulletin build refers to."""
        return {n for r in self._conn().execute("SELECT files FROM bulletin_builds")
                for n in json.loads(r["files"]).values()}

    @staticmethod
    def _build(r: _Row) -> BulletinBuildRow:
        return BulletinBuildRow(
            id=int(r["id"]), bulletin_id=int(r["bulletin_id"]), fingerprint=r["fingerprint"],
            duration_ms=int(r["duration_ms"]), files=json.loads(r["files"]),
            sizes=json.loads(r["sizes"]), cues=json.loads(r["cues"]),
            loudness=json.loads(r["loudness"]), engines=json.loads(r["engines"]),
            warning=r["warning"], created_at=r["created_at"])

    # -- sources --------------------------------------------------------------------------

    def add_source(self, name: str, base_url: str, config: dict[str, Any], *,
                   paused: bool = False) -> SourceRow:
        """Register a watched portal; its name must be new."""
        now = time.time()
        with self.transaction() as conn:
            if conn.execute("SELECT 1 FROM sources WHERE name=?", (name,)).fetchone():
                raise InputError(f"Đã có nguồn tên {name!r}", "chọn tên khác hoặc sửa nguồn đó")
            cur = conn.insert(
                "INSERT INTO sources(name, base_url, config, paused, next_poll_at, created_at, "
                "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (name, base_url, json.dumps(config, ensure_ascii=False), int(paused), now,
                 now, now))
            return self._source(conn, cur)

    def update_source(self, source_id: int, *, name: str | None = None,
                      base_url: str | None = None, config: dict[str, Any] | None = None,
                      paused: bool | None = None) -> SourceRow:
        """Change a source's settings; a changed discovery list forgets the old validators."""
        with self.transaction() as conn:
            old = self._source(conn, source_id)
            if name is not None and name != old.name and conn.execute(
                    "SELECT 1 FROM sources WHERE name=?", (name,)).fetchone():
                raise InputError(f"Đã có nguồn tên {name!r}", "chọn tên khác")
            conn.execute(
                "UPDATE sources SET name=?, base_url=?, config=?, paused=?, updated_at=?, "
                "next_poll_at=CASE WHEN ? = 1 THEN ? ELSE next_poll_at END WHERE id=?",
                (name or old.name, base_url or old.base_url,
                 json.dumps(config if config is not None else old.config, ensure_ascii=False),
                 int(old.paused if paused is None else paused), time.time(),
                 int(paused is False and old.paused), time.time(), source_id))
            return self._source(conn, source_id)

    def delete_source(self, source_id: int) -> None:
        """Stop watching a portal (its articles and their audio stay)."""
        with self.transaction() as conn:
            if conn.execute("DELETE FROM sources WHERE id=?", (source_id,)).rowcount == 0:
                raise NotFound(f"Không có nguồn số {source_id}")

    def get_source(self, source_id: int) -> SourceRow:
        """Return one source, or raise NotFound."""
        return self._source(self._conn(), source_id)

    def get_source_by_name(self, name: str) -> SourceRow:
        """Return the source with this name, or raise NotFound."""
        row = self._conn().execute("SELECT id FROM sources WHERE name=?", (name,)).fetchone()
        if row is None:
            raise NotFound(f"Không có nguồn tên {name!r}", "xem danh sách: bantin-audio sources "
                           "list")
        return self._source(self._conn(), int(row["id"]))

    def list_sources(self) -> list[SourceRow]:
        """Return every source, by name."""
        ids = [int(r["id"]) for r in self._conn().execute("SELECT id FROM sources ORDER BY name")]
        return [self._source(self._conn(), i) for i in ids]

    def due_sources(self, now: float) -> list[SourceRow]:
        """Return the sources not paused whose next poll time has come, most overdue first."""
        ids = [int(r["id"]) for r in self._conn().execute(
            "SELECT id FROM sources WHERE paused=0 AND coalesce(next_poll_at, 0) <= ? "
            "ORDER BY coalesce(next_poll_at, 0)", (now,))]
        return [self._source(self._conn(), i) for i in ids]

    def record_poll(self, source_id: int, *, at: float, next_at: float, error: str | None,
                    failures: int, validators: dict[str, dict[str, str]] | None = None) -> None:
        """Record the outcome of a poll; `validators` (given after a successful discovery)
        marks the source as polled once, so later polls take every new article."""
        with self.transaction() as conn:
            if validators is None:
                conn.execute("UPDATE sources SET last_poll_at=?, next_poll_at=?, last_error=?, "
                             "failures=? WHERE id=?", (at, next_at, error, failures, source_id))
            else:
                conn.execute("UPDATE sources SET last_poll_at=?, next_poll_at=?, last_error=?, "
                             "failures=?, polled=1, validators=? WHERE id=?",
                             (at, next_at, error, failures, json.dumps(validators), source_id))

    def _source(self, conn: _Connection, source_id: int) -> SourceRow:
        r = conn.execute("SELECT * FROM sources WHERE id=?", (source_id,)).fetchone()
        if r is None:
            raise NotFound(f"Không có nguồn số {source_id}", "xem danh sách nguồn")
        found = conn.execute("SELECT count(*) FROM source_items WHERE source_id=? AND "
                             "article_id IS NOT NULL", (source_id,)).fetchone()[0]
        return SourceRow(id=int(r["id"]), name=r["name"], base_url=r["base_url"],
                         config=json.loads(r["config"]), paused=bool(r["paused"]),
                         validators=json.loads(r["validators"]), polled=bool(r["polled"]),
                         failures=int(r["failures"]), last_poll_at=r["last_poll_at"],
                         next_poll_at=r["next_poll_at"], last_error=r["last_error"],
                         created_at=r["created_at"], updated_at=r["updated_at"],
                         articles_found=int(found))

    # -- source items ---------------------------------------------------------------------

    def source_items(self, source_id: int, urls: Sequence[str] | None = None, *,
                     limit: int = 1000) -> dict[str, SourceItemRow]:
        """Return a source's known article addresses (only `urls`, when given), by address."""
        conn = self._conn()
        if urls is None:
            rows = conn.execute("SELECT * FROM source_items WHERE source_id=? "
                                "ORDER BY first_seen DESC LIMIT ?", (source_id, limit)).fetchall()
        else:
            rows = []
            for start in range(0, len(urls), 500):
                part = list(urls[start:start + 500])
                marks = ",".join("?" * len(part))
                rows += conn.execute(f"SELECT * FROM source_items WHERE source_id=? AND url IN "
                                     f"({marks})", (source_id, *part)).fetchall()
        return {r["url"]: self._item(r) for r in rows}

    def add_source_items(self, source_id: int, items: Sequence[tuple[str, str | None, str]],
                         now: float) -> None:
        """Record newly found addresses as (url, lastmod, status); known ones are kept."""
        with self.transaction() as conn:
            for url, lastmod, status in items:
                conn.execute(
                    "INSERT INTO source_items(source_id, url, status, lastmod, "
                    "first_seen, next_check) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    (source_id, url, status, lastmod, now, now))

    def update_source_item(self, source_id: int, url: str, **values: Any) -> None:
        """Change some columns of a found address (status, article_id, validators, ...)."""
        allowed = {"status", "article_id", "lastmod", "etag", "last_modified", "gone",
                   "failures", "error", "checked_at", "next_check", "job_id", "page_hash"}
        unknown = set(values) - allowed
        if unknown:
            raise InputError(f"Cột không hợp lệ: {sorted(unknown)}")
        if not values:
            return
        cols = ", ".join(f"{k}=?" for k in values)
        with self.transaction() as conn:
            conn.execute(f"UPDATE source_items SET {cols} WHERE source_id=? AND url=?",
                         (*values.values(), source_id, url))

    def due_source_items(self, source_id: int, now: float, limit: int) -> list[SourceItemRow]:
        """Return addresses to fetch or re-check now: new ones first, then the oldest checks."""
        rows = self._conn().execute(
            "SELECT * FROM source_items WHERE source_id=? AND status IN ('new', 'imported', "
            "'failed', 'withdrawn') AND next_check IS NOT NULL AND next_check <= ? "
            "ORDER BY status <> 'new', first_seen DESC, next_check LIMIT ?",
            (source_id, now, limit)).fetchall()
        return [self._item(r) for r in rows]

    def queued_source_items(self, source_id: int) -> list[SourceItemRow]:
        """Return the addresses handed to jobs whose article is not linked yet."""
        rows = self._conn().execute("SELECT * FROM source_items WHERE source_id=? AND "
                                    "status='queued'", (source_id,)).fetchall()
        return [self._item(r) for r in rows]

    def source_item(self, url: str) -> SourceItemRow | None:
        """Return a found address (of any source), if it is known."""
        row = self._conn().execute("SELECT * FROM source_items WHERE url=? LIMIT 1",
                                   (url,)).fetchone()
        return None if row is None else self._item(row)

    def source_item_for_article(self, article_id: int) -> SourceItemRow | None:
        """Return the found address an article was imported from, if any."""
        row = self._conn().execute("SELECT * FROM source_items WHERE article_id=? LIMIT 1",
                                   (article_id,)).fetchone()
        return None if row is None else self._item(row)

    @staticmethod
    def _item(r: _Row) -> SourceItemRow:
        return SourceItemRow(source_id=int(r["source_id"]), url=r["url"], status=r["status"],
                             article_id=r["article_id"], lastmod=r["lastmod"], etag=r["etag"],
                             last_modified=r["last_modified"], gone=int(r["gone"]),
                             failures=int(r["failures"]), error=r["error"],
                             first_seen=r["first_seen"], checked_at=r["checked_at"],
                             next_check=r["next_check"], job_id=r["job_id"],
                             page_hash=r["page_hash"])

    # -- holds (withdrawn, awaiting approval) ---------------------------------------------

    def hold_article(self, article_id: int, reason: str) -> None:
        """Keep an article off public pages and feeds (its audio stays for the admin)."""
        if reason not in HOLD_REASONS:
            raise InputError(f"Lý do giữ bài không hợp lệ: {reason}")
        with self.transaction() as conn:
            row = conn.execute("SELECT source_url FROM articles WHERE id=?",
                               (article_id,)).fetchone()
            if row is None:
                raise NotFound(f"Không có bài viết số {article_id}")
            conn.execute("DELETE FROM article_holds WHERE article_id=? OR url=?",
                         (article_id, row["source_url"]))
            conn.execute("INSERT INTO article_holds(article_id, url, reason, since) "
                         "VALUES (?, ?, ?, ?)",
                         (article_id, row["source_url"], reason, time.time()))

    def hold_url(self, url: str, reason: str) -> None:
        """Hold the article that will be read from `url` (or the one already read from it)."""
        if reason not in HOLD_REASONS:
            raise InputError(f"Lý do giữ bài không hợp lệ: {reason}")
        with self.transaction() as conn:
            row = conn.execute("SELECT id FROM articles WHERE source_url=?", (url,)).fetchone()
            if row is not None:
                self.hold_article(int(row["id"]), reason)
                return
            conn.execute("INSERT INTO article_holds(url, reason, since) VALUES (?, ?, ?) "
                         "ON CONFLICT (url) DO UPDATE SET article_id=NULL, "
                         "reason=excluded.reason, since=excluded.since",
                         (url, reason, time.time()))

    def release_article(self, article_id: int) -> bool:
        """Put a held article back on public pages; False when it was not held."""
        with self.transaction() as conn:
            return conn.execute(
                "DELETE FROM article_holds WHERE article_id=? OR url=(SELECT source_url FROM "
                "articles WHERE id=?)", (article_id, article_id)).rowcount > 0

    def article_hold(self, article_id: int) -> str | None:
        """Return why an article is held off public pages, or None."""
        row = self._conn().execute(
            "SELECT reason FROM article_holds WHERE article_id=? OR url=(SELECT source_url "
            "FROM articles WHERE id=?) LIMIT 1", (article_id, article_id)).fetchone()
        return None if row is None else str(row["reason"])

    def held_articles(self, reason: str | None = None, limit: int = 200) -> list[ArticleRow]:
        """Return held articles, newest hold first (optionally only for one reason)."""
        sql = ("SELECT a.*, max(h.since) AS held_since FROM articles a JOIN article_holds h "
               "ON h.article_id = a.id OR (h.url IS NOT NULL AND h.url = a.source_url)" +
               (" WHERE h.reason=?" if reason else "") +
               " GROUP BY a.id ORDER BY held_since DESC LIMIT ?")
        params: tuple[Any, ...] = (reason, limit) if reason else (limit,)
        return [self._article(r) for r in self._conn().execute(sql, params)]

    # -- listeners' misread reports -------------------------------------------------------

    def add_misread_report(self, article_id: int, segment_index: int, word: str,
                           suggestion: str | None) -> int:
        """Queue a listener's report of a misread word in one segment; return its id.

        The open queue is bounded (MISREAD_OPEN_MAX), so a flood cannot fill the disk.
        """
        word = unicodedata.normalize("NFC", " ".join(word.split()))
        if not word:
            raise InputError("Cần ghi từ bị đọc sai")
        with self.transaction() as conn:
            if conn.execute("SELECT 1 FROM segments WHERE article_id=? AND idx=?",
                            (article_id, segment_index)).fetchone() is None:
                raise NotFound("Không có đoạn này trong bài", "mở lại trang bài viết")
            open_count = conn.execute("SELECT count(*) FROM misread_reports "
                                      "WHERE status='open'").fetchone()[0]
            if open_count >= MISREAD_OPEN_MAX:
                raise InputError("Đang có quá nhiều báo cáo chờ ban biên tập xem",
                                 "xin thử lại sau")
            return conn.insert(
                "INSERT INTO misread_reports(article_id, segment_idx, word, word_key, suggestion,"
                " created_at) VALUES (?, ?, ?, ?, ?, ?)",
                (article_id, segment_index, word, word.casefold(),
                 " ".join(suggestion.split()) if suggestion else None, time.time()))

    def misread_groups(self, limit: int = 100) -> list[MisreadGroup]:
        """Return the open reports grouped by word, the most reported first."""
        rows = self._conn().execute(
            "SELECT r.*, a.slug, a.title FROM misread_reports r JOIN articles a "
            "ON a.id = r.article_id WHERE r.status='open' ORDER BY r.id DESC LIMIT ?",
            (MISREAD_OPEN_MAX,)).fetchall()
        groups: dict[str, list[Any]] = {}
        for r in rows:
            groups.setdefault(str(r["word_key"]), []).append(r)
        found = []
        for key, items in groups.items():
            spellings: dict[str, int] = {}
            suggested: dict[str, int] = {}
            places: dict[tuple[int, int], tuple[int, str, str, int]] = {}
            for r in items:
                spellings[r["word"]] = spellings.get(r["word"], 0) + 1
                if r["suggestion"]:
                    suggested[r["suggestion"]] = suggested.get(r["suggestion"], 0) + 1
                places.setdefault((r["article_id"], r["segment_idx"]),
                                  (r["article_id"], r["slug"], r["title"], r["segment_idx"]))
            found.append(MisreadGroup(
                word_key=key, word=max(spellings, key=lambda w: spellings[w]), count=len(items),
                suggestions=sorted(suggested.items(), key=lambda kv: -kv[1]),
                places=list(places.values()), report_ids=[int(r["id"]) for r in items]))
        found.sort(key=lambda g: (-g.count, -max(g.report_ids)))
        return found[:limit]

    def close_misread_reports(self, word_key: str, status: str) -> int:
        """Mark every open report of a word resolved or dismissed; return how many."""
        if status not in ("resolved", "dismissed"):
            raise InputError(f"Trạng thái báo cáo không hợp lệ: {status}")
        with self.transaction() as conn:
            return conn.execute(
                "UPDATE misread_reports SET status=?, resolved_at=? "
                "WHERE status='open' AND word_key=?", (status, time.time(), word_key)).rowcount

__all__ = ["DATABASE_FILENAME", "Store", "database_path"]
