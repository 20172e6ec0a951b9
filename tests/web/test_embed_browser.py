"""The embedded player in Chromium: a portal on 127.0.0.2 embedding the service on 127.0.0.1.

The service runs as `bantin-audio serve` (watcher and worker in-process) with gTTS going
through the loopback fake-Google proxy; the fake portal runs in the test process.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.fakegoogle_proxy import FakeGoogleProxy, proxy_env
from tests.fakeportal import FakePortal, PortalArticle, sample_article
from tests.web.test_browser import ARGS, BANTIN, CHROMIUM, TOKEN, _axe, _free_port

pytestmark = pytest.mark.browser

if not Path(CHROMIUM).exists():
    pytest.skip("Debian's chromium is not installed (apt-get install chromium)",
                allow_module_level=True)

PLAYER = "document.querySelector('[data-bantin]')"
SHADOW = PLAYER + ".shadowRoot"


@dataclass
class Live:
    """The service, the registered portal and a second, unregistered portal."""

    base: str
    proxy: FakeGoogleProxy
    portal: FakePortal
    stranger: FakePortal
    data_dir: Path

    def lookup(self, url: str) -> tuple[int, dict[str, Any]]:
        """Ask the lookup API about a portal address."""
        req = urllib.request.Request(
            self.base + "/api/lookup?url=" + urllib.parse.quote(url, safe=""))
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                return resp.status, json.loads(resp.read())
        except urllib.error.HTTPError as exc:
            return exc.code, {}

    def wait_known(self, art: PortalArticle, *, status: tuple[str, ...] = ("done",),
                   timeout: float = 90) -> dict[str, Any]:
        """Wait until the service has read a portal article (and its audio is in `status`)."""
        deadline = time.monotonic() + timeout
        data: dict[str, Any] = {}
        while time.monotonic() < deadline:
            code, data = self.lookup(self.portal.article_url(art))
            if code == 200 and data["status"] in status:
                return data
            time.sleep(0.1)
        raise AssertionError(f"article not {status} in time: {data}")


def _sources_add(data_dir: Path, portal: FakePortal) -> None:
    subprocess.run([BANTIN, "sources", "add", "yen-hoa", portal.url, "--feed",
                    portal.url + "/rss.xml", "--interval", "60", "--data-dir",
                    str(data_dir / "data")], check=True, capture_output=True)


@pytest.fixture(scope="module")
def live() -> Iterator[Live]:
    """Start `bantin-audio serve` on 127.0.0.1 and the portals on 127.0.0.2 and 127.0.0.3."""
    data_dir = Path(tempfile.mkdtemp(prefix="bantin-embed-"))
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    with FakeGoogleProxy() as proxy, FakePortal("127.0.0.2") as portal, \
            FakePortal("127.0.0.3") as stranger:
        for p in (portal, stranger):
            p.embed_script = f'<script src="{base}/nhung.js" async></script>'
        portal.publish(**sample_article(1))
        _sources_add(data_dir, portal)
        env = proxy_env(proxy.url)
        env.update(BANTIN_API_TOKEN=TOKEN, BANTIN_ENGINE="gtts", BANTIN_CONCURRENCY="2",
                   BANTIN_PRIVATE_FETCH_HOSTS="127.0.0.2")
        log = open(data_dir / "server.log", "wb")  # noqa: SIM115
        proc = subprocess.Popen([BANTIN, "serve", "--host", "127.0.0.1", "--port", str(port),
                                 "--data-dir", str(data_dir / "data"), "--production"],
                                env=env, stdout=log, stderr=subprocess.STDOUT)
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
            yield Live(base, proxy, portal, stranger, data_dir)
        finally:
            proc.terminate()
            proc.wait(timeout=15)
            log.close()
            shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (never `playwright install`)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh page that records console errors and every host it asked."""
    ctx = browser.new_context()
    pg = ctx.new_page()
    pg.errors = []  # type: ignore[attr-defined]
    pg.hosts = set()  # type: ignore[attr-defined]
    # Failed requests are recorded by address (the browser's console line does not say which).
    pg.on("console", lambda m: pg.errors.append(m.text)
          if m.type == "error" and not m.text.startswith("Failed to load resource") else None)
    pg.on("response", lambda r: pg.errors.append(f"{r.status} {r.url}")
          if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    pg.on("request", lambda r: pg.hosts.add(urllib.parse.urlsplit(r.url).netloc))
    yield pg
    ctx.close()


def _shadow(page: Any, selector: str) -> Any:
    return page.locator("[data-bantin]").first.locator(selector)


def test_script_embed_plays_keyboard_and_styles_stay_apart(page: Any, live: Live) -> None:
    art = next(iter(live.portal.articles.values()))
    live.wait_known(art)
    page.goto(live.portal.article_url(art))
    play = _shadow(page, "button.p")
    play.wait_for()
    page.wait_for_function(f"() => !{SHADOW}.querySelector('button.p').disabled")
    assert _axe(page) == []
    # Our styles stay in, the portal's stay out (its buttons are magenta, ours are not).
    host_bg = page.evaluate("getComputedStyle(document.querySelector('.pp-tim-kiem'))"
                            ".backgroundColor")
    ours = page.evaluate(f"getComputedStyle({SHADOW}.querySelector('button.p'))"
                         ".backgroundColor")
    spacing = page.evaluate(f"getComputedStyle({SHADOW}.querySelector('.w')).letterSpacing")
    assert host_bg == "rgb(255, 0, 255)" and ours == "rgb(242, 242, 242)"
    assert spacing == "normal"
    # Vietnamese labels, 44 px targets, preload none, the download link says its size.
    labels = _shadow(page, "button").all_inner_texts()
    assert labels == ["Phát", "Lùi 10 giây", "Tới 10 giây", "Đoạn trước", "Đoạn sau"]
    for box in [b.bounding_box() for b in _shadow(page, "button, select").all()]:
        assert box["height"] >= 44 and box["width"] >= 44
    assert page.evaluate(f"{SHADOW}.querySelector('audio').preload") == "none"
    assert _shadow(page, "a[download]").inner_text().startswith("Tải MP3 (")
    # Keyboard: Tab reaches the play button; Enter plays; k pauses and says so.
    for _ in range(12):
        page.keyboard.press("Tab")
        if page.evaluate(f"{SHADOW}.activeElement && {SHADOW}.activeElement.className") == "p":
            break
    else:
        raise AssertionError("the play button is not reachable by Tab")
    page.keyboard.press("Enter")
    page.wait_for_function(f"() => {SHADOW}.querySelector('audio').currentTime > 0.2")
    assert play.inner_text() == "Tạm dừng"
    page.keyboard.press("k")
    page.wait_for_function(f"() => {SHADOW}.querySelector('audio').paused")
    page.wait_for_function(f"() => {SHADOW}.querySelector('[role=status]').textContent"
                           " === 'Đã tạm dừng'")
    assert play.inner_text() == "Phát"
    # Nothing but the portal and the service was asked; no cookies were set.
    assert page.hosts <= {f"127.0.0.2:{live.portal.port}", live.base.split("//")[1]}
    assert page.context.cookies() == []
    assert page.errors == []


def test_play_from_a_paragraph_of_the_portal_page(page: Any, live: Live) -> None:
    art = next(iter(live.portal.articles.values()))
    live.wait_known(art)
    live.portal.embed_attrs = " data-bantin-doan"
    try:
        page.goto(live.portal.article_url(art))
        buttons = page.locator(".bantin-noidung p span").locator("button")
        buttons.first.wait_for()
        assert buttons.count() == len(art.paragraphs)
        assert buttons.first.inner_text() == "Nghe từ đoạn này"
        assert _axe(page) == []
        buttons.nth(1).click()
        page.wait_for_function("() => document.querySelector('.bantin-noidung p"
                               "[aria-current=true]') !== null")
        current = page.locator(".bantin-noidung p[aria-current=true]").inner_text()
        assert current.startswith(art.paragraphs[1])
        outline = page.evaluate("getComputedStyle(document.querySelector("
                                "'.bantin-noidung p[aria-current=true]')).outlineStyle")
        assert outline == "solid"
    finally:
        live.portal.embed_attrs = ""


def test_frame_embed_plays_in_a_portal_page(page: Any, live: Live) -> None:
    art = next(iter(live.portal.articles.values()))
    data = live.wait_known(art)
    live.portal.embed_script = None
    live.portal.embed_frame = (f'<iframe src="{live.base}/nhung/{data["id"]}" '
                               f'title="Nghe bài viết: {art.title}" width="100%" height="168" '
                               'style="border:0"></iframe>')
    try:
        page.goto(live.portal.article_url(art))
        frame = page.frame_locator("iframe")
        play = frame.locator("[data-bantin]").locator("button.p")
        play.wait_for()
        assert _axe(page) == []
        play.click()
        inner = page.frames[1]
        inner.wait_for_function("() => document.querySelector('[data-bantin]').shadowRoot"
                                ".querySelector('audio').currentTime > 0.2")
        assert page.errors == []
    finally:
        live.portal.embed_frame = None
        live.portal.embed_script = f'<script src="{live.base}/nhung.js" async></script>'


def test_unregistered_host_shows_nothing(page: Any, live: Live) -> None:
    art = live.stranger.publish(**sample_article(7))
    page.goto(live.stranger.article_url(art))
    page.wait_for_load_state("networkidle")
    assert page.evaluate("document.querySelector('[data-bantin]').hidden") is True
    assert page.evaluate("document.querySelector('[data-bantin]').shadowRoot") is None
    assert _axe(page) == []
    assert [e for e in page.errors if "favicon" not in e] == [
        f"404 {live.base}/api/lookup?url=" + urllib.parse.quote(live.stranger.article_url(art),
                                                                  safe="")]
    # Nothing was queued for it.
    assert live.lookup(live.stranger.article_url(art))[0] == 404


def test_new_article_gets_progress_then_audio(page: Any, live: Live) -> None:
    fields = sample_article(2)
    fields["paragraphs"] = fields["paragraphs"] * 3
    live.proxy.fake.delay = 0.3
    try:
        # Published a moment ago: the watcher has not seen it, a listener opens it first.
        art = live.portal.publish(**fields)
        page.goto(live.portal.article_url(art))
        gauge = _shadow(page, ".g")
        gauge.wait_for()
        assert gauge.inner_text().startswith("Đang chuẩn bị âm thanh:")
        assert _axe(page) == []
        page.wait_for_function(f"() => !{SHADOW}.querySelector('button.p').disabled",
                               timeout=60_000)
        assert not gauge.is_hidden()  # the first paragraphs play while the rest is made
        _shadow(page, "button.p").click()
        page.wait_for_function(f"() => {SHADOW}.querySelector('audio').currentTime > 0.2")
        page.wait_for_function(f"() => {SHADOW}.querySelector('.w').getAttribute('aria-label')"
                               f" === 'Nghe bài viết: {art.title}'")
    finally:
        live.proxy.fake.delay = 0.0


def test_sources_admin_page_axe_and_copy(browser: Any, live: Live) -> None:
    ctx = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    page = ctx.new_page()
    try:
        page.goto(live.base + "/quan-tri")
        page.fill("#token", TOKEN)
        page.click("form.stack button[type=submit]")
        page.goto(live.base + "/quan-tri/nguon")
        assert _axe(page) == []
        page.click("summary")
        page.click("[data-copy^=ma-script]")
        page.wait_for_function("() => document.getElementById('thong-bao').textContent"
                               " === 'Đã sao chép mã nhúng'")
        copied = page.evaluate("navigator.clipboard.readText()")
        assert copied.startswith(f'<script src="{live.base}/nhung.js" async></script>')
        assert _axe(page) == []
        page.click("text=Sửa")
        assert _axe(page) == []
        page.set_viewport_size({"width": 320, "height": 640})
        page.goto(live.base + "/quan-tri/nguon")
        assert page.evaluate("document.documentElement.scrollWidth <= 320")
    finally:
        ctx.close()


LONG_PARAGRAPHS = [
    "Sáng ngày 14 tháng 11, tại nhà văn hóa thôn Đồng Tâm, Ủy ban Mặt trận Tổ quốc xã phối hợp "
    "với chi bộ thôn tổ chức ngày hội đại đoàn kết toàn dân tộc, với sự tham dự của hơn 320 hộ "
    "gia đình và đại diện các ban, ngành, đoàn thể của xã.",
    "Báo cáo tại ngày hội cho biết, trong năm qua bà con thôn Đồng Tâm đã hiến hơn 1.200 mét "
    "vuông đất, đóng góp 450 ngày công để mở rộng 2,5 km đường giao thông nông thôn; tỷ lệ hộ "
    "nghèo giảm còn 1,8%, thu nhập bình quân đạt 62 triệu đồng mỗi người một năm.",
    "Dịp này, UBND xã đã trao 15 suất quà cho các hộ có hoàn cảnh khó khăn, mỗi suất trị giá 1 "
    "triệu đồng, đồng thời khen thưởng 8 gia đình tiêu biểu trong phong trào xây dựng nông thôn "
    "mới kiểu mẫu.",
]
# The phrase the embed marks on the portal's page against its audio: `samples` of [media ms,
# the marked phrase's start or -1], taken at each painted frame while the audio plays.
EMBED_SAMPLER = """() => { window.__samples = [];
  const a = document.querySelector('[data-bantin]').shadowRoot.querySelector('audio');
  const tick = () => { if (a.paused) return;
    const on = document.querySelector('.bantin-cum.bantin-dang');
    window.__samples.push([a.currentTime * 1000, on ? +on.getAttribute('data-s') : -1]);
    requestAnimationFrame(tick); };
  requestAnimationFrame(tick); }"""
EMBED_AUDIO = SHADOW + ".querySelector('audio')"


def _embed_expected(timings: list[dict[str, Any]], ms: float) -> tuple[int, float, float]:
    """The phrase the timing map says is read at `ms` (its start, or -1) and the span during
    which that answer holds (a segment's last phrase stays marked 400 ms into the pause)."""
    for t in timings:
        phrases = t.get("phrases") or []
        if len(phrases) < 2 or not t["start_ms"] <= ms < t["end_ms"] + 400:
            continue
        for n, p in enumerate(phrases):
            end = t["end_ms"] + 400 if n == len(phrases) - 1 else phrases[n + 1]["start_ms"]
            if p["start_ms"] <= ms < end:
                return p["start_ms"], p["start_ms"], end
    return -1, ms, ms


def test_embed_follows_the_reading_on_the_portal_page(page: Any, live: Live) -> None:
    import statistics

    fields = sample_article(5)
    fields["paragraphs"] = LONG_PARAGRAPHS
    art = live.portal.publish(**fields)
    data = live.wait_known(art)
    timings = data["timings"]
    phrased = [t for t in timings if len(t["phrases"]) > 1]
    kinds = [t["kind"] for t in timings]
    assert len(phrased) >= 3 and kinds[:2] == ["title", "date"], timings
    live.portal.embed_attrs = " data-bantin-doan"
    try:
        page.goto(live.portal.article_url(art))
        page.locator(".bantin-noidung p span").first.wait_for()
        # Each long paragraph of the portal's page is split into the phrases the map reads.
        shown = page.evaluate("Array.from(document.querySelectorAll('.bantin-cum'))"
                              ".map(e => e.textContent)")
        assert len(shown) == sum(len(t["phrases"]) for t in phrased)
        for t in phrased:
            for p in t["phrases"]:
                assert t["text"][p["from"]:p["to"]] in shown
        page.wait_for_function(f"() => !{SHADOW}.querySelector('button.p').disabled")
        follow = _shadow(page, ".k input")  # auto-scroll is offered, and off until asked
        assert follow.is_visible() and not follow.is_checked()
        # Title and date are marked while they are read (aria-current and an outline).
        _shadow(page, "button.p").click()
        page.wait_for_function("() => document.querySelector('h1[aria-current=true]')")
        assert page.inner_text("h1[aria-current=true]") == art.title
        assert page.evaluate("getComputedStyle(document.querySelector('h1')).outlineStyle") \
            == "solid"
        date = timings[1]
        page.wait_for_function(f"() => {EMBED_AUDIO}.currentTime * 1000 > {date['start_ms']}"
                               " + 50", timeout=15_000)
        page.wait_for_function("() => document.querySelector('.bantin-ngay[aria-current=true]')")
        assert page.query_selector("h1[aria-current]") is None
        page.evaluate(f"{EMBED_AUDIO}.pause()")
        assert _axe(page) == []
        # The marked phrase follows the audio: measured against the timing map.
        errors: list[float] = []
        for start in (phrased[0]["start_ms"] / 1000 - 0.3, phrased[-1]["start_ms"] / 1000):
            page.evaluate(f"{EMBED_AUDIO}.currentTime = {start}")
            page.evaluate(f"{EMBED_AUDIO}.play()")
            page.wait_for_function(f"() => !{EMBED_AUDIO}.paused && "
                                   f"{EMBED_AUDIO}.currentTime > {start}")
            page.evaluate(EMBED_SAMPLER)
            page.wait_for_timeout(3500)
            page.evaluate(f"{EMBED_AUDIO}.pause()")
            samples = page.evaluate("window.__samples")
            assert len(samples) > 40
            for ms, marked in samples:
                want, since, until = _embed_expected(timings, ms)
                errors.append(0.0 if marked == want else min(ms - since, until - ms))
        worst = max(errors)
        print(f"embed phrase following: {len(errors)} samples, "
              f"{sum(1 for e in errors if e > 0)} off the map, worst {worst:.0f} ms, "
              f"median {statistics.median(errors):.0f} ms")
        assert worst <= 300, (worst, sorted(errors)[-10:])
        current = page.locator(".bantin-noidung p[aria-current=true]").inner_text()
        assert current.startswith(phrased[-1]["text"])
        assert page.evaluate("getComputedStyle(document.querySelector('.bantin-dang'))"
                             ".textDecorationLine") == "underline"  # not by colour alone
        assert page.errors == []
    finally:
        live.portal.embed_attrs = ""
