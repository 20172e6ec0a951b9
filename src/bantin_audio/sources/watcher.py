"""The watcher: polls each source on its schedule and hands new, changed and gone articles on.

One poll of a source reads its discovery documents (conditionally: ETag / Last-Modified),
records the article addresses it has not seen (on the very first poll only the latest N), and
then works through the addresses that are due: new ones are fetched, cleaned and queued for
synthesis; known ones are re-read now and then (conditionally) so an edited article is read
again (only its changed paragraphs are synthesized anew: the store keeps the others) and one
that answers 404/410 twice is withdrawn from public pages, its audio kept for the admin.
A failing source backs off exponentially and shows its error; nothing stops the watcher.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ..config import Settings
from ..errors import BantinError
from ..ingest.fetch import HTTPStatusError
from ..jobqueue import PRIORITY_BACKFILL, PRIORITY_NORMAL, InProcessQueue, JobQueue
from ..jobs import ArticleSource, queue_source
from ..store import SourceItemRow, SourceRow, Store
from .config import SourceConfig
from .discover import DiscoveryError, Found, read_feed, read_listing, read_sitemap
from .polite import PoliteFetcher, RobotsDisallowed, backoff_delay

log = logging.getLogger(__name__)

MAX_DISCOVERY_BYTES = 5 * 1024 * 1024  # a feed or sitemap larger than this is refused
MAX_NEW_PER_POLL = 100  # addresses recorded from one later poll (more is a flood, not news)
MAX_FETCHES_PER_POLL = 40  # articles fetched in one poll; the rest wait for the next
MAX_POLL_S = 120.0  # a poll stops starting new fetches after this long
RECHECK_FACTOR = 6  # a known article is re-read every this many poll intervals...
RECHECK_WINDOW_S = 14 * 24 * 3600.0  # ...while it is younger than two weeks
GONE_LIMIT = 2  # 404/410 this many times in a row: withdrawn
FEED_ACCEPT = ("application/rss+xml, application/atom+xml, application/xml;q=0.9, "
               "text/xml;q=0.9, */*;q=0.5")
SITEMAP_ACCEPT = "application/xml, text/xml;q=0.9, */*;q=0.5"


@dataclass
class ImportOutcome:
    """What reading one article address did."""

    article_id: int | None
    created: bool = False
    changed: bool = False
    not_modified: bool = False
    etag: str | None = None
    last_modified: str | None = None
    page_hash: str | None = None
    job_id: int | None = None  # the job that fetches, cleans and reads it


Importer = Callable[[SourceRow, SourceItemRow], ImportOutcome]


@dataclass
class PollReport:
    """The outcome of one poll of one source (for logs, the CLI and tests)."""

    source: str
    found: int = 0
    new: int = 0
    imported: int = 0
    changed: int = 0
    withdrawn: int = 0
    failed: int = 0
    error: str | None = None
    skipped_first_poll: int = 0
    errors: list[str] = field(default_factory=list)


class Watcher:
    """Polls the registered sources; safe to run in a thread beside the web service."""

    def __init__(self, store: Store, settings: Settings, *,
                 wake_jobs: threading.Event | None = None, queue: JobQueue | None = None,
                 fetcher: PoliteFetcher | None = None, importer: Importer | None = None,
                 clock: Callable[[], float] = time.time,
                 may_poll: Callable[[], bool] | None = None) -> None:
        self.store = store
        self.settings = settings
        self.wake_jobs = wake_jobs
        # Where queued jobs are announced: the given queue, else this process's workers.
        self.queue: JobQueue | None = queue if queue is not None else \
            InProcessQueue(wake_jobs) if wake_jobs is not None else None
        self.fetcher = fetcher or PoliteFetcher(settings)
        self.importer = importer or self.hand_over
        self.clock = clock
        # Asked before each poll: in the scaled mode, whether this process still holds the
        # deployment's watcher lock (a process that stalled past the lock's expiry finds
        # another watcher in its place and leaves the poll to it).
        self.may_poll = may_poll
        self.wake = threading.Event()  # set when a source is added or changed

    # -- loop -----------------------------------------------------------------------------

    def run_forever(self, stop: threading.Event, max_sleep_s: float = 5.0) -> None:
        """Poll due sources until `stop` is set; sleep until the next one is due."""
        log.info("watcher started")
        while not stop.is_set():
            try:
                self.run_once()
            except Exception:  # a bug must not stop the watcher: log it and go on
                log.exception("watcher: unexpected error")
            wait = max_sleep_s
            try:
                upcoming = [s.next_poll_at or 0.0 for s in self.store.sources.all()
                            if not s.paused]
                if upcoming:
                    wait = min(max_sleep_s, max(0.05, min(upcoming) - self.clock()))
            except Exception:
                log.exception("watcher: could not read the schedule")
            if self.wake.wait(wait):
                self.wake.clear()
        log.info("watcher stopped")

    def run_once(self) -> list[PollReport]:
        """Poll every source that is due now; return one report per source polled."""
        reports = []
        for source in self.store.sources.all():
            try:
                self._link_queued(source, SourceConfig.from_dict(source.config))
            except Exception:  # noqa: BLE001 - linking is retried on the next round
                log.exception("source %s: could not link queued articles", source.name)
        for source in self.store.sources.due(self.clock()):
            if self.may_poll is not None and not self.may_poll():
                log.info("watcher: another process watches the portals now; polls left to it")
                break
            reports.append(self.poll(source))
        return reports

    def poll(self, source: SourceRow) -> PollReport:
        """Poll one source now, whatever its schedule; never raises for the portal's faults."""
        report = PollReport(source=source.name)
        config = SourceConfig.from_dict(source.config)
        started = self.clock()
        try:
            found, validators, partial = self._discover(source, config)
        except BantinError as exc:
            return self._failed(source, config, exc, report, started)
        except Exception as exc:  # noqa: BLE001 - the source shows it; the watcher goes on
            log.exception("source %s: unexpected error while discovering", source.name)
            return self._failed(source, config, exc, report, started)
        report.found = len(found)
        self._link_queued(source, config)
        self._record_found(source, config, found, report, started)
        self._work(source, config, report, started)
        # The discovery worked: errors of single documents or articles are shown, but the
        # source keeps its schedule (those addresses back off on their own).
        problems = []
        if partial is not None:
            problems.append(partial.message)
        if report.failed:
            problems.append(f"{report.failed} bài không đọc được: {report.errors[0]}")
        report.error = "; ".join(problems) or None
        self.store.sources.record_poll(source.id, at=started,
                                       next_at=started + config.poll_interval_s, error=report.error,
                                       failures=0, validators=validators)
        log.info("source %s polled: %d found, %d new, %d read, %d changed, %d withdrawn, "
                 "%d failed", source.name, report.found, report.new, report.imported,
                 report.changed, report.withdrawn, report.failed)
        return report

    # -- discovery ------------------------------------------------------------------------

    def _discover(self, source: SourceRow, config: SourceConfig,
                  ) -> tuple[list[Found], dict[str, dict[str, str]], BantinError | None]:
        hosts = self._fetch_hosts(source, config)
        validators = dict(source.validators)
        found: list[Found] = []
        errors: list[BantinError] = []
        documents = config.discovery()
        for kind, url in documents:
            try:
                found += self._read_document(kind, url, hosts, config, validators)
            except BantinError as exc:
                log.warning("source %s: %s %s: %s", source.name, kind, url, exc.message)
                errors.append(exc)
        if errors and len(errors) == len(documents):
            raise errors[0]
        seen: set[str] = set()
        unique = []
        for f in found:
            if f.url not in seen and config.wants(f.url):
                seen.add(f.url)
                unique.append(f)
        return unique, validators, errors[0] if errors else None

    def _read_document(self, kind: str, url: str, hosts: frozenset[str], config: SourceConfig,
                       validators: dict[str, dict[str, str]], depth: int = 0) -> list[Found]:
        known = validators.get(url, {})
        page = self.fetcher.fetch(url, hosts=hosts, etag=known.get("etag"),
                                  last_modified=known.get("last_modified"),
                                  accept=FEED_ACCEPT if kind == "feed" else
                                  SITEMAP_ACCEPT if kind == "sitemap" else None,
                                  max_bytes=MAX_DISCOVERY_BYTES)
        if page.not_modified:
            return []
        if kind == "feed":
            result = read_feed(page.content, page.url)
        elif kind == "listing":
            result = read_listing(page.content, page.url, config.hosts)
        else:
            sitemap = read_sitemap(page.content, page.url)
            result = sitemap.found
            if depth == 0:
                for child in sitemap.children:
                    result += self._read_document("sitemap", child, hosts, config, validators,
                                                  depth + 1)
            elif sitemap.children:
                raise DiscoveryError(f"Sitemap {url} lồng quá sâu")
        # Remember the validators only after the document was read without error.
        validators[url] = {k: v for k, v in (("etag", page.etag),
                                             ("last_modified", page.last_modified)) if v}
        return result

    def _fetch_hosts(self, source: SourceRow, config: SourceConfig) -> frozenset[str]:
        from .canonical import host_of

        hosts = set(config.hosts) | {host_of(source.base_url)}
        hosts |= {host_of(u) for _, u in config.discovery()}
        return frozenset(h for h in hosts if h)

    def _record_found(self, source: SourceRow, config: SourceConfig, found: list[Found],
                      report: PollReport, now: float) -> None:
        known = self.store.sources.items(source.id, [f.url for f in found])
        fresh = [f for f in found if f.url not in known]
        take = config.first_take if not source.polled else MAX_NEW_PER_POLL
        rows = [(f.url, f.lastmod, "new" if n < take else "skipped")
                for n, f in enumerate(fresh)]
        report.new = min(len(fresh), take)
        report.skipped_first_poll = max(0, len(fresh) - take)
        self.store.sources.add_items(source.id, rows, now)
        for url, _, status in rows:
            if status == "skipped":
                self.store.sources.update_item(source.id, url, next_check=None)
        for f in found:
            item = known.get(f.url)
            if item is not None and f.lastmod and item.lastmod and f.lastmod > item.lastmod:
                # The document says the article changed: re-read it in this poll.
                self.store.sources.update_item(source.id, f.url, lastmod=f.lastmod,
                                               next_check=now)
            elif item is not None and f.lastmod and not item.lastmod:
                self.store.sources.update_item(source.id, f.url, lastmod=f.lastmod)

    # -- articles -------------------------------------------------------------------------

    def _work(self, source: SourceRow, config: SourceConfig, report: PollReport,
              started: float) -> None:
        due = self.store.sources.due_items(source.id, started, MAX_FETCHES_PER_POLL)
        for item in due:
            if self.clock() - started > MAX_POLL_S:
                break
            self._read_item(source, config, item, report)

    def _read_item(self, source: SourceRow, config: SourceConfig, item: SourceItemRow,
                   report: PollReport) -> None:
        now = self.clock()
        recheck_at: float | None = now + config.poll_interval_s * RECHECK_FACTOR
        if now - item.first_seen > RECHECK_WINDOW_S and item.article_id is not None:
            recheck_at = None  # old news: no longer re-read
        try:
            outcome = self.importer(source, item)
        except HTTPStatusError as exc:
            if exc.status in (404, 410) and not isinstance(exc, RobotsDisallowed):
                self._gone(source, item, report, now, recheck_at)
                return
            self._item_failed(source, config, item, exc, report, now, exc.retry_after)
            return
        except BantinError as exc:
            self._item_failed(source, config, item, exc, report, now, None)
            return
        except Exception as exc:  # noqa: BLE001 - one bad page must not stop the others
            log.exception("source %s: unexpected error reading %s", source.name, item.url)
            self._item_failed(source, config, item, exc, report, now, None)
            return
        values: dict[str, object] = {"gone": 0, "failures": 0, "error": None,
                                     "checked_at": now}
        if outcome.etag or outcome.last_modified:
            values.update(etag=outcome.etag, last_modified=outcome.last_modified)
        if outcome.page_hash:
            values["page_hash"] = outcome.page_hash
        if item.article_id is None and outcome.article_id is None:
            # Handed to a job: linked to its article once the job has read it.
            values.update(status="queued", job_id=outcome.job_id, next_check=None)
            report.imported += 1
        else:
            values.update(status="imported", next_check=recheck_at,
                          article_id=outcome.article_id or item.article_id)
            if item.article_id is None:
                report.imported += 1
        self.store.sources.update_item(source.id, item.url, **values)
        if item.status == "withdrawn" and item.article_id is not None:
            # It is back on the portal: back on our pages.
            if self.store.articles.hold_reason(item.article_id) == "withdrawn":
                self.store.articles.release(item.article_id)
            log.info("source %s: %s is back", source.name, item.url)
        if outcome.changed:
            report.changed += 1
            log.info("source %s: %s changed, article %s re-read by job %s", source.name,
                     item.url, item.article_id, outcome.job_id)

    def _link_queued(self, source: SourceRow, config: SourceConfig) -> None:
        """Link addresses handed to jobs to the articles the jobs read (or note their failure)."""
        now = self.clock()
        for item in self.store.sources.queued_items(source.id):
            job = None
            if item.job_id is not None:
                try:
                    job = self.store.jobs.get(item.job_id)
                except BantinError:
                    job = None
            article_id = job.article_id if job is not None else None
            if article_id is None:
                found = self.store.articles.by_url(item.url)
                article_id = found.id if found is not None else None
            if article_id is not None:
                self.store.sources.update_item(
                    source.id, item.url, status="imported", article_id=article_id,
                    next_check=now + config.poll_interval_s * RECHECK_FACTOR)
                if config.approval == "editor" \
                        and self.store.articles.hold_reason(article_id) is None:
                    # Read from another address (a redirect): the hold by address missed it.
                    self.store.articles.hold(article_id, "awaiting_approval")
            elif job is None or job.status == "failed":
                failures = item.failures + 1
                self.store.sources.update_item(
                    source.id, item.url, status="failed", failures=failures,
                    error=(job.error if job is not None else None) or
                    "Công việc đọc bài không còn", job_id=None,
                    next_check=now + backoff_delay(config.poll_interval_s, failures - 1))

    def _gone(self, source: SourceRow, item: SourceItemRow, report: PollReport, now: float,
              recheck_at: float | None) -> None:
        gone = item.gone + 1
        if gone < GONE_LIMIT:
            # Once may be a hiccup: look again at the next poll before withdrawing.
            self.store.sources.update_item(source.id, item.url, gone=gone, checked_at=now,
                                           next_check=now + 1e-3,
                                           error="Trang trả lỗi 404/410 (bài có thể đã bị gỡ)")
            return
        self.store.sources.update_item(
            source.id, item.url, gone=gone, status="withdrawn" if item.article_id or
            item.status != "new" else "skipped", checked_at=now, next_check=recheck_at,
            error="Bài đã bị gỡ khỏi cổng thông tin (404/410 hai lần)")
        if item.article_id is not None and item.status != "withdrawn":
            self.store.articles.hold(item.article_id, "withdrawn")
            report.withdrawn += 1
            log.info("source %s: %s withdrawn (article %d)", source.name, item.url,
                     item.article_id)

    def _item_failed(self, source: SourceRow, config: SourceConfig, item: SourceItemRow,
                     exc: Exception, report: PollReport, now: float,
                     retry_after: float | None) -> None:
        failures = item.failures + 1
        message = exc.message if isinstance(exc, BantinError) else \
            "Lỗi không mong đợi khi đọc bài (xem nhật ký máy chủ)"
        self.store.sources.update_item(
            source.id, item.url, failures=failures, error=message, checked_at=now,
            status="failed" if item.status == "new" else item.status,
            next_check=now + backoff_delay(config.poll_interval_s, failures - 1, retry_after))
        report.failed += 1
        report.errors.append(message)
        log.warning("source %s: %s: %s", source.name, item.url, message)

    def _failed(self, source: SourceRow, config: SourceConfig, exc: Exception,
                report: PollReport, started: float) -> PollReport:
        failures = source.failures + 1
        retry_after = exc.retry_after if isinstance(exc, HTTPStatusError) else None
        delay = backoff_delay(config.poll_interval_s, failures - 1, retry_after)
        message = _plain_error(exc, delay)
        report.error = message
        self.store.sources.record_poll(source.id, at=started, next_at=started + delay,
                                       error=message, failures=failures)
        log.warning("source %s failed (%d in a row), next poll in %.0f s: %s", source.name,
                    failures, delay, message)
        return report

    # -- the default hand-over to jobs ----------------------------------------------------

    def hand_over(self, source: SourceRow, item: SourceItemRow) -> ImportOutcome:
        """Hand an address to the jobs: a new one is queued to be fetched, cleaned and read;
        a known one is re-fetched here conditionally and queued again only if it changed."""
        config = SourceConfig.from_dict(source.config)
        hosts = frozenset(config.hosts)
        if item.article_id is None:
            existing = self.store.articles.by_url(item.url)
            if existing is not None:  # found through another source or pasted by an editor
                return ImportOutcome(existing.id)
            self.fetcher.check_allowed(item.url, hosts=hosts)
            if config.approval == "editor":
                self.store.articles.hold_url(item.url, "awaiting_approval")
            # A source's first take is back-fill: a listener's article goes before it.
            priority = PRIORITY_NORMAL if source.polled else PRIORITY_BACKFILL
            queued = queue_source(self.store, ArticleSource.from_url(item.url, self.settings),
                                  self.queue, priority)
            return ImportOutcome(queued.article.id if queued.article else None,
                                 created=queued.created, job_id=queued.job.id)
        page = self.fetcher.fetch(item.url, hosts=hosts, etag=item.etag,
                                  last_modified=item.last_modified)
        if page.not_modified:
            return ImportOutcome(item.article_id, not_modified=True, etag=page.etag,
                                 last_modified=page.last_modified, page_hash=item.page_hash)
        digest = hashlib.sha256(page.content).hexdigest()
        outcome = ImportOutcome(item.article_id, etag=page.etag,
                                last_modified=page.last_modified, page_hash=digest)
        if digest != item.page_hash:
            # The page changed (or was never hashed): the job reads it again; the store keeps
            # every paragraph whose spoken text is unchanged, so only the rest is synthesized.
            queued = queue_source(self.store, ArticleSource.from_url(item.url, self.settings),
                                  self.queue, PRIORITY_NORMAL)
            outcome.job_id = queued.job.id
            outcome.changed = item.page_hash is not None
        return outcome


def _plain_error(exc: Exception, delay_s: float) -> str:
    """Return a source's error in plain Vietnamese, with when it will be tried again."""
    when = _minutes(delay_s)
    if isinstance(exc, RobotsDisallowed):
        return f"{exc.message}. Sẽ kiểm tra lại sau {when}."
    if isinstance(exc, HTTPStatusError):
        if exc.status == 429:
            return (f"Cổng thông tin yêu cầu đọc chậm lại (HTTP 429). "
                    f"Sẽ thử lại sau {when}.")
        if exc.status >= 500:
            return f"Cổng thông tin đang gặp lỗi (HTTP {exc.status}). Sẽ thử lại sau {when}."
        if exc.status in (404, 410):
            return (f"Không tìm thấy địa chỉ tìm bài (HTTP {exc.status}): kiểm tra lại địa chỉ "
                    f"RSS, sitemap hoặc trang danh sách. Sẽ thử lại sau {when}.")
        return f"{exc.message}. Sẽ thử lại sau {when}."
    if isinstance(exc, BantinError):
        hint = f" ({exc.hint})" if exc.hint else ""
        return f"{exc.message}{hint}. Sẽ thử lại sau {when}."
    return f"Lỗi không mong đợi (xem nhật ký máy chủ). Sẽ thử lại sau {when}."


def _minutes(seconds: float) -> str:
    if seconds < 90:
        return f"{round(seconds)} giây"
    if seconds < 5400:
        return f"{round(seconds / 60)} phút"
    return f"{seconds / 3600:.1f} giờ".replace(".", ",")


def start_watcher(store: Store, settings: Settings, stop: threading.Event,
                  wake_jobs: threading.Event | None = None,
                  queue: JobQueue | None = None,
                  may_poll: Callable[[], bool] | None = None) -> tuple[Watcher, threading.Thread]:
    """Start a watcher in a daemon thread; it stops when `stop` is set (and its wake too)."""
    watcher = Watcher(store, settings, wake_jobs=wake_jobs, queue=queue, may_poll=may_poll)
    thread = threading.Thread(target=watcher.run_forever, args=(stop,), name="bantin-watcher",
                              daemon=True)
    thread.start()
    return watcher, thread
