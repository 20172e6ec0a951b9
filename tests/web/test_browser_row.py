"""The news in a row in Chromium: "Nghe tiếp" on the article page, the playlist page with its
Media Session track actions, and the readable podcast page; each with keyboard, axe and no-JS.

Reuses the live server and browser of test_browser (started once more for this module)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.web import test_browser
from tests.web.test_browser import AUDIO, Live, _axe, _reader

pytestmark = pytest.mark.browser

live = test_browser.live
browser = test_browser.browser
article = test_browser.article
page = test_browser.page

STATUS = "document.getElementById('thong-bao').textContent"
LIST_AUDIO = "document.getElementById('ds-am-thanh')"
NEWER = ("Xã Quang Thuận khánh thành nhà văn hóa thôn\n\nSáng nay, xã Quang Thuận tổ chức lễ "
         "khánh thành nhà văn hóa thôn Nà Pài.\n\nCông trình có tổng mức đầu tư hơn một tỷ "
         "đồng, do nhân dân đóng góp một phần.")
# Every Media Session handler the page registers is kept, so a test can press what a headset
# or the lock screen would.
HANDLERS = """window.__ms = {};
const real = navigator.mediaSession.setActionHandler.bind(navigator.mediaSession);
navigator.mediaSession.setActionHandler = (name, fn) => {
    window.__ms[name] = fn; real(name, fn); };"""


@pytest.fixture(scope="module")
def newer(live: Live, article: dict[str, Any]) -> dict[str, Any]:
    """A second finished article, newer than `article`: its next article is `article`."""
    return live.submit_and_wait(NEWER)


@pytest.fixture
def forced(browser: Any) -> Iterator[Any]:
    """A page in forced-colours mode (Windows high contrast)."""
    ctx = browser.new_context()
    pg = ctx.new_page()
    pg.emulate_media(forced_colors="active")
    yield pg
    ctx.close()


def test_nghe_tiep_plays_the_next_article_when_turned_on(
        page: Any, live: Live, article: dict[str, Any], newer: dict[str, Any]) -> None:
    page.goto(_reader(live, newer))
    assert page.inner_text("#bai-tiep") == article["title"]
    assert not page.is_checked("#nghe-tiep")  # never on by itself
    page.focus("#nghe-tiep")
    page.keyboard.press("Space")
    page.wait_for_function(f"() => {STATUS} === 'Đã bật nghe tiếp'")
    assert _axe(page) == []
    page.reload()
    assert page.is_checked("#nghe-tiep")  # remembered
    # Listen to the end (from near the end, to keep the test short).
    page.click("[data-act=play]")
    page.wait_for_function(f"() => {AUDIO}.currentTime > 0.2")
    page.evaluate(f"{AUDIO}.currentTime = {AUDIO}.duration - 0.6")
    page.wait_for_function(f"() => {STATUS}.startsWith('Hết bài. Sau 5 giây sẽ phát bài tiếp"
                           f" theo: {article['title']}')")
    assert page.is_visible("#sap-chuyen")
    assert _axe(page) == []
    page.wait_for_url(_reader(live, article), timeout=15_000)
    page.wait_for_function(f"() => !{AUDIO}.paused && {AUDIO}.currentTime > 0.2")
    assert page.inner_text("[data-act=play]") == "Tạm dừng"
    assert page.evaluate("sessionStorage.getItem('nghetiep')") is None
    page.keyboard.press("k")


def test_nghe_tiep_can_be_cancelled_and_is_off_by_default(
        page: Any, live: Live, article: dict[str, Any], newer: dict[str, Any]) -> None:
    page.goto(_reader(live, newer))
    page.click("[data-act=play]")
    page.wait_for_function(f"() => {AUDIO}.currentTime > 0.2")
    page.evaluate(f"{AUDIO}.currentTime = {AUDIO}.duration - 0.4")
    page.wait_for_function(f"() => {AUDIO}.ended")
    page.wait_for_timeout(5600)
    assert page.url == _reader(live, newer)  # off: the article simply ends
    page.check("#nghe-tiep")
    page.click("[data-act=play]")
    page.wait_for_function(f"() => {AUDIO}.currentTime > 0.2")
    page.evaluate(f"{AUDIO}.currentTime = {AUDIO}.duration - 0.4")
    page.wait_for_selector("#sap-chuyen", state="visible")
    page.focus("#sap-chuyen button")
    page.keyboard.press("Enter")
    page.wait_for_function(f"() => {STATUS} === 'Ở lại bài này'")
    assert not page.is_visible("#sap-chuyen")
    page.wait_for_timeout(5600)
    assert page.url == _reader(live, newer)


def test_nghe_tiep_without_javascript_is_a_plain_link(
        browser: Any, live: Live, article: dict[str, Any], newer: dict[str, Any]) -> None:
    ctx = browser.new_context(java_script_enabled=False)
    pg = ctx.new_page()
    pg.goto(_reader(live, newer))
    assert not pg.is_visible("#nghe-tiep")
    pg.click("#bai-tiep")
    pg.wait_for_url(_reader(live, article))
    assert pg.is_visible("audio#am-thanh[controls]")
    ctx.close()


def test_playlist_plays_the_row_with_track_actions(
        page: Any, live: Live, article: dict[str, Any], newer: dict[str, Any]) -> None:
    page.add_init_script(HANDLERS)
    page.goto(live.base + "/nghe-lien")
    titles = page.eval_on_selector_all("#danh-sach h2", "hs => hs.map(h => h.textContent)")
    assert titles[:2] == [newer["title"], article["title"]]
    assert not page.is_visible("#ds-am-thanh") and page.is_visible("#ds-trinh-phat")
    assert page.get_attribute("#bai-1", "aria-current") == "true"
    assert page.evaluate("navigator.mediaSession.metadata.title") == newer["title"]
    assert page.evaluate("navigator.mediaSession.metadata.artwork[0].src").endswith(
        "/static/podcast.png")
    assert {"nexttrack", "previoustrack", "play", "pause"} <= set(
        page.evaluate("Object.keys(window.__ms)"))
    assert _axe(page) == []
    page.focus("#ds-trinh-phat [data-act=play]")
    page.keyboard.press("Enter")
    page.wait_for_function(f"() => {LIST_AUDIO}.currentTime > 0.2")
    # The first article ends: the second follows by itself.
    page.evaluate(f"{LIST_AUDIO}.currentTime = {LIST_AUDIO}.duration - 0.4")
    page.wait_for_function("() => document.getElementById('bai-2')"
                           ".getAttribute('aria-current') === 'true'")
    page.wait_for_function(f"() => !{LIST_AUDIO}.paused && {LIST_AUDIO}.currentTime > 0.2")
    assert page.inner_text("#dang-phat").startswith("Bài 2/")
    assert page.evaluate("navigator.mediaSession.metadata.title") == article["title"]
    assert page.get_attribute("#bai-1", "aria-current") is None
    src2 = page.evaluate(f"{LIST_AUDIO}.src")
    # A headset's "previous track" after a while goes back to the start of this article...
    page.wait_for_function(f"() => {LIST_AUDIO}.currentTime > 3.2", timeout=15_000)
    page.evaluate("window.__ms.previoustrack()")
    page.wait_for_function(f"() => {LIST_AUDIO}.currentTime < 1")
    assert page.evaluate(f"{LIST_AUDIO}.src") == src2
    # ...and at its start to the previous article, still playing.
    page.evaluate("window.__ms.previoustrack()")
    page.wait_for_function("() => document.getElementById('bai-1')"
                           ".getAttribute('aria-current') === 'true'")
    page.wait_for_function(f"() => !{LIST_AUDIO}.paused && {LIST_AUDIO}.currentTime > 0.1")
    page.evaluate("window.__ms.nexttrack()")
    page.wait_for_function(f"() => {LIST_AUDIO}.src === {src2!r}")
    # Buttons and keys say where they went; a shortcut in the page works as on an article.
    page.keyboard.press("k")
    page.wait_for_function(f"() => {LIST_AUDIO}.paused")
    page.click("#ds-trinh-phat [data-act=prev]")
    page.wait_for_function(f"() => {STATUS} === 'Bài 1: {newer['title']}'")
    page.keyboard.press("n")
    page.wait_for_function(f"() => {STATUS} === 'Bài 2: {article['title']}'")
    assert page.evaluate(f"{LIST_AUDIO}.paused")  # moving while paused never starts playback
    page.click("#bai-1 button[data-item]")
    page.wait_for_function(f"() => !{LIST_AUDIO}.paused && {LIST_AUDIO}.currentTime > 0.1")
    assert page.get_attribute("#bai-1", "aria-current") == "true"
    page.keyboard.press("k")


def test_playlist_without_javascript_keeps_native_audio_and_links(
        browser: Any, live: Live, article: dict[str, Any], newer: dict[str, Any]) -> None:
    ctx = browser.new_context(java_script_enabled=False)
    pg = ctx.new_page()
    pg.goto(live.base + "/nghe-lien")
    assert pg.is_visible("audio#ds-am-thanh[controls][preload=none]")
    assert not pg.is_visible("#ds-trinh-phat") and not pg.is_visible("button[data-item]")
    assert pg.is_visible("text=Mở danh sách trong ứng dụng nghe nhạc (M3U)")
    src = pg.get_attribute("#ds-am-thanh", "src")
    links = pg.eval_on_selector_all("#danh-sach a[href^='/am-thanh/']",
                                    "ls => ls.map(a => a.getAttribute('href'))")
    assert links[0] == src and len(links) >= 2
    for link in links[:2]:
        resp = pg.request.get(live.base + link)
        assert resp.status == 200 and resp.headers["content-type"] == "audio/mpeg"
    ctx.close()


def test_podcast_page_copies_the_feed_address(browser: Any, live: Live,
                                              article: dict[str, Any]) -> None:
    ctx = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    pg = ctx.new_page()
    pg.goto(live.base + "/")
    pg.click("nav >> text=Podcast")
    pg.wait_for_url(live.base + "/podcast")
    assert pg.input_value("#dia-chi-rss") == live.base + "/feed.xml"
    pg.focus("[data-copy]")
    pg.keyboard.press("Enter")
    pg.wait_for_function(f"() => {STATUS} === 'Đã sao chép địa chỉ'")
    assert pg.evaluate("navigator.clipboard.readText()") == live.base + "/feed.xml"
    assert _axe(pg) == []
    with pg.expect_response(live.base + "/feed.xml") as info:
        pg.click("text=Tệp RSS của podcast")
    assert info.value.headers["content-type"].startswith("application/rss+xml")
    ctx.close()


@pytest.mark.parametrize("path", ["/nghe-lien", "/podcast", "/nghe-lien?khoang=hom-nay",
                                  "/da-luu", "reader", "/"])
def test_pages_pass_axe_in_every_mode(page: Any, forced: Any, live: Live,
                                      article: dict[str, Any], newer: dict[str, Any],
                                      path: str) -> None:
    if path == "reader":
        path = _reader(live, newer)[len(live.base):]  # with "Nghe tiếp" and the save button
    page.goto(live.base + path)
    found = {"normal": _axe(page)}
    page.click("[data-contrast]")
    found["high-contrast"] = _axe(page)
    forced.goto(live.base + path)
    found["forced-colours"] = _axe(forced)
    assert found == {"normal": [], "high-contrast": [], "forced-colours": []}
    assert page.evaluate("document.documentElement.scrollWidth") <= \
        page.viewport_size["width"]
