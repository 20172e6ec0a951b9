"""The listener's second pass in Chromium: page descriptions, phone targets, high-contrast
hover and focus, one duration, shortcuts anywhere on the article page, the player skip link.

Reuses the live server and browser of test_browser (started once more for this module)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.web import test_browser
from tests.web.test_browser import AUDIO, PLAY, Live, _axe, _reader

pytestmark = pytest.mark.browser

live = test_browser.live
browser = test_browser.browser
article = test_browser.article
page = test_browser.page

STATUS = "document.getElementById('thong-bao').textContent"


def test_every_public_page_has_a_description(page: Any, live: Live,
                                             article: dict[str, Any]) -> None:
    urls = [live.base + "/", live.base + "/?q=huy%E1%BB%87n", _reader(live, article),
            live.base + "/ban-tin", live.base + "/bai/khong-co"]
    found = {}
    for url in urls:
        page.goto(url)
        found[url] = page.get_attribute("meta[name=description]", "content")
    assert all(d and len(d.strip()) >= 20 for d in found.values()), found
    assert len(set(found.values())) == len(found)  # each page says what it is
    # The article's description is its opening text, not a site-wide slogan.
    assert found[_reader(live, article)].startswith("Sau 2 năm, huyện")


def test_paragraph_buttons_are_44_px_on_phones(browser: Any, live: Live,
                                               article: dict[str, Any]) -> None:
    ctx = browser.new_context(viewport={"width": 360, "height": 740}, has_touch=True)
    pg = ctx.new_page()
    pg.goto(_reader(live, article))
    heights = pg.evaluate("Array.from(document.querySelectorAll('.from-here'))"
                          ".map(e => e.getBoundingClientRect().height)")
    ctx.close()
    assert heights and min(heights) >= 44, heights


def test_hover_and_focus_look_different_in_high_contrast(page: Any, live: Live,
                                                         article: dict[str, Any]) -> None:
    page.goto(_reader(live, article))
    page.click("[data-contrast]")
    look = """e => { const s = getComputedStyle(e);
        return [s.outlineStyle, s.outlineWidth, s.borderTopStyle, s.backgroundColor]; }"""
    page.hover("[data-act=fwd]")
    hovered = page.eval_on_selector("[data-act=fwd]", look)
    page.focus("[data-act=back]")
    page.keyboard.press("Shift+Tab")  # keyboard focus: :focus-visible
    page.keyboard.press("Tab")
    focused = page.eval_on_selector("[data-act=back]", look)
    idle = page.eval_on_selector("[data-act=next]", look)
    assert hovered[0] == "none" and hovered[2] == "dashed", hovered
    assert focused[0] == "solid" and float(focused[1][:-2]) >= 4 and focused[2] == "solid"
    assert hovered != idle and focused != idle and hovered != focused
    page.hover("[data-act=back]")  # hovering the focused button keeps its ring
    assert page.eval_on_selector("[data-act=back]", look)[0] == "solid"
    assert _axe(page) == []


def test_duration_is_stated_once_and_the_same_everywhere(page: Any, live: Live,
                                                         article: dict[str, Any]) -> None:
    page.goto(_reader(live, article))
    facts = page.inner_text("#thong-so")
    stated = re.match(r"Thời lượng (.+), tệp MP3", facts)
    assert stated, facts
    main = page.inner_text("main")
    assert main.count("Thời lượng") == 1 and "Đã có" not in main  # the total is stated once
    page.click("[data-act=play]")
    page.wait_for_function(f"() => {AUDIO}.currentTime > 0.3")
    page.click("[data-act=play]")
    page.wait_for_function(f"() => {AUDIO}.paused")
    valuetext = page.get_attribute("#vi-tri", "aria-valuetext")
    assert valuetext.endswith(" trên " + stated.group(1)), (valuetext, facts)
    seconds = page.evaluate(f"+{AUDIO}.getAttribute('data-duration')") / 1000
    total = page.inner_text("#thoi-gian").split(" / ")[1]
    minutes, secs = (int(x) for x in total.split(":"))
    assert minutes * 60 + secs == round(seconds)


def test_shortcuts_work_anywhere_but_in_text_fields(page: Any, live: Live,
                                                    article: dict[str, Any]) -> None:
    page.goto(_reader(live, article))
    starts = page.evaluate("Array.from(document.querySelectorAll('[data-start]'))"
                           ".map(e => +e.getAttribute('data-start') / 1000)")
    page.locator(".from-here").nth(1).click()  # "Nghe từ đoạn này", focus stays on it
    page.wait_for_function(f"() => !{AUDIO}.paused")
    assert page.evaluate("document.activeElement.className").startswith("from-here")
    page.keyboard.press("k")  # back to Pause with one key, wherever focus is
    page.wait_for_function(f"() => {AUDIO}.paused && {PLAY}.textContent === 'Phát'")
    page.wait_for_function(f"() => {STATUS} === 'Đã tạm dừng'")
    page.keyboard.press("n")
    page.wait_for_function(f"() => Math.abs({AUDIO}.currentTime - {starts[2]}) < 0.3")
    page.keyboard.press("p")
    page.wait_for_function(f"() => Math.abs({AUDIO}.currentTime - {starts[1]}) < 0.3")
    page.keyboard.press("]")
    assert page.evaluate(f"{AUDIO}.playbackRate") == 1.25
    page.keyboard.press("[")
    assert page.evaluate(f"{AUDIO}.playbackRate") == 1
    page.focus("main")
    page.keyboard.press("j")  # 10 s back, or to the start
    page.wait_for_function(f"() => {AUDIO}.currentTime < 0.1")
    page.keyboard.press("l")
    page.wait_for_function(f"() => {AUDIO}.currentTime >= Math.min(9.9, {AUDIO}.duration - 0.3)")
    where = page.evaluate(f"{AUDIO}.currentTime")
    page.fill("#q", "")
    page.focus("#q")
    page.keyboard.type("kjlnp[]")  # typing a search plays nothing
    assert page.input_value("#q") == "kjlnp[]"
    page.focus("main")
    for combo in ("Alt+k", "Control+n", "Shift+K", "Meta+l"):
        page.keyboard.press(combo)  # a modifier belongs to the browser or screen reader
    page.wait_for_timeout(200)
    assert page.evaluate(f"{AUDIO}.paused")
    assert page.evaluate(f"{AUDIO}.currentTime") == pytest.approx(where, abs=0.05)
    page.focus("#toc-do")
    page.keyboard.press("k")  # letters in a list box pick options, never play
    assert page.evaluate(f"{AUDIO}.paused")
    page.click(".keys summary")
    keys = page.inner_text(".keys")
    assert "mọi chỗ trên trang" in keys and "K: phát hoặc tạm dừng" in keys


def test_skip_link_lands_on_play(page: Any, live: Live, article: dict[str, Any]) -> None:
    page.goto(_reader(live, article))
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.innerText") == "Bỏ qua, đến trình phát"
    assert page.evaluate("getComputedStyle(document.activeElement).top") != "-160px"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.getAttribute('data-act')") == "play"
    page.keyboard.press("Enter")
    page.wait_for_function(f"() => !{AUDIO}.paused")
    page.keyboard.press("k")


def test_skip_link_without_javascript_reaches_the_native_player(browser: Any, live: Live,
                                                                article: dict[str, Any]) -> None:
    ctx = browser.new_context(java_script_enabled=False)
    pg = ctx.new_page()
    pg.goto(_reader(live, article))
    pg.keyboard.press("Tab")
    pg.keyboard.press("Tab")
    pg.keyboard.press("Enter")
    assert pg.evaluate("document.activeElement.id") == "nghe-bai"
    pg.keyboard.press("Tab")
    assert pg.evaluate("document.activeElement.id") == "am-thanh"
    ctx.close()
