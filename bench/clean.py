"""Benchmark the article cleaner: pages per CPU second on ~200 KB pages built from the
project's own fixtures, against what a user would otherwise pick for the same work —
trafilatura's extraction with metadata on the same pages — and against a bare
BeautifulSoup(html, "lxml") parse of them. The cleaner is written on BeautifulSoup with the
lxml tree builder, so that parse is its floor: building bs4's tree costs far more than
anything the cleaner does with it, and the cleaner only stays above the floor by leaving out of
the tree, while parsing, what it never reads. All three run in this process.

trafilatura is not a dependency of bantin-audio; install it in the environment that runs the
benchmark:  pip install trafilatura lxml_html_clean
Without it the trafilatura row is skipped (and the command to install it is printed).

Usage: python bench/clean.py [--seconds 3]
"""

from __future__ import annotations

import argparse
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bs4 import BeautifulSoup

from bantin_audio.ingest import extract_article

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "ingest" / "fixtures"
# The development corpus's constructed portal pages (~17 KB, real article texts), read in place
# when this checkout sits beside it; the benchmark runs without them.
CORPUS_HTML = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "html"
TARGET = 200_000


def scale_page(html: str, target: int = TARGET) -> str:
    """Grow a fixture page to about `target` bytes the way real portals are big: long menus,
    related lists, inline scripts and view state around a longer article body."""
    paras = re.findall(r"<p[^>]*>.*?</p>", html, flags=re.S)[:4]
    body_more = "\n".join(paras * 6)
    i = 0
    chrome: list[str] = []
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
    out: list[bytes] = []
    for path in sorted(FIXTURES.glob("*.html")):
        if ".cp1258." in path.name:
            continue
        out.append(scale_page(path.read_text(encoding="utf-8")).encode("utf-8"))
    for path in sorted(FIXTURES.glob("*_dump.txt")):
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines()
        out.append(("\n".join(lines[:8] + lines[8:-3] * 40 + lines[-3:])).encode("utf-8"))
    return out


def rate(fn: Callable[[bytes], Any], items: list[bytes],
         seconds: float) -> tuple[float, float]:
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


def trafilatura_extract() -> Callable[[bytes], Any] | None:
    """Return trafilatura's extraction (text plus title, date and author), or None when it is
    not installed here."""
    try:
        import trafilatura
    except ImportError:
        return None

    def extract(page: bytes) -> Any:
        return trafilatura.bare_extraction(page, with_metadata=True, include_comments=False)

    return extract


def compare(label: str, pages_: list[bytes], traf: Callable[[bytes], Any] | None,
            seconds: float) -> tuple[float, float]:
    """Print the three rates and both ratios for one set of pages; return the cleaner's rate
    and the bare parse's (pages per CPU second)."""
    clean = rate(extract_article, pages_, seconds)
    traf_rate = rate(traf, pages_, seconds) if traf is not None else None
    soup = rate(lambda b: BeautifulSoup(b, "lxml"), pages_, seconds)
    print(f"{label}")
    print("                               pages/CPU-s   pages/wall-s")
    print(f"  bantin-audio clean:          {clean[0]:10.1f}   {clean[1]:10.1f}")
    if traf_rate is not None:
        print(f"  trafilatura:                 {traf_rate[0]:10.1f}   {traf_rate[1]:10.1f}"
              "   (bare_extraction with metadata)")
    else:
        print("  trafilatura:                 not installed here "
              "(pip install trafilatura lxml_html_clean)")
    print(f"  BeautifulSoup(lxml) parse:   {soup[0]:10.1f}   {soup[1]:10.1f}"
          "   (parse only: the floor under the cleaner, written on BeautifulSoup)")
    if traf_rate is not None:
        print(f"  ratio clean/trafilatura:     {clean[0] / traf_rate[0]:10.2f}x")
    print(f"  ratio clean/bare parse:      {clean[0] / soup[0]:10.2f}x")
    return clean[0], soup[0]


def main() -> None:
    """Print pages per second for the cleaner, trafilatura and the bare parse, and the ratios."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=3.0)
    a = ap.parse_args()
    items = pages()
    html_items = [p for p in items if p.lstrip().startswith(b"<") and len(p) >= 150_000]
    sizes = ", ".join(f"{len(p) // 1024} KB" for p in items)
    print(f"pages: {len(items)} ({sizes}); ~200 KB HTML pages: {len(html_items)}")
    for p in items:  # warm up, and make sure every page still yields an article
        extract_article(p)
    traf = trafilatura_extract()
    if traf is not None:
        for p in html_items:
            traf(p)
    clean_all = rate(extract_article, items, a.seconds)
    print(f"bantin-audio clean, all pages: {clean_all[0]:.1f} pages/CPU-s, "
          f"{clean_all[1]:.1f} pages/wall-s")
    big, floor = compare("~200 KB HTML pages (fixtures grown with menus, scripts, view state):",
                  html_items, traf, a.seconds)
    corpus = [p.read_bytes() for p in sorted(CORPUS_HTML.glob("*.html"))]
    if corpus:
        compare(f"corpus portal pages ({len(corpus)}, "
                f"{sum(len(p) for p in corpus) // len(corpus) // 1024} KB each on average):",
                corpus, traf, a.seconds)
    print(f"target 20 pages/s on one core (~200 KB HTML): {'met' if big >= 20 else 'NOT met'} "
          f"({big:.1f} pages/CPU-s; the bare BeautifulSoup parse alone: {floor:.1f})")


if __name__ == "__main__":
    main()
