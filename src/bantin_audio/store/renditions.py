"""The renditions repository: an article's audio files (complete, or the finished prefix)."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence

from ..errors import NotFound
from .connection import Repository, _Row
from .rows import RenditionRow


class RenditionRepository(Repository):
    """The audio files of articles, one per kind, named by the media store's paths."""

    def put(self, rendition: RenditionRow) -> str | None:
        """Store a rendition (replacing the previous one of its kind); return the old path."""
        with self._db.transaction() as conn:
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

    def drop(self, article_id: int, kinds: Sequence[str]) -> None:
        """Forget some renditions of an article (files are collected later)."""
        with self._db.transaction() as conn:
            for kind in kinds:
                conn.execute("DELETE FROM renditions WHERE article_id=? AND kind=?",
                             (article_id, kind))

    def for_article(self, article_id: int) -> list[RenditionRow]:
        """Return an article's renditions."""
        rows = self._db.conn().execute("SELECT * FROM renditions WHERE article_id=? ORDER BY kind",
                                       (article_id,)).fetchall()
        return [self._rendition(r) for r in rows]

    def for_articles(self, article_ids: Sequence[int]) -> dict[int, list[RenditionRow]]:
        """Return the renditions of many articles, by article id."""
        out: dict[int, list[RenditionRow]] = {i: [] for i in article_ids}
        if not article_ids:
            return out
        marks = ",".join("?" * len(article_ids))
        for r in self._db.conn().execute(
                f"SELECT * FROM renditions WHERE article_id IN ({marks}) ORDER BY kind",
                list(article_ids)):
            out[int(r["article_id"])].append(self._rendition(r))
        return out

    def by_path(self, path: str) -> RenditionRow | None:
        """Return the rendition stored under a media path, if any."""
        row = self._db.conn().execute("SELECT * FROM renditions WHERE path=? LIMIT 1",
                                      (path,)).fetchone()
        return None if row is None else self._rendition(row)

    def paths_of(self, article_id: int) -> list[str]:
        """Return the media paths of an article's renditions."""
        return [r["path"] for r in self._db.conn().execute(
            "SELECT path FROM renditions WHERE article_id=?", (article_id,))]

    def media_paths(self) -> set[str]:
        """Return every media path a rendition refers to."""
        return {r["path"] for r in self._db.conn().execute("SELECT path FROM renditions")}

    @staticmethod
    def _rendition(r: _Row) -> RenditionRow:
        return RenditionRow(article_id=int(r["article_id"]), kind=r["kind"], path=r["path"],
                            bytes=r["bytes"], duration_ms=r["duration_ms"],
                            content_hash=r["content_hash"], timings=json.loads(r["timings"]),
                            complete=bool(r["complete"]), segments_done=r["segments_done"],
                            created_at=r["created_at"])
