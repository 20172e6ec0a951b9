"""PublishingPortal (SharePoint 2013) pages and their text dumps."""

from __future__ import annotations

import logging
import re

from lxml import etree

from ..errors import ExtractionError
from ..model import Article
from .dates import find_date
from .dom import PageMeta, linearize
from .lines import Parts, classify, split_lines
from .text import clean_line

log = logging.getLogger(__name__)


def parts_to_article(parts: Parts) -> Article:
    """Turn classifier output into an Article, refusing pages with no body text."""
    if not parts.lead and not parts.paragraphs:
        raise ExtractionError("Không tìm thấy nội dung bài viết trong trang",
                              "kiểm tra rằng địa chỉ hoặc tệp là một bài tin, không phải "
                              "trang chủ hay trang danh mục")
    def tidy(items: list[str], seen: set[str]) -> list[str]:
        # Some CMSs print the sapo again as the first paragraph, or a paragraph twice.
        out = []
        for t in (clean_line(x) for x in items):
            if t and t.casefold() not in seen:
                seen.add(t.casefold())
                out.append(t)
        return out

    lead = clean_line(parts.lead) if parts.lead else None
    seen = {lead.casefold()} if lead else set()

    return Article(title=clean_line(parts.title) if parts.title else None,  # type: ignore[arg-type]
                   date=parts.date, lead=lead,
                   paragraphs=tidy(parts.paragraphs, seen), captions=tidy(parts.captions, set()),
                   author=clean_line(parts.author) if parts.author else None)


def parse_text_dump(text: str) -> Article:
    """Recover the article from a text dump or pasted plain text."""
    lines = split_lines(text)
    if not lines:
        raise ExtractionError("Văn bản không có dòng nào có nội dung",
                              "hãy dán văn bản bài viết")
    return parts_to_article(classify(lines))


# SharePoint puts the web-part name in a title attribute; a visible name is a text node.
_BLOCK_TITLES = etree.XPath("//*[@title][contains(@title, 'Block_')]")
_BLOCK_TEXTS = etree.XPath("//*[contains(text(), 'Block_')]")
_WP_NAME = re.compile(r"Block_([A-Za-z0-9_]+)")
_ARTICLE_PART = re.compile(r"viewdata|chitiet|noidung|detail|content|baiviet|view", re.I)
_TOOLBAR_PART = re.compile(r"toolbar|congcu|tienich|ngay", re.I)
# A header web part showing the site's clock: today's date, not the article's.
_CLOCK_PART = re.compile(r"ngaygio|dongho|clock|thoigian|homnay|today|datetime", re.I)


def is_portal_page(html_text: str) -> bool:
    """Tell whether HTML comes from a SharePoint PublishingPortal template."""
    head = html_text[:400_000]
    return "PublishingPortal" in head or "ms-webpart-chrome" in head or "Block_BanTin" in head


def _web_part_wrapper(el: etree._Element) -> etree._Element | None:
    for anc in el.iterancestors():
        cls = anc.get("class") or ""
        if "ms-webpart-chrome" in cls and "ms-webpart-chrome-title" not in cls:
            return anc
        if "ms-webpartzone-cell" in cls or "ms-webpart-zone" in cls:
            return anc
    return None


def find_web_parts(root: etree._Element) -> list[tuple[str, etree._Element]]:
    """Return (block name, web-part element) pairs named by PublishingPortal chrome titles."""
    found: list[tuple[str, etree._Element]] = []
    seen: set[etree._Element] = set()
    for el in _BLOCK_TITLES(root) or _BLOCK_TEXTS(root):
        label = el.get("title") or ""
        if "Block_" not in label:
            label = el.text or ""
            if "Block_" not in label:
                continue
        m = _WP_NAME.search(label)
        if not m:
            continue
        wrapper = _web_part_wrapper(el)
        if wrapper is None or wrapper in seen:
            continue
        seen.add(wrapper)
        found.append((m.group(1), wrapper))
    return found


def extract_portal_html(root: etree._Element, meta: PageMeta,
                        parts: list[tuple[str, etree._Element]]) -> Article | None:
    """Extract the article from the ViewData web part and the date from the toolbar part."""
    from .generic import article_from_blocks

    article_parts = [el for name, el in parts
                     if _ARTICLE_PART.search(name) and el.getparent() is not None]
    if not article_parts:
        return None
    toolbar_date = None
    for name, el in parts:
        if _TOOLBAR_PART.search(name) and not _CLOCK_PART.search(name):
            toolbar_date = find_date(" ".join(el.itertext()))
            if toolbar_date:
                break
    container = article_parts[0]
    # Read only the column that holds the web parts: menus and footers around it are chrome.
    scope = container
    inside = set(container.iterancestors())
    for _, el in parts:
        for anc in el.iterancestors():
            if anc in inside:
                if anc in scope.iterancestors():
                    scope = anc
                break
    blocks = linearize(scope)
    return article_from_blocks(blocks, container, meta, toolbar_date)
