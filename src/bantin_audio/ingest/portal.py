"""PublishingPortal (SharePoint 2013) pages and their text dumps."""

from __future__ import annotations

import logging
import re

from ..errors import ExtractionError
from ..model import Article
from .dates import find_date
from .dom import (
    Node,
    Page,
    PageMeta,
    ancestors,
    attr,
    elements,
    linearize,
    own_text,
    parent_of,
    text_of,
)
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
_WP_NAME = re.compile(r"Block_([A-Za-z0-9_]+)")
_ARTICLE_PART = re.compile(r"viewdata|chitiet|noidung|detail|content|baiviet|view", re.I)
_TOOLBAR_PART = re.compile(r"toolbar|congcu|tienich|ngay", re.I)
# A header web part showing the site's clock: today's date, not the article's.
_CLOCK_PART = re.compile(r"ngaygio|dongho|clock|thoigian|homnay|today|datetime", re.I)


def is_portal_page(html_text: str) -> bool:
    """Tell whether HTML comes from a SharePoint PublishingPortal template."""
    head = html_text[:400_000]
    return "PublishingPortal" in head or "ms-webpart-chrome" in head or "Block_BanTin" in head


def _web_part_wrapper(el: Node) -> Node | None:
    for anc in ancestors(el):
        cls = attr(anc, "class") or ""
        if "ms-webpart-chrome" in cls and "ms-webpart-chrome-title" not in cls:
            return anc
        if "ms-webpartzone-cell" in cls or "ms-webpart-zone" in cls:
            return anc
    return None


def _named_elements(page: Page) -> list[tuple[str, Node]]:
    # Elements whose title names a web part (noted while parsing), else whose text does.
    if page.named_parts:
        return [(attr(el, "title") or "", el) for el in page.named_parts]
    return [(text, el) for el in elements(page.root) if "Block_" in (text := own_text(el))]


def find_web_parts(page: Page) -> list[tuple[str, Node]]:
    """Return (block name, web-part element) pairs named by PublishingPortal chrome titles."""
    found: list[tuple[str, Node]] = []
    seen: set[int] = set()
    for label, el in _named_elements(page):
        m = _WP_NAME.search(label)
        if not m:
            continue
        wrapper = _web_part_wrapper(el)
        if wrapper is None or id(wrapper) in seen:
            continue
        seen.add(id(wrapper))
        found.append((m.group(1), wrapper))
    return found


def extract_portal_html(root: Node, meta: PageMeta,
                        parts: list[tuple[str, Node]]) -> Article | None:
    """Extract the article from the ViewData web part and the date from the toolbar part."""
    from .generic import article_from_blocks

    article_parts = [el for name, el in parts
                     if _ARTICLE_PART.search(name) and parent_of(el) is not None]
    if not article_parts:
        return None
    toolbar_date = None
    for name, el in parts:
        if _TOOLBAR_PART.search(name) and not _CLOCK_PART.search(name):
            toolbar_date = find_date(text_of(el, " "))
            if toolbar_date:
                break
    container = article_parts[0]
    # Read only the column that holds the web parts: menus and footers around it are chrome.
    scope = container
    inside = {id(a) for a in ancestors(container)}
    for _, el in parts:
        for anc in ancestors(el):
            if id(anc) in inside:
                if any(a is anc for a in ancestors(scope)):
                    scope = anc
                break
    blocks = linearize(scope)
    return article_from_blocks(blocks, container, meta, toolbar_date)
