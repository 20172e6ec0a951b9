"""The store: the database (SQLite file or PostgreSQL), its repositories and units of work.

The repositories (one per aggregate: articles, jobs, renditions, bulletins, sources,
settings, reports, lexicon) are the only code that writes SQL, in the subset SQLite and PostgreSQL
share. Each repository call is one transaction of its own; `Store.unit()` runs several in one.
The schema lives in `database/` and is migrated by Alembic when the store is opened.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.exc import DBAPIError

from ..database import HEAD_REVISION, database_url, redact, upgrade
from .articles import ArticleRepository
from .bulletins import BulletinRepository
from .connection import Database
from .jobs import JobRepository
from .lexicon import LexiconRepository
from .renditions import RenditionRepository
from .reports import ReportRepository
from .settings import SettingsRepository
from .sources import SourceRepository
from .unit import UnitOfWork

log = logging.getLogger(__name__)


class Store:
    """The service's database; safe across threads and processes.

    `target` is a database URL (`postgresql://…`, `sqlite:///…`) or the path of an SQLite
    file. Each thread keeps one connection, as the embedded store always did. The
    repositories are attributes: `store.articles.get(id)`, `store.jobs.claim(owner)`, ...
    """

    def __init__(self, target: Path | str, *, migrate: bool = True) -> None:
        self.url = database_url(target)
        self.db = Database(self.url)
        self.engine = self.db.engine
        self.dialect = self.db.dialect
        self.path = Path(self.engine.url.database or "") if self.embedded else None
        self.settings = SettingsRepository(self)
        self.articles = ArticleRepository(self)
        self.jobs = JobRepository(self)
        self.renditions = RenditionRepository(self)
        self.bulletins = BulletinRepository(self)
        self.sources = SourceRepository(self)
        self.reports = ReportRepository(self)
        self.lexicon = LexiconRepository(self)
        if migrate:
            self.migrate()

    @property
    def embedded(self) -> bool:
        """Return whether this is the embedded SQLite file (one machine), not a server."""
        return self.dialect == "sqlite"

    @contextmanager
    def unit(self) -> Iterator[UnitOfWork]:
        """Run a block as one unit of work: every repository call this thread makes inside it
        commits together at its end, or not at all when an exception leaves it.

        A unit inside a unit is a savepoint: an exception leaving the inner block undoes only
        its writes (and goes on to the outer block, which may catch it and still commit).
        """
        with self.db.unit() as conn:
            yield UnitOfWork(self, conn)

    def close(self) -> None:
        """Close this thread's connection."""
        self.db.close()

    def dispose(self) -> None:
        """Close this thread's connection and the engine (other threads' connections end with
        their threads)."""
        self.db.dispose()

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
            row = self.db.conn().execute("SELECT version_num FROM alembic_version").fetchone()
        except DBAPIError:
            return None
        return None if row is None else str(row[0])

    def schema_version(self) -> str | None:
        """Return the schema revision (a cheap query that proves the database answers)."""
        return self.revision()

    def statements_run(self) -> int:
        """Return how many statements this thread's connection has run (to count a page's
        queries)."""
        return self.db.conn().statements

    def now(self) -> float:
        """Return the database's clock, in seconds since the epoch."""
        row = self.db.conn().execute(f"SELECT {self.db.now_sql}").fetchone()
        return float(row[0]) if row is not None else 0.0
