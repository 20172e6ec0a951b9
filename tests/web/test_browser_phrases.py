"""Phrase-level following in Chromium: the phrase being read is marked in step with the timing
map, aria-current moves, auto-scroll follows only when asked, a click on a sentence plays from
it, and every state passes axe in normal, high-contrast and forced-colours modes.

Reuses the live server and browser of test_browser (started once more for this module)."""

from __future__ import annotations

import json
import statistics
import urllib.request
from typing import Any

import pytest
import webvtt

from tests.web import test_browser
from tests.web.test_browser import AUDIO, Live, _axe, _reader

pytestmark = pytest.mark.browser

live = test_browser.live
browser = test_browser.browser
page = test_browser.page

STATUS = "document.getElementById('thong-bao').textContent"
TEXT = """Xã Yên Phong tổ chức ngày hội đại đoàn kết toàn dân tộc năm 2026

Sáng ngày 14 tháng 11, tại nhà văn hóa thôn Đồng Tâm, Ủy ban Mặt trận Tổ quốc xã phối hợp với \
chi bộ thôn tổ chức ngày hội đại đoàn kết toàn dân tộc, với sự tham dự của hơn 320 hộ gia đình \
và đại diện các ban, ngành, đoàn thể của xã.

Báo cáo tại ngày hội cho biết, trong năm qua bà con thôn Đồng Tâm đã hiến hơn 1.200 mét vuông \
đất, đóng góp 450 ngày công để mở rộng 2,5 km đường giao thông nông thôn; tỷ lệ hộ nghèo giảm \
còn 1,8%, thu nhập bình quân đạt 62 triệu đồng mỗi người một năm.

Dịp này, UBND xã đã trao 15 suất quà cho các hộ có hoàn cảnh khó khăn, mỗi suất trị giá 1 triệu \
đồng, đồng thời khen thưởng 8 gia đình tiêu biểu trong phong trào xây dựng nông thôn mới kiểu mẫu.

Phát biểu tại buổi lễ, đồng chí Chủ tịch UBND xã đề nghị các thôn tiếp tục phát huy tinh thần \
đoàn kết, chung tay giữ gìn vệ sinh môi trường, bảo đảm an ninh trật tự, không để xảy ra tệ nạn \
xã hội trên địa bàn.
"""

# The marked phrase against the timing map: `samples` of [media ms, marked phrase's start or -1].
# Sampled at each painted frame, after the player's own frame callback (started once playback
# runs, so it comes later in the frame): what the listener sees against where the audio is.
SAMPLER = """() => { window.__samples = []; const a = document.getElementById('am-thanh');
  const tick = () => { if (a.paused) return; const on = document.querySelector('.ph.on');
    window.__samples.push([a.currentTime * 1000, on ? +on.getAttribute('data-s') : -1]);
    requestAnimationFrame(tick); };
  requestAnimationFrame(tick); }"""


@pytest.fixture(scope="module")
def article(live: Live) -> dict[str, Any]:
    """A finished article whose paragraphs are each spoken in several phrases."""
    return live.submit_and_wait(TEXT)


def _timings(live: Live, art: dict[str, Any]) -> list[dict[str, Any]]:
    with urllib.request.urlopen(f"{_reader(live, art)}/thoi-gian.json", timeout=10) as resp:
        return json.loads(resp.read())["timings"]


def _expected(timings: list[dict[str, Any]], ms: float) -> tuple[int, float, float]:
    """Return the phrase the map says is being read at `ms` (its start, or -1) and the span of
    time during which that answer holds (a segment's last phrase stays marked 400 ms into the
    pause after it, as the page keeps its segment marked)."""
    for t in timings:
        phrases = t.get("phrases") or []
        if len(phrases) < 2 or not t["start_ms"] <= ms < t["end_ms"] + 400:
            continue
        for n, p in enumerate(phrases):
            last = n == len(phrases) - 1
            end = t["end_ms"] + 400 if last else phrases[n + 1]["start_ms"]
            if p["start_ms"] <= ms < end:
                return p["start_ms"], p["start_ms"], end
    return -1, ms, ms


def _play_from(page: Any, seconds: float) -> None:
    page.evaluate(f"{AUDIO}.currentTime = {seconds}")
    page.evaluate(f"{AUDIO}.play()")
    page.wait_for_function(f"() => !{AUDIO}.paused && {AUDIO}.currentTime > {seconds}")


def test_marked_phrase_follows_playback_within_300_ms(page: Any, live: Live,
                                                      article: dict[str, Any]) -> None:
    timings = _timings(live, article)
    phrased = [t for t in timings if len(t.get("phrases") or []) > 1]
    assert len(phrased) >= 3, timings  # the long paragraphs are followed phrase by phrase
    page.goto(_reader(live, article))
    shown = page.evaluate("Array.from(document.querySelectorAll('.ph')).map(e => e.textContent)")
    for t in phrased:  # each phrase marks the words it reads
        for p in t["phrases"]:
            units = t["text"].encode("utf-16-le")[2 * p["from"]:2 * p["to"]].decode("utf-16-le")
            assert units in shown
    assert len(shown) == sum(len(t["phrases"]) for t in phrased)
    # Listen across phrase and segment boundaries: the start, then two later stretches.
    errors: list[float] = []
    for start in (0.0, phrased[1]["start_ms"] / 1000 - 0.5, phrased[-1]["start_ms"] / 1000):
        _play_from(page, start)
        page.evaluate(SAMPLER)
        page.wait_for_timeout(3500)
        page.evaluate(f"{AUDIO}.pause()")
        samples = page.evaluate("window.__samples")
        assert len(samples) > 40
        for ms, marked in samples:
            want, since, until = _expected(timings, ms)
            errors.append(0.0 if marked == want else min(ms - since, until - ms))
    worst, typical = max(errors), statistics.median(errors)
    late = sum(1 for e in errors if e > 0)
    print(f"phrase following: {len(errors)} samples, {late} off the map, "
          f"worst {worst:.0f} ms, median {typical:.0f} ms")
    assert worst <= 300, (worst, sorted(errors)[-10:])


def test_aria_current_moves_with_the_reading_title_included(page: Any, live: Live,
                                                            article: dict[str, Any]) -> None:
    timings = _timings(live, article)
    page.goto(_reader(live, article))
    current = "Array.from(document.querySelectorAll('[aria-current]')).map(e => e.id)"
    assert page.evaluate(current) == []
    _play_from(page, 0.05)
    assert timings[0]["kind"] == "title"
    page.wait_for_function(f"() => {current}.length === 1")
    assert page.evaluate(current) == [f"d{timings[0]['index']}"]
    assert page.evaluate("document.querySelector('h1').getAttribute('aria-current')") == "true"
    third = timings[3]
    page.evaluate(f"{AUDIO}.currentTime = {third['start_ms'] / 1000 + 0.2}")
    page.wait_for_function(f"() => {current}.join() === 'd{third['index']}'")
    page.evaluate(f"{AUDIO}.pause()")
    # Moves of the reading are never announced and never take focus.
    assert page.evaluate(STATUS) == ""
    assert page.evaluate("document.activeElement === document.body")


def test_the_marking_does_not_rest_on_colour(page: Any, live: Live,
                                             article: dict[str, Any]) -> None:
    timings = _timings(live, article)
    page.goto(_reader(live, article))
    second = next(t for t in timings if len(t.get("phrases") or []) > 1)
    _play_from(page, second["phrases"][1]["start_ms"] / 1000 + 0.1)
    page.wait_for_selector(".ph.on")
    page.evaluate(f"{AUDIO}.pause()")
    look = """() => { const seg = getComputedStyle(document.querySelector('.now'));
        const on = getComputedStyle(document.querySelector('.ph.on'));
        const off = getComputedStyle(document.querySelector('.ph:not(.on)'));
        return {outline: seg.outlineStyle, width: parseFloat(seg.outlineWidth),
                onBg: on.backgroundColor, offBg: off.backgroundColor,
                underline: on.textDecorationLine}; }"""
    for mode in ("normal", "high-contrast", "forced-colours"):
        if mode == "high-contrast":
            page.click("[data-contrast]")
        if mode == "forced-colours":
            page.click("[data-contrast]")
            page.emulate_media(forced_colors="active")
        got = page.evaluate(look)
        assert got["outline"] == "solid" and got["width"] >= 3, (mode, got)
        assert got["onBg"] != got["offBg"], (mode, got)
        if mode != "forced-colours":
            assert got["underline"] == "underline", (mode, got)
        assert _axe(page) == [], mode
    page.emulate_media(forced_colors="none")


def test_auto_scroll_is_opt_in_remembered_and_yields_to_the_hand(browser: Any, live: Live,
                                                                 article: dict[str, Any]) -> None:
    timings = _timings(live, article)
    last = timings[-1]
    ctx = browser.new_context(viewport={"width": 390, "height": 560}, reduced_motion="reduce")
    pg = ctx.new_page()
    try:
        pg.goto(_reader(live, article))
        assert pg.is_checked("#tu-cuon") is False  # off until the listener turns it on
        _play_from(pg, last["start_ms"] / 1000 + 0.1)
        pg.wait_for_selector(f"#d{last['index']}.now")
        assert pg.evaluate("window.scrollY") == 0  # nothing moves by itself
        pg.evaluate(f"{AUDIO}.pause()")
        pg.check("#tu-cuon")
        pg.reload()
        assert pg.is_checked("#tu-cuon")  # remembered
        in_view = """sel => { const r = document.querySelector(sel).getBoundingClientRect();
            return r.top >= 0 && r.bottom <= innerHeight; }"""
        assert not pg.evaluate(in_view, f"#d{last['index']}")
        _play_from(pg, last["start_ms"] / 1000 + 0.1)
        pg.wait_for_function(in_view, arg=".ph.on")
        assert pg.evaluate("window.scrollY") > 200
        # The listener scrolls by hand: auto-scroll turns itself off and says so.
        pg.mouse.move(200, 200)
        pg.mouse.wheel(0, -2000)
        pg.wait_for_function("() => !document.getElementById('tu-cuon').checked")
        pg.wait_for_function(f"() => {STATUS} === 'Đã tắt tự cuộn'")
        pg.evaluate("window.scrollTo(0, 0)")
        pg.evaluate(f"{AUDIO}.currentTime = {timings[-2]['start_ms'] / 1000 + 0.1}")
        pg.wait_for_selector(f"#d{timings[-2]['index']}.now")
        pg.wait_for_timeout(300)
        assert pg.evaluate("window.scrollY") == 0  # no longer followed
    finally:
        ctx.close()


def test_clicking_a_sentence_plays_from_its_start(page: Any, live: Live,
                                                  article: dict[str, Any]) -> None:
    page.goto(_reader(live, article))
    target = page.locator(".seg .ph").nth(4)
    start = float(target.get_attribute("data-s")) / 1000
    assert start > 3
    target.click()
    page.wait_for_function(f"() => !{AUDIO}.paused")
    at = page.evaluate(f"{AUDIO}.currentTime")
    assert start - 0.05 <= at < start + 0.6, (start, at)
    page.wait_for_function("() => document.querySelector('.ph.on') !== null")
    assert page.evaluate("document.querySelector('.ph.on').getAttribute('data-s')") == \
        target.get_attribute("data-s")
    page.evaluate(f"{AUDIO}.pause()")
    # Sentences add no tab stops: the paragraph buttons stay the keyboard's way in.
    assert page.evaluate("Array.from(document.querySelectorAll('.ph')).every(e => e.tabIndex < 0)")
    # Selecting text in a sentence does not jump the reading.
    where = page.evaluate(f"{AUDIO}.currentTime")
    box = page.locator(".seg .ph").nth(1).bounding_box()
    page.mouse.move(box["x"] + 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] - 2, box["y"] + box["height"] / 2)
    page.mouse.up()
    page.wait_for_timeout(200)
    assert page.evaluate(f"{AUDIO}.paused")
    assert page.evaluate(f"{AUDIO}.currentTime") == pytest.approx(where, abs=0.05)


def test_captions_have_one_cue_per_phrase(live: Live, article: dict[str, Any]) -> None:
    timings = _timings(live, article)
    with urllib.request.urlopen(f"{_reader(live, article)}/phu-de.vtt", timeout=10) as resp:
        cues = webvtt.from_string(resp.read().decode()).captions
    expected = sum(len(t["phrases"]) if len(t.get("phrases") or []) > 1 else 1 for t in timings)
    assert len(cues) == expected > len(timings)
    assert cues[-1].text.endswith("trên địa bàn.")
    starts = [c.start_in_seconds for c in cues]
    assert starts == sorted(starts)
