"""The database connection every repository runs on, and the transactions of units of work.

Statements are SQL text in the subset SQLite and PostgreSQL share, run on the driver
connection SQLAlchemy holds (one per thread); `Database.unit` opens the one transaction a
unit of work runs in, and a unit inside a unit is a savepoint.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError

from ..database import make_engine

if TYPE_CHECKING:
    from .store import Store

log = logging.getLogger(__name__)


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
        self.in_transaction = False  # inside Database.transaction() / unit()
        self.savepoints = 0  # units nested in the open transaction
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

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """Run a block inside the open transaction so that an error undoes only the block."""
        self.savepoints += 1
        name = f"unit_{self.savepoints}"
        try:
            self.execute(f"SAVEPOINT {name}")
            try:
                yield
            except BaseException:
                try:
                    self.execute(f"ROLLBACK TO SAVEPOINT {name}")
                    self.execute(f"RELEASE SAVEPOINT {name}")
                except DBAPIError:  # the connection is gone: the outer transaction fails too
                    log.warning("rollback to savepoint failed", exc_info=True)
                raise
            self.execute(f"RELEASE SAVEPOINT {name}")
        finally:
            self.savepoints -= 1

    def insert(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run an INSERT into a table with an `id` key and return the new row's id."""
        row = self.execute(sql + " RETURNING id", params).fetchone()
        if row is None:
            raise RuntimeError("INSERT returned no id")
        return int(row[0])


class Database:
    """The engine and each thread's connection, with the dialect's few SQL differences.

    Each thread keeps one connection, as the embedded store always did; a transaction (or a
    unit of work) belongs to the thread that opened it.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.dialect = self.engine.dialect.name
        self._local = threading.local()
        # The database clock, in seconds since the epoch: leases never read a host's clock.
        self.now_sql = ("CAST(extract(epoch FROM clock_timestamp()) AS double precision)"
                        if self.dialect == "postgresql"
                        else "((julianday('now') - 2440587.5) * 86400.0)")
        self.agg = "string_agg({}, ',')" if self.dialect == "postgresql" else "group_concat({})"

    def conn(self) -> _Connection:
        """Return this thread's connection (opened on first use, again after a close)."""
        conn: _Connection | None = getattr(self._local, "conn", None)
        if conn is None or conn.conn.closed:
            conn = _Connection(self.engine.connect())
            self._local.conn = conn
        return conn

    @contextmanager
    def transaction(self) -> Iterator[_Connection]:
        """Run a repository's write in one transaction (BEGIN IMMEDIATE on SQLite), rolled
        back on error; inside a unit of work it joins the unit's transaction."""
        conn = self.conn()
        if conn.in_transaction:
            yield conn
            return
        with conn.begin():
            yield conn

    @contextmanager
    def unit(self) -> Iterator[_Connection]:
        """Run a block in one transaction committed at its end, or rolled back when an
        exception leaves it; a unit inside a unit is a savepoint (its error undoes only it)."""
        conn = self.conn()
        if conn.in_transaction:
            with conn.savepoint():
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


class Repository:
    """The base of the repositories: the store's database, and the store for the others."""

    def __init__(self, store: Store) -> None:
        self._db: Database = store.db
        self._store = store
