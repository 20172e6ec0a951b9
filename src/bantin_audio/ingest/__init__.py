"""Ingest: a source (file, URL, stdin, HTML, text dump) becomes an Article.

Modules: fetch.py (safe HTTP fetch), decode.py (bytes to NFC text, Windows-1258),
dom.py (the BeautifulSoup tree on lxml's builder, text blocks, page metadata), portal.py
(PublishingPortal web parts and text dumps), generic.py (content scoring for other pages),
lines.py (the line classifier both paths share), dates.py (stamps), text.py (tidying).
"""

from __future__ import annotations

import logging
import re
import sys
from pathlib import Path

from ..config import Settings
from ..errors import ExtractionError, InputError
from ..model import Article
from .decode import decode_bytes
from .fetch import FetchedPage, fetch_url
from .lines import byline_author, is_strong_chrome
from .text import clean_line, strip_end_mark, strip_invisible

log = logging.getLogger(__name__)

__all__ = ["FetchedPage", "extract_article", "fetch_url", "load_article"]

_HTML_SNIFF = re.compile(
    r"^\s*(<!--.*?-->\s*)*(<!doctype\s+html|<html|<head|<body|<meta|<title|<div|<p[\s>]|<article"
    r"|<table|<section|<span|<br)",
    re.I | re.S,
)
_TAGS = re.compile(r"</?(p|div|br|span|table|td|tr|a|img|h[1-6]|strong|em|b|i|ul|li)\b[^>]*>", re.I)


def _is_html(text: str, content_type: str | None) -> bool:
    if content_type:
        ct = content_type.lower()
        if "html" in ct or "xml" in ct:
            return True
        if ct.startswith("text/plain"):
            return False
    head = text[:4096]
    if _HTML_SNIFF.match(head):
        return True
    return len(_TAGS.findall(head)) >= 3


def extract_article(data: bytes | str, *, url: str | None = None,
                    content_type: str | None = None, pasted: bool = False) -> Article:
    """Extract the article from page bytes or pasted text, deciding HTML vs text itself.

    `pasted` marks text an editor typed or pasted (not a page or a dump of one): unless it
    carries portal chrome, every line of it is article.
    """
    if isinstance(data, bytes):
        text, _ = decode_bytes(data, content_type)
    elif isinstance(data, str):
        text = data
    else:
        raise InputError("Dữ liệu vào phải là văn bản hoặc bytes",
                         "truyền nội dung trang hoặc văn bản bài viết")
    if not strip_invisible(text).strip():
        raise InputError("Nội dung trống: không có gì để đọc",
                         "hãy dán văn bản bài viết hoặc đưa vào một trang có nội dung")
    if _is_html(text.lstrip("\ufeff\u200b"), content_type):
        from .generic import extract_html

        article = extract_html(text)
        if article.title is None:
            # A fragment with no <title>, og:title or h1: name it by its opening words.
            _title_from_first_line(article, promote=False)
    else:
        from .portal import parse_text_dump

        pasted = pasted or bool(content_type and content_type.lower().startswith("text/plain")
                                and url is None)
        if pasted and not _has_chrome(text):
            # What an editor types or pastes is all article: read it as it stands, first line
            # the headline, the rest the paragraphs, so a short notice ("Họp dân lúc 8 giờ.")
            # is not dropped as if it were a menu item. Text copied from a portal page, with
            # its chrome, goes through the dump classifier below.
            article = _plain_text_article(text)
        else:
            article = parse_text_dump(text)
        if article.title is None and pasted:
            _title_from_first_line(article, promote=True)
    article.source_url = url
    return article


def _has_chrome(text: str) -> bool:
    return any(is_strong_chrome(clean_line(x)) for x in text.splitlines() if x.strip())


def _plain_text_article(text: str) -> Article:
    lines = [clean_line(x) for x in strip_invisible(text).splitlines()]
    lines = [x for x in lines if x]
    if not lines or not any(ch.isalpha() for ch in "".join(lines)):
        raise ExtractionError("Văn bản không có chữ để đọc",
                              "hãy dán văn bản bài viết: dòng đầu là tiêu đề, sau đó là các đoạn")
    author = None
    if len(lines) > 2 and not lines[-1].rstrip().endswith((".", "!", "?", ":", ";")):
        # A closing line that only names someone is the byline, as on the portals.
        author = byline_author(lines[-1])
        if author:
            lines.pop()
    if len(lines) == 1:
        return Article(title=None, lead=strip_end_mark(lines[0]), author=author)
    return Article(title=lines[0].rstrip(" ."), lead=strip_end_mark(lines[1]),
                   paragraphs=[strip_end_mark(x) for x in lines[2:]], author=author)


def _title_from_first_line(article: Article, *, promote: bool) -> None:
    # Text an editor pastes (text/plain) always opens with its headline, even one that ends
    # with a period; a text dump of a print view may have none, so only that path promotes
    # the first line. Otherwise the title is the lead's opening words (the store needs one).
    lead = article.lead or ""
    if promote and article.paragraphs and len(lead) <= 200:
        article.title = lead.rstrip(" .")
        article.lead = article.paragraphs.pop(0)
    else:
        article.title = article.headline


def load_article(source: str, settings: Settings) -> Article:
    """Load an article from a file path, an http(s):// URL, or '-' (stdin)."""
    source = (source or "").strip()
    if not source:
        raise InputError("Chưa chỉ ra nguồn bài viết", "đưa vào đường dẫn tệp, URL hoặc -")
    if re.match(r"^[a-z][a-z0-9+.\-]*://", source, re.I):
        page = fetch_url(source, settings)
        return extract_article(page.text, url=page.url, content_type=page.content_type)
    if source == "-":
        stream = sys.stdin
        if stream is None:
            raise InputError("Không có dữ liệu vào chuẩn (stdin)", "dẫn nội dung vào lệnh qua |")
        buffer = getattr(stream, "buffer", None)
        return extract_article(buffer.read() if buffer is not None else stream.read())
    path = Path(source)
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        hint = "kiểm tra lại đường dẫn tệp"
        if re.match(r"^(www\.)?[\w-]+(\.[\w-]+)+(/|$)", source):
            hint = f"nếu đây là địa chỉ web, hãy viết đầy đủ: https://{source}"
        raise InputError(f"Không tìm thấy tệp: {source}", hint) from exc
    except IsADirectoryError as exc:
        raise InputError(f"Đây là một thư mục, không phải tệp: {source}",
                         "đưa vào một tệp .txt hoặc .html") from exc
    except OSError as exc:
        raise InputError(f"Không đọc được tệp {source}: {exc.strerror or exc}",
                         "kiểm tra quyền đọc tệp") from exc
    ctype = None
    suffix = path.suffix.lower()
    if suffix in (".html", ".htm", ".aspx", ".xhtml"):
        ctype = "text/html"
    try:
        return extract_article(data, content_type=ctype)
    except ExtractionError as exc:
        log.info("no article in %s: %s", source, exc)
        raise
