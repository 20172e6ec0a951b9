"""The rows the repositories hand out, and the helpers that name an article.

Plain dataclasses, no I/O: callers (jobs, web, cli) read these and never a database row.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from ..model import Article, Segment


@dataclass
class ArticleRow:
    """An article as stored: its fields plus the stable page address."""

    id: int
    slug: str
    source_url: str | None
    content_hash: str
    article: Article
    created_at: float
    updated_at: float


@dataclass
class SegmentRow:
    """One stored segment with its synthesis state."""

    article_id: int
    segment: Segment
    status: str = "pending"
    engine: str | None = None
    fallback_reason: str | None = None
    clip_hash: str | None = None
    error: str | None = None


@dataclass
class JobRow:
    """A job: one article's synthesis (progress in segments) or one bulletin's build."""

    id: int
    article_id: int | None
    status: str
    done: int
    total: int
    error: str | None
    attempts: int
    lease_owner: str | None
    lease_until: float | None
    created_at: float
    updated_at: float
    kind: str = "article"
    bulletin_id: int | None = None
    source_kind: str | None = None  # url, html or text: what the job fetches and cleans first
    source_url: str | None = None

    @property
    def stage(self) -> str:
        """Return what the job does now: "fetch" before its article exists, else "synthesize"."""
        if self.kind == "article" and self.article_id is None and self.source_kind:
            return "fetch"
        return "build" if self.kind == "bulletin" else "synthesize"

    def to_dict(self) -> dict[str, Any]:
        """Return the API shape of a job."""
        data: dict[str, Any] = {"id": self.id, "article_id": self.article_id,
                                "status": self.status, "done": self.done, "total": self.total,
                                "error": self.error}
        if self.kind != "article":
            data.update(kind=self.kind, bulletin_id=self.bulletin_id)
        if self.source_kind:
            data.update(stage=self.stage, source=self.source_kind, source_url=self.source_url)
        return data


@dataclass
class RenditionRow:
    """An audio file of an article (complete, or the finished prefix while synthesizing)."""

    article_id: int
    kind: str
    path: str  # relative to the media directory
    bytes: int
    duration_ms: int
    content_hash: str
    timings: list[dict[str, Any]] = field(default_factory=list)
    complete: bool = False
    segments_done: int = 0
    created_at: float = 0.0


@dataclass
class SubmitResult:
    """What a submission did: the article, its job, and whether anything was new."""

    article: ArticleRow
    job: JobRow
    created: bool  # a new article row
    changed: bool  # segments changed, so synthesis work was queued


@dataclass
class BulletinRow:
    """A stored bulletin in the `Bulletin.to_dict` shape, items read from the articles."""

    id: int
    data: dict[str, Any]
    created_at: float
    updated_at: float


@dataclass
class BulletinBuildRow:
    """The files of one bulletin build (names in the bulletin media directory)."""

    bulletin_id: int
    fingerprint: str
    duration_ms: int
    files: dict[str, str]
    sizes: dict[str, int]
    cues: list[dict[str, Any]]
    loudness: dict[str, dict[str, Any]]
    engines: dict[str, int]
    warning: str | None = None
    id: int = 0
    created_at: float = 0.0


@dataclass
class MisreadGroup:
    """The open reports of one word: how often, what listeners suggested, where it was heard."""

    word_key: str
    word: str
    count: int
    suggestions: list[tuple[str, int]]
    places: list[tuple[int, str, str, int]]  # (article id, slug, title, segment index)
    report_ids: list[int]


@dataclass
class SourceRow:
    """A watched portal: where to discover articles, how often, and what it has done."""

    id: int
    name: str
    base_url: str
    config: dict[str, Any]  # feeds, sitemaps, listings, hosts, interval, patterns, approval...
    paused: bool
    validators: dict[str, dict[str, str]]  # per discovery URL: etag / last_modified
    polled: bool  # a first poll has happened (later polls take every new article)
    failures: int
    last_poll_at: float | None
    next_poll_at: float | None
    last_error: str | None
    created_at: float
    updated_at: float
    articles_found: int = 0

    @property
    def hosts(self) -> list[str]:
        """Return the hosts whose pages may be articles of this source."""
        return list(self.config.get("hosts") or [])

    @property
    def poll_interval_s(self) -> float:
        """Return how often the source is polled, in seconds."""
        return float(self.config.get("poll_interval_s") or 600)


@dataclass
class SourceItemRow:
    """An article address found on a source, with what the watcher knows about it."""

    source_id: int
    url: str
    status: str  # new | imported | skipped | failed | withdrawn
    article_id: int | None
    lastmod: str | None
    etag: str | None
    last_modified: str | None
    gone: int
    failures: int
    error: str | None
    first_seen: float
    checked_at: float | None
    next_check: float | None
    job_id: int | None = None  # the job reading it, while it is queued
    page_hash: str | None = None  # of the page as last fetched by the watcher


def content_hash(article: Article) -> str:
    """Return a hash of what an article says (not where it came from)."""
    data = article.to_dict()
    data.pop("source_url", None)
    raw = json.dumps(data, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(unicodedata.normalize("NFC", raw).encode("utf-8")).hexdigest()


def ascii_slug(text: str, max_len: int = 60) -> str:
    """Return an ASCII slug of Vietnamese text (đ becomes d, diacritics dropped)."""
    text = text.replace("đ", "d").replace("Đ", "D")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    out: list[str] = []
    for ch in text.lower():
        if ch.isascii() and ch.isalnum():
            out.append(ch)
        elif out and out[-1] != "-":
            out.append("-")
    slug = "".join(out).strip("-")
    if len(slug) > max_len:
        slug = slug[:max_len].rsplit("-", 1)[0] or slug[:max_len]
    return slug or "bai-viet"

