"""Turn a cleaned Article into the Script that is read aloud."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..config import Settings
from ..errors import ExtractionError
from ..model import Article, Script, Segment, SegmentKind
from .normalize import normalize_texts

if TYPE_CHECKING:
    from .lexicon import Lexicon


def date_line(iso_date: str) -> str:
    """Return the date line shown and read after the title, e.g. "Ngày 25/10/2022"."""
    year, month, day = iso_date.split("-")
    return f"Ngày {int(day)}/{int(month)}/{year}"


def _repeats_opening(title: str, article: Article) -> bool:
    """Tell whether the title is only the opening words of the text (a headline made up for a
    text that has none): reading it would say the same words twice."""
    first = article.lead or next((p for p in article.paragraphs if p.strip()), "")
    head = " ".join(title.rstrip("…").split())
    return bool(head) and " ".join(first.split()).startswith(head)


def build_script(article: Article, settings: Settings | None = None,
                 lexicon: Lexicon | None = None) -> Script:
    """Return the segments of `article` in reading order: title, date, lead, body, author."""
    settings = settings or Settings()
    parts: list[tuple[SegmentKind, str]] = []
    if article.title and not _repeats_opening(article.title, article):
        parts.append(("title", article.title))
    if article.date:
        parts.append(("date", date_line(article.date)))
    if article.lead:
        parts.append(("lead", article.lead))
    parts.extend(("paragraph", p) for p in article.paragraphs)
    if article.author:
        parts.append(("author", article.author))
    parts = [(kind, " ".join(text.split())) for kind, text in parts if text and text.strip()]
    spoken = normalize_texts([text for _, text in parts], lexicon)
    segments: list[Segment] = []
    for (kind, display), said in zip(parts, spoken, strict=True):
        if not any(ch.isalnum() for ch in said):
            continue  # nothing a voice could say (a lone symbol); gTTS would refuse it
        pause = settings.pause_title_ms if kind == "title" else settings.pause_paragraph_ms
        segments.append(Segment(index=len(segments), kind=kind, display=display, spoken=said,
                                pause_ms=pause))
    if not segments or all(s.kind in ("title", "date", "author") for s in segments):
        raise ExtractionError("Bài viết không có nội dung để đọc",
                              "kiểm tra lại nguồn: cần ít nhất một đoạn văn")
    segments[-1].pause_ms = 0
    return Script(segments=segments, title=article.headline, date=article.date,
                  author=article.author, source_url=article.source_url)
