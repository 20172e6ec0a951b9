"""Bulletin pages in Debian's Chromium: axe, keyboard reorder with focus kept, live build
progress, target sizes and reflow. Reuses the live server and browser of test_browser."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.web import test_browser
from tests.web.bulletin_flow import SHORT
from tests.web.test_browser import Live, _axe, _sign_in

pytestmark = pytest.mark.browser

# The live server and the browser of test_browser, started once more for this module.
live = test_browser.live
browser = test_browser.browser

SMALL_TARGETS = """Array.from(document.querySelectorAll(
    'button, select, input, summary, nav a, .downloads a')).filter(e =>
    e.offsetParent !== null).map(e => [e.tagName + ':' + (e.innerText || e.id),
    e.getBoundingClientRect()]).filter(([, r]) => r.width < 24 || r.height < 24)
    .map(([n]) => n)"""


@pytest.fixture(scope="module")
def ids(live: Live) -> list[int]:
    """Three short finished articles on the live server."""
    return [live.submit_and_wait(text)["id"] for text in SHORT]


@pytest.fixture(scope="module")
def editor_page(browser: Any, live: Live) -> Iterator[Any]:
    """A signed-in editor's page, kept for the module."""
    ctx = browser.new_context()
    pg = ctx.new_page()
    _sign_in(pg, live)
    yield pg
    ctx.close()


def _compose(pg: Any, live: Live, ids: list[int], title: str) -> str:
    pg.goto(live.base + "/quan-tri/ban-tin")
    pg.fill("#title", title)
    pg.click("button:has-text('Tạo bản tin')")
    pg.wait_for_url("**/quan-tri/ban-tin/*")
    url = pg.url
    for article_id in ids:
        pg.select_option("#article_id", str(article_id))
        pg.click("button:has-text('Thêm vào bản tin')")
        pg.wait_for_selector(f"#muc-{article_id}")
    return url


@pytest.fixture(scope="module")
def approved(editor_page: Any, live: Live, ids: list[int]) -> str:
    """A bulletin built (following the live progress) and approved; return its public URL."""
    pg = editor_page
    url = _compose(pg, live, ids, "Bản tin sáng thứ Hai")
    pg.click("button:has-text('Dựng bản tin')")
    pg.wait_for_selector("#tien-do-dung[data-poll]")
    pg.wait_for_function("() => document.getElementById('tien-do-dung').textContent"
                         ".startsWith('Đã dựng xong')", timeout=90_000)
    pg.wait_for_function("() => document.getElementById('thong-bao').textContent"
                         ".startsWith('Đã dựng xong')")
    assert pg.is_visible("#da-dung")
    pg.goto(url)
    pg.fill("#editor", "Nguyễn Thị Lan")
    pg.click("button:has-text('Duyệt bản tin')")
    pg.wait_for_selector("text=Đã duyệt bởi Nguyễn Thị Lan")
    return live.base + "/ban-tin/" + url.rsplit("/", 1)[1]


def test_axe_finds_nothing_on_the_bulletin_pages(editor_page: Any, live: Live,
                                                 approved: str, ids: list[int]) -> None:
    pg = editor_page
    found = {}
    draft = _compose(pg, live, ids, "Bản tin nháp")
    found["compose"] = _axe(pg)
    pg.goto(approved.replace("/ban-tin/", "/quan-tri/ban-tin/"))
    found["compose-approved"] = _axe(pg)
    pg.goto(live.base + "/quan-tri/ban-tin")
    found["admin-list"] = _axe(pg)
    pg.goto(draft)
    pg.click("[data-contrast]")
    found["compose-high-contrast"] = _axe(pg)
    pg.click("[data-contrast]")
    for name, url in (("public-list", live.base + "/ban-tin"), ("public-page", approved),
                      ("public-404", draft.replace("/quan-tri/ban-tin/", "/ban-tin/"))):
        pg.goto(url)
        found[name] = _axe(pg)
    assert found == {name: [] for name in found}


def test_keyboard_reorder_keeps_focus_and_announces(editor_page: Any, live: Live,
                                                    ids: list[int]) -> None:
    pg = editor_page
    _compose(pg, live, ids, "Bản tin sắp xếp")
    down = f'form[data-article="{ids[0]}"][data-move="xuong"] button'
    pg.focus(down)
    pg.keyboard.press("Enter")
    pg.wait_for_function("() => document.getElementById('thong-bao').textContent"
                         ".includes('xuống vị trí 2')")
    order = "Array.from(document.querySelectorAll('ol.items > li')).map(e => e.id)"
    assert pg.evaluate(order) == [f"muc-{ids[1]}", f"muc-{ids[0]}", f"muc-{ids[2]}"]
    active = "(() => { const f = document.activeElement.closest('form'); return f && " \
             "[f.dataset.article, f.dataset.move]; })()"
    assert pg.evaluate(active) == [str(ids[0]), "xuong"]
    assert pg.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    pg.keyboard.press("Enter")  # to the bottom: its "Xuống" is disabled, focus goes to "Lên"
    pg.wait_for_function("() => document.getElementById('thong-bao').textContent"
                         ".includes('xuống vị trí 3')")
    assert pg.evaluate(order)[-1] == f"muc-{ids[0]}"
    assert pg.evaluate(active) == [str(ids[0]), "len"]
    pg.keyboard.press("Enter")
    pg.wait_for_function("() => document.getElementById('thong-bao').textContent"
                         ".includes('lên vị trí 2')")
    assert pg.evaluate(active) == [str(ids[0]), "len"]
    pg.reload()  # what the page shows is what was stored
    assert pg.evaluate(order) == [f"muc-{ids[1]}", f"muc-{ids[0]}", f"muc-{ids[2]}"]


def test_reorder_without_javascript(browser: Any, live: Live, ids: list[int]) -> None:
    ctx = browser.new_context(java_script_enabled=False)
    pg = ctx.new_page()
    _sign_in(pg, live)
    _compose(pg, live, ids[:2], "Bản tin không JS")
    pg.click(f'form[data-article="{ids[1]}"][data-move="len"] button')
    pg.wait_for_selector("text=lên vị trí 1")
    assert pg.url.endswith(f"#muc-{ids[1]}")
    assert pg.evaluate("Array.from(document.querySelectorAll('ol.items > li')).map(e => e.id)") \
        == [f"muc-{ids[1]}", f"muc-{ids[0]}"]
    ctx.close()


def test_targets_and_reflow(browser: Any, live: Live, approved: str,
                            editor_page: Any) -> None:
    compose = approved.replace("/ban-tin/", "/quan-tri/ban-tin/")
    state = editor_page.context.storage_state()
    ctx = browser.new_context(viewport={"width": 320, "height": 640}, storage_state=state)
    pg = ctx.new_page()
    for url in (compose, live.base + "/quan-tri/ban-tin", live.base + "/ban-tin", approved):
        pg.goto(url)
        assert pg.evaluate(SMALL_TARGETS) == [], url
        assert pg.evaluate("document.documentElement.scrollWidth") <= 320, url
    ctx.close()


def test_public_download_and_player(browser: Any, approved: str) -> None:
    ctx = browser.new_context(accept_downloads=True)
    pg = ctx.new_page()
    pg.goto(approved)
    assert pg.get_attribute("#am-thanh-ban-tin", "preload") == "none"
    assert pg.locator("table.cues tbody tr").count() == 5
    with pg.expect_download() as info:
        pg.click("text=Tải MP3 phát sóng")
    assert info.value.suggested_filename == "Bản tin sáng thứ Hai (phát thanh).mp3"
    ctx.close()
