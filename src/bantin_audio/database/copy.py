"""Copy every row of one database into another, empty one (an embedded SQLite file into
PostgreSQL when a deployment grows past one machine)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, func, select, text

from ..errors import InputError
from . import TABLES, make_engine, redact, upgrade

log = logging.getLogger(__name__)

BATCH_ROWS = 1000


def copy_data(source_url: str, target_url: str,
              on_table: Callable[[str, int], None] | None = None) -> dict[str, int]:
    """Copy all rows from `source_url` into `target_url`; return the rows copied per table.

    Both databases are first brought to the newest revision. The target must hold no rows;
    the copy is one transaction on the target (nothing is left half-copied), read from one
    snapshot of the source, and checked by counting the rows on both sides. PostgreSQL's id
    sequences are moved past the copied ids.
    """
    if source_url == target_url:
        raise InputError("Nguồn và đích là cùng một cơ sở dữ liệu")
    source, target = make_engine(source_url), make_engine(target_url)
    try:
        with source.connect() as src:
            with src.execution_options(bantin_begin="BEGIN IMMEDIATE").begin():
                upgrade(src)
        with source.connect() as src, target.connect() as dst:
            src.execution_options(bantin_begin="BEGIN")  # one snapshot
            with dst.execution_options(bantin_begin="BEGIN IMMEDIATE").begin():
                upgrade(dst)
                busy = {t.name: n for t in TABLES if (n := _count(dst, t.name))}
                if busy:
                    raise InputError(
                        f"Cơ sở dữ liệu đích {redact(target_url)} đã có dữ liệu: "
                        + ", ".join(f"{k} ({v} dòng)" for k, v in busy.items()),
                        "chỉ chép vào một cơ sở dữ liệu trống")
                counts: dict[str, int] = {}
                with src.begin():  # one snapshot of the source
                    for table in TABLES:
                        counts[table.name] = _copy_table(src, dst, table)
                        if on_table is not None:
                            on_table(table.name, counts[table.name])
                    for table in TABLES:
                        expected = _count(src, table.name)
                        copied = _count(dst, table.name)
                        if copied != expected or counts[table.name] != expected:
                            raise InputError(
                                f"Bảng {table.name}: chép {copied} dòng, nguồn có {expected}",
                                "không có gì được ghi; thử lại khi dịch vụ đã dừng")
                if dst.dialect.name == "postgresql":
                    _advance_sequences(dst)
        log.info("copied %s into %s: %s", redact(source_url), redact(target_url), counts)
        return counts
    finally:
        source.dispose()
        target.dispose()


def _count(conn: Connection, table: str) -> int:
    return int(conn.execute(select(func.count()).select_from(text(table))).scalar() or 0)


def _copy_table(src: Connection, dst: Connection, table: Any) -> int:
    copied = 0
    order = list(table.primary_key.columns)
    result = src.execution_options(yield_per=BATCH_ROWS).execute(
        select(*table.columns).order_by(*order))
    for batch in result.partitions():
        rows = [dict(row._mapping) for row in batch]
        if table.name == "jobs":
            for row in rows:  # SQLite let text sit in the bytes column
                if isinstance(row.get("source_data"), str):
                    row["source_text"], row["source_data"] = row["source_data"], None
        dst.execute(table.insert(), rows)
        copied += len(rows)
    return copied


def _advance_sequences(conn: Connection) -> None:
    for table in TABLES:
        if "id" in table.columns and table.columns["id"].primary_key:
            conn.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f"coalesce(max(id), 1), max(id) IS NOT NULL) FROM {table.name}"))
