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
    starts = page.evaluate("Array.from(document.querySelectorAll('.seg[data-start]'))"
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


SHIFTS = """window.__shifts = [];
new PerformanceObserver(list => { for (const e of list.getEntries()) {
    window.__shifts.push({value: e.value, nodes: e.sources.map(s => {
        const n = s.node && (s.node.nodeType === 1 ? s.node : s.node.parentElement);
        return n ? (n.id || n.tagName + '.' + n.className) : '?'; }),
        player: e.sources.some(s => { const n = s.node && (s.node.nodeType === 1
            ? s.node : s.node.parentElement); return !!(n && n.closest('.listen, .body')); })});
} }).observe({type: 'layout-shift', buffered: true});"""


def _slow_link(pg: Any) -> None:
    """A 2G/3G-like link: 250 kbps each way, 800 ms round trips."""
    cdp = pg.context.new_cdp_session(pg)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {
        "offline": False, "latency": 800, "downloadThroughput": 250_000 / 8,
        "uploadThroughput": 250_000 / 8})


def test_no_layout_shift_when_the_player_arrives_on_a_slow_link(
        browser: Any, live: Live, article: dict[str, Any]) -> None:
    ctx = browser.new_context(viewport={"width": 360, "height": 740})
    pg = ctx.new_page()
    pg.add_init_script(SHIFTS)
    _slow_link(pg)
    held: list[Any] = []
    pg.route("**/static/site.js*", lambda route: held.append(route))
    pg.goto(_reader(live, article), wait_until="commit", timeout=60_000)
    while not held:
        pg.wait_for_timeout(50)
    # The page as first painted: parsed, styled, the player script still on its way.
    pg.wait_for_function("() => document.readyState === 'interactive'", timeout=60_000)
    painted = pg.evaluate("""new Promise(ok => requestAnimationFrame(() => requestAnimationFrame(
        () => ok([document.getElementById('trinh-phat').getBoundingClientRect().toJSON(),
                  document.documentElement.classList.contains('ready')]))))""")
    held[0].continue_()
    pg.wait_for_function("() => document.documentElement.classList.contains('ready')")
    pg.wait_for_timeout(500)
    shifts = pg.evaluate("window.__shifts")
    box = pg.evaluate("document.getElementById('trinh-phat').getBoundingClientRect().toJSON()")
    ctx.close()
    assert painted[1] is False and painted[0]["height"] > 100
    assert painted[0] == box  # the same place and size before and after the script
    player = sum(s["value"] for s in shifts if s["player"])
    print(f"layout shift on a 250 kbps / 800 ms link: player region {player}, "
          f"page {sum(s['value'] for s in shifts)}")
    assert player == 0 and shifts == [], shifts


def test_player_takes_over_the_native_state(page: Any, live: Live,
                                            article: dict[str, Any]) -> None:
    # Without the early script (a dropped link) the native player shows and may be used
    # before the player script arrives; the custom player then continues what it was doing.
    held: list[Any] = []
    page.route("**/static/early.js*", lambda route: route.abort())
    page.route("**/static/site.js*", lambda route: held.append(route))
    page.goto(_reader(live, article), wait_until="commit")
    page.wait_for_selector("audio#am-thanh[controls]", state="visible")
    page.evaluate(f"""(async () => {{ const a = {AUDIO}; a.playbackRate = 1.5;
        await a.play(); a.currentTime = 2; }})()""")
    page.wait_for_function(f"() => {AUDIO}.currentTime > 2.2")
    while not held:
        page.wait_for_timeout(50)
    held[0].continue_()
    page.wait_for_function("() => document.documentElement.classList.contains('ready')")
    assert page.is_visible("#trinh-phat") and not page.is_visible("audio#am-thanh")
    assert page.inner_text("[data-act=play]") == "Tạm dừng"
    assert page.evaluate(f"!{AUDIO}.paused && {AUDIO}.currentTime > 2.2")
    assert page.input_value("#toc-do") == "1.5"
    assert page.evaluate(f"{AUDIO}.playbackRate") == 1.5
    page.keyboard.press("k")
    page.wait_for_function(f"() => {AUDIO}.paused && {PLAY}.textContent === 'Phát'")


def test_play_pressed_before_the_script_arrives_is_honoured(page: Any, live: Live,
                                                            article: dict[str, Any]) -> None:
    held: list[Any] = []
    page.route("**/static/site.js*", lambda route: held.append(route))
    page.goto(_reader(live, article), wait_until="commit")
    page.click("[data-act=play]")  # the player is laid out, its script is still on its way
    while not held:
        page.wait_for_timeout(50)
    assert page.evaluate(f"{AUDIO}.paused")
    held[0].continue_()
    page.wait_for_function(f"() => !{AUDIO}.paused && {PLAY}.textContent === 'Tạm dừng'")
    page.keyboard.press("k")


HEARD = """window.__heard = [];
document.addEventListener('DOMContentLoaded', () => {
    const s = document.getElementById('thong-bao'), a = document.getElementById('am-thanh');
    new MutationObserver(() => { if (s.textContent) window.__heard.push(
        [performance.now(), s.textContent, a ? a.paused : true]); })
        .observe(s, {childList: true, characterData: true, subtree: true});
});"""


def _heard(pg: Any) -> list[Any]:
    return pg.evaluate("window.__heard")


def test_synthesis_is_announced_and_downloads_appear_without_reload(
        page: Any, live: Live) -> None:
    page.add_init_script(HEARD)
    live.proxy.fake.delay = 2.0
    try:
        body = live.api("POST", "/api/articles", {"text": test_browser.LONG_ARTICLE.replace(
            "nâng cao năm nay", "kiểu mẫu năm nay")})
        art_id = None
        while art_id is None:
            art_id = live.api("GET", f"/api/jobs/{body['job']['id']}")["article_id"]
            page.wait_for_timeout(50)
        art = live.api("GET", f"/api/articles/{art_id}")
        page.goto(_reader(live, art))
        assert page.is_visible("#chua-co") and not page.is_visible("#tai-ve")
        page.evaluate("window.__same = true")  # gone if the page reloads
        page.wait_for_function(f"() => {STATUS} === 'Đã có âm thanh, có thể nghe phần đầu'",
                               timeout=60_000)
        page.click("[data-act=play]")
        page.wait_for_function(f"() => {AUDIO}.currentTime > 1")
        page.wait_for_timeout(9000)  # synthesis moves on while the article is heard
        page.keyboard.press("k")
        page.wait_for_function(f"() => {STATUS}.startsWith('Đang tạo âm thanh: ')"
                               f" || {STATUS}.startsWith('Đã tạo xong')", timeout=30_000)
    finally:
        live.proxy.fake.delay = 0.0
    page.wait_for_selector("#tai-ve", timeout=90_000)
    page.wait_for_function(f"() => {STATUS}.startsWith('Đã tạo xong âm thanh')")
    assert page.evaluate("window.__same") is True
    heard = _heard(page)
    texts = [h[1] for h in heard]
    # Nothing the listener did not ask for was said while the article played.
    assert [h[1] for h in heard if not h[2]] in (["Đang phát"], []), heard
    assert "Đang phát" in texts and "Đã tạm dừng" in texts
    paused_at = texts.index("Đã tạm dừng")
    assert any(t.startswith("Đang tạo âm thanh: ") or t.startswith("Đã tạo xong")
               for t in texts[paused_at + 1:]), texts  # the held news, after the pause
    progress = [h[0] for h in heard if h[1].startswith("Đang tạo âm thanh: ")]
    assert all(b - a >= 8000 for a, b in zip(progress, progress[1:], strict=False)), heard
    links = page.eval_on_selector_all("#tai-ve a", "l => l.map(a => [a.textContent, a.href])")
    assert links[0][0].startswith("Tải MP3 (") and links[-1][0] == "Phụ đề WebVTT"
    final = live.api("GET", f"/api/articles/{art_id}")
    mp3 = [r for r in final["renditions"] if r["kind"] == "mp3"][0]
    assert links[0][1] == mp3["url"] + "?tai=1"
    with page.expect_download() as info:
        page.click("#tai-ve >> text=Tải MP3")
    assert info.value.suggested_filename.endswith(".mp3")
    assert _axe(page) == []


def test_resume_is_said_and_can_start_over(page: Any, live: Live,
                                           article: dict[str, Any]) -> None:
    page.add_init_script(HEARD)
    page.goto(_reader(live, article))
    assert not page.is_visible("#tiep-tuc")
    page.click("[data-act=play]")
    page.wait_for_function(f"() => {STATUS} === 'Đang phát'")
    page.evaluate(f"{AUDIO}.currentTime = 6")
    page.wait_for_function(f"() => {AUDIO}.currentTime > 6.2")
    page.click("[data-act=play]")
    page.wait_for_function(f"() => {STATUS} === 'Đã tạm dừng'")
    where = page.evaluate(f"{AUDIO}.currentTime")
    page.reload()
    note = f"Tiếp tục từ {round(where)} giây."
    assert page.inner_text("#tiep-tuc-chu") == note and page.is_visible("#tiep-tuc")
    page.wait_for_function(f"() => {STATUS} === {note!r}")
    assert page.evaluate(f"{AUDIO}.paused")
    assert _axe(page) == []
    page.focus("[data-act=restart]")
    page.keyboard.press("Enter")
    page.wait_for_function(f"() => !{AUDIO}.paused && {AUDIO}.currentTime < 3")
    page.wait_for_function(f"() => {STATUS} === 'Nghe từ đầu'")
    assert not page.is_visible("#tiep-tuc")
    assert page.evaluate("document.activeElement.getAttribute('data-act')") == "play"
    page.keyboard.press("k")


def test_buttons_say_what_they_did(page: Any, live: Live, article: dict[str, Any]) -> None:
    page.goto(_reader(live, article))
    page.click("[data-act=next]")
    page.wait_for_function(f"() => {STATUS} === 'Đoạn mở đầu' || {STATUS} === 'Đoạn 1'")
    page.click("[data-act=fwd]")
    at = page.evaluate(f"Math.round({AUDIO}.currentTime)")
    page.wait_for_function(f"() => {STATUS} === 'Vị trí {at} giây'")
    page.click("[data-act=back]")
    page.wait_for_function(f"() => {STATUS}.startsWith('Vị trí ') && {STATUS} !== "
                           f"'Vị trí {at} giây'")


BAR = "document.getElementById('thanh-nho')"


def test_compact_bar_stays_at_hand_and_never_hides_focus(browser: Any, live: Live,
                                                         article: dict[str, Any]) -> None:
    ctx = browser.new_context(viewport={"width": 360, "height": 560})
    pg = ctx.new_page()
    pg.goto(_reader(live, article))
    for _ in range(4):
        pg.click("text=Tăng cỡ chữ")  # 150 %: the article runs several screens
    pg.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    pg.wait_for_timeout(300)
    assert not pg.is_visible("#thanh-nho")  # not before the listener has started
    pg.locator(".from-here").last.click()
    pg.wait_for_function(f"() => !{AUDIO}.paused")
    pg.wait_for_function(f"() => !{BAR}.hidden")
    assert pg.inner_text("#thanh-nho [data-act=play]") == "Tạm dừng"
    pg.wait_for_function("() => document.getElementById('doan-nho').textContent"
                         ".startsWith('Đang đọc ')")
    pg.focus("#thanh-nho [data-act=play]")
    pg.keyboard.press("Enter")
    pg.wait_for_function(f"() => {AUDIO}.paused && {PLAY}.textContent === 'Phát'")
    pg.click("#thanh-nho [data-act=speed]")
    assert pg.evaluate(f"{AUDIO}.playbackRate") == 1.25
    assert pg.inner_text("#thanh-nho [data-act=speed]") == "Tốc độ 1,25×"
    assert _axe(pg) == []
    # Walking backwards through the page by keyboard, the bar never covers the focus.
    pg.focus("#q")
    covered = []
    for _ in range(14):
        pg.keyboard.press("Shift+Tab")
        pg.wait_for_timeout(50)
        hit = pg.evaluate(f"""(() => {{ const e = document.activeElement, b = {BAR};
            if (b.hidden || b.contains(e)) return null;
            const r = e.getBoundingClientRect(), t = b.getBoundingClientRect().top;
            return r.bottom > t ? (e.id || e.textContent).slice(0, 30) : null; }})()""")
        if hit:
            covered.append(hit)
    assert covered == []
    pg.evaluate("document.getElementById('trinh-phat').scrollIntoView()")
    pg.wait_for_function(f"() => {BAR}.hidden")  # the main player is in view again
    pg.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    pg.wait_for_function(f"() => !{BAR}.hidden")
    pg.click("#thanh-nho [data-act=close]")
    pg.wait_for_function(f"() => {BAR}.hidden")
    assert pg.evaluate("document.activeElement.className").startswith("from-here")
    assert not pg.is_visible("#thanh-nho")  # dismissed while the main player is away
    assert pg.evaluate("document.documentElement.scrollWidth") <= 360
    ctx.close()


def test_play_comes_first_on_a_phone(browser: Any, live: Live, article: dict[str, Any]) -> None:
    ctx = browser.new_context(viewport={"width": 360, "height": 740}, has_touch=True)
    pg = ctx.new_page()
    pg.goto(_reader(live, article))
    first = pg.evaluate("document.querySelector('#trinh-phat button').getAttribute('data-act')")
    top = pg.evaluate(f"{PLAY}.getBoundingClientRect().bottom")
    pg.keyboard.press("Tab")
    pg.keyboard.press("Tab")
    pg.keyboard.press("Enter")
    pg.keyboard.press("Tab")  # after the player skip link, Play and then the seeking buttons
    after = pg.evaluate("document.activeElement.getAttribute('data-act')")
    ctx.close()
    assert first == "play" and after == "back"
    assert top <= 740  # on the first screen, without scrolling
