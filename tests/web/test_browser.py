"""The pages in Debian's Chromium: axe, keyboard, reflow, spacing, targets, the player, no-JS.

The server runs as `bantin-audio serve` in a subprocess whose gTTS goes through the loopback
fake-Google proxy, exactly as a listener's browser would meet it.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.fakegoogle_proxy import FakeGoogleProxy, proxy_env
from tests.web.conftest import ARTICLE

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync",
        "--autoplay-policy=no-user-gesture-required"]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
AUDIO = "document.getElementById('am-thanh')"
PLAY = "document.querySelector('[data-act=play]')"
TOKEN = "ma-thu-nghiem-trinh-duyet"
BANTIN = str(Path(sys.executable).with_name("bantin-audio"))
LONG_ARTICLE = "Xã Quang Thuận đạt chuẩn nông thôn mới nâng cao năm nay\n\n" + "\n\n".join(
    f"Đoạn thứ {n}: sau hai năm, xã đã đạt nhiều kết quả tích cực trong xây dựng nông thôn "
    "mới và phát triển sản xuất." for n in range(1, 7))

if not Path(CHROMIUM).exists():
    pytest.skip("Debian's chromium is not installed (apt-get install chromium)",
                allow_module_level=True)


@dataclass
class Live:
    """A running server and its fake Google."""

    base: str
    proxy: FakeGoogleProxy
    data_dir: Path

    def api(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """Call the JSON API with the admin token."""
        req = urllib.request.Request(
            self.base + path, method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as resp:
            return json.loads(resp.read())

    def submit_and_wait(self, text: str, *, until: str = "done") -> dict[str, Any]:
        """Submit an article; wait until it is done (or until its first audio is playable)."""
        body = self.api("POST", "/api/articles", {"text": text})
        deadline = time.monotonic() + 90
        art: dict[str, Any] = {}
        while time.monotonic() < deadline:
            job = self.api("GET", f"/api/jobs/{body['job']['id']}")
            if job["article_id"] is None:
                time.sleep(0.1)
                continue
            art = self.api("GET", f"/api/articles/{job['article_id']}")
            if until == "done" and art["status"] == "done":
                return art
            if until == "partial" and art["renditions"] and art["status"] == "running":
                return art
            time.sleep(0.1)
        raise AssertionError(f"article not {until} in time: {art}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def live() -> Iterator[Live]:
    """Start `bantin-audio serve` on a free loopback port with a temp data dir."""
    data_dir = Path(tempfile.mkdtemp(prefix="bantin-web-"))
    port = _free_port()
    with FakeGoogleProxy() as proxy:
        env = proxy_env(proxy.url)
        env.update(BANTIN_API_TOKEN=TOKEN, BANTIN_ENGINE="gtts", BANTIN_CONCURRENCY="2")
        log = open(data_dir / "server.log", "wb")  # noqa: SIM115
        proc = subprocess.Popen([BANTIN, "serve", "--host", "127.0.0.1", "--port", str(port),
                                 "--data-dir", str(data_dir / "data"), "--production"],
                                env=env, stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    with urllib.request.urlopen(base + "/healthz", timeout=2):
                        break
                except OSError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        log.close()
                        raise AssertionError((data_dir / "server.log").read_text()) from None
                    time.sleep(0.1)
            yield Live(base, proxy, data_dir)
        finally:
            proc.terminate()
            proc.wait(timeout=15)
            log.close()
            shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (never `playwright install`)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:  # launch() gives Chromium a fresh temporary profile
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def article(live: Live) -> dict[str, Any]:
    """A finished article on the live server."""
    return live.submit_and_wait(ARTICLE)


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh page in a fresh context."""
    ctx = browser.new_context(accept_downloads=True)
    pg = ctx.new_page()
    yield pg
    ctx.close()


def _axe(page: Any) -> list[dict[str, Any]]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS},
                                       "resultTypes": ["violations"]})
    return [{"id": v["id"], "nodes": [n["target"] for n in v["nodes"]]}
            for v in results.response["violations"]]


def _sign_in(page: Any, live: Live) -> None:
    page.goto(live.base + "/quan-tri")
    page.fill("#token", TOKEN)
    page.click("form.stack button[type=submit]")
    page.wait_for_url(live.base + "/quan-tri")


def _reader(live: Live, art: dict[str, Any]) -> str:
    return f"{live.base}/bai/{art['slug']}"


def test_axe_finds_nothing_on_every_page(page: Any, live: Live,
                                         article: dict[str, Any]) -> None:
    urls = {"index": live.base + "/", "reader": _reader(live, article),
            "search": live.base + "/?q=huy%E1%BB%87n", "404": live.base + "/bai/khong-co",
            "signin": live.base + "/quan-tri"}
    found = {}
    for name, url in urls.items():
        page.goto(url)
        found[name] = _axe(page)
    page.goto(_reader(live, article))
    page.click("[data-contrast]")
    found["reader-high-contrast"] = _axe(page)
    _sign_in(page, live)
    found["admin"] = _axe(page)
    page.goto(live.base + "/quan-tri/tu-dien")
    found["lexicon"] = _axe(page)
    assert found == {name: [] for name in found}


def test_axe_during_synthesis_and_partial_audio_plays(page: Any, live: Live) -> None:
    live.proxy.fake.delay = 1.0
    try:
        art = live.submit_and_wait(LONG_ARTICLE, until="partial")
        page.goto(_reader(live, art))
        text = page.inner_text("#tien-do")
        assert text.startswith("Đang tạo âm thanh:")
        assert _axe(page) == []
        assert page.is_visible("#trinh-phat")  # the finished part is playable now
        page.click("[data-act=play]")
        page.wait_for_function("() => document.getElementById('am-thanh').currentTime > 0.2")
        page.click("[data-act=play]")  # pause: the page may now swap in the newer audio
    finally:
        live.proxy.fake.delay = 0.0
    page.wait_for_function("() => document.getElementById('tien-do').textContent"
                           ".startsWith('Đã tạo xong')", timeout=60_000)
    final = live.api("GET", f"/api/articles/{art['id']}")
    mp3 = [r["url"] for r in final["renditions"] if r["kind"] == "mp3"][0]
    page.wait_for_function(f"() => {AUDIO}.src.endsWith('{mp3.rsplit('/', 1)[1]}')")
    assert page.evaluate("document.querySelectorAll('.seg:not([data-start])').length") == 0
    assert page.evaluate(f"{AUDIO}.paused")  # the swap never starts playback by itself


def test_keyboard_walk(page: Any, live: Live, article: dict[str, Any]) -> None:
    page.goto(_reader(live, article))
    page.keyboard.press("Tab")
    first = page.evaluate("[document.activeElement.className, document.activeElement.innerText]")
    assert first == ["skip", "Bỏ qua, đến nội dung chính"]
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "noi-dung"
    page.goto(_reader(live, article))
    expected = page.evaluate("""Array.from(document.querySelectorAll(
        'a[href], button, input, select, summary')).filter(e => e.offsetParent !== null
        && !e.closest('[hidden]')).length""")
    seen: list[str] = []
    for _ in range(expected + 5):
        page.keyboard.press("Tab")
        info = page.evaluate("""(() => { const e = document.activeElement;
            const s = getComputedStyle(e);
            const name = e.id || e.getAttribute('data-act') || e.innerText;
            const ring = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2;
            return [e.tagName + '|' + name.slice(0, 40), ring]; })()""")
        if info[0].startswith("BODY"):
            break
        assert info[1], f"no visible focus on {info[0]}"
        seen.append(info[0])
    assert len(set(seen)) >= expected, (expected, seen)  # every control reached, no trap
    assert any("play" in s for s in seen) and any("vi-tri" in s for s in seen)
    page.focus("[data-act=play]")
    page.keyboard.press("Enter")
    page.wait_for_function("() => !document.getElementById('am-thanh').paused")
    page.wait_for_function(f"() => {PLAY}.textContent === 'Tạm dừng'")
    assert page.evaluate("document.activeElement.getAttribute('data-act')") == "play"
    page.keyboard.press("k")
    page.wait_for_function(f"() => {PLAY}.textContent === 'Phát'")
    page.wait_for_timeout(300)
    assert page.evaluate("document.getElementById('thong-bao').textContent") == 'Đã tạm dừng'


@pytest.mark.parametrize("path", ["/", "reader", "/quan-tri"])
def test_reflow_at_320_px(browser: Any, live: Live, article: dict[str, Any], path: str) -> None:
    ctx = browser.new_context(viewport={"width": 320, "height": 640})
    pg = ctx.new_page()
    pg.goto(_reader(live, article) if path == "reader" else live.base + path)
    width = pg.evaluate("document.documentElement.scrollWidth")
    ctx.close()
    assert width <= 320


def test_text_spacing_does_not_clip(page: Any, live: Live, article: dict[str, Any]) -> None:
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(_reader(live, article))
    # The WCAG 1.4.12 bookmarklet's rules, through CSSOM (the page's CSP refuses <style>).
    page.evaluate("""() => { const sheet = new CSSStyleSheet();
        sheet.replaceSync('* { line-height: 1.5 !important; letter-spacing: .12em !important;'
            + ' word-spacing: .16em !important } p { margin-bottom: 2em !important }');
        document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet]; }""")
    assert page.evaluate("getComputedStyle(document.querySelector('p')).letterSpacing") != "normal"
    clipped = page.evaluate("""Array.from(document.querySelectorAll('body *')).filter(e => {
        if (e.offsetParent === null || e.classList.contains('sr-only')) return false;
        const s = getComputedStyle(e);
        const hides = /hidden|clip/.test(s.overflow + s.overflowX + s.overflowY);
        return hides && (e.scrollWidth > e.clientWidth + 1 || e.scrollHeight > e.clientHeight + 1);
    }).map(e => e.tagName + '.' + e.className)""")
    assert clipped == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_targets_are_at_least_24_px(page: Any, live: Live, article: dict[str, Any]) -> None:
    page.set_viewport_size({"width": 360, "height": 740})
    for url in (_reader(live, article), live.base + "/"):
        page.goto(url)
        small = page.evaluate("""Array.from(document.querySelectorAll(
            'button, select, input, summary, nav a, .downloads a')).filter(e =>
            e.offsetParent !== null).map(e => [e.tagName + ':' + (e.innerText || e.id),
            e.getBoundingClientRect()]).filter(([, r]) => r.width < 24 || r.height < 24)
            .map(([n]) => n)""")
        assert small == [], url


def test_font_size_buttons_and_reload(page: Any, live: Live, article: dict[str, Any]) -> None:
    page.goto(_reader(live, article))
    size = "parseFloat(getComputedStyle(document.documentElement).fontSize)"
    assert page.evaluate(size) == 16
    page.click("text=Tăng cỡ chữ")
    page.click("text=Tăng cỡ chữ")
    assert page.evaluate(size) == 20
    page.wait_for_function("() => document.getElementById('thong-bao').textContent"
                           " === 'Cỡ chữ 125%'")
    page.reload()
    assert page.evaluate(size) == 20
    page.click("text=Giảm cỡ chữ")
    assert page.evaluate(size) == 18
    page.click("text=Cỡ chữ mặc định")
    assert page.evaluate(size) == 16
    for _ in range(12):
        page.click("text=Tăng cỡ chữ")
    assert page.evaluate(size) == 40  # 250% at most
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


def test_audio_plays_and_seeking_uses_range(page: Any, live: Live,
                                            article: dict[str, Any]) -> None:
    media: list[tuple[str | None, int]] = []
    page.on("response", lambda r: media.append((r.request.headers.get("range"), r.status))
            if "/am-thanh/" in r.url else None)
    page.goto(_reader(live, article))
    assert media == []  # preload="none": nothing is fetched before the listener asks
    assert page.evaluate("document.getElementById('am-thanh').autoplay") is False
    page.click("[data-act=play]")
    page.wait_for_function("() => document.getElementById('am-thanh').currentTime > 0.3")
    duration = page.evaluate("document.getElementById('am-thanh').duration")
    page.evaluate(f"""(() => {{ const s = document.getElementById('vi-tri');
        s.value = {int(duration * 0.6)}; s.dispatchEvent(new Event('input')); }})()""")
    page.wait_for_function(f"() => {AUDIO}.currentTime >= {int(duration * 0.6)}")
    assert any(rng and status == 206 for rng, status in media), media
    valuetext = page.get_attribute("#vi-tri", "aria-valuetext")
    assert " giây trên " in valuetext
    assert page.evaluate("navigator.mediaSession.metadata.title") == article["title"]
    page.wait_for_selector(".seg.now")
    second = page.locator(".from-here").nth(1)
    target = float(page.get_attribute(".seg >> nth=1", "data-start")) / 1000
    second.click()
    page.wait_for_function(f"() => Math.abs({AUDIO}.currentTime - {target}) < 1.5")
    assert page.evaluate("document.querySelector('.seg.now').id") == \
        page.evaluate("document.querySelectorAll('.seg')[1].id")


def test_download_has_the_vietnamese_name(page: Any, live: Live,
                                          article: dict[str, Any]) -> None:
    page.goto(_reader(live, article))
    with page.expect_download() as info:
        page.click("text=Tải MP3")
    assert info.value.suggested_filename == article["title"] + ".mp3"


def test_no_third_party_requests_and_no_csp_violations(page: Any, live: Live,
                                                       article: dict[str, Any]) -> None:
    hosts: set[str] = set()
    errors: list[str] = []
    page.on("request", lambda r: hosts.add(r.url.split("/")[2]))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    for url in (live.base + "/", _reader(live, article)):
        page.goto(url)
    page.click("[data-act=play]")
    page.wait_for_function("() => document.getElementById('am-thanh').currentTime > 0.1")
    assert hosts == {live.base.split("/")[2]}
    assert errors == []


def test_works_without_javascript(browser: Any, live: Live, article: dict[str, Any]) -> None:
    ctx = browser.new_context(java_script_enabled=False)
    pg = ctx.new_page()
    pg.goto(_reader(live, article))
    assert pg.is_visible("audio#am-thanh[controls][preload=none]")
    assert not pg.is_visible("#trinh-phat") and not pg.is_visible(".display")
    assert pg.is_visible("text=Tải MP3")
    assert "Toàn huyện có 23 sản phẩm OCOP" in pg.inner_text("main")
    with pg.expect_download() as info:
        pg.click("text=Tải MP3")
    assert info.value.suggested_filename.endswith(".mp3")
    ctx.close()


def test_shortcuts_speed_and_resume(page: Any, live: Live, article: dict[str, Any]) -> None:
    page.goto(_reader(live, article))
    starts = page.evaluate("Array.from(document.querySelectorAll('.seg[data-start]'))"
                           ".map(e => +e.getAttribute('data-start') / 1000)")
    page.focus("#q")
    page.keyboard.press("k")  # typed into the search box, not a shortcut
    assert page.evaluate(f"{AUDIO}.paused")
    page.focus("[data-act=next]")
    page.keyboard.press("n")  # from the title to the first paragraph
    page.wait_for_function(f"() => Math.abs({AUDIO}.currentTime - {starts[0]}) < 0.3")
    page.keyboard.press("n")
    page.wait_for_function(f"() => Math.abs({AUDIO}.currentTime - {starts[1]}) < 0.3")
    page.keyboard.press("p")
    page.wait_for_function(f"() => Math.abs({AUDIO}.currentTime - {starts[0]}) < 0.3")
    page.keyboard.press("n")
    page.keyboard.press("]")
    assert page.evaluate(f"{AUDIO}.playbackRate") == 1.25
    page.wait_for_function("() => document.getElementById('thong-bao').textContent"
                           " === 'Tốc độ 1,25×'")
    page.select_option("#toc-do", "1.5")
    assert page.evaluate(f"{AUDIO}.playbackRate") == 1.5
    page.focus("[data-act=play]")
    page.keyboard.press("k")
    page.wait_for_function(f"() => {AUDIO}.currentTime > {starts[1] + 0.3}")
    page.keyboard.press("k")
    page.wait_for_function(f"() => {AUDIO}.paused")
    where = page.evaluate(f"{AUDIO}.currentTime")
    page.reload()
    assert page.evaluate(f"{AUDIO}.playbackRate") == 1.5  # speed remembered
    resumed = page.evaluate(f"{AUDIO}.currentTime")
    assert abs(resumed - where) < 0.5 and not page.evaluate(f"{AUDIO}.autoplay")
    assert page.evaluate(f"{AUDIO}.paused")  # resuming never starts playback by itself


def test_focused_seek_bar_stays_quiet_during_playback(page: Any, live: Live,
                                                      article: dict[str, Any]) -> None:
    page.goto(_reader(live, article))
    page.focus("#vi-tri")
    before = page.get_attribute("#vi-tri", "aria-valuetext")
    page.keyboard.press("k")
    page.wait_for_function(f"() => {AUDIO}.currentTime > 1.2")
    assert page.get_attribute("#vi-tri", "aria-valuetext") == before  # nothing to announce
    page.keyboard.press("ArrowRight")  # the listener's own move is reflected at once
    page.wait_for_function("() => document.getElementById('vi-tri')"
                           ".getAttribute('aria-valuetext') !== " + json.dumps(before))
    page.keyboard.press("k")


def test_lost_player_script_keeps_the_native_audio(page: Any, live: Live,
                                                   article: dict[str, Any]) -> None:
    page.route("**/static/site.js*", lambda route: route.abort())  # a 2G link dropping it
    page.goto(_reader(live, article))
    assert page.is_visible("audio#am-thanh[controls]")
    assert not page.is_visible("#trinh-phat") and not page.is_visible(".from-here")
    page.click("text=Tăng cỡ chữ")  # the display buttons live in the small early script
    assert page.evaluate("getComputedStyle(document.documentElement).fontSize") == "18px"
