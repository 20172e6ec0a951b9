"""The reader page on a phone in Chromium: Play first in a compact player block on a 360 px
screen, and text enlarged up to 400 % never pushing a control out of its box.

Reuses the live server and browser of test_browser (started once more for this module)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web import test_browser
from tests.web.test_browser import Live, _axe, _reader

pytestmark = pytest.mark.browser

live = test_browser.live
browser = test_browser.browser
article = test_browser.article

PHONE = {"width": 360, "height": 740}
# Every visible control must keep its text inside its own box, its box inside the screen, and
# inside the box of the block that holds it (the player, the compact bar, the header...).
OVERFLOWS = """(() => {
    const out = [], vw = document.documentElement.clientWidth;
    const controls = document.querySelectorAll(
        'button, select, input, summary, a.button, nav a, .downloads a, .next-up a');
    for (const e of controls) {
        if (e.offsetParent === null && getComputedStyle(e).position !== 'fixed') continue;
        if (e.closest('[hidden]')) continue;
        const r = e.getBoundingClientRect(), name = (e.innerText || e.id || e.tagName).trim();
        if (r.width === 0) continue;
        if (r.left < -0.5 || r.right > vw + 0.5) out.push(['off screen', name, r.left, r.right]);
        if (e.scrollWidth > e.clientWidth + 1 && e.tagName !== 'SELECT' && e.type !== 'range')
            out.push(['text overflows', name, e.scrollWidth, e.clientWidth]);
        const box = e.parentElement.closest('.listen, .mini, .display, nav, .seg, .search, '
                                            + '.next-up, .downloads, .controls');
        if (box) { const b = box.getBoundingClientRect();
            if (r.left < b.left - 0.5 || r.right > b.right + 0.5)
                out.push(['outside ' + box.className, name, r.left, r.right, b.left, b.right]); }
    }
    return out; })()"""


def _phone(browser: Any) -> Any:
    ctx = browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True)
    return ctx.new_page()


def test_play_first_in_a_compact_block_on_a_360_px_phone(browser: Any, live: Live,
                                                         article: dict[str, Any]) -> None:
    pg = _phone(browser)
    pg.goto(_reader(live, article))
    m = pg.evaluate("""(() => {
        const q = s => document.querySelector(s).getBoundingClientRect();
        const play = q('#trinh-phat [data-act=play]');
        const buttons = Array.from(document.querySelectorAll('#trinh-phat .controls button'));
        return {player: q('#trinh-phat').height, section: q('#nghe-bai').height,
                playTop: play.top, playBottom: play.bottom, playWidth: play.width,
                first: buttons[0].getAttribute('data-act'),
                rows: new Set(buttons.map(b => Math.round(b.getBoundingClientRect().top))).size,
                minHeight: Math.min(...buttons.map(b => b.getBoundingClientRect().height))};
    })()""")
    print(f"360 px phone: player block {m['player']:.0f} px, listening section "
          f"{m['section']:.0f} px, Play at {m['playTop']:.0f}-{m['playBottom']:.0f} px "
          f"of 740, control rows {m['rows']}")
    assert m["first"] == "play"
    assert m["playBottom"] <= PHONE["height"] * 0.75  # well inside the first screen
    assert m["player"] <= 300 and m["rows"] <= 2
    assert m["minHeight"] >= 44 and m["playWidth"] >= 88
    assert pg.evaluate(OVERFLOWS) == []
    assert _axe(pg) == []
    pg.context.close()


@pytest.mark.parametrize("percent", [200, 400])
def test_large_text_never_pushes_controls_out_of_their_boxes(
        browser: Any, live: Live, article: dict[str, Any], percent: int) -> None:
    pg = _phone(browser)
    pg.goto(_reader(live, article))
    # As a phone's own text size does: every rem and em grows, the screen does not.
    pg.evaluate(f"document.documentElement.style.fontSize = '{percent}%'")
    assert pg.evaluate("getComputedStyle(document.documentElement).fontSize") == \
        f"{16 * percent // 100}px"
    problems = pg.evaluate(OVERFLOWS)
    width = pg.evaluate("document.documentElement.scrollWidth")
    # The compact bar too, once the main player has scrolled away.
    pg.locator(".from-here").last.click()
    pg.wait_for_function("() => !document.getElementById('thanh-nho').hidden")
    bar = pg.evaluate(OVERFLOWS)
    bar_height = pg.evaluate("document.getElementById('thanh-nho')"
                             ".getBoundingClientRect().height")
    pg.keyboard.press("k")
    pg.context.close()
    assert problems == [] and bar == [], (problems, bar)
    assert width <= PHONE["width"]
    assert bar_height <= PHONE["height"] / 2  # never more than half the screen
