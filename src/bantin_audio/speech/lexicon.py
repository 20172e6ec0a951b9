"""Abbreviation lexicon: the packaged table merged with an editor's user file."""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Protocol

from ..errors import InputError
from ..model import LEXICON_KINDS

KINDS = LEXICON_KINDS
_HEADER = "# term\tspoken\tkind (expand | spell | word)"


@dataclass(frozen=True)
class LexiconEntry:
    """One written form and how it is read aloud."""

    term: str
    spoken: str
    kind: str

    def to_line(self) -> str:
        """Return the entry as one TSV line (no newline)."""
        return f"{self.term}\t{self.spoken}\t{self.kind}"


class Lexicon:
    """Written form -> spoken form, builtin entries overridden by user entries."""

    def __init__(self, entries: Iterable[LexiconEntry] = ()) -> None:
        self._entries: dict[str, LexiconEntry] = {}
        # Case-insensitive fallback index, so "Covid" finds "COVID" but "TTg" stays exact.
        self._folded: dict[str, LexiconEntry] = {}
        for entry in entries:
            self._entries[entry.term] = entry
        for entry in self._entries.values():
            self._folded.setdefault(entry.term.casefold(), entry)
        self._fingerprint: str | None = None

    def lookup(self, term: str) -> LexiconEntry | None:
        """Return the entry for a written form: exact case first, then case-insensitive."""
        entry = self._entries.get(term)
        if entry is None:
            entry = self._folded.get(term.casefold())
        return entry

    def exact(self, term: str) -> LexiconEntry | None:
        """Return the entry whose term is written exactly like this, if any."""
        return self._entries.get(term)

    def __contains__(self, term: object) -> bool:
        return isinstance(term, str) and self.lookup(term) is not None

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[LexiconEntry]:
        return iter(self._entries.values())

    def merged(self, entries: Iterable[LexiconEntry]) -> Lexicon:
        """Return a new lexicon with these entries added on top (they win on conflicts)."""
        return Lexicon([*self._entries.values(), *entries])

    @property
    def fingerprint(self) -> str:
        """Return a short hash of the content (changes when any entry changes)."""
        if self._fingerprint is None:
            h = hashlib.sha256()
            for term in sorted(self._entries):
                h.update(self._entries[term].to_line().encode("utf-8"))
                h.update(b"\n")
            self._fingerprint = h.hexdigest()[:12]
        return self._fingerprint


def parse_entries(text: str, source: str) -> list[LexiconEntry]:
    """Parse TSV lexicon text; raise InputError naming the line of the first bad row."""
    entries = []
    first_line: dict[str, int] = {}
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.rstrip("\r")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 3:
            raise InputError(
                f"{source}, dòng {lineno}: cần đúng 3 cột cách nhau bằng tab "
                f"(viết tắt, cách đọc, loại), có {len(parts)}",
                hint="Ví dụ: GPMB<tab>giải phóng mặt bằng<tab>expand",
            )
        term, spoken, kind = (p.strip() for p in parts)
        if not term or not spoken:
            raise InputError(f"{source}, dòng {lineno}: thiếu từ viết tắt hoặc cách đọc")
        if kind not in KINDS:
            raise InputError(
                f"{source}, dòng {lineno}: loại '{kind}' không hợp lệ",
                hint="Loại phải là expand, spell hoặc word",
            )
        if any(c.isdigit() for c in spoken):
            raise InputError(f"{source}, dòng {lineno}: cách đọc không được chứa chữ số",
                             hint="Viết số bằng chữ, ví dụ 'mười chín'")
        if term in first_line:
            raise InputError(
                f"{source}, dòng {lineno}: từ viết tắt '{term}' đã có ở dòng "
                f"{first_line[term]}; mỗi từ chỉ được khai báo một lần",
                hint="Xóa một trong hai dòng hoặc gộp thành một cách đọc",
            )
        first_line[term] = lineno
        entries.append(LexiconEntry(term, spoken, kind))
    return entries


@lru_cache(maxsize=1)
def builtin_lexicon() -> Lexicon:
    """Return the packaged abbreviation table (read once per process)."""
    text = (resources.files("bantin_audio.speech") / "data" / "abbreviations.tsv").read_text(
        encoding="utf-8")
    return Lexicon(parse_entries(text, "abbreviations.tsv"))


def read_user_entries(path: Path) -> list[LexiconEntry]:
    """Read a user lexicon file; a missing file has no entries."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"Không đọc được tệp từ điển {path}: {exc}",
                         hint="Kiểm tra quyền đọc và mã hóa UTF-8") from exc
    return parse_entries(text, str(path))


def write_user_entries(path: Path, entries: Iterable[LexiconEntry]) -> None:
    """Write a user lexicon file atomically (temp file in the same folder, then os.replace)."""
    path = Path(path)
    entries = list(entries)
    # Validate through the parser so what we write can always be read back (no duplicates).
    parse_entries("\n".join(e.to_line() for e in entries), str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    body = "\n".join([_HEADER, *(e.to_line() for e in entries)]) + "\n"
    fd, tmp = tempfile.mkstemp(prefix=".lexicon-", suffix=".tsv", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(body)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


_MERGED: dict[tuple[str, int, int], Lexicon] = {}


def load_lexicon(user_path: Path | None = None) -> Lexicon:
    """Return the builtin lexicon merged with the user's file (missing file = builtin only)."""
    base = builtin_lexicon()
    if user_path is None:
        return base
    path = Path(user_path)
    try:
        stat = path.stat()
    except FileNotFoundError:
        return base
    except OSError as exc:
        raise InputError(f"Không đọc được tệp từ điển {path}: {exc}") from exc
    # Re-read only when the file changed (an editor saving through the web page).
    key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
    cached = _MERGED.get(key)
    if cached is None:
        user = read_user_entries(path)
        cached = base.merged(user) if user else base
        if len(_MERGED) > 8:
            _MERGED.clear()
        _MERGED[key] = cached
    return cached


class LexiconSource(Protocol):
    """Where the editors' entries live (the database's `store.lexicon.LexiconRepository`)."""

    @property
    def identity(self) -> str: ...

    def snapshot(self, known: object = None
                 ) -> tuple[object, list[tuple[str, str, str]] | None]: ...


_SHARED: dict[str, tuple[object, Lexicon]] = {}
_SHARED_LOCK = threading.Lock()


def shared_lexicon(source: LexiconSource) -> Lexicon:
    """Return the builtin lexicon merged with the editors' entries from `source`.

    The merged lexicon is cached per process and source, keyed by the lexicon's version: a
    call costs one query while nothing changed, and reads the entries again after any edit
    from any process. Call it once per job (a job reads with one lexicon), not per phrase.
    """
    with _SHARED_LOCK:
        cached = _SHARED.get(source.identity)
    version, rows = source.snapshot(cached[0] if cached is not None else None)
    if rows is None and cached is not None:
        return cached[1]
    base = builtin_lexicon()
    lexicon = base.merged(LexiconEntry(*row) for row in rows) if rows else base
    with _SHARED_LOCK:
        if len(_SHARED) > 8:
            _SHARED.clear()
        _SHARED[source.identity] = (version, lexicon)
    return lexicon
