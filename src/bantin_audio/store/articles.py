"""The articles repository: articles, their scripts (segments) and the holds on them.

An article is found by its source address, then by its content; its script keeps the state of
every segment whose spoken text is unchanged, so an edit re-synthesizes only what changed.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Sequence
from typing import Any

from ..errors import InputError, NotFound
from ..model import Article, Segment
from .connection import Repository, _Connection, _Row
from .rows import ArticleRow, JobRow, SegmentRow, SubmitResult, ascii_slug, content_hash

HOLD_REASONS = ("withdrawn", "awaiting_approval")
SEGMENT_STATUSES = ("pending", "done", "failed")
# An article is held by its id, or (before a job has read it) by the address it comes from.
_NOT_HELD = ("id NOT IN (SELECT article_id FROM article_holds WHERE article_id IS NOT NULL) "
             "AND coalesce(source_url, '') NOT IN "
             "(SELECT url FROM article_holds WHERE url IS NOT NULL)")


class ArticleRepository(Repository):
    """Articles with their segments and holds; `submit` also queues the synthesis job."""

    def submit(self, article: Article, segments: Sequence[Segment]) -> SubmitResult:
        """Store an article and its script, and queue the synthesis work it needs.

        The same URL or the same content gives back the existing article and job; an edited
        article (same URL) keeps its page address and only its changed segments are queued.
        """
        with self._db.transaction():
            article_id, created = self.upsert(article)
            changed = self.replace_segments(article_id, segments)
            job = self._store.jobs.ensure_for_article(article_id, requeue=changed or created)
            return SubmitResult(self.get(article_id), job, created, changed)

    def upsert(self, article: Article) -> tuple[int, bool]:
        """Find the article by URL, then by content, updating it; or insert it. (id, created)

        Two workers reading the same address at once may both find no row and both insert:
        the insert waits for the other's transaction and, on a conflict with its address,
        does nothing, and this one goes on with the row the other made (the unique address
        is never violated, on PostgreSQL either).
        """
        with self._db.transaction() as conn:
            digest = content_hash(article)
            now = time.time()
            row = None
            if article.source_url:
                row = self._by_url(conn, article.source_url)
            if row is None:
                row = conn.execute("SELECT * FROM articles WHERE content_hash=? ORDER BY id "
                                   "LIMIT 1", (digest,)).fetchone()
            if row is None:
                made = conn.execute(
                    "INSERT INTO articles(slug, source_url, content_hash, title, date, fields, "
                    "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT (source_url) DO NOTHING RETURNING id",
                    ("tmp-" + secrets.token_hex(8), article.source_url, digest, article.headline,
                     article.date, json.dumps(article.to_dict(), ensure_ascii=False), now,
                     now)).fetchone()
                if made is not None:
                    article_id = int(made[0])
                    slug = f"{ascii_slug(article.headline)}-{article_id}"
                    conn.execute("UPDATE articles SET slug=? WHERE id=?", (slug, article_id))
                    return article_id, True
                # Another worker stored this address since we looked: take its row (READ
                # COMMITTED on PostgreSQL: this statement sees the row the conflict waited for).
                row = self._by_url(conn, article.source_url or "")
                if row is None:  # and deleted it at once
                    raise NotFound("Bài viết vừa bị xóa trong lúc đang lưu", "thử lại")
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

    @staticmethod
    def _by_url(conn: _Connection, url: str) -> _Row | None:
        row: _Row | None = conn.execute("SELECT * FROM articles WHERE source_url=?",
                                        (url,)).fetchone()
        return row

    def by_url(self, url: str) -> ArticleRow | None:
        """Return the article fetched from `url`, if there is one."""
        row = self._db.conn().execute("SELECT * FROM articles WHERE source_url=?",
                                      (url,)).fetchone()
        return None if row is None else self._article(row)

    def update_script(self, article_id: int, segments: Sequence[Segment]) -> JobRow | None:
        """Replace an article's script (e.g. after a lexicon edit); queue a job if it changed."""
        with self._db.transaction():
            if not self.replace_segments(article_id, segments):
                return None
            return self._store.jobs.ensure_for_article(article_id, requeue=True)

    def replace_segments(self, article_id: int, segments: Sequence[Segment]) -> bool:
        """Store a new script, keeping the state of segments whose spoken text is unchanged."""
        with self._db.transaction() as conn:
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
                    "INSERT INTO segments(article_id, idx, kind, display, spoken, pause_ms, "
                    "status, engine, fallback_reason, clip_hash) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (article_id, seg.index, seg.kind, seg.display, seg.spoken, seg.pause_ms,
                     "done" if prev is not None else "pending",
                     prev["engine"] if prev is not None else None,
                     prev["fallback_reason"] if prev is not None else None,
                     prev["clip_hash"] if prev is not None else None))
            return True

    def _article(self, row: _Row) -> ArticleRow:
        return ArticleRow(id=int(row["id"]), slug=row["slug"], source_url=row["source_url"],
                          content_hash=row["content_hash"],
                          article=Article.from_dict(json.loads(row["fields"])),
                          created_at=row["created_at"], updated_at=row["updated_at"])

    def get(self, article_id: int) -> ArticleRow:
        """Return one article by id, or raise NotFound."""
        row = self._db.conn().execute("SELECT * FROM articles WHERE id=?", (article_id,)).fetchone()
        if row is None:
            raise NotFound(f"Không có bài viết số {article_id}")
        return self._article(row)

    def get_many(self, article_ids: Sequence[int]) -> dict[int, ArticleRow]:
        """Return the articles of these ids that exist, by id, in one query."""
        if not article_ids:
            return {}
        marks = ",".join("?" * len(article_ids))
        return {int(r["id"]): self._article(r) for r in self._db.conn().execute(
            f"SELECT * FROM articles WHERE id IN ({marks})", list(article_ids))}

    def get_by_slug(self, slug: str, *, include_held: bool = False) -> ArticleRow:
        """Return one article by its page address, or raise NotFound.

        A held article (withdrawn, or waiting for approval) is not found unless asked for.
        """
        sql = "SELECT * FROM articles WHERE slug=?" + ("" if include_held else
                                                        f" AND {_NOT_HELD}")
        row = self._db.conn().execute(sql, (slug,)).fetchone()
        if row is None:
            raise NotFound("Không tìm thấy bài viết này", "xem danh sách bài mới ở trang chủ")
        return self._article(row)

    def page_version(self, slug: str) -> tuple[Any, ...]:
        """Return what a reader page depends on, in one query (for caching rendered pages)."""
        files = self._db.agg.format("kind || ':' || path")
        voices = self._db.agg.format("status || coalesce(engine, '')")
        row = self._db.conn().execute(
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

    def recent(self, *, query: str | None = None, limit: int = 50,
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
        rows = self._db.conn().execute(sql, params).fetchall()
        if query and not rows:
            # SQLite's LIKE folds ASCII case only; fold Vietnamese in Python for small stores.
            needle = query.casefold()
            rows = [r for r in self._db.conn().execute(
                "SELECT * FROM articles" + (f" WHERE {where}" if where else "") +
                " ORDER BY created_at DESC, id DESC")
                if needle in str(r["title"]).casefold()][offset:offset + limit]
        return [self._article(r) for r in rows]

    def delete(self, article_id: int) -> list[str]:
        """Delete an article with its segments, jobs and renditions; return its media paths."""
        with self._db.transaction() as conn:
            paths = self._store.renditions.paths_of(article_id)
            # its segments, jobs, renditions, holds and reports go with it (ON DELETE CASCADE)
            cur = conn.execute("DELETE FROM articles WHERE id=?", (article_id,))
            if cur.rowcount == 0:
                raise NotFound(f"Không có bài viết số {article_id}")
        return paths

    def segments(self, article_id: int) -> list[SegmentRow]:
        """Return an article's segments in reading order."""
        rows = self._db.conn().execute("SELECT * FROM segments WHERE article_id=? ORDER BY idx",
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
        with self._db.transaction() as conn:
            cur = conn.execute(
                "UPDATE segments SET status=?, engine=?, fallback_reason=?, clip_hash=?, error=? "
                "WHERE article_id=? AND idx=? AND spoken=?",
                (status, engine, fallback_reason, clip_hash, error, article_id, index, spoken))
            if job_id is not None:
                self._store.jobs.set_progress(job_id, *self.segment_counts(article_id))
            return cur.rowcount > 0

    def segment_counts(self, article_id: int) -> tuple[int, int]:
        """Return (done, total): an article's synthesized segments and all of them."""
        row = self._db.conn().execute(
            "SELECT count(CASE WHEN status='done' THEN 1 END), count(*) FROM segments "
            "WHERE article_id=?", (article_id,)).fetchone()
        return int(row[0]), int(row[1])

    def reset_failed_segments(self, article_id: int) -> None:
        """Put an article's failed segments back to pending (for a retry)."""
        with self._db.transaction() as conn:
            conn.execute("UPDATE segments SET status='pending', error=NULL "
                         "WHERE article_id=? AND status='failed'", (article_id,))

    def pending_count(self, article_id: int) -> int:
        """Return how many segments still wait for synthesis."""
        return int(self._db.conn().execute(
            "SELECT count(*) FROM segments WHERE article_id=? AND status='pending'",
            (article_id,)).fetchone()[0])

    def hold(self, article_id: int, reason: str) -> None:
        """Keep an article off public pages and feeds (its audio stays for the admin)."""
        if reason not in HOLD_REASONS:
            raise InputError(f"Lý do giữ bài không hợp lệ: {reason}")
        with self._db.transaction() as conn:
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
        with self._db.transaction() as conn:
            row = conn.execute("SELECT id FROM articles WHERE source_url=?", (url,)).fetchone()
            if row is not None:
                self.hold(int(row["id"]), reason)
                return
            conn.execute("INSERT INTO article_holds(url, reason, since) VALUES (?, ?, ?) "
                         "ON CONFLICT (url) DO UPDATE SET article_id=NULL, "
                         "reason=excluded.reason, since=excluded.since",
                         (url, reason, time.time()))

    def release(self, article_id: int) -> bool:
        """Put a held article back on public pages; False when it was not held."""
        with self._db.transaction() as conn:
            return conn.execute(
                "DELETE FROM article_holds WHERE article_id=? OR url=(SELECT source_url FROM "
                "articles WHERE id=?)", (article_id, article_id)).rowcount > 0

    def hold_reason(self, article_id: int) -> str | None:
        """Return why an article is held off public pages, or None."""
        row = self._db.conn().execute(
            "SELECT reason FROM article_holds WHERE article_id=? OR url=(SELECT source_url "
            "FROM articles WHERE id=?) LIMIT 1", (article_id, article_id)).fetchone()
        return None if row is None else str(row["reason"])

    def held(self, reason: str | None = None, limit: int = 200) -> list[ArticleRow]:
        """Return held articles, newest hold first (optionally only for one reason)."""
        sql = ("SELECT a.*, max(h.since) AS held_since FROM articles a JOIN article_holds h "
               "ON h.article_id = a.id OR (h.url IS NOT NULL AND h.url = a.source_url)" +
               (" WHERE h.reason=?" if reason else "") +
               " GROUP BY a.id ORDER BY held_since DESC LIMIT ?")
        params: tuple[Any, ...] = (reason, limit) if reason else (limit,)
        return [self._article(r) for r in self._db.conn().execute(sql, params)]
