"""Radio bulletins: several articles read as one broadcast-ready programme for a station.

A bulletin is an ordered list of articles plus the station's settings. It is read as: the intro
(station name and the date in words), then for each item an announcement ("Tin thứ nhất:
<title>") followed by the article's body, a transition (a pause or the station's chime) between
items, and the outro. Clips are synthesized through the pipeline into the clip cache, item by
item in a background thread, and streamed from the cache into one WAV on disk as soon as each
item is ready, while a parallel meter measures its loudness (pass 1); each rendition is then
encoded from that WAV with the gain or limiter that brings it to the target (pass 2). Nothing
holds the whole programme in memory, so an hour-long bulletin costs the same RAM as a short one.

Approval is plain logic here; the web layer persists the fields and calls these functions.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import logging
import math
import os
import tempfile
import threading
import wave
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from .audio.ffmpeg import run_ffmpeg
from .audio.loudness import (
    LoudnessMeter,
    LoudnessReport,
    Rendition,
    get_target,
    render_renditions,
)
from .audio.stream import Clip, Part, Silence, stream_program
from .audio.tags import write_tags
from .config import Settings
from .errors import AudioError, BantinError, InputError, NotFound
from .exports import spreadsheet_csv
from .media_store import CHIME_KEY
from .model import Article, Progress, Script, Segment, SegmentClip, TimingEntry
from .output_files import StagedOutputs
from .speech.normalize import normalize_text
from .speech.numbers import read_month, read_number, read_ordinal
from .speech.script import build_script

if TYPE_CHECKING:
    from .pipeline import Pipeline
    from .speech.lexicon import Lexicon

log = logging.getLogger(__name__)

TEMPO_MIN, TEMPO_MAX = 0.8, 1.2
PAUSE_MAX_MS = 10_000
CHIME_PAD_MS = 400  # silence either side of a chime, so it never touches speech
CHIME_MAX_BYTES = 20 * 1024 * 1024
CHIME_MAX_SECONDS = 30
CHIME_RATE = 48000
DRAFT, APPROVED = "draft", "approved"
WORKDIR_PREFIX = "bantin-bulletin-"  # the programme's WAV is streamed into such a directory

# Renditions: (sample rate, bitrate kbps) per format. Broadcast MP3 is CBR 128 kbps 44.1 kHz.
MP3_RATE, MP3_KBPS = 44100, 128
WAV_RATE = 48000
# The web/podcast rendition (-16 LUFS) the service offers beside the broadcast files.
WEB_MP3_RATE, WEB_MP3_KBPS = 44100, 64

DEFAULT_INTRO = "Đây là {station}. Bản tin ngày {date}."
DEFAULT_ANNOUNCEMENT = "Tin thứ {ordinal}: {title}"
DEFAULT_OUTRO = "Bản tin đến đây là kết thúc. Cảm ơn bà con đã lắng nghe."

ProgressCallback = Callable[[Progress], None]


# -- the bulletin -----------------------------------------------------------------------------

@dataclass
class StationSettings:
    """How a station reads its bulletins; every field is persisted with the bulletin."""

    name: str = "Đài truyền thanh"
    intro_template: str = DEFAULT_INTRO  # placeholders: {station}, {date}
    announcement_template: str = DEFAULT_ANNOUNCEMENT  # placeholders: {ordinal}, {number}, {title}
    outro: str = DEFAULT_OUTRO
    read_date: bool = False  # read each item's publication date after its announcement
    read_author: bool = True  # read each item's author at its end
    pause_between_ms: int = 1500  # the transition when there is no chime
    chime_path: str | None = None  # a WAV or MP3 played between items
    target_minutes: float | None = None  # warn when the bulletin runs longer
    tempo: float = 1.0  # 0.8-1.2, pitch preserved


@dataclass
class BulletinItem:
    """One article of a bulletin, with its id in the store when it has one."""

    article: Article
    article_id: int | None = None


@dataclass
class Bulletin:
    """An ordered list of articles read by a station on a date, and its approval."""

    items: list[BulletinItem] = field(default_factory=list)
    station: StationSettings = field(default_factory=StationSettings)
    date: str | None = None  # YYYY-MM-DD, the date read in the intro; today when None
    title: str | None = None
    id: int | None = None
    status: str = DRAFT
    approved_by: str | None = None
    approved_at: str | None = None  # ISO 8601, UTC
    approved_fingerprint: str | None = None  # the content that was approved

    def to_dict(self) -> dict[str, Any]:
        """Return the bulletin as JSON-ready data (what the store persists)."""
        return {
            "id": self.id, "title": self.title, "date": self.date,
            "items": [{"article_id": i.article_id, "article": i.article.to_dict()}
                      for i in self.items],
            "station": asdict(self.station), "status": self.status,
            "approved_by": self.approved_by, "approved_at": self.approved_at,
            "approved_fingerprint": self.approved_fingerprint,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Bulletin:
        """Build a bulletin from the `to_dict` shape."""
        return cls(
            items=[BulletinItem(Article.from_dict(i["article"]), i.get("article_id"))
                   for i in data.get("items") or []],
            station=StationSettings(**(data.get("station") or {})),
            date=data.get("date"), title=data.get("title"), id=data.get("id"),
            status=data.get("status") or DRAFT, approved_by=data.get("approved_by"),
            approved_at=data.get("approved_at"),
            approved_fingerprint=data.get("approved_fingerprint"),
        )


def bulletin_date(bulletin: Bulletin) -> dt.date:
    """Return the bulletin's date (today when it has none), rejecting a malformed one."""
    if not bulletin.date:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(bulletin.date)
    except ValueError:
        raise InputError(f"Ngày của bản tin không hợp lệ: {bulletin.date!r}",
                         "dùng dạng NĂM-THÁNG-NGÀY, ví dụ 2022-10-25") from None


def validate_tempo(tempo: float) -> float:
    """Return `tempo` if it is within 0.8-1.2, else raise InputError."""
    if not isinstance(tempo, int | float) or math.isnan(tempo) \
            or not TEMPO_MIN <= tempo <= TEMPO_MAX:
        raise InputError(f"Tốc độ đọc {tempo} nằm ngoài khoảng cho phép 0,8–1,2",
                         "chọn từ 0,8 (chậm hơn) đến 1,2 (nhanh hơn); 1 là tốc độ thường")
    return float(tempo)


def validate_bulletin(bulletin: Bulletin) -> None:
    """Raise InputError when the bulletin cannot be built: no items, bad settings, bad chime."""
    if not bulletin.items:
        raise InputError("Bản tin chưa có bài viết nào", "thêm ít nhất một bài viết")
    st = bulletin.station
    validate_tempo(st.tempo)
    if not 0 <= st.pause_between_ms <= PAUSE_MAX_MS:
        raise InputError(f"Khoảng lặng giữa các tin phải từ 0 đến {PAUSE_MAX_MS // 1000} giây",
                         "ví dụ 1,5 giây")
    if st.target_minutes is not None and not st.target_minutes > 0:
        raise InputError("Độ dài mục tiêu phải lớn hơn 0 phút")
    bulletin_date(bulletin)
    if st.chime_path and not CHIME_KEY.match(st.chime_path):
        # A chime stored by content was checked when it was uploaded; a path is checked here.
        load_chime(Path(st.chime_path))


def chime_digest(chime: str) -> str | None:
    """Return the SHA-256 of a chime named by content key or by path (None if unreadable)."""
    match = CHIME_KEY.match(chime)
    if match is not None:
        return match.group(1)
    try:
        return hashlib.sha256(Path(chime).read_bytes()).hexdigest()
    except OSError:
        return None


def load_chime(path: Path) -> tuple[bytes, str]:
    """Return the chime as 16-bit mono WAV bytes after checking it decodes, else InputError."""
    hint = "dùng một tệp WAV hoặc MP3 đọc được, ví dụ nhac-hieu.mp3"
    try:
        if path.stat().st_size > CHIME_MAX_BYTES:
            raise InputError(f"Tệp nhạc chuyển tin {path} quá lớn (tối đa 20 MB)", hint)
        head = path.read_bytes()[:12]
    except FileNotFoundError:
        raise InputError(f"Không tìm thấy tệp nhạc chuyển tin: {path}", hint) from None
    except OSError as exc:
        raise InputError(f"Không đọc được tệp nhạc chuyển tin {path}: {exc.strerror or exc}",
                         hint) from None
    is_wav = head[:4] == b"RIFF" and head[8:12] == b"WAVE"
    is_mp3 = head[:3] == b"ID3" or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0)
    if not (is_wav or is_mp3):
        raise InputError(f"Tệp nhạc chuyển tin {path} không phải WAV hoặc MP3", hint)
    # ffmpeg decodes any WAV flavour (24-bit, float, extensible) and MP3 to one plain format,
    # which the stitcher then reads without guessing.
    try:
        pcm = run_ffmpeg(["-i", str(path), "-f", "s16le", "-ac", "1", "-ar", str(CHIME_RATE),
                          "pipe:1"])
    except AudioError as exc:
        raise InputError(f"Không đọc được tệp nhạc chuyển tin {path}: {exc.message}",
                         hint) from None
    if len(pcm) < CHIME_RATE * 2 // 20:  # under 50 ms: nothing a listener would hear
        raise InputError(f"Tệp nhạc chuyển tin {path} không có âm thanh", hint)
    if len(pcm) > CHIME_MAX_SECONDS * CHIME_RATE * 2:
        raise InputError(f"Nhạc chuyển tin {path} dài quá {CHIME_MAX_SECONDS} giây",
                         "dùng một đoạn nhạc ngắn")
    buf = io.BytesIO()
    with wave.open(buf, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(CHIME_RATE)
        wav.writeframes(pcm)
    return buf.getvalue(), "wav"


# -- approval ---------------------------------------------------------------------------------

def fingerprint(bulletin: Bulletin) -> str:
    """Return a hash of everything that changes what the bulletin sounds like."""
    station = asdict(bulletin.station)
    # The chime counts by its content, wherever it is kept (a content key in the media store, a
    # local copy a worker fetched, or a file replaced in place by the CLI's user).
    chime = station.pop("chime_path")
    station["chime_path"] = None
    content = {
        "title": bulletin.title, "date": bulletin.date,
        "items": [[i.article_id, i.article.to_dict()] for i in bulletin.items],
        "station": station,
    }
    if chime:
        content["chime"] = chime_digest(chime)
    raw = json.dumps(content, ensure_ascii=False, sort_keys=True).encode("utf-8")
    return hashlib.sha256(raw).hexdigest()


def approve(bulletin: Bulletin, editor: str, *, now: dt.datetime | None = None) -> Bulletin:
    """Mark the bulletin approved by `editor` now, recording the content that was approved."""
    editor = (editor or "").strip()
    if not editor:
        raise InputError("Cần tên biên tập viên duyệt bản tin")
    validate_bulletin(bulletin)
    moment = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    bulletin.status = APPROVED
    bulletin.approved_by = editor
    bulletin.approved_at = moment.isoformat(timespec="seconds")
    bulletin.approved_fingerprint = fingerprint(bulletin)
    log.info("bulletin %s approved by %s", bulletin.id, editor)
    return bulletin


def return_to_draft(bulletin: Bulletin) -> Bulletin:
    """Put the bulletin back to draft, forgetting the approval."""
    bulletin.status = DRAFT
    bulletin.approved_by = None
    bulletin.approved_at = None
    bulletin.approved_fingerprint = None
    return bulletin


def current_status(bulletin: Bulletin) -> str:
    """Return "approved" only if the approved content is unchanged, else "draft" (and reset)."""
    if bulletin.status == APPROVED and bulletin.approved_fingerprint == fingerprint(bulletin):
        return APPROVED
    if bulletin.status != DRAFT:
        log.info("bulletin %s changed after approval: back to draft", bulletin.id)
        return_to_draft(bulletin)
    return DRAFT


def is_downloadable(bulletin: Bulletin, built_fingerprint: str | None = None) -> bool:
    """Return whether the bulletin (and the build of `built_fingerprint`) may be offered."""
    if current_status(bulletin) != APPROVED:
        return False
    return built_fingerprint is None or built_fingerprint == bulletin.approved_fingerprint


def require_downloadable(bulletin: Bulletin, built_fingerprint: str | None = None) -> None:
    """Raise NotFound unless the bulletin is approved (and the build is of what was approved)."""
    if not is_downloadable(bulletin, built_fingerprint):
        raise NotFound("Bản tin này chưa được duyệt nên chưa thể tải về",
                       "biên tập viên cần duyệt bản tin (và dựng lại sau khi sửa)")


def add_item(bulletin: Bulletin, article: Article, article_id: int | None = None) -> Bulletin:
    """Append an article; the bulletin returns to draft."""
    bulletin.items.append(BulletinItem(article, article_id))
    return return_to_draft(bulletin)


def remove_item(bulletin: Bulletin, index: int) -> Bulletin:
    """Remove the item at `index` (0-based); the bulletin returns to draft."""
    _check_index(bulletin, index)
    del bulletin.items[index]
    return return_to_draft(bulletin)


def move_item(bulletin: Bulletin, index: int, step: int) -> Bulletin:
    """Move the item at `index` up (-1) or down (+1); the bulletin returns to draft."""
    _check_index(bulletin, index)
    if step not in (-1, 1):
        raise InputError("Chỉ có thể chuyển bài lên hoặc xuống một vị trí")
    other = index + step
    if not 0 <= other < len(bulletin.items):
        raise InputError("Bài viết đã ở đầu hoặc cuối bản tin")
    items = bulletin.items
    items[index], items[other] = items[other], items[index]
    return return_to_draft(bulletin)


def update_settings(bulletin: Bulletin, **changes: Any) -> Bulletin:
    """Change station settings (or title/date) by name; the bulletin returns to draft."""
    for name, value in changes.items():
        if name in ("title", "date"):
            setattr(bulletin, name, value)
        elif name in StationSettings.__dataclass_fields__:
            setattr(bulletin.station, name, value)
        else:
            raise InputError(f"Không có thiết lập bản tin tên {name!r}")
    return return_to_draft(bulletin)


def _check_index(bulletin: Bulletin, index: int) -> None:
    if not 0 <= index < len(bulletin.items):
        raise InputError(f"Không có bài viết thứ {index + 1} trong bản tin")


# -- what is read -----------------------------------------------------------------------------

BlockKind = Literal["intro", "item", "outro"]


@dataclass
class Block:
    """One part of the bulletin read as a unit: the intro, one item, or the outro."""

    kind: BlockKind
    number: int | None  # 1-based item number; None for intro and outro
    title: str
    script: Script


def date_words(day: dt.date) -> str:
    """Return a date read in words: "ngày hai mươi lăm tháng mười năm hai nghìn ..."."""
    return (f"ngày {read_number(day.day)} tháng {read_month(day.month)} "
            f"năm {read_number(day.year)}")


def ordinal_words(n: int) -> str:
    """Return the ordinal after "thứ": nhất, hai, ba, tư, năm, ..."""
    return read_ordinal(n)


def _fill(template: str, what: str, **values: str) -> str:
    try:
        return template.format(**values)
    except (KeyError, IndexError, ValueError) as exc:
        names = ", ".join("{" + k + "}" for k in values)
        raise InputError(f"Mẫu {what} không hợp lệ: {template!r}",
                         f"chỉ dùng các chỗ trống {names}") from exc


def _announce(template: str, ordinal: str, number: str, title: str) -> str:
    text = _fill(template, "lời dẫn tin", ordinal=ordinal, number=number, title=title)
    return text if title else text.rstrip(" :-–—") + "."


def _spoken_block(display: str, spoken: str, pause_ms: int) -> Script:
    seg = Segment(index=0, kind="announcement", display=display, spoken=spoken, pause_ms=pause_ms)
    return Script(segments=[seg], title=display)


def compose(bulletin: Bulletin, settings: Settings,
            lexicon: Lexicon | None = None) -> list[Block]:
    """Return the blocks of the bulletin in reading order, with their spoken text."""
    validate_bulletin(bulletin)
    st = bulletin.station
    day = bulletin_date(bulletin)
    intro_display = _fill(st.intro_template, "lời giới thiệu", station=st.name,
                          date=f"{day.day} tháng {day.month} năm {day.year}")
    # The date goes in as words, so its reading never depends on the normalizer's date rules.
    intro_said = _fill(st.intro_template, "lời giới thiệu", station=st.name,
                       date=date_words(day).removeprefix("ngày "))
    blocks = [Block("intro", None, intro_display,
                    _spoken_block(intro_display, normalize_text(intro_said, lexicon),
                                  0))]
    for number, item in enumerate(bulletin.items, 1):
        article = item.article
        try:
            script = build_script(article, settings, lexicon)
        except BantinError as exc:
            raise InputError(f"Tin thứ {number} ({article.headline}): {exc.message}",
                             exc.hint) from exc
        # An article without a headline is announced by its number alone and listed in the
        # cue sheet by its opening words.
        title = " ".join(article.headline.split())
        heading = " ".join((article.title or "").split())
        shown = _announce(st.announcement_template, str(number), str(number), heading)
        said = _announce(st.announcement_template, ordinal_words(number), read_number(number),
                         heading)
        segments = [Segment(0, "announcement", shown, normalize_text(said, lexicon),
                            settings.pause_title_ms)]
        for seg in script.segments:
            if seg.kind == "title" or (seg.kind == "date" and not st.read_date) \
                    or (seg.kind == "author" and not st.read_author):
                continue  # the announcement already read the title
            segments.append(Segment(len(segments), seg.kind, seg.display, seg.spoken,
                                    seg.pause_ms))
        segments[-1].pause_ms = 0  # the transition follows
        blocks.append(Block("item", number, title,
                            Script(segments=segments, title=title, date=article.date,
                                   author=article.author, source_url=article.source_url)))
    blocks.append(Block("outro", None, st.outro,
                        _spoken_block(st.outro, normalize_text(st.outro, lexicon), 0)))
    return blocks


# -- building ---------------------------------------------------------------------------------

@dataclass
class CueEntry:
    """One line of the cue sheet: where a part of the bulletin starts and how long it lasts."""

    kind: str  # intro | item | outro
    number: int | None
    title: str
    start_ms: int
    duration_ms: int

    @property
    def end_ms(self) -> int:
        """Return where the part ends (its transition follows)."""
        return self.start_ms + self.duration_ms

    def to_dict(self) -> dict[str, Any]:
        """Return the entry as JSON-ready data."""
        return asdict(self)


@dataclass
class OverrunWarning:
    """The bulletin runs longer than its target."""

    target_ms: int
    duration_ms: int
    longest: list[CueEntry]

    @property
    def overrun_ms(self) -> int:
        """Return by how much the bulletin is too long."""
        return self.duration_ms - self.target_ms

    @property
    def message(self) -> str:
        """Return the warning in Vietnamese, naming the longest items."""
        longest = "; ".join(f"tin thứ {c.number} «{c.title}» ({human_duration(c.duration_ms)})"
                            for c in self.longest)
        return (f"Bản tin dài {human_duration(self.duration_ms)}, vượt "
                f"{human_duration(self.overrun_ms)} so với mục tiêu "
                f"{human_duration(self.target_ms)}. Các tin dài nhất: {longest}.")


@dataclass
class BulletinResult:
    """A built bulletin: its files, length, cue sheet, loudness and engines."""

    duration_ms: int
    cues: list[CueEntry]
    files: dict[str, str]  # rendition ("mp3", "wav", "web", "cue_csv", "cue_text") -> path
    sizes: dict[str, int]
    loudness: dict[str, LoudnessReport]  # per audio rendition
    engines: dict[str, int]  # engine -> segments it spoke
    fingerprint: str  # the bulletin content this build is of
    tempo: float = 1.0
    warning: OverrunWarning | None = None

    @property
    def items(self) -> list[CueEntry]:
        """Return the cue entries of the articles only."""
        return [c for c in self.cues if c.kind == "item"]


def human_duration(ms: int) -> str:
    """Return a duration for people: "4 phút 5 giây"."""
    seconds = round(ms / 1000)
    minutes, seconds = divmod(seconds, 60)
    return f"{minutes} phút {seconds} giây" if minutes else f"{seconds} giây"


def clock(ms: int) -> str:
    """Return a cue time as H:MM:SS.mmm."""
    seconds, millis = divmod(max(0, ms), 1000)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}.{millis:03d}"


CUE_LABELS = {"intro": "Lời giới thiệu", "outro": "Lời kết"}


def cue_sheet_csv(cues: list[CueEntry]) -> str:
    """Return the cue sheet as CSV: number, title, start, duration (clock and milliseconds)."""
    header = ["STT", "Tiêu đề", "Bắt đầu", "Thời lượng", "Bắt đầu (ms)", "Thời lượng (ms)"]
    # Titles come from articles: a title starting with "=" must not run as a formula.
    return spreadsheet_csv([header] + [
        [c.number or "", c.title if c.kind == "item" else CUE_LABELS[c.kind],
         clock(c.start_ms), clock(c.duration_ms), c.start_ms, c.duration_ms] for c in cues])


def cue_sheet_text(cues: list[CueEntry], *, heading: str = "Bản tin",
                   duration_ms: int | None = None) -> str:
    """Return a printable cue sheet for the station's staff."""
    lines = [heading]
    if duration_ms is not None:
        lines.append(f"Tổng thời lượng: {clock(duration_ms)} ({human_duration(duration_ms)})")
    lines += ["", f"{'STT':>3}  {'Bắt đầu':<11}  {'Thời lượng':<11}  Tiêu đề"]
    for c in cues:
        label = c.title if c.kind == "item" else CUE_LABELS[c.kind]
        lines.append(f"{c.number or '':>3}  {clock(c.start_ms):<11}  "
                     f"{clock(c.duration_ms):<11}  {label}")
    return "\n".join(lines) + "\n"


def bulletin_heading(bulletin: Bulletin) -> str:
    """Return the bulletin's title line, e.g. "Bản tin Đài truyền thanh xã X ngày 25/10/2022"."""
    if bulletin.title:
        return bulletin.title
    day = bulletin_date(bulletin)
    return f"Bản tin {bulletin.station.name} ngày {day.day}/{day.month}/{day.year}"


def build_bulletin(bulletin: Bulletin, pipeline: Pipeline, *, mp3_path: Path | None = None,
                   wav_path: Path | None = None, web_mp3_path: Path | None = None,
                   cue_csv_path: Path | None = None,
                   cue_text_path: Path | None = None, loudness: str = "broadcast",
                   stereo: bool = False, lexicon: Lexicon | None = None,
                   progress: ProgressCallback | None = None, verify: bool = True,
                   workdir: Path | None = None) -> BulletinResult:
    """Synthesize, stitch and normalize the bulletin into its renditions, all or none written."""
    if mp3_path is None and wav_path is None and web_mp3_path is None:
        raise InputError("Cần ít nhất một tệp đầu ra (MP3 hoặc WAV)")
    target = get_target(loudness)
    settings = pipeline.settings
    blocks = compose(bulletin, settings, lexicon)
    st = bulletin.station
    tempo = validate_tempo(st.tempo)
    chime = load_chime(Path(st.chime_path)) if st.chime_path else None
    staging = StagedOutputs()
    outputs = {k: Path(p) for k, p in (("mp3", mp3_path), ("wav", wav_path), ("web", web_mp3_path),
                                       ("cue_csv", cue_csv_path), ("cue_text", cue_text_path))
               if p is not None}
    try:
        temps = {k: staging.temp_for(p) for k, p in outputs.items()}
        result = _build(bulletin, blocks, pipeline, chime, temps, target.name, tempo, stereo,
                        progress, verify, workdir)
        staging.commit()
    except BaseException as exc:
        clearer = staging.abandon(exc)
        if clearer is not None:
            raise clearer from exc
        raise
    result.files = {k: str(p) for k, p in outputs.items()}
    result.sizes = {k: p.stat().st_size for k, p in outputs.items()}
    return result


class _BlockSynthesizer:
    """Synthesize the blocks in order in a background thread, ahead of the stream.

    Block k is decoded and written while block k+1 is being spoken, so with a remote voice
    the stitching hides behind the network. Clips are dropped once cached: memory stays per
    block.
    """

    def __init__(self, blocks: list[Block], pipeline: Pipeline,
                 progress: ProgressCallback | None) -> None:
        self.blocks = blocks
        self.pipeline = pipeline
        self.progress = progress
        self.total = sum(len(b.script.segments) for b in blocks)
        self._ready = [threading.Event() for _ in blocks]
        self._stop = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="bulletin-synthesis",
                                        daemon=True)

    def __enter__(self) -> _BlockSynthesizer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        # No request may outlive the build: wait for the block under way to finish.
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        done = 0
        try:
            for i, block in enumerate(self.blocks):
                if self._stop.is_set():
                    break
                self.pipeline.synthesize(block.script, self._reporter(done))
                done += len(block.script.segments)
                self._ready[i].set()
        except BaseException as exc:  # handed to the stream, which raises it
            self._error = exc
        finally:
            for event in self._ready:
                event.set()

    def _reporter(self, base: int) -> Callable[[Progress], None]:
        def report(p: Progress) -> None:
            if self.progress is not None and p.stage == "synthesize":
                self.progress(Progress(base + p.done, self.total, stage="synthesize",
                                       engine=p.engine))
        return report

    def wait(self, index: int) -> None:
        """Return once block `index` is in the cache; raise what stopped the synthesis."""
        self._ready[index].wait()
        if self._error is not None:
            raise self._error
        if not self._ready[index].is_set() or self._stop.is_set():
            raise AudioError("Đã dừng tổng hợp giọng đọc")


def _parts(blocks: list[Block], pipeline: Pipeline, synthesizer: _BlockSynthesizer,
           chime: tuple[bytes, str] | None, pause_between_ms: int,
           engines: dict[tuple[int, int], str]) -> Iterator[Part]:
    def loader(bi: int, seg: Segment) -> Callable[[], tuple[bytes, str]]:
        def load() -> tuple[bytes, str]:
            clip: SegmentClip | None = pipeline.cached_clip(seg)
            if clip is None:  # the cache lost it (cleaned meanwhile): speak it again
                clip = pipeline.synthesize_segment(seg)
            engines[(bi, seg.index)] = clip.engine
            return clip.audio, clip.audio_format
        return load

    for bi, block in enumerate(blocks):
        synthesizer.wait(bi)
        for seg in block.script.segments:
            yield Clip(loader(bi, seg), tag=(bi, seg.index))
            if seg.pause_ms > 0:
                yield Silence(seg.pause_ms)
        if bi == len(blocks) - 1:
            break
        if chime is not None:
            yield Silence(CHIME_PAD_MS)
            yield Clip(lambda: chime, tag=(bi, "chime"), trim=False)
            yield Silence(CHIME_PAD_MS)
        elif pause_between_ms > 0:
            yield Silence(pause_between_ms)


def _build(bulletin: Bulletin, blocks: list[Block], pipeline: Pipeline,
           chime: tuple[bytes, str] | None, temps: dict[str, Path], loudness: str, tempo: float,
           stereo: bool, progress: ProgressCallback | None, verify: bool,
           workdir: Path | None) -> BulletinResult:
    settings = pipeline.settings
    st = bulletin.station
    total = sum(len(b.script.segments) for b in blocks)
    rate = settings.sample_rate
    tempo_filter = None if tempo == 1.0 else f"atempo={tempo:g}"
    engines: dict[tuple[int, int], str] = {}
    streamed_count = 0

    def on_part(part: Part) -> None:
        nonlocal streamed_count
        if isinstance(part, Clip) and isinstance(part.tag[1], int):
            streamed_count += 1
            if progress is not None:
                progress(Progress(streamed_count, total, stage="stitch"))

    # The pid in the name lets the next run remove the directory of a killed build.
    with tempfile.TemporaryDirectory(prefix=f"{WORKDIR_PREFIX}{os.getpid()}.",
                                     dir=workdir) as tmpdir:
        meter = LoudnessMeter(rate, filters=tempo_filter)
        try:
            with _BlockSynthesizer(blocks, pipeline, progress) as synthesizer:
                program = stream_program(
                    _parts(blocks, pipeline, synthesizer, chime, st.pause_between_ms, engines),
                    Path(tmpdir) / "master.wav", sample_rate=rate, sinks=[meter.feed],
                    on_part=on_part, kept=pipeline.cache)
            measured = meter.finish()
        except BaseException:
            meter.abort()
            raise
        cues = _cues(blocks, program.placements, rate, tempo)
        duration_ms = round(program.samples * 1000 / rate / tempo)
        if progress is not None:
            progress(Progress(total, total, stage="loudness"))
        channels = 2 if stereo else 1
        renditions = {
            kind: Rendition(temps[kind], fmt, rendition_rate, target, channels, kbps)
            for kind, fmt, rendition_rate, kbps, target in (
                ("mp3", "mp3", MP3_RATE, MP3_KBPS, loudness), ("wav", "wav", WAV_RATE, 0, loudness),
                ("web", "mp3", WEB_MP3_RATE, WEB_MP3_KBPS, "web"))
            if kind in temps}
        # Every rendition in one ffmpeg process: the programme is decoded once for all of them.
        reports = render_renditions(program.path, measured, renditions, filters=tempo_filter,
                                    verify=verify)
        for kind, rendition in renditions.items():
            if rendition.fmt == "mp3":
                _tag(rendition.path, bulletin, cues)
            log.info("bulletin %s %s: %s", bulletin.id, kind, reports[kind])
    heading = bulletin_heading(bulletin)
    if "cue_csv" in temps:
        # utf-8-sig: spreadsheet programs on station PCs then show Vietnamese correctly.
        temps["cue_csv"].write_text(cue_sheet_csv(cues), encoding="utf-8-sig")
    if "cue_text" in temps:
        temps["cue_text"].write_text(cue_sheet_text(cues, heading=heading,
                                                    duration_ms=duration_ms), encoding="utf-8")
    warning = overrun(cues, duration_ms, st.target_minutes)
    if warning is not None:
        log.warning("bulletin %s: %s", bulletin.id, warning.message)
    if progress is not None:
        progress(Progress(total, total, stage="done"))
    return BulletinResult(duration_ms=duration_ms, cues=cues, files={}, sizes={},
                          loudness=reports, engines=dict(Counter(engines.values())),
                          fingerprint=fingerprint(bulletin), tempo=tempo, warning=warning)


def _cues(blocks: list[Block], placements: list[Any], rate: int, tempo: float) -> list[CueEntry]:
    """Return each block's start and length from where its clips landed, at the final tempo."""
    spans: dict[int, tuple[int, int]] = {}
    for p in placements:
        bi, what = p.tag
        if what == "chime":
            continue
        start, end = spans.get(bi, (p.start, p.end))
        spans[bi] = (min(start, p.start), max(end, p.end))

    def ms(sample: int) -> int:
        # atempo stretches the whole programme evenly, so every position scales by 1/tempo.
        return round(sample * 1000 / rate / tempo)

    cues = []
    for bi, block in enumerate(blocks):
        start, end = spans[bi]
        cues.append(CueEntry(block.kind, block.number, block.title, ms(start),
                             ms(end) - ms(start)))
    return cues


def _tag(path: Path, bulletin: Bulletin, cues: list[CueEntry]) -> None:
    chapters = [TimingEntry(index=c.number or 0, kind="title",
                            text=f"Tin thứ {c.number}: {c.title}", start_ms=c.start_ms,
                            end_ms=c.end_ms, engine="")
                for c in cues if c.kind == "item"]
    write_tags(path, title=bulletin_heading(bulletin), artist=bulletin.station.name,
               album="Bản tin", date=bulletin.date or bulletin_date(bulletin).isoformat(),
               comment=f"{len(chapters)} tin", chapters=chapters)


def overrun(cues: list[CueEntry], duration_ms: int,
            target_minutes: float | None, *, longest: int = 3) -> OverrunWarning | None:
    """Return a warning when the bulletin runs past its target length, naming the longest items."""
    if not target_minutes:
        return None
    target_ms = round(target_minutes * 60_000)
    if duration_ms <= target_ms:
        return None
    items = sorted((c for c in cues if c.kind == "item"), key=lambda c: -c.duration_ms)
    return OverrunWarning(target_ms, duration_ms, items[:longest])
