"""Offline listening in Chromium: an article saved on request plays with the network cut (and
seeks), the saved list shows sizes and removes, nothing is saved or registered before the
listener asks, and a save that would not fit the storage quota is refused.

Reuses the live server and browser of test_browser (started once more for this module)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.web import test_browser
from tests.web.test_browser import AUDIO, Live, _axe, _reader

pytestmark = pytest.mark.browser

live = test_browser.live
browser = test_browser.browser
article = test_browser.article

STATUS = "document.getElementById('thong-bao').textContent"
CACHES = "caches.keys()"
WORKERS = "navigator.serviceWorker.getRegistrations().then(r => r.length)"


def test_saved_article_plays_with_the_network_cut(browser: Any, live: Live,
                                                  article: dict[str, Any]) -> None:
    ctx = browser.new_context()
    pg = ctx.new_page()
    pg.goto(_reader(live, article))
    pg.goto(live.base + "/")  # browsing alone saves nothing and registers nothing
    pg.goto(_reader(live, article))
    assert pg.evaluate(CACHES) == [] and pg.evaluate(WORKERS) == 0
    button = "#luu button"
    assert pg.inner_text(button).startswith("Lưu để nghe khi không có mạng (")
    pg.focus(button)
    pg.keyboard.press("Enter")
    pg.wait_for_function(f"() => {STATUS} === 'Đã lưu bài để nghe khi không có mạng'")
    assert pg.inner_text(button) == "Bỏ bản đã lưu"
    assert pg.inner_text("#luu-tt").startswith("Đã lưu (")
    pg.wait_for_function("() => navigator.serviceWorker.controller !== null")
    assert _axe(pg) == []

    ctx.set_offline(True)
    other = ctx.new_page()
    with pytest.raises(Exception, match="ERR_"):  # what was not saved is not there
        other.goto(live.base + "/bai/chua-luu-bai-nay")
    other.close()
    pg.goto(_reader(live, article))
    assert pg.inner_text("h1") == article["title"]
    assert pg.evaluate("document.documentElement.classList.contains('ready')")  # its script too
    pg.click("[data-act=play]")
    pg.wait_for_function(f"() => {AUDIO}.currentTime > 0.5")
    duration = pg.evaluate(f"{AUDIO}.duration")
    pg.evaluate(f"{AUDIO}.currentTime = {duration * 0.6}")  # a range request, from the cache
    pg.wait_for_function(f"() => {AUDIO}.currentTime >= {duration * 0.6} && !{AUDIO}.error")
    pg.keyboard.press("k")

    pg.goto(live.base + "/da-luu")  # the list opens offline too
    pg.wait_for_selector("#da-luu li")
    row = pg.inner_text("#da-luu li")
    assert row.startswith(article["title"] + " (") and " MB)" in row
    pg.wait_for_function("() => document.getElementById('dung-luong').textContent"
                         ".includes(' trên ')")
    assert not pg.is_visible("#chua-luu")
    assert _axe(pg) == []
    pg.focus("#da-luu button")
    pg.keyboard.press("Enter")
    pg.wait_for_function(f"() => {STATUS}.startsWith('Đã xóa bài')")
    assert pg.is_visible("#chua-luu") and pg.evaluate(CACHES) == []
    ctx.set_offline(False)
    ctx.close()


def test_a_save_larger_than_the_quota_is_refused(browser: Any, live: Live,
                                                 article: dict[str, Any]) -> None:
    ctx = browser.new_context()
    pg = ctx.new_page()
    cdp = ctx.new_cdp_session(pg)
    cdp.send("Storage.overrideQuotaForOrigin", {"origin": live.base, "quotaSize": 20_000})
    pg.goto(_reader(live, article))
    pg.click("#luu button")
    pg.wait_for_function(f"() => {STATUS}.startsWith('Máy không còn đủ chỗ để lưu bài này')")
    assert pg.evaluate(CACHES) == [] and pg.evaluate(WORKERS) == 0
    assert pg.inner_text("#luu button").startswith("Lưu để nghe")
    ctx.close()


def test_without_javascript_the_saved_page_says_what_to_do(browser: Any, live: Live) -> None:
    ctx = browser.new_context(java_script_enabled=False)
    pg = ctx.new_page()
    pg.goto(live.base + "/da-luu")
    assert pg.is_visible("text=Cần bật JavaScript để lưu bài")
    assert not pg.is_visible("#chua-luu")
    ctx.close()


def test_downloads_that_appear_live_offer_the_offline_save(browser: Any, live: Live) -> None:
    ctx = browser.new_context()
    pg = ctx.new_page()
    live.proxy.fake.delay = 1.0
    try:
        body = live.api("POST", "/api/articles", {"text": test_browser.LONG_ARTICLE.replace(
            "nâng cao năm nay", "về đích sớm năm nay")})
        art_id = None
        while art_id is None:
            art_id = live.api("GET", f"/api/jobs/{body['job']['id']}")["article_id"]
            pg.wait_for_timeout(50)
        art = live.api("GET", f"/api/articles/{art_id}")
        pg.goto(_reader(live, art))
        assert pg.query_selector("#luu") is None  # nothing to save while it is being made
        pg.evaluate("window.__same = true")  # gone if the page reloads
        pg.wait_for_selector("#tai-ve", timeout=90_000)
    finally:
        live.proxy.fake.delay = 0.0
    assert pg.evaluate("window.__same") is True
    final = live.api("GET", f"/api/articles/{art_id}")
    mp3 = [r for r in final["renditions"] if r["kind"] == "mp3"][0]
    size = f"{max(mp3['bytes'] / 1e6, 0.1):.1f}".replace(".", ",")
    button = "#luu button"
    pg.wait_for_selector(button)
    assert pg.inner_text(button) == f"Lưu để nghe khi không có mạng ({size} MB)"
    assert pg.is_visible("#luu >> text=Các bài đã lưu")
    assert _axe(pg) == []
    pg.focus(button)
    pg.keyboard.press("Enter")
    pg.wait_for_function(f"() => {STATUS} === 'Đã lưu bài để nghe khi không có mạng'")
    assert pg.inner_text(button) == "Bỏ bản đã lưu"
    assert pg.evaluate(CACHES) == [f"bantin-luu-{final['slug']}"]
    saved = pg.evaluate(f"caches.open('bantin-luu-{final['slug']}').then(c => c.keys())"
                        ".then(k => k.map(r => new URL(r.url).pathname))")
    assert urlsplit(mp3["url"]).path in saved  # the whole audio, not the part made first
    pg.wait_for_function("() => navigator.serviceWorker.controller !== null")

    ctx.set_offline(True)
    pg.goto(_reader(live, final))
    assert pg.inner_text("h1") == final["title"]
    pg.click("[data-act=play]")
    pg.wait_for_function(f"() => {AUDIO}.currentTime > 0.5 && !{AUDIO}.error")
    pg.keyboard.press("k")
    ctx.set_offline(False)
    ctx.close()
