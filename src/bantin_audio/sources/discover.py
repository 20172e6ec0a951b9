"""Article addresses from a portal's discovery documents: RSS/Atom, sitemaps, listing pages.

Each reader takes bytes already fetched and returns what it found, newest first when the
document says when; nothing here touches the network. Input is untrusted: entity expansion
and network access are off in the XML parsers, and the number of addresses read is capped.
"""

from __future__ import annotations

import gzip
import io
import re
from dataclasses import dataclass
from datetime import UTC, datetime

import feedparser
import lxml.etree
import lxml.html

from ..errors import BantinError
from .canonical import canonical_url, host_of

MAX_ENTRIES = 1000  # addresses read from one document, whatever its size
MAX_CHILD_SITEMAPS = 5  # of a sitemap index, the most recently changed
MAX_UNZIPPED = 20 * 1024 * 1024


class DiscoveryError(BantinError):
    """A discovery document could not be read (malformed, empty, or not what was expected)."""

    http_status = 422
    code = "khong_doc_duoc_nguon"


@dataclass
class Found:
    """An address found in a discovery document, with its last change when the document says."""

    url: str
    lastmod: str | None = None  # ISO 8601, UTC


@dataclass
class SitemapResult:
    """A sitemap's article addresses, or the child sitemaps of a sitemap index."""

    found: list[Found]
    children: list[str]


def read_feed(content: bytes, url: str) -> list[Found]:
    """Return the article links of an RSS or Atom feed, newest first."""
    parsed = feedparser.parse(io.BytesIO(content[: 20 * 1024 * 1024]),
                              response_headers={"content-location": url})
    entries = list(parsed.entries[:MAX_ENTRIES])
    if not entries:
        if parsed.bozo:
            raise DiscoveryError(f"Không đọc được nguồn tin RSS/Atom {url}: tệp bị lỗi định dạng",
                                 "mở địa chỉ trong trình duyệt để kiểm tra, hoặc dùng sitemap")
        if not parsed.get("version"):
            raise DiscoveryError(f"Địa chỉ {url} không phải nguồn tin RSS/Atom",
                                 "kiểm tra lại địa chỉ RSS của cổng thông tin")
        return []
    out: list[tuple[str, Found]] = []
    for n, entry in enumerate(entries):
        link = entry.get("link") or ""
        if not link:
            for candidate in entry.get("links") or []:
                if candidate.get("rel", "alternate") == "alternate" and candidate.get("href"):
                    link = candidate["href"]
                    break
        if not link:
            continue
        # dict.get: FeedParserDict maps a missing updated_parsed with a DeprecationWarning
        stamp = dict.get(entry, "updated_parsed") or dict.get(entry, "published_parsed")
        lastmod = datetime(*stamp[:6]).replace(tzinfo=UTC).isoformat() if stamp else None
        try:
            found = Found(canonical_url(link, url), lastmod)
        except BantinError:
            continue
        out.append((f"{lastmod or ''}|{MAX_ENTRIES - n:06d}", found))
    if not out and parsed.bozo:
        raise DiscoveryError(f"Không đọc được nguồn tin RSS/Atom {url}: tệp bị lỗi định dạng",
                             "mở địa chỉ trong trình duyệt để kiểm tra, hoặc dùng sitemap")
    if all(f.lastmod is None for _, f in out):
        return [f for _, f in out]  # the feed's own order (feeds list newest first)
    return [f for _, f in sorted(out, key=lambda p: p[0], reverse=True)]


def read_sitemap(content: bytes, url: str) -> SitemapResult:
    """Return a sitemap's addresses (news sitemaps' publication dates kept), newest first."""
    if content[:2] == b"\x1f\x8b":
        content = _gunzip(content, url)
    parser = lxml.etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False,
                                  recover=False, remove_comments=True)
    try:
        root = lxml.etree.fromstring(content, parser)
    except (lxml.etree.XMLSyntaxError, ValueError) as exc:
        raise DiscoveryError(f"Không đọc được sitemap {url}: tệp XML bị lỗi",
                             "mở địa chỉ trong trình duyệt để kiểm tra") from exc
    tag = lxml.etree.QName(root).localname
    if tag not in ("urlset", "sitemapindex"):
        raise DiscoveryError(f"Địa chỉ {url} không phải sitemap (gốc là <{tag}>)",
                             "sitemap bắt đầu bằng <urlset> hoặc <sitemapindex>")
    entries: list[tuple[str, str | None]] = []
    for node in root:
        if not isinstance(node.tag, str):
            continue
        loc = lastmod = None
        for child in node.iter():
            if not isinstance(child.tag, str):
                continue
            name = lxml.etree.QName(child).localname
            text = (child.text or "").strip()
            if name == "loc" and loc is None:
                loc = text
            elif name in ("lastmod", "publication_date") and text:
                lastmod = max(lastmod or "", _iso(text)) or None
        if loc:
            entries.append((loc, lastmod))
        if len(entries) >= MAX_ENTRIES:
            break
    entries.sort(key=lambda e: e[1] or "", reverse=True)  # stable: no dates keeps doc order
    if tag == "sitemapindex":
        children = []
        for loc, _ in entries[:MAX_CHILD_SITEMAPS]:
            try:
                children.append(canonical_url(loc, url))
            except BantinError:
                continue
        return SitemapResult([], children)
    found = []
    for loc, lastmod in entries:
        try:
            found.append(Found(canonical_url(loc, url), lastmod))
        except BantinError:
            continue
    return SitemapResult(found, [])


_ARTICLE_HINT = re.compile(r"(itemid=\d+|[?&]id=\d+|/\d{3,}[^/]*$|-\d+(\.aspx|\.html?)?$|"
                           r"[-/][0-9a-f]{4,}\.aspx$|/pages/[^/]+/[^/]+\.aspx$)", re.I)
_CHROME = re.compile(r"(menu|nav|header|footer|breadcrumb|banner|sidebar|pp-left|pp-right|"
                     r"toolbar|paging|pager|phantrang|social|share)", re.I)
_MIN_HEADLINE = 15


def read_listing(content: bytes | str, url: str, hosts: list[str]) -> list[Found]:
    """Return the article links of a listing page (e.g. "Tin tức - Sự kiện"), in page order.

    A link counts when it leads to one of the source's hosts, sits outside the page's menus,
    header, footer and side columns, and either reads like a headline or has the shape of a
    PublishingPortal article address (ItemID, an id or hash suffix).
    """
    try:
        doc = lxml.html.document_fromstring(content)
    except (lxml.etree.ParserError, ValueError) as exc:
        raise DiscoveryError(f"Không đọc được trang danh sách {url}",
                             "kiểm tra lại địa chỉ trang danh sách") from exc
    base = canonical_url(url)
    out: list[Found] = []
    seen = {base}
    for anchor in doc.iter("a"):
        href = (anchor.get("href") or "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
            continue
        if _in_chrome(anchor):
            continue
        try:
            link = canonical_url(href, url)
        except BantinError:
            continue
        if link in seen or host_of(link) not in hosts:
            continue
        text = " ".join(anchor.text_content().split())
        title = anchor.get("title") or ""
        path = link.split("://", 1)[1].split("/", 1)[-1]
        shaped = bool(_ARTICLE_HINT.search("/" + path))
        headline = len(text) >= _MIN_HEADLINE or len(title) >= _MIN_HEADLINE
        if not (shaped or headline and len(path) > 12):
            continue
        seen.add(link)
        out.append(Found(link))
        if len(out) >= MAX_ENTRIES:
            break
    if not out:
        raise DiscoveryError(f"Trang danh sách {url} không có liên kết bài viết nào",
                             "kiểm tra địa chỉ trang chuyên mục (ví dụ \"Tin tức - Sự kiện\")")
    return out


def _in_chrome(node: lxml.html.HtmlElement) -> bool:
    for parent in node.iterancestors():
        if parent.tag in ("nav", "header", "footer", "aside"):
            return True
        marks = f"{parent.get('class') or ''} {parent.get('id') or ''} {parent.get('role') or ''}"
        if marks.strip() and _CHROME.search(marks):
            return True
    return False


def _iso(text: str) -> str:
    """Return a W3C datetime as ISO 8601 in UTC where it can be read; else the text."""
    raw = text.strip()
    try:
        when = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return raw[:40]
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).isoformat()


def _gunzip(content: bytes, url: str) -> bytes:
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(content)) as f:
            data = f.read(MAX_UNZIPPED + 1)
    except (OSError, EOFError) as exc:
        raise DiscoveryError(f"Sitemap nén {url} bị lỗi", "kiểm tra tệp .xml.gz") from exc
    if len(data) > MAX_UNZIPPED:
        raise DiscoveryError(f"Sitemap {url} quá lớn sau khi giải nén",
                             "dùng sitemap tin tức (news sitemap) nhỏ hơn")
    return data
