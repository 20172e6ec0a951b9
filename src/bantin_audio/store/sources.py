"""The sources repository: watched portals and the article addresses found on them."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import Any

from ..errors import InputError, NotFound
from .connection import Repository, _Connection, _Row
from .rows import SourceItemRow, SourceRow

# A source's columns with how many of its addresses became articles, read in the same query.
_SOURCE_COLUMNS = ("s.*, (SELECT count(*) FROM source_items i WHERE i.source_id = s.id AND "
                   "i.article_id IS NOT NULL) AS articles_found")


class SourceRepository(Repository):
    """Watched portals (schedule, validators, failures) and their found addresses."""

    def add(self, name: str, base_url: str, config: dict[str, Any], *,
            paused: bool = False) -> SourceRow:
        """Register a watched portal; its name must be new."""
        now = time.time()
        with self._db.transaction() as conn:
            if conn.execute("SELECT 1 FROM sources WHERE name=?", (name,)).fetchone():
                raise InputError(f"Đã có nguồn tên {name!r}", "chọn tên khác hoặc sửa nguồn đó")
            cur = conn.insert(
                "INSERT INTO sources(name, base_url, config, paused, next_poll_at, created_at, "
                "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (name, base_url, json.dumps(config, ensure_ascii=False), int(paused), now,
                 now, now))
            return self._source(conn, cur)

    def update(self, source_id: int, *, name: str | None = None,
               base_url: str | None = None, config: dict[str, Any] | None = None,
               paused: bool | None = None) -> SourceRow:
        """Change a source's settings; a changed discovery list forgets the old validators."""
        with self._db.transaction() as conn:
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

    def delete(self, source_id: int) -> None:
        """Stop watching a portal (its articles and their audio stay)."""
        with self._db.transaction() as conn:
            if conn.execute("DELETE FROM sources WHERE id=?", (source_id,)).rowcount == 0:
                raise NotFound(f"Không có nguồn số {source_id}")

    def get(self, source_id: int) -> SourceRow:
        """Return one source, or raise NotFound."""
        return self._source(self._db.conn(), source_id)

    def get_by_name(self, name: str) -> SourceRow:
        """Return the source with this name, or raise NotFound."""
        row = self._db.conn().execute("SELECT id FROM sources WHERE name=?", (name,)).fetchone()
        if row is None:
            raise NotFound(f"Không có nguồn tên {name!r}", "xem danh sách: bantin-audio sources "
                           "list")
        return self._source(self._db.conn(), int(row["id"]))

    def all(self) -> list[SourceRow]:
        """Return every source, by name (one query)."""
        return [self._row(r) for r in self._db.conn().execute(
            f"SELECT {_SOURCE_COLUMNS} FROM sources s ORDER BY name")]

    def due(self, now: float) -> list[SourceRow]:
        """Return the sources not paused whose next poll time has come, most overdue first."""
        return [self._row(r) for r in self._db.conn().execute(
            f"SELECT {_SOURCE_COLUMNS} FROM sources s WHERE paused=0 AND "
            "coalesce(next_poll_at, 0) <= ? ORDER BY coalesce(next_poll_at, 0)", (now,))]

    def record_poll(self, source_id: int, *, at: float, next_at: float, error: str | None,
                    failures: int, validators: dict[str, dict[str, str]] | None = None) -> None:
        """Record the outcome of a poll; `validators` (given after a successful discovery)
        marks the source as polled once, so later polls take every new article."""
        with self._db.transaction() as conn:
            if validators is None:
                conn.execute("UPDATE sources SET last_poll_at=?, next_poll_at=?, last_error=?, "
                             "failures=? WHERE id=?", (at, next_at, error, failures, source_id))
            else:
                conn.execute("UPDATE sources SET last_poll_at=?, next_poll_at=?, last_error=?, "
                             "failures=?, polled=1, validators=? WHERE id=?",
                             (at, next_at, error, failures, json.dumps(validators), source_id))

    def _source(self, conn: _Connection, source_id: int) -> SourceRow:
        r = conn.execute(f"SELECT {_SOURCE_COLUMNS} FROM sources s WHERE id=?",
                         (source_id,)).fetchone()
        if r is None:
            raise NotFound(f"Không có nguồn số {source_id}", "xem danh sách nguồn")
        return self._row(r)

    @staticmethod
    def _row(r: _Row) -> SourceRow:
        return SourceRow(id=int(r["id"]), name=r["name"], base_url=r["base_url"],
                         config=json.loads(r["config"]), paused=bool(r["paused"]),
                         validators=json.loads(r["validators"]), polled=bool(r["polled"]),
                         failures=int(r["failures"]), last_poll_at=r["last_poll_at"],
                         next_poll_at=r["next_poll_at"], last_error=r["last_error"],
                         created_at=r["created_at"], updated_at=r["updated_at"],
                         articles_found=int(r["articles_found"]))

    def items(self, source_id: int, urls: Sequence[str] | None = None, *,
              limit: int = 1000) -> dict[str, SourceItemRow]:
        """Return a source's known article addresses (only `urls`, when given), by address."""
        conn = self._db.conn()
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

    def newest_items(self, source_ids: Sequence[int]) -> dict[int, SourceItemRow]:
        """Return the address each of these sources found last, by source id, in one query."""
        if not source_ids:
            return {}
        marks = ",".join("?" * len(source_ids))
        rows = self._db.conn().execute(
            f"SELECT * FROM source_items i WHERE i.source_id IN ({marks}) AND i.url = ("
            "SELECT url FROM source_items j WHERE j.source_id = i.source_id "
            "ORDER BY first_seen DESC LIMIT 1)", list(source_ids))
        return {int(r["source_id"]): self._item(r) for r in rows}

    def add_items(self, source_id: int, items: Sequence[tuple[str, str | None, str]],
                  now: float) -> None:
        """Record newly found addresses as (url, lastmod, status); known ones are kept."""
        with self._db.transaction() as conn:
            for url, lastmod, status in items:
                conn.execute(
                    "INSERT INTO source_items(source_id, url, status, lastmod, "
                    "first_seen, next_check) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    (source_id, url, status, lastmod, now, now))

    def update_item(self, source_id: int, url: str, **values: Any) -> None:
        """Change some columns of a found address (status, article_id, validators, ...)."""
        allowed = {"status", "article_id", "lastmod", "etag", "last_modified", "gone",
                   "failures", "error", "checked_at", "next_check", "job_id", "page_hash"}
        unknown = set(values) - allowed
        if unknown:
            raise InputError(f"Cột không hợp lệ: {sorted(unknown)}")
        if not values:
            return
        cols = ", ".join(f"{k}=?" for k in values)
        with self._db.transaction() as conn:
            conn.execute(f"UPDATE source_items SET {cols} WHERE source_id=? AND url=?",
                         (*values.values(), source_id, url))

    def due_items(self, source_id: int, now: float, limit: int) -> list[SourceItemRow]:
        """Return addresses to fetch or re-check now: new ones first, then the oldest checks."""
        rows = self._db.conn().execute(
            "SELECT * FROM source_items WHERE source_id=? AND status IN ('new', 'imported', "
            "'failed', 'withdrawn') AND next_check IS NOT NULL AND next_check <= ? "
            "ORDER BY status <> 'new', first_seen DESC, next_check LIMIT ?",
            (source_id, now, limit)).fetchall()
        return [self._item(r) for r in rows]

    def queued_items(self, source_id: int) -> list[SourceItemRow]:
        """Return the addresses handed to jobs whose article is not linked yet."""
        rows = self._db.conn().execute("SELECT * FROM source_items WHERE source_id=? AND "
                                       "status='queued'", (source_id,)).fetchall()
        return [self._item(r) for r in rows]

    def item(self, url: str) -> SourceItemRow | None:
        """Return a found address (of any source), if it is known."""
        row = self._db.conn().execute("SELECT * FROM source_items WHERE url=? LIMIT 1",
                                      (url,)).fetchone()
        return None if row is None else self._item(row)

    def item_for_article(self, article_id: int) -> SourceItemRow | None:
        """Return the found address an article was imported from, if any."""
        row = self._db.conn().execute("SELECT * FROM source_items WHERE article_id=? LIMIT 1",
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
