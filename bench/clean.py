"""Benchmark the article cleaner: pages per second on ~200 KB pages built from the project's
own fixtures, with a raw BeautifulSoup(lxml) parse of the same pages as the in-run baseline.

Usage: python bench/clean.py [--seconds 3]
"""

from __future__ import annotations

import argparse
import re
import time
from pathlib import Path

from bs4 import BeautifulSoup

from bantin_audio.ingest import extract_article

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "ingest" / "fixtures"
TARGET = 200_000


def scale_page(html: str, target: int = TARGET) -> str:
    """Grow a fixture page to about `target` bytes the way real portals are big: long menus,
    related lists, inline scripts and view state around a longer article body."""
    paras = re.findall(r"<p[^>]*>.*?</p>", html, flags=re.S)[:4]
    body_more = "\n".join(paras * 6)
    i = 0
    chrome = []
    while len("".join(chrome)) + len(html) + len(body_more) < target:
        chrome.append(
            f'<li class="static"><a href="/Pages/tin-{i}.aspx"><span>Tin tức - Sự kiện số {i}'
            f' của huyện</span></a><span class="ngay"> ({i % 28 + 1:02d}/0{i % 9 + 1}/2023)'
            f"</span></li>\n")
        if i % 40 == 0:
            chrome.append(f'<script>var pp_{i} = "{"x" * 800}";</script>\n'
                          f'<input type="hidden" name="__VS{i}" value="{"A" * 1200}" />\n')
        i += 1
    # Half the furniture sits in a menu the extractor may skip by its class, half in a
    # neutral "latest news" box that it has to read and reject.
    half = len(chrome) // 2
    side = ('<div class="pp-left"><ul class="pp-leftmenu">' + "".join(chrome[:half])
            + '</ul></div><div class="box-tinmoi"><ul>' + "".join(chrome[half:])
            + "</ul></div>")
    html = html.replace("</body>", side + "</body>", 1)
    # A longer article: repeat the body paragraphs once more before the closing of the body.
    for marker in ("</article>", '<p style="text-align: justify;">Phong trào'):
        if marker in html:
            return html.replace(marker, body_more + marker, 1)
    return html


def pages() -> list[bytes]:
    """Return the benchmark pages: scaled HTML fixtures and long text dumps."""
    out = []
    for path in sorted(FIXTURES.glob("*.html")):
        if ".cp1258." in path.name:
            continue
        out.append(scale_page(path.read_text(encoding="utf-8")).encode("utf-8"))
    for path in sorted(FIXTURES.glob("*_dump.txt")):
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines()
        out.append(("\n".join(lines[:8] + lines[8:-3] * 40 + lines[-3:])).encode("utf-8"))
    return out


def rate(fn, items: list[bytes], seconds: float) -> tuple[float, float]:
    """Return (calls per CPU-second, calls per wall-second) of fn over items.

    CPU time is the fair "one core" figure on a machine shared with other work; wall time is
    printed beside it.
    """
    n = 0
    cpu0, wall0 = time.process_time(), time.perf_counter()
    while True:
        for item in items:
            fn(item)
        n += len(items)
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        if cpu >= seconds:
            return n / cpu, n / wall


def main() -> None:
    """Print pages per second for the cleaner and for the baseline parse."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=3.0)
    a = ap.parse_args()
    items = pages()
    html_items = [p for p in items if p.lstrip().startswith(b"<")]
    sizes = ", ".join(f"{len(p) // 1024} KB" for p in items)
    print(f"pages: {len(items)} ({sizes})")
    for p in items:  # warm up, and make sure every page still yields an article
        extract_article(p)
    clean_all = rate(extract_article, items, a.seconds)
    clean_html = rate(extract_article, html_items, a.seconds)
    soup_html = rate(lambda b: BeautifulSoup(b, "lxml"), html_items, a.seconds)
    print("                          pages/CPU-s   pages/wall-s")
    print(f"clean, all pages:         {clean_all[0]:10.1f}   {clean_all[1]:10.1f}")
    print(f"clean, ~200 KB HTML:      {clean_html[0]:10.1f}   {clean_html[1]:10.1f}")
    print(f"BeautifulSoup parse:      {soup_html[0]:10.1f}   {soup_html[1]:10.1f}"
          "   (baseline, same HTML pages)")
    print(f"ratio clean/baseline:     {clean_html[0] / soup_html[0]:10.2f}x")
    print(f"target 50 pages/s on one core (HTML): "
          f"{'met' if clean_html[0] >= 50 else 'NOT met'}")


if __name__ == "__main__":
    main()
