"""The lexicon repository: the editors' pronunciation lexicon, one for every process of a
deployment.

Entries are written through the store's transactions; every change bumps the one row of
`lexicon_state`, so a process that cached the lexicon learns with one cheap query whether it
must read it again (`speech.lexicon.shared_lexicon`). Writers of the lexicon queue on that
row (PostgreSQL's row lock, SQLite's write lock): two editors saving at once both have their
edits kept, the later one winning for the same written form.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..errors import InputError
from ..model import LEXICON_KINDS
from .connection import Repository

MAX_TERM_CHARS = 60  # the longest written form ("PAR INDEX", "Sở NN&PTNT"…, with room)
MAX_SPOKEN_CHARS = 300
MAX_ENTRIES = 20_000  # an import larger than this is refused (the page lists every entry)
TSV_HEADER = "# term\tspoken\tkind (expand | spell | word)"


@dataclass(frozen=True)
class LexiconRow:
    """One stored entry and who last changed it, when."""

    term: str
    spoken: str
    kind: str
    revision: int
    updated_by: str | None
    updated_at: float

    def to_line(self) -> str:
        """Return the entry as one line of the TSV format (no newline)."""
        return f"{self.term}\t{self.spoken}\t{self.kind}"


def clean_entry(term: str, spoken: str, kind: str) -> tuple[str, str, str]:
    """Return (term, spoken, kind) with whitespace collapsed, or raise InputError in
    Vietnamese saying what is wrong. A spelled entry without a spoken form reads its term."""
    term, spoken, kind = " ".join(term.split()), " ".join(spoken.split()), kind.strip()
    if kind not in LEXICON_KINDS:
        raise InputError("Kiểu đọc không hợp lệ", "chọn expand, spell hoặc word")
    if not spoken and kind == "spell":
        spoken = term
    if not term or not spoken:
        raise InputError("Cần điền cả từ viết và cách đọc")
    if len(term) > MAX_TERM_CHARS:
        raise InputError(f"Từ viết dài quá {MAX_TERM_CHARS} ký tự ({len(term)} ký tự)",
                         "mỗi mục là một từ viết tắt hoặc một cụm ngắn")
    if len(spoken) > MAX_SPOKEN_CHARS:
        raise InputError(f"Cách đọc dài quá {MAX_SPOKEN_CHARS} ký tự ({len(spoken)} ký tự)")
    if any(c.isdigit() for c in spoken):
        raise InputError("Cách đọc không được chứa chữ số", "viết số bằng chữ, ví dụ 'mười chín'")
    return term, spoken, kind


class LexiconRepository(Repository):
    """The lexicon's rows in the service database (SQLite or PostgreSQL)."""

    @property
    def identity(self) -> str:
        """The database's address: one cached lexicon per database in a process."""
        return self._store.url

    # -- reading ----------------------------------------------------------------------------

    def snapshot(self, known: object = None) -> tuple[object, list[tuple[str, str, str]] | None]:
        """Return the lexicon's version and, unless it equals `known`, its entries (one
        snapshot: the version always describes the entries returned with it). An unchanged
        lexicon costs one plain read, taking no write lock."""
        if known is not None and self._version(self._db.conn()) == known:
            return known, None
        with self._db.transaction() as conn:
            version = self._version(conn)
            if version == known:
                return version, None
            rows = conn.execute("SELECT term, spoken, kind FROM lexicon_entries "
                                "ORDER BY term").fetchall()
        return version, [(str(r[0]), str(r[1]), str(r[2])) for r in rows]

    def version(self) -> tuple[int, float]:
        """Return (revision, time of the last change); (0, 0.0) before the first entry."""
        with self._db.transaction() as conn:
            return self._version(conn)

    @staticmethod
    def _version(conn: Any) -> tuple[int, float]:
        row = conn.execute("SELECT revision, updated_at FROM lexicon_state WHERE id=1"
                           ).fetchone()
        return (0, 0.0) if row is None else (int(row[0]), float(row[1]))

    def entries(self) -> list[LexiconRow]:
        """Return every entry, by written form."""
        with self._db.transaction() as conn:
            rows = conn.execute("SELECT term, spoken, kind, revision, updated_by, updated_at "
                                "FROM lexicon_entries ORDER BY term").fetchall()
        return [LexiconRow(str(r[0]), str(r[1]), str(r[2]), int(r[3]),
                           None if r[4] is None else str(r[4]), float(r[5])) for r in rows]

    def export_tsv(self) -> str:
        """Return the entries in the TSV format of `lexicon.tsv` (import reads it back)."""
        return "\n".join([TSV_HEADER, *(e.to_line() for e in self.entries())]) + "\n"

    # -- writing ----------------------------------------------------------------------------

    @staticmethod
    def _bump(conn: Any) -> int:
        """Take the lexicon's write turn and return the new revision."""
        row = conn.execute(
            "INSERT INTO lexicon_state (id, revision, updated_at) VALUES (1, 1, ?) "
            "ON CONFLICT (id) DO UPDATE SET revision = lexicon_state.revision + 1, "
            "updated_at = excluded.updated_at RETURNING revision", (time.time(),)).fetchone()
        return int(row[0])

    @staticmethod
    def _put(conn: Any, term: str, spoken: str, kind: str, revision: int,
             who: str | None) -> None:
        conn.execute(
            "INSERT INTO lexicon_entries (term, spoken, kind, revision, updated_by, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (term) DO UPDATE SET "
            "spoken = excluded.spoken, kind = excluded.kind, revision = excluded.revision, "
            "updated_by = excluded.updated_by, updated_at = excluded.updated_at",
            (term, spoken, kind, revision, who, time.time()))

    def save(self, term: str, spoken: str, kind: str, *, original: str = "",
             who: str | None = None) -> LexiconRow:
        """Add or change one entry (renaming `original` to `term` when they differ) and
        return it; InputError (nothing written) when the entry cannot be read aloud."""
        term, spoken, kind = clean_entry(term, spoken, kind)
        original = " ".join(original.split())
        with self._db.transaction() as conn:
            revision = self._bump(conn)
            if original and original != term:
                conn.execute("DELETE FROM lexicon_entries WHERE term=?", (original,))
            self._put(conn, term, spoken, kind, revision, who)
        return LexiconRow(term, spoken, kind, revision, who, time.time())

    def delete(self, term: str) -> bool:
        """Remove one entry; False when there was none."""
        with self._db.transaction() as conn:
            if conn.execute("SELECT 1 FROM lexicon_entries WHERE term=?",
                            (term,)).fetchone() is None:
                return False
            self._bump(conn)
            conn.execute("DELETE FROM lexicon_entries WHERE term=?", (term,))
        return True

    def import_entries(self, entries: Iterable[tuple[str, str, str]], *, replace: bool = False,
                       who: str | None = None) -> int:
        """Write many entries in one transaction (all or nothing); with `replace`, the
        entries not given are removed. Return how many were written."""
        cleaned: dict[str, tuple[str, str]] = {}
        for n, (term, spoken, kind) in enumerate(entries, 1):
            if n > MAX_ENTRIES:
                raise InputError(f"Từ điển có quá {MAX_ENTRIES} mục")
            try:
                t, s, k = clean_entry(term, spoken, kind)
            except InputError as exc:
                raise InputError(f"Mục {n} ({term[:MAX_TERM_CHARS]!r}): {exc.message}",
                                 exc.hint) from None
            cleaned[t] = (s, k)
        with self._db.transaction() as conn:
            revision = self._bump(conn)
            if replace:
                conn.execute("DELETE FROM lexicon_entries")
            for term, (spoken, kind) in cleaned.items():
                self._put(conn, term, spoken, kind, revision, who)
        return len(cleaned)
