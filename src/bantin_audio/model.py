"""Plain data passed between the stages: no I/O here."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

# How a lexicon entry is read: its spoken form as words, spelled letter by letter, or as a word.
LEXICON_KINDS = ("expand", "spell", "word")

SegmentKind = Literal["title", "date", "lead", "paragraph", "author", "announcement", "caption"]


@dataclass
class Article:
    """A cleaned article: what is shown on the page and read aloud."""

    title: str | None  # None for a text that has no headline
    date: str | None = None  # publication date, YYYY-MM-DD
    lead: str | None = None
    paragraphs: list[str] = field(default_factory=list)
    captions: list[str] = field(default_factory=list)
    author: str | None = None
    source_url: str | None = None

    @property
    def headline(self) -> str:
        """Return the title, or the opening words of the text when the article has none."""
        if self.title:
            return self.title
        first = self.lead or next((p for p in self.paragraphs if p.strip()), "")
        words = first.split()
        return " ".join(words[:12]) + ("…" if len(words) > 12 else "")

    def to_dict(self) -> dict[str, Any]:
        """Return the stable `clean --format json` object."""
        return {
            "title": self.title,
            "date": self.date,
            "lead": self.lead,
            "paragraphs": list(self.paragraphs),
            "captions": list(self.captions),
            "author": self.author,
            "source_url": self.source_url,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Article:
        """Build an article from the `to_dict` shape."""
        return cls(
            title=data.get("title"),
            date=data.get("date"),
            lead=data.get("lead"),
            paragraphs=list(data.get("paragraphs") or []),
            captions=list(data.get("captions") or []),
            author=data.get("author"),
            source_url=data.get("source_url"),
        )


@dataclass
class Segment:
    """One unit of the reading: the text shown, the text spoken, the pause after it."""

    index: int
    kind: SegmentKind
    display: str
    spoken: str
    pause_ms: int = 500


@dataclass
class Script:
    """An article turned into ordered segments, ready for the engines."""

    segments: list[Segment]
    title: str
    date: str | None = None
    author: str | None = None
    source_url: str | None = None


@dataclass
class SegmentClip:
    """The synthesized audio of one segment, and which engine spoke it."""

    segment: Segment
    audio: bytes
    audio_format: str  # "mp3" or "wav"
    engine: str
    fallback_reason: str | None = None
    cached: bool = False


@dataclass
class TimingEntry:
    """Where one segment sits in the stitched program."""

    index: int
    kind: str
    text: str
    start_ms: int
    end_ms: int
    engine: str
    # Each spoken phrase: {"start_ms", "end_ms"} in the program, and "from"/"to", the shown
    # text it reads (UTF-16 offsets in `text`). Empty in maps made before phrases were timed.
    phrases: list[dict[str, int]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Return the timing map entry as JSON-ready data."""
        return asdict(self)


@dataclass
class Program:
    """A stitched reading: the audio file plus its timing map."""

    path: str
    duration_ms: int
    timings: list[TimingEntry]
    bytes: int = 0
    engines: dict[str, int] = field(default_factory=dict)


@dataclass
class Progress:
    """A progress report from the pipeline: `done` of `total` segments finished."""

    done: int
    total: int
    segment_index: int | None = None
    engine: str | None = None
    stage: str = "synthesize"  # synthesize | stitch | done
