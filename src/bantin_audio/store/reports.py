"""The reports repository: listeners' reports of misread words, grouped for the editors."""

from __future__ import annotations

import time
import unicodedata
from typing import Any

from ..errors import InputError, NotFound
from .connection import Repository
from .rows import MisreadGroup

MISREAD_OPEN_MAX = 5000


class ReportRepository(Repository):
    """Listeners' misread reports: bounded open queue, grouped by word, closed per word."""

    def add(self, article_id: int, segment_index: int, word: str,
            suggestion: str | None) -> int:
        """Queue a listener's report of a misread word in one segment; return its id.

        The open queue is bounded (MISREAD_OPEN_MAX), so a flood cannot fill the disk.
        """
        word = unicodedata.normalize("NFC", " ".join(word.split()))
        if not word:
            raise InputError("Cần ghi từ bị đọc sai")
        with self._db.transaction() as conn:
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

    def groups(self, limit: int = 100) -> list[MisreadGroup]:
        """Return the open reports grouped by word, the most reported first."""
        rows = self._db.conn().execute(
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

    def close(self, word_key: str, status: str) -> int:
        """Mark every open report of a word resolved or dismissed; return how many."""
        if status not in ("resolved", "dismissed"):
            raise InputError(f"Trạng thái báo cáo không hợp lệ: {status}")
        with self._db.transaction() as conn:
            return conn.execute(
                "UPDATE misread_reports SET status=?, resolved_at=? "
                "WHERE status='open' AND word_key=?", (status, time.time(), word_key)).rowcount
