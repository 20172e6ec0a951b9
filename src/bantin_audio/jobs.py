"""Background synthesis: claim a job, speak its segments in reading order, publish the audio.

Works across threads and processes through the store's leases. Progress is stored per segment,
so a worker that dies is replaced by another that re-synthesizes nothing already finished (the
clip cache answers those). The finished prefix of an article is stitched into a playable file
as soon as its first paragraph is ready, so listeners never wait for the whole article.
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import shutil
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .audio.mp3frames import join_frames
from .config import Settings
from .errors import (
    AudioError,
    BantinError,
    ExtractionError,
    InputError,
    NotFound,
    SynthesisError,
)
from .jobqueue import PRIORITY_BACKFILL, PRIORITY_LISTENER, JobQueue
from .media_store import (
    BULLETIN_PREFIX,
    CHIME_KEY,
    CHIME_PREFIX,
    LocalMediaStore,
    MediaStore,
    collect,
    open_media,
)
from .media_store import media_dir as media_dir
from .model import Article, Script, Segment, SegmentClip
from .output_files import sweep_stale_dirs
from .pipeline import file_sha256, segment_phrasing
from .store import (
    ArticleRow,
    BulletinBuildRow,
    JobRow,
    RenditionRow,
    Store,
    SubmitResult,
    ascii_slug,
    database_path,
)

if TYPE_CHECKING:
    from .speech.lexicon import Lexicon

log = logging.getLogger(__name__)

LEASE_S = 30.0  # the default of Settings.job_lease_s
HEARTBEAT_S = 5.0  # at most; a short lease beats three times per lease
MAX_ATTEMPTS = 3
RETRY_BASE_S = 15.0  # a failed attempt is tried again after 15 s, 30 s, ... at most RETRY_MAX_S
RETRY_MAX_S = 300.0
# (kind, stitch format, bitrate kbps, sample rate) of the extras built once the whole article
# is ready; the streaming MP3 (kind "mp3") follows Settings.bitrate_kbps and sample_rate.
EXTRAS = (("webm", "webm", 24, 24000), ("broadcast", "mp3", 128, 44100))
EXTENSIONS = {"mp3": "mp3", "webm": "webm", "broadcast": "mp3", "web": "mp3", "wav": "wav",
              "cue_csv": "csv", "cue_text": "txt"}
DOWNLOAD_SUFFIXES = {"broadcast": (" (phát thanh)", "-phat-thanh"),
                     "cue_csv": (" (bảng thứ tự)", "-bang-thu-tu"),
                     "cue_text": (" (bảng thứ tự)", "-bang-thu-tu")}
BULLETIN_DIRNAME = BULLETIN_PREFIX.rstrip("/")  # outside /am-thanh/, served only when approved
PROGRESS_INTERVAL_S = 0.5
SCRATCH_PREFIX = "worker-"


def bulletin_media_dir(settings: Settings) -> Path:
    """Return the directory holding the content-addressed files of bulletin builds."""
    return media_dir(settings) / BULLETIN_DIRNAME


def open_store(settings: Settings) -> Store:
    """Open (and migrate) the service database in the data directory."""
    return Store(settings.database)


def current_lexicon(store: Store) -> Lexicon:
    """Return the lexicon as it is now in the database (builtin entries plus the editors'),
    cached per process until any process changes it: one cheap query per call."""
    from .speech.lexicon import shared_lexicon

    return shared_lexicon(store.lexicon)


def settings_lexicon(settings: Settings) -> Lexicon:
    """Return the lexicon of the deployment `settings` name, for a command run once.

    A data directory that has neither a database nor an old `lexicon.tsv` gets the builtin
    lexicon without a database being created in it."""
    from .speech.lexicon import builtin_lexicon

    if (not settings.database_url and not database_path(settings.data_dir).is_file()
            and not settings.lexicon_path.is_file()):
        return builtin_lexicon()
    store = open_store(settings)
    try:
        return current_lexicon(store)
    finally:
        store.dispose()


def build_segments(article: Article, settings: Settings,
                   lexicon: Lexicon | None) -> list[Segment]:
    """Turn an article into its script's segments with this lexicon (None: builtin only)."""
    from .speech.script import build_script

    return list(build_script(article, settings, lexicon).segments)


def retry_delay(attempts: int) -> float:
    """Return the back-off before a failed job's next attempt (exponential, capped): 15 s after
    the first, 30 s after the second, ... at most RETRY_MAX_S."""
    return min(RETRY_MAX_S, RETRY_BASE_S * 2 ** max(0, attempts - 1))


def submit_article(store: Store, article: Article, settings: Settings,
                   queue: JobQueue | None = None,
                   priority: int = PRIORITY_LISTENER) -> SubmitResult:
    """Store an article and queue the synthesis it needs (idempotent for the same article)."""
    segments = build_segments(article, settings, current_lexicon(store))
    result = store.articles.submit(article, segments)
    log.info("article %d submitted (created=%s changed=%s), job %d %s", result.article.id,
             result.created, result.changed, result.job.id, result.job.status)
    if queue is not None and result.job.status == "queued":
        queue.enqueue(result.job.id, priority)
    return result


MAX_TEXT_CHARS = 500_000  # pasted text or page HTML given directly
MAX_URL_CHARS = 2048


@dataclass(frozen=True)
class ArticleSource:
    """Where a submitted article comes from: a URL to fetch, page HTML or pasted text."""

    kind: str  # "url", "html" or "text"
    url: str | None = None
    data: str | bytes | None = None

    @classmethod
    def from_url(cls, url: str, settings: Settings) -> ArticleSource:
        """Check a URL without touching the network (scheme, host, literal addresses)."""
        from .ingest.fetch import check_url_syntax

        url = (url or "").strip()
        if not url:
            raise InputError("Chưa nhập địa chỉ bài viết", "dán địa chỉ https://... của bài")
        if len(url) > MAX_URL_CHARS:
            raise InputError("Địa chỉ quá dài", f"tối đa {MAX_URL_CHARS} ký tự")
        check_url_syntax(url, settings)
        return cls("url", url=url)

    @classmethod
    def from_data(cls, kind: str, data: str | bytes) -> ArticleSource:
        """Check page HTML or pasted text: not empty, not too long."""
        if kind not in ("html", "text"):
            raise InputError("Nguồn bài viết không hợp lệ")
        if len(data) > MAX_TEXT_CHARS * (4 if isinstance(data, bytes) else 1):
            raise InputError("Bài viết quá dài", f"tối đa {MAX_TEXT_CHARS} ký tự")
        text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
        if not text.strip():
            raise InputError("Nội dung trống: không có gì để đọc",
                             "hãy dán văn bản bài viết hoặc chọn một tệp HTML có nội dung")
        return cls(kind, data=data)


@dataclass
class QueuedSource:
    """A queued submission: its job, and the article when the source is already known."""

    job: JobRow
    article: ArticleRow | None
    created: bool  # a new job (False: the same source was already queued or running)


def queue_source(store: Store, source: ArticleSource, queue: JobQueue | None = None,
                 priority: int = PRIORITY_LISTENER) -> QueuedSource:
    """Queue "fetch (or take) this source, clean, normalize, then synthesize" as one job.

    Nothing is fetched or parsed here: a web request or a portal watcher answers at once,
    and the worker does the rest (see Worker._ingest).
    """
    job, created = store.jobs.queue_source(source.kind, url=source.url, data=source.data)
    article = store.articles.by_url(source.url) if source.url else None
    log.info("job %d: %s source queued (new=%s)", job.id, source.kind, created)
    if queue is not None and job.status == "queued":
        queue.enqueue(job.id, priority)
    return QueuedSource(job=job, article=article, created=created)


def ingest_source(kind: str, url: str | None, data: str | bytes | None,
                  settings: Settings) -> Article:
    """Fetch (for a URL) and clean a source into an article."""
    from .ingest import extract_article, fetch_url

    if kind == "url":
        if not url:
            raise InputError("Thiếu địa chỉ bài viết")
        page = fetch_url(url, settings)
        return extract_article(page.text, url=page.url, content_type=page.content_type)
    if data is None:
        raise InputError("Nguồn bài viết trống")
    return extract_article(data, content_type="text/html" if kind == "html" else "text/plain")

# A lexicon rebuild records its progress every this many articles (and at the end).
LEXICON_PROGRESS_EVERY = 25


def rebuild_scripts(store: Store, settings: Settings, queue: JobQueue | None = None, *,
                    progress: Callable[[int, int], bool] | None = None) -> list[JobRow]:
    """Rebuild every article's script (after a lexicon edit); queue jobs where it changed.

    Runs in a job (a lexicon edit queues one), never in a web request: it normalizes every
    article. `progress(done, total)` is told after each article; when it returns False (the
    job's lease was lost) the rebuild stops, and the job that took over starts it again.
    """
    jobs = []
    lexicon = current_lexicon(store)  # one lexicon for the whole rebuild
    rows = store.articles.recent(limit=1_000_000, include_held=True)
    for done, row in enumerate(rows, start=1):
        job = store.articles.update_script(row.id,
                                           build_segments(row.article, settings, lexicon))
        if job is not None:
            log.info("article %d: lexicon changed its script, job %d queued", row.id, job.id)
            jobs.append(job)
            if queue is not None:
                queue.enqueue(job.id, PRIORITY_BACKFILL)
        if progress is not None and not progress(done, len(rows)):
            break
    return jobs


def collect_media(store: Store, media: MediaStore | Path, min_age_s: float = 3600.0) -> int:
    """Delete audio files no rendition or bulletin build refers to any more.

    Only objects older than `min_age_s` go (a player may still be fetching a prefix just
    replaced); chimes are kept. Works the same on a local directory and in object storage.
    """
    if isinstance(media, Path):
        if not media.is_dir():
            return 0
        media = LocalMediaStore(media)
    # An object written (then recorded) while this runs is younger than the grace period, so
    # reading the references before listing the objects loses nothing.
    keep = store.renditions.media_paths() | {BULLETIN_PREFIX + n
                                             for n in store.bulletins.media_names()}
    return collect(media, keep, min_age_s=min_age_s)


def chime_file(media: MediaStore, chime: str, scratch: Path) -> Path:
    """Return a local file of a bulletin's chime: fetched by content key, or an older path.

    Chimes are stored by content (`nhac-chuyen-tin/<sha256>.<ext>`). A bulletin saved before
    that names an absolute path; it still works where that file exists (the web service moves
    such chimes into the media store when it starts: `migrate_chimes`).
    """
    match = CHIME_KEY.match(chime)
    if match is None:
        return Path(chime)
    local = media.local_path(chime)
    if local is not None:
        return local
    target = scratch / f"chime-{match.group(1)[:16]}.{match.group(2)}"
    if not target.exists():
        media.fetch(chime, target)
    return target


def migrate_chimes(store: Store, media: MediaStore) -> int:
    """Move chimes named by absolute path (data dirs from before) into the media store.

    Each readable file goes in by content (`nhac-chuyen-tin/<sha256>.<ext>`) and the station
    defaults and bulletins name that key instead. A bulletin approved (or built) with the old
    chime stays approved (and its build current): the chime is the same sound. A path that
    cannot be read is left as it is (a build then says the chime file is missing, and the
    editor uploads it again). Returns how many bulletins or defaults changed; running it again
    changes nothing.
    """
    import dataclasses
    import json

    from .bulletin import Bulletin, chime_digest, fingerprint

    keys: dict[str, str | None] = {}

    def key_for(chime: str) -> str | None:
        if CHIME_KEY.match(chime):
            return None
        if chime not in keys:
            keys[chime] = None
            try:
                data = Path(chime).read_bytes()
            except OSError as exc:
                log.warning("chime %s cannot be read, left as it is: %s", chime, exc)
                return None
            key = f"{CHIME_PREFIX}{hashlib.sha256(data).hexdigest()}." + (
                "wav" if data[:4] == b"RIFF" else "mp3")
            if not media.exists(key):
                media.put_file(key, Path(chime))
            keys[chime] = key
        return keys[chime]

    changed = 0
    defaults = store.bulletins.defaults()
    if defaults.get("chime_path") and (key := key_for(defaults["chime_path"])):
        defaults["chime_path"] = key
        store.bulletins.set_defaults(defaults)
        changed += 1
    for row in store.bulletins.recent(limit=1_000_000):
        bulletin = Bulletin.from_dict(row.data)
        old = bulletin.station.chime_path
        if not old or (key := key_for(old)) is None:
            continue
        # The fingerprint before: the station with the path, plus the file's content hash.
        raw = json.dumps({
            "title": bulletin.title, "date": bulletin.date,
            "items": [[i.article_id, i.article.to_dict()] for i in bulletin.items],
            "station": dataclasses.asdict(bulletin.station), "chime": chime_digest(old),
        }, ensure_ascii=False, sort_keys=True).encode("utf-8")
        before = hashlib.sha256(raw).hexdigest()
        bulletin.station.chime_path = key
        after = fingerprint(bulletin)
        if bulletin.approved_fingerprint == before:
            bulletin.approved_fingerprint = after
        build = store.bulletins.latest_build(row.id)
        if build is not None and build.fingerprint == before:
            store.bulletins.put_build(dataclasses.replace(build, fingerprint=after))
        store.bulletins.save(bulletin.to_dict())
        changed += 1
    if changed:
        log.info("moved the chimes of %d bulletins (or station defaults) into the media store",
                 changed)
    return changed


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass
class _Heartbeat:
    store: Store
    job_id: int
    owner: str
    stop: threading.Event
    lost: threading.Event
    lease_s: float = LEASE_S

    def run(self) -> None:
        while not self.stop.wait(min(HEARTBEAT_S, self.lease_s / 3)):
            if not self.store.jobs.heartbeat(self.job_id, self.owner, self.lease_s):
                log.warning("job %d: lease lost to another worker", self.job_id)
                self.lost.set()
                return


class Worker:
    """A synthesis worker: claims jobs from the store and runs them with the pipeline."""

    def __init__(self, store: Store, pipeline: Any, settings: Settings, *,
                 wake: threading.Event | None = None, restitch_interval_s: float = 1.0,
                 build_extras: bool = True, background_extras: bool = False,
                 media: MediaStore | None = None) -> None:
        self.store = store
        self.pipeline = pipeline
        self.settings = settings
        self.wake = wake or threading.Event()
        self.restitch_interval_s = restitch_interval_s
        self.build_extras = build_extras
        # With `background_extras`, an article's extra renditions (WebM, broadcast MP3) are
        # built by a thread of lower CPU priority while this worker already takes the next
        # job: a listener waiting for an article's first paragraph never waits behind another
        # article's extras. The job keeps its lease until they are written.
        self.background_extras = background_extras
        self._extras: tuple[Article, list[SegmentClip]] | None = None  # due for the job run
        self._tails: list[Future[bool]] = []
        self._tail_pool: ThreadPoolExecutor | None = None
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        self.media = media if media is not None else open_media(settings)
        # This worker's own scratch directory: ffmpeg writes here, then the media store takes
        # the finished file. Nothing is shared with other workers or the web node.
        root = settings.scratch_root
        root.mkdir(parents=True, exist_ok=True)
        sweep_stale_dirs(root, SCRATCH_PREFIX)
        self.scratch = Path(tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{os.getpid()}.",
                                             dir=root))
        self._handing_back = False
        self._running: set[threading.Event] = set()  # the `lost` events of running jobs
        self._running_lock = threading.Lock()

    def hand_back(self) -> None:
        """Stop the running jobs at their next segment and return them to the queue.

        What they finished stays done (segments, clips); another worker carries on from there.
        """
        with self._running_lock:
            self._handing_back = True
            for lost in self._running:
                lost.set()

    # -- loop -----------------------------------------------------------------------------

    def run_forever(self, stop: threading.Event, poll_s: float = 1.0) -> None:
        """Process jobs until `stop` is set, waking early when `wake` is set."""
        log.info("worker %s started", self.owner)
        collected = 0.0
        while not stop.is_set():
            if time.monotonic() - collected > 600:  # old prefixes, deleted articles
                collected = time.monotonic()
                removed = collect_media(self.store, self.media)
                if removed:
                    log.info("worker %s removed %d unused audio files", self.owner, removed)
            try:
                worked = self.run_once()
            except Exception:  # keep the worker alive; the job's lease will expire
                log.exception("worker %s: unexpected error", self.owner)
                worked = False
            if not worked:
                self.wake.wait(poll_s)
                self.wake.clear()
        self.drain()
        self.close()
        log.info("worker %s stopped", self.owner)

    def close(self) -> None:
        """Remove this worker's scratch directory (call once no job runs)."""
        shutil.rmtree(self.scratch, ignore_errors=True)

    def run_until_idle(self) -> int:
        """Process jobs until none is left (extras written too); return how many were run."""
        count = 0
        while self.run_once():
            count += 1
        self.drain()
        return count

    def drain(self) -> None:
        """Wait until the extra renditions being built in the background are written."""
        while self._tails:
            self._tails.pop(0).result()

    def _dead_owners(self) -> list[str]:
        """Return owners of running jobs known dead at once: a shortcut for the embedded
        database only, whose workers all share this host; elsewhere leases expire."""
        if not self.store.embedded:
            return []
        host = socket.gethostname()
        dead = []
        for owner in self.store.jobs.running_owners():
            parts = owner.rsplit(":", 2)
            if len(parts) == 3 and parts[0] == host and parts[1].isdigit():
                pid = int(parts[1])
                if pid != os.getpid() and not _pid_alive(pid):
                    dead.append(owner)
        return dead

    def run_once(self, only_job: int | None = None) -> bool:
        """Claim one job (or only `only_job`) and run it; False when there was nothing to do."""
        job = self.store.jobs.claim(self.owner, self.settings.job_lease_s, self._dead_owners(),
                                    job_id=only_job)
        if job is None:
            return False
        log.info("job %d: claimed by %s (%s %s, attempt %d)", job.id, self.owner, job.kind,
                 job.article_id if job.kind == "article" else job.bulletin_id, job.attempts)
        stop, lost = threading.Event(), threading.Event()
        with self._running_lock:
            self._running.add(lost)
            if self._handing_back:
                lost.set()
        beat = _Heartbeat(self.store, job.id, self.owner, stop, lost, self.settings.job_lease_s)
        thread = threading.Thread(target=beat.run, name=f"heartbeat-{job.id}", daemon=True)
        thread.start()
        handed_off = False
        try:
            if job.kind == "lexicon":
                self._run_lexicon(job, lost)
                return True
            if job.kind == "bulletin":
                self._run_bulletin(job, lost)
                if lost.is_set() and self._handing_back:
                    self.store.jobs.release(job.id, self.owner)
                return True
            if job.article_id is None and job.source_kind:
                ingested = self._ingest(job)
                if ingested is None:
                    return True  # lease lost, or nothing left to synthesize
                job = ingested
            self._extras = None
            failed = [] if lost.is_set() else self._run(job, lost)
            extras, self._extras = self._extras, None
            if extras is not None and not lost.is_set():
                if self.background_extras:
                    self._tails = [f for f in self._tails if not f.done()]
                    self._tails.append(self._tail_executor().submit(
                        self._tail, job, failed, extras, stop, thread, lost))
                    handed_off = True
                    return True
                self._publish_extras(job, *extras)
        except (InputError, ExtractionError) as exc:  # the input is wrong: retrying cannot help
            log.warning("job %d: %s", job.id, exc)
            self.store.jobs.finish(job.id, self.owner, status="failed", error=str(exc))
            return True
        except BantinError as exc:
            status = "queued" if job.attempts < MAX_ATTEMPTS else "failed"
            log.warning("job %d: %s (attempt %d, now %s)", job.id, exc, job.attempts, status)
            # The last attempt keeps the hint: it is what the editor reads on the job.
            self.store.jobs.finish(job.id, self.owner, status=status,
                                   error=str(exc) if status == "failed" else exc.message,
                                   retry_after_s=retry_delay(job.attempts))
            return True
        except Exception as exc:
            log.exception("job %d: crashed", job.id)
            status = "queued" if job.attempts < MAX_ATTEMPTS else "failed"
            self.store.jobs.finish(job.id, self.owner, status=status,
                                   error=f"Lỗi nội bộ: {type(exc).__name__}",
                                   retry_after_s=retry_delay(job.attempts))
            return True
        finally:
            if not handed_off:
                stop.set()
                thread.join()
                with self._running_lock:
                    self._running.discard(lost)
        return self._finish_article(job, failed, lost)

    def _tail_executor(self) -> ThreadPoolExecutor:
        if self._tail_pool is None:
            self._tail_pool = ThreadPoolExecutor(max_workers=1, initializer=_lower_priority,
                                                 thread_name_prefix="extras")
        return self._tail_pool

    def _tail(self, job: JobRow, failed: list[tuple[int, str]],
              extras: tuple[Article, list[SegmentClip]], stop: threading.Event,
              beat: threading.Thread, lost: threading.Event) -> bool:
        """Write a finished article's extra renditions, then finish its job (in background)."""
        try:
            if not lost.is_set():
                self._publish_extras(job, *extras)
        except Exception:  # the streaming MP3 is out already: finish the job all the same
            log.exception("job %d: extra renditions failed", job.id)
        finally:
            stop.set()
            beat.join()
            with self._running_lock:
                self._running.discard(lost)
        return self._finish_article(job, failed, lost)

    def _finish_article(self, job: JobRow, failed: list[tuple[int, str]],
                        lost: threading.Event) -> bool:
        """Record how an article job ended (its lease released when handed back)."""
        if lost.is_set():
            if self._handing_back and self.store.jobs.release(job.id, self.owner):
                log.info("job %d: handed back to the queue by %s", job.id, self.owner)
            return True
        assert job.article_id is not None  # article jobs always name their article
        total = len(self.store.articles.segments(job.article_id))
        if total == 0:  # deleted while it ran
            log.info("job %d: article %d was deleted while it ran", job.id, job.article_id)
            self.store.jobs.finish(job.id, self.owner, status="done")
            return True
        if failed and len(failed) == total:
            self.store.jobs.finish(job.id, self.owner, status="failed",
                                   error=f"Không tạo được âm thanh: {failed[0][1]}")
        elif failed:
            idx = ", ".join(str(i + 1) for i, _ in failed[:10])
            self.store.jobs.finish(job.id, self.owner, status="done",
                                   error=f"{len(failed)} đoạn lỗi (đoạn {idx}): {failed[0][1]}")
        else:
            self.store.jobs.finish(job.id, self.owner, status="done")
        log.info("job %d: finished (%d failed segments)", job.id, len(failed))
        return True

    # -- one job --------------------------------------------------------------------------

    def _ingest(self, job: JobRow) -> JobRow | None:
        """Fetch and clean the job's source, store the article; None when nothing follows."""
        kind, url, data = self.store.jobs.source(job.id)
        t0 = time.monotonic()
        article = ingest_source(kind, url, data, self.settings)
        segments = build_segments(article, self.settings, current_lexicon(self.store))
        result = self.store.jobs.attach_article(job.id, self.owner, article, segments)
        if result is None:
            log.warning("job %d: lease lost while fetching", job.id)
            return None
        log.info("job %d: %s source became article %d (created=%s changed=%s) in %.0f ms",
                 job.id, kind, result.article.id, result.created, result.changed,
                 (time.monotonic() - t0) * 1000)
        if self.store.articles.pending_count(result.article.id) == 0 \
                and self.store.renditions.for_article(result.article.id):
            self.store.jobs.finish(job.id, self.owner, status="done")
            return None
        return result.job

    def _run(self, job: JobRow, lost: threading.Event) -> list[tuple[int, str]]:
        """Synthesize every segment of the job's article; return the (index, reason) failures."""
        if job.article_id is None:
            return []
        try:
            article = self.store.articles.get(job.article_id)
        except NotFound:
            return []
        for _ in range(5):  # a re-submission during the run adds another pass
            rows = self.store.articles.segments(job.article_id)
            if any(r.status != "done" for r in rows):
                self.store.renditions.drop(job.article_id, [k for k, *_ in EXTRAS])
            failed = self._synthesize(job, article.article, rows, lost)
            if lost.is_set() or self.store.articles.pending_count(job.article_id) == 0:
                return failed
            article = self.store.articles.get(job.article_id)
        return failed

    def _synthesize(self, job: JobRow, article: Article, rows: list[Any],
                    lost: threading.Event) -> list[tuple[int, str]]:
        article_id = job.article_id
        self._extras = None
        if article_id is None:
            return []
        segments = [r.segment for r in rows]
        by_index = {r.segment.index: r for r in rows}
        clips: dict[int, SegmentClip] = {}
        failed: dict[int, str] = {}
        state = {"last": 0.0, "published": -1}
        marked = {r.segment.index: r.engine for r in rows if r.status == "done"}
        # Publish as soon as the first paragraph is ready; then at most once per interval.
        body = [s.index for s in segments if s.kind not in ("title", "date")]
        eager_until = segments.index(next(s for s in segments if s.index == body[0])) + 1 \
            if body else 1

        def prefix() -> list[SegmentClip]:
            out = []
            for seg in segments:
                if seg.index in clips:
                    out.append(clips[seg.index])
                elif seg.index not in failed:
                    break
            return out

        # Each new clip is decoded as it arrives (prepared_pcm keeps its PCM in the scratch
        # cache), so publishing a prefix decodes at most its last clip before the one encode.
        prepare = getattr(self.pipeline, "prepared_pcm", None)
        decoding: dict[int, Future[Any]] = {}
        # Until the first file is out, its clips wait for their decode: the first file joins
        # their frames, and decoding meanwhile would only compete with it for the CPU.
        held: list[SegmentClip] = []

        def decode(clip: SegmentClip) -> None:
            assert prepare is not None
            if state["published"] < eager_until:
                held.append(clip)
            else:
                decoding[clip.segment.index] = decoder.submit(prepare, clip)

        def publish(force: bool = False) -> None:
            ready = prefix()
            if not ready or len(ready) == state["published"]:
                return
            now = time.monotonic()
            if not force:
                if len(ready) < eager_until:  # a title alone is not worth a file
                    return
                eager = state["published"] < eager_until
                if not eager and now - state["last"] < self.restitch_interval_s:
                    return
            complete = len(ready) + len(failed) == len(segments)
            # The first file of an article joins Google's frames as they came (no decode, no
            # encode): playable the moment its clips arrive; the next file is stitched.
            quick = not complete and state["published"] < eager_until
            for clip in [] if quick else ready:
                pending = decoding.pop(clip.segment.index, None)
                if pending is not None and pending.exception() is not None:
                    log.debug("job %d segment %d: early decode failed: %s", job.id,
                              clip.segment.index, pending.exception())  # the stitch reports it
            self._publish(job, article, ready, complete=complete, quick=quick)
            state["last"], state["published"] = time.monotonic(), len(ready)
            while held:
                decode(held.pop(0))

        def record(clip: SegmentClip) -> None:
            # Called by the pipeline from its own threads: never raise from here.
            if lost.is_set():
                return
            seg = clip.segment
            if seg.index in clips and clips[seg.index].engine != clip.engine:
                # Google's reading of a first paragraph, after the offline voice stood in for
                # it: publish the prefix again at once with the better voice.
                state["published"] = -1
            clips[seg.index] = clip
            if prepare is not None and not clip.cached:
                decode(clip)
            row = by_index.get(seg.index)
            if row is None or row.status != "done" or marked.get(seg.index) != clip.engine:
                marked[seg.index] = clip.engine
                self.store.articles.mark_segment(
                    article_id, seg.index, seg.spoken, status="done", engine=clip.engine,
                    fallback_reason=clip.fallback_reason,
                    clip_hash=hashlib.sha256(clip.audio).hexdigest()[:16], job_id=job.id)
            log.debug("job %d segment %d: %s%s", job.id, seg.index, clip.engine,
                      " (cached)" if clip.cached else "")
            try:
                publish()
            except BantinError as exc:  # the next segment or the final pass publishes again
                log.warning("job %d: could not publish the finished part: %s", job.id, exc)

        script = Script(segments=segments, title=article.headline, date=article.date,
                        author=article.author, source_url=article.source_url)
        decoder = ThreadPoolExecutor(max_workers=2, thread_name_prefix="decode")
        try:
            try:
                # prefer_primary: a paragraph read by the offline voice during an outage is read
                # by Google when its job runs again (a retry, an edit) and Google is back.
                # first_deadline: a listener's first audio never waits long for Google; the
                # offline voice stands in for the first paragraphs until Google's reading arrives.
                self.pipeline.synthesize(script, on_clip=record, prefer_primary=True,
                                         first_deadline=self.settings.first_audio_s or None)
            except BantinError as exc:
                log.warning("job %d: batch synthesis stopped (%s); continuing segment by segment",
                            job.id, exc)
            for seg in segments:  # whatever the batch did not deliver, one by one
                if seg.index in clips:
                    continue
                if lost.is_set():
                    return []
                try:
                    record(self.pipeline.synthesize_segment(seg, prefer_primary=True))
                except BantinError as exc:
                    reason = exc.message if isinstance(exc, SynthesisError) else str(exc)
                    failed[seg.index] = reason
                    log.warning("job %d segment %d failed: %s", job.id, seg.index, reason)
                    self.store.articles.mark_segment(article_id, seg.index, seg.spoken,
                                                     status="failed", error=reason,
                                                     job_id=job.id)
            if lost.is_set():
                return []
            if clips:
                publish(force=True)
                if self.build_extras and len(clips) + len(failed) == len(segments):
                    self._extras = (article, prefix())  # written by run_once
            return sorted(failed.items())
        finally:
            decoder.shutdown(wait=True, cancel_futures=True)

    # -- audio files ----------------------------------------------------------------------

    def _write(self, clips: list[SegmentClip], kind: str, fmt: str, kbps: int, rate: int,
               article: Article | None, quick: bool = False) -> tuple[str, Any, str, int]:
        ext = EXTENSIONS[kind]
        tmp = self.scratch / f"tmp-{secrets.token_hex(8)}.{ext}"
        tags = None
        if article is not None and fmt == "mp3":
            tags = {"title": article.headline, "artist": article.author or "bantin-audio",
                    "album": "Bản tin", "date": article.date, "source_url": article.source_url}
        try:
            program = self._render(clips, tmp, kind, fmt, kbps, rate, tags, quick=quick,
                                   keep=article is not None)
            digest = file_sha256(tmp)
            name = f"{digest[:32]}.{ext}"
            size = self.media.put_file(name, tmp, move=True)
        except AudioError:
            # A clip the decoder refuses (a damaged cache entry) is removed from the cache, so
            # the job's next attempt makes it again instead of failing the same way.
            if hasattr(self.pipeline, "evict_undecodable"):
                self.pipeline.evict_undecodable(clips)
            raise
        finally:
            tmp.unlink(missing_ok=True)
        return name, program, digest, size

    def _render(self, clips: list[SegmentClip], tmp: Path, kind: str, fmt: str, kbps: int,
                rate: int, tags: dict[str, Any] | None, *, quick: bool, keep: bool) -> Any:
        """Write the clips as one file of `kind` at `tmp`; return its Program."""
        from .audio.stitch import stitch

        if quick and kind == "mp3" and fmt == "mp3":
            # Google's frames joined as they came; None when a clip needs the stitcher
            program = join_frames(clips, tmp, sample_rate=rate, bitrate_kbps=kbps,
                                  phrasing=segment_phrasing)
            if program is not None:
                return program
        if kind == "broadcast":
            return self._write_broadcast(clips, tmp, kbps, rate, tags)
        if hasattr(self.pipeline, "stitch"):  # clips decoded once, whatever the prefix
            return self.pipeline.stitch(clips, tmp, fmt=fmt, bitrate_kbps=kbps,
                                        sample_rate=rate, tags=tags, keep=keep)
        return stitch(clips, tmp, fmt=fmt, bitrate_kbps=kbps, sample_rate=rate, tags=tags,
                      phrasing=segment_phrasing)

    def _write_broadcast(self, clips: list[SegmentClip], out: Path, kbps: int, rate: int,
                         tags: dict[str, Any] | None) -> Any:
        """Write the broadcast MP3 at EBU R128 (-23 LUFS, -1 dBTP): stitch to WAV, then level."""
        from .audio.loudness import normalize_loudness
        from .audio.stitch import stitch
        from .audio.tags import write_tags

        wav = self.scratch / f"tmp-{secrets.token_hex(8)}.wav"
        try:
            program = stitch(clips, wav, fmt="wav", sample_rate=rate, phrasing=segment_phrasing)
            normalize_loudness(wav, out, target="broadcast", fmt="mp3", sample_rate=rate,
                               channels=1, bitrate_kbps=kbps)
        finally:
            wav.unlink(missing_ok=True)
        if tags is not None:
            write_tags(out, chapters=program.timings, **tags)
        return program

    def _publish(self, job: JobRow, article: Article, clips: list[SegmentClip], *,
                 complete: bool, quick: bool = False) -> None:
        kind, fmt, kbps, rate = "mp3", "mp3", self.settings.bitrate_kbps, \
            self.settings.sample_rate
        t0 = time.monotonic()
        name = self._write_rendition(job, article if complete else None, clips, kind, fmt, kbps,
                                     rate, complete=complete, quick=quick)
        log.info("job %d: published %s with %d segments%s in %.0f ms", job.id, name, len(clips),
                 " (complete)" if complete else "", (time.monotonic() - t0) * 1000)

    def _publish_extras(self, job: JobRow, article: Article, clips: list[SegmentClip]) -> None:
        for kind, fmt, kbps, rate in EXTRAS:
            try:
                self._write_rendition(job, article, clips, kind, fmt, kbps, rate, complete=True)
            except BantinError as exc:  # an extra file is a bonus: keep the article playable
                log.warning("job %d: no %s rendition: %s", job.id, kind, exc)

    def _write_rendition(self, job: JobRow, article: Article | None, clips: list[SegmentClip],
                         kind: str, fmt: str, kbps: int, rate: int, *, complete: bool,
                         quick: bool = False) -> str:
        """Write one rendition of the clips and record it; return its file name. `quick`: by
        joining the clips' MP3 frames when they allow it (see audio.mp3frames)."""
        name, program, digest, size = self._write(clips, kind, fmt, kbps, rate, article, quick)
        assert job.article_id is not None
        self.store.renditions.put(RenditionRow(
            article_id=job.article_id, kind=kind, path=name, bytes=size,
            duration_ms=int(program.duration_ms), content_hash=digest,
            timings=[t.to_dict() for t in program.timings], complete=complete,
            segments_done=len(clips)))
        return name


    # -- bulletins -------------------------------------------------------------------------

    def _run_lexicon(self, job: JobRow, lost: threading.Event) -> None:
        """Re-read every article with the lexicon as it is now; the changed segments' jobs are
        queued (the queue's sweep sends them in the scaled mode)."""
        def progress(done: int, total: int) -> bool:
            if lost.is_set():
                return False
            if done % LEXICON_PROGRESS_EVERY and done != total:
                return True
            return self.store.jobs.progress(job.id, self.owner, done, total)

        changed = rebuild_scripts(self.store, self.settings, progress=progress)
        if lost.is_set():
            return  # another worker has the job now and starts the rebuild again
        log.info("job %d: the lexicon changed %d articles' scripts", job.id, len(changed))
        self.store.jobs.finish(job.id, self.owner, status="done")

    def _run_bulletin(self, job: JobRow, lost: threading.Event) -> None:
        """Build a bulletin's renditions and cue sheets, store them, and finish the job."""
        from .bulletin import Bulletin, build_bulletin, validate_bulletin

        assert job.bulletin_id is not None
        try:
            row = self.store.bulletins.get(job.bulletin_id)
        except NotFound:
            self.store.jobs.finish(job.id, self.owner, status="done")
            return
        bulletin = Bulletin.from_dict(row.data)
        state = {"last": 0.0, "synthesize": 0, "stitch": 0}
        lock = threading.Lock()

        def progress(p: Any) -> None:
            # Two halves, as on the CLI: speaking the segments, then stitching them.
            with lock:
                if p.stage in ("synthesize", "stitch"):
                    state[p.stage] = max(state[p.stage], p.done)
                total = 2 * p.total + 1
                done = state["synthesize"] + state["stitch"]
                now = time.monotonic()
                if now - state["last"] >= PROGRESS_INTERVAL_S or p.stage == "loudness":
                    state["last"] = now
                    self.store.jobs.progress(job.id, self.owner, int(done), total)

        with tempfile.TemporaryDirectory(prefix="build-", dir=self.scratch) as tmp:
            work = Path(tmp)
            if bulletin.station.chime_path:  # a content key: fetched from the media store
                bulletin.station.chime_path = str(chime_file(
                    self.media, bulletin.station.chime_path, work))
            validate_bulletin(bulletin)
            paths = {"broadcast": work / "ban-tin.mp3", "wav": work / "ban-tin.wav",
                     "web": work / "ban-tin-web.mp3", "cue_csv": work / "ban-tin.csv",
                     "cue_text": work / "ban-tin.txt"}
            result = build_bulletin(
                bulletin, self.pipeline, mp3_path=paths["broadcast"], wav_path=paths["wav"],
                web_mp3_path=paths["web"], cue_csv_path=paths["cue_csv"],
                cue_text_path=paths["cue_text"], loudness="broadcast",
                lexicon=current_lexicon(self.store), progress=progress, workdir=work)
            reports = {"broadcast": result.loudness["mp3"].to_dict(),
                       "wav": result.loudness["wav"].to_dict(),
                       "web": result.loudness["web"].to_dict()}
            files, sizes = {}, {}
            if lost.is_set():
                return
            for kind, path in paths.items():
                name = f"{file_sha256(path)[:32]}.{EXTENSIONS[kind]}"
                sizes[kind] = self.media.put_file(BULLETIN_PREFIX + name, path, move=True)
                files[kind] = name
        if lost.is_set():
            return
        self.store.bulletins.put_build(BulletinBuildRow(
            bulletin_id=job.bulletin_id, fingerprint=result.fingerprint,
            duration_ms=result.duration_ms, files=files, sizes=sizes,
            cues=[c.to_dict() for c in result.cues], loudness=reports,
            engines=result.engines,
            warning=result.warning.message if result.warning is not None else None))
        self.store.jobs.finish(job.id, self.owner, status="done")
        log.info("job %d: bulletin %d built (%d ms, %s)", job.id, job.bulletin_id,
                 result.duration_ms, files)


def _lower_priority() -> None:
    """Lower this thread's CPU priority (and its ffmpeg children's): Linux renices threads."""
    if not sys.platform.startswith("linux"):
        return
    try:
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, min(19, os.getpriority(os.PRIO_PROCESS, tid) + 10))
    except OSError:
        pass


def download_name(title: str, kind: str) -> tuple[str, str]:
    """Return (ASCII fallback, Unicode) file names for an article's audio download."""
    import unicodedata

    ext = EXTENSIONS.get(kind, "mp3")
    suffix, ascii_suffix = DOWNLOAD_SUFFIXES.get(kind, ("", ""))
    pretty = unicodedata.normalize("NFC", f"{title.strip()}{suffix}")[:120].strip()
    for bad in '/\\:*?"<>|\r\n\t':
        pretty = pretty.replace(bad, " ")
    ascii_name = ascii_slug(title, 80) + ascii_suffix
    return f"{ascii_name}.{ext}", f"{pretty}.{ext}"


def start_workers(store: Store, pipeline: Any, settings: Settings, count: int,
                  stop: threading.Event, wake: threading.Event,
                  on_worker: Callable[[Worker], None] | None = None) -> list[threading.Thread]:
    """Start `count` worker threads inside this process."""
    threads = []
    for n in range(count):
        worker = Worker(store, pipeline, settings, wake=wake, background_extras=True)
        if on_worker:
            on_worker(worker)
        thread = threading.Thread(target=worker.run_forever, args=(stop,),
                                  name=f"bantin-worker-{n}", daemon=True)
        thread.start()
        threads.append(thread)
    return threads
