"""'Báo đọc sai' in Chromium: the link beside each paragraph and in the compact bar, the form
without JavaScript, the editors' queue, axe on every new page (forced colours included).

Reuses the live server and browser of test_browser (started once more for this module)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web import test_browser
from tests.web.test_browser import AUDIO, Live, _axe, _reader, _sign_in

pytestmark = pytest.mark.browser

live = test_browser.live
browser = test_browser.browser
article = test_browser.article
page = test_browser.page


def test_a_listener_reports_without_javascript_and_an_editor_fixes_it(
        browser: Any, page: Any, live: Live, article: dict[str, Any]) -> None:
    ctx = browser.new_context(java_script_enabled=False)
    pg = ctx.new_page()
    pg.goto(_reader(live, article))
    pg.click(".seg >> nth=1 >> text=Báo đọc sai")
    assert pg.inner_text("h1") == "Báo đọc sai"
    assert "Toàn huyện có 23 sản phẩm OCOP" in pg.inner_text(".quote")
    assert not pg.is_visible("#trang-web")
    pg.fill("#tu", "OCOP")
    pg.fill("#nen-doc", "ô cốp")
    pg.wait_for_timeout(3200)  # a person reads before sending; a script would not
    pg.click("text=Gửi báo cáo")
    assert pg.is_visible("text=Cảm ơn bạn")
    ctx.close()

    page.goto(_reader(live, article))
    page.click(".seg >> nth=1 >> text=Báo đọc sai")
    assert _axe(page) == []
    page.fill("#tu", "không có trong đoạn")
    page.wait_for_timeout(3200)
    page.click("text=Gửi báo cáo")
    assert page.inner_text("#loi").startswith("Chưa gửi được: Không thấy")
    assert page.input_value("#tu") == "không có trong đoạn"  # nothing typed is lost
    assert _axe(page) == []
    _sign_in(page, live)
    page.goto(live.base + "/quan-tri/bao-doc-sai")
    assert page.is_visible("text=“OCOP”: 1 báo cáo")
    assert page.input_value("#spoken-1") == "ô cốp"
    assert _axe(page) == []
    page.emulate_media(forced_colors="active")
    assert _axe(page) == []
    page.emulate_media(forced_colors="none")
    page.click("button:has-text('Thêm vào từ điển')")
    assert page.is_visible("text=Đã đánh dấu xong 1 báo cáo.")
    assert page.is_visible("text=Chưa có báo cáo nào đang chờ.")
    page.goto(live.base + "/quan-tri/tu-dien")
    assert page.input_value("#term-1") == "OCOP"


def test_compact_bar_reports_the_paragraph_being_read(browser: Any, live: Live,
                                                      article: dict[str, Any]) -> None:
    ctx = browser.new_context(viewport={"width": 360, "height": 560})
    pg = ctx.new_page()
    pg.goto(_reader(live, article))
    assert not pg.is_visible("#bao-nho")
    last = pg.locator(".seg").last
    index = last.get_attribute("data-i")
    pg.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    pg.locator(".from-here").last.click()
    pg.wait_for_function(f"() => !{AUDIO}.paused")
    pg.wait_for_function("() => !document.getElementById('thanh-nho').hidden")
    pg.wait_for_function("() => !document.getElementById('bao-nho').hidden")
    assert pg.get_attribute("#bao-nho", "href").endswith(f"doan={index}")
    pg.keyboard.press("k")
    pg.click("#bao-nho")
    assert "Thu nhập bình quân" in pg.inner_text(".quote")
    ctx.close()
