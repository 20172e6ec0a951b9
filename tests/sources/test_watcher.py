"""The watcher against the fake portal: new, edited, deleted and duplicate articles, and a
portal that misbehaves in every way we have met (the watcher never stops)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from bantin_audio.config import Settings
from bantin_audio.jobs import Worker
from bantin_audio.sources.watcher import RECHECK_FACTOR, Watcher
from bantin_audio.store import SourceRow, Store
from tests.fakeportal import FakePortal, sample_article
from tests.fakes import FakeGoogle
from tests.sources.conftest import Clock

AddSource = Callable[..., SourceRow]


def _publish(portal: FakePortal, n: int, age_s: float = 0.0) -> Any:
    return portal.publish(**sample_article(n), at=time.time() - age_s)


def _articles(store: Store) -> dict[str, Any]:
    return {a.source_url: a for a in store.articles.recent(limit=500, include_held=True)}


def test_new_articles_are_handed_to_jobs(portal: FakePortal, store: Store, watcher: Watcher,
                                         worker: Worker, add_source: AddSource,
                                         clock: Clock) -> None:
    first = _publish(portal, 1, 60)
    src = add_source()
    [report] = watcher.run_once()
    assert (report.found, report.new, report.imported, report.error) == (1, 1, 1, None)
    url = portal.article_url(first).lower()
    # The watcher fetched no article page: a job fetches, cleans and reads it.
    assert not portal.hits(first.path.lower())
    [job] = store.jobs.recent()
    assert (job.source_url, job.status) == (url, "queued")
    worker.run_until_idle()
    articles = _articles(store)
    assert list(articles) == [url]  # the feed's tracking parameters never reached it
    row = articles[url]
    assert row.article.title == first.title
    assert row.article.paragraphs == first.paragraphs
    assert store.jobs.latest_for_article(row.id).status == "done"
    # Not due yet: nothing is polled, but the finished job is linked to its address.
    assert watcher.run_once() == []
    assert store.sources.get(src.id).articles_found == 1
    second = _publish(portal, 2)
    clock.advance(src.poll_interval_s)
    [report] = watcher.run_once()
    assert report.imported == 1
    worker.run_until_idle()
    assert portal.article_url(second).lower() in _articles(store)
    # The portal was asked politely: our User-Agent, robots.txt first, the feed conditionally.
    assert all("bantin-audio" in r.headers.get("User-Agent", "") for r in portal.requests)
    assert portal.requests[0].path == "/robots.txt"
    assert portal.hits("/rss.xml")[-1].headers.get("If-None-Match")
    assert portal.max_in_flight == 1


def test_first_poll_takes_only_the_latest_n(portal: FakePortal, store: Store, watcher: Watcher,
                                            worker: Worker, add_source: AddSource,
                                            clock: Clock) -> None:
    arts = [_publish(portal, n, age_s=1000 - n) for n in range(8)]
    add_source(first_take=3)
    [report] = watcher.run_once()
    assert (report.new, report.imported, report.skipped_first_poll) == (3, 3, 5)
    worker.run_until_idle()
    assert set(_articles(store)) == {portal.article_url(a).lower() for a in arts[-3:]}
    # The older ones stay skipped; a later article is still taken.
    newer = _publish(portal, 99)
    clock.advance(600)
    [report] = watcher.run_once()
    assert report.imported == 1
    worker.run_until_idle()
    assert len(_articles(store)) == 4
    assert portal.article_url(newer).lower() in _articles(store)


def test_duplicates_across_documents_and_sources_are_read_once(
        portal: FakePortal, store: Store, watcher: Watcher, worker: Worker,
        add_source: AddSource) -> None:
    art = _publish(portal, 1)
    add_source("qua-rss-va-sitemap", sitemap=True, listing=True)
    add_source("nguon-thu-hai", feed=False, listing=True)
    reports = watcher.run_once()
    assert [r.error for r in reports] == [None, None]
    assert len(store.jobs.recent()) == 1  # one job for the one article
    worker.run_until_idle()
    watcher.run_once()
    assert list(_articles(store)) == [portal.article_url(art).lower()]
    assert len(portal.hits(art.path.lower())) == 1  # its page was fetched once
    assert all(s.articles_found == 1 for s in store.sources.all())


def test_an_edited_article_is_read_again_and_only_changed_paragraphs_synthesized(
        portal: FakePortal, store: Store, watcher: Watcher, worker: Worker,
        fake_google: FakeGoogle, add_source: AddSource, clock: Clock) -> None:
    art = _publish(portal, 1)
    src = add_source(sitemap=True, feed=False)
    watcher.run_once()
    worker.run_until_idle()
    row = next(iter(_articles(store).values()))
    # Re-checks are conditional: once the page is known, it gets 304 and changes nothing.
    for _ in range(3):
        clock.advance(src.poll_interval_s * RECHECK_FACTOR)
        [report] = watcher.run_once()
        worker.run_until_idle()
        assert report.changed == 0
    assert portal.hits(art.path.lower())[-1].headers.get("If-None-Match")
    assert portal.hits(art.path.lower())[-1].status == 304
    spoken_before = fake_google.requests
    # The editor fixes one paragraph: the sitemap's lastmod changes, the page is re-read at
    # the next poll, and only that paragraph is synthesized again.
    fixed = list(art.paragraphs)
    fixed[1] = "Toàn xã hiện có 412 trẻ trong độ tuổi tiêm chủng, đạt tỷ lệ 99 phần trăm."
    portal.edit(art.id, paragraphs=fixed)
    clock.advance(src.poll_interval_s)
    [report] = watcher.run_once()
    assert report.changed == 1
    worker.run_until_idle()
    assert store.articles.get(row.id).article.paragraphs == fixed
    statuses = [s.status for s in store.articles.segments(row.id)]
    assert statuses == ["done"] * len(statuses)
    new_texts = fake_google.texts[spoken_before:]
    assert new_texts and all("Trạm Y tế" not in t and "Buổi tiêm" not in t for t in new_texts)


def test_a_deleted_article_is_withdrawn_after_two_404s(
        portal: FakePortal, store: Store, watcher: Watcher, worker: Worker,
        add_source: AddSource, clock: Clock) -> None:
    art = _publish(portal, 1)
    keep = _publish(portal, 2)
    src = add_source()
    watcher.run_once()
    worker.run_until_idle()
    assert watcher.run_once() == []  # links the read articles to their addresses
    rows = _articles(store)
    gone_id = rows[portal.article_url(art).lower()].id
    portal.delete(art.id)
    clock.advance(src.poll_interval_s * RECHECK_FACTOR)
    [report] = watcher.run_once()
    assert report.withdrawn == 0  # once may be a hiccup
    assert store.articles.hold_reason(gone_id) is None
    clock.advance(src.poll_interval_s)
    [report] = watcher.run_once()
    assert report.withdrawn == 1
    assert store.articles.hold_reason(gone_id) == "withdrawn"
    public = {a.id for a in store.articles.recent()}
    assert gone_id not in public and rows[portal.article_url(keep).lower()].id in public
    # Its audio and row stay for the admin.
    assert store.articles.get(gone_id).article.title == art.title
    assert store.renditions.for_article(gone_id)


def test_approval_waits_for_an_editor(portal: FakePortal, store: Store, watcher: Watcher,
                                      worker: Worker, add_source: AddSource) -> None:
    _publish(portal, 1)
    add_source(approval="editor")
    watcher.run_once()
    worker.run_until_idle()
    [held] = store.articles.held("awaiting_approval")
    assert store.articles.recent() == []
    assert store.articles.release(held.id)
    assert [a.id for a in store.articles.recent()] == [held.id]


def _poll_error(watcher: Watcher, store: Store, src: SourceRow) -> tuple[str | None, Any]:
    [report] = watcher.run_once()
    return report.error, store.sources.get(src.id)


def test_malformed_feed_and_sitemap_show_an_error(portal: FakePortal, store: Store,
                                                  watcher: Watcher, add_source: AddSource,
                                                  clock: Clock) -> None:
    _publish(portal, 1)
    portal.feed_override = b"<rss><channel><item><title>Thi\xe1\xbb"
    src = add_source()
    error, row = _poll_error(watcher, store, src)
    assert error and "RSS" in error
    assert row.last_error == error and row.failures == 1
    portal.sitemap_override = b"<?xml version='1.0'?><urlset><url><loc>x</loc></urlset"
    src2 = add_source("sitemap-hong", feed=False, sitemap=True)
    clock.advance(10_000)
    reports = watcher.run_once()
    assert {r.source: bool(r.error) for r in reports} == {"yen-hoa": True, "sitemap-hong": True}
    assert "sitemap" in (store.sources.get(src2.id).last_error or "").lower()
    assert _articles(store) == {}


def test_listing_without_links_shows_an_error(portal: FakePortal, store: Store,
                                              watcher: Watcher, add_source: AddSource) -> None:
    portal.listing_override = "<html><body><nav><a href='/'>Trang chủ</a></nav>" \
        "<p>Chưa có tin nào.</p></body></html>"
    src = add_source(feed=False, listing=True)
    error, row = _poll_error(watcher, store, src)
    assert error and "không có liên kết bài viết" in error


def test_portal_down_backs_off_and_recovers(portal: FakePortal, store: Store,
                                            watcher: Watcher, worker: Worker,
                                            add_source: AddSource, clock: Clock) -> None:
    _publish(portal, 1)
    portal.status = 503
    src = add_source(poll_interval_s=120)
    delays = []
    for _ in range(3):
        before = clock.now
        error, row = _poll_error(watcher, store, src)
        assert error and "HTTP 503" in error and "thử lại sau" in error
        delays.append(row.next_poll_at - before)
        clock.now = row.next_poll_at
    assert delays == [120, 240, 480]  # exponential backoff
    portal.status = None
    error, row = _poll_error(watcher, store, src)
    assert error is None and row.failures == 0 and row.last_error is None
    worker.run_until_idle()
    assert len(_articles(store)) == 1


def test_connection_refused_is_an_error_not_a_crash(store: Store, watcher: Watcher,
                                                    clock: Clock) -> None:
    from bantin_audio.sources.config import parse_source_config

    base, config = parse_source_config("http://127.0.0.2:9/", feeds=["http://127.0.0.2:9/rss"])
    src = store.sources.add("tat-may", base, config.to_dict())
    error, row = _poll_error(watcher, store, src)
    assert error and "Không kết nối được" in error
    assert row.failures == 1


def test_429_honours_retry_after(portal: FakePortal, store: Store, watcher: Watcher,
                                 add_source: AddSource, clock: Clock) -> None:
    portal.status_paths["/rss.xml"] = 429
    portal.retry_after = "3600"
    src = add_source(poll_interval_s=120)
    error, row = _poll_error(watcher, store, src)
    assert error and "429" in error and "chậm lại" in error
    assert row.next_poll_at - clock.now >= 3600


def test_redirect_to_another_host_is_refused(portal: FakePortal, store: Store,
                                             watcher: Watcher, add_source: AddSource) -> None:
    portal.redirect_to = "http://127.0.0.3:9/rss.xml"
    src = add_source()
    error, row = _poll_error(watcher, store, src)
    assert error and "không thuộc nguồn này" in error
    assert not [r for r in portal.requests if r.path != "/robots.txt" and r.path != "/rss.xml"]


def test_huge_feed_is_capped(portal: FakePortal, store: Store, watcher: Watcher,
                             add_source: AddSource, clock: Clock) -> None:
    item = "<item><title>Tin</title><link>{}/Pages/tin-tuc-su-kien/bai-{}.aspx</link></item>"
    entries = "".join(item.format(portal.url, n) for n in range(5000))
    portal.feed_override = f"<rss version='2.0'><channel><title>x</title>{entries}" \
        "</channel></rss>".encode()
    portal.status_paths = {f"/pages/tin-tuc-su-kien/bai-{n}.aspx": 404 for n in range(5000)}
    src = add_source(first_take=5)
    [report] = watcher.run_once()
    assert report.found == 1000  # entries read from one document are capped
    assert report.new == 5
    # Bigger than the discovery cap: refused with a clear error, the watcher goes on.
    portal.feed_override = b"<rss version='2.0'><channel>" + b" " * (6 * 1024 * 1024) + \
        b"</channel></rss>"
    clock.advance(src.poll_interval_s)
    error, row = _poll_error(watcher, store, src)
    assert error and "lớn hơn giới hạn" in error


def test_robots_txt_is_honoured(portal: FakePortal, store: Store, watcher: Watcher,
                                add_source: AddSource) -> None:
    _publish(portal, 1)
    portal.robots = "User-agent: bantin-audio\nDisallow: /rss.xml\n"
    src = add_source()
    error, row = _poll_error(watcher, store, src)
    assert error and "robots.txt" in error
    assert not portal.hits("/rss.xml")


def test_paused_source_is_not_polled_and_nothing_stops_the_watcher(
        portal: FakePortal, store: Store, watcher: Watcher, worker: Worker,
        add_source: AddSource, clock: Clock) -> None:
    import threading

    _publish(portal, 1)
    bad = add_source("hong", feed=False, listing=True)
    portal.listing_override = "<html><body></body></html>"
    good = add_source("tot")
    paused = add_source("tam-dung")
    store.sources.update(paused.id, paused=True)
    stop = threading.Event()
    thread = threading.Thread(target=watcher.run_forever, args=(stop, 0.05), daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and store.sources.get(good.id).last_poll_at is None:
        time.sleep(0.05)
    stop.set()
    watcher.wake.set()
    thread.join(10)
    assert not thread.is_alive()
    worker.run_until_idle()
    watcher.run_once()
    assert store.sources.get(good.id).articles_found == 1
    assert store.sources.get(bad.id).last_error
    assert store.sources.get(paused.id).last_poll_at is None


def test_a_watcher_that_lost_the_deployments_lock_leaves_the_polls_to_the_new_holder(
        portal: FakePortal, store: Store, watch_settings: Settings, add_source: AddSource,
        clock: Clock) -> None:
    from bantin_audio.sources.polite import PoliteFetcher

    _publish(portal, 1, 60)
    add_source("xa-mot")
    add_source("xa-hai")
    answers = iter([True, False])  # the lock is lost between the first poll and the second
    watcher = Watcher(store, watch_settings, clock=clock,
                      fetcher=PoliteFetcher(watch_settings, min_gap_s=0.0),
                      may_poll=lambda: next(answers))
    reports = watcher.run_once()
    assert [r.source for r in reports] == ["xa-mot"]
    assert len(portal.hits("/rss.xml")) == 1
    [due] = store.sources.due(clock())  # still due, for the process that holds the lock now
    assert due.name == "xa-hai"
