"""Any news page: find the main content by Readability-style scoring, read the metadata the
page declares (og:*, article:published_time, JSON-LD, <time>), then classify the lines."""

from __future__ import annotations

import logging
import re

from ..errors import ExtractionError
from ..model import Article
from .dates import find_date
from .dom import (
    FURNITURE_CLASSES,
    FURNITURE_TAGS,
    Block,
    Node,
    PageMeta,
    ancestors,
    attr,
    attr_text,
    body_of,
    element_ids,
    has_element,
    linearize,
    parent_of,
    parse_html,
    read_meta,
    text_of,
)
from .lines import Line, classify, is_chrome, is_counter_line, is_site_counter, stamp_info
from .portal import parts_to_article
from .text import clean_line, word_count

log = logging.getLogger(__name__)

_POSITIVE = re.compile(r"article|body|content|entry|main|news|post|story|text|detail|chitiet|"
                       r"chi-tiet|noidung|noi-dung|baiviet|bai-viet|viewdata|tintuc", re.I)
_NEGATIVE = re.compile(r"comment|footer|menu|nav|sidebar|related|share|social|widget|banner|"
                       r"advert|quangcao|tinkhac|tin-khac|lienquan|lien-quan|breadcrumb|toolbar|"
                       r"header|pager|paging|search|login|popup|tags|rating|vote|left|right",
                       re.I)
_CHROME_CTX = re.compile(r"(^|[\s_-])(nav|navbar|menu|breadcrumbs?|footer|sidebar|share|"
                         r"social|toolbar|banner|pager|pagination|search|login|tags|rating|"
                         r"print|bantin-share|pp-header|pp-footer|pp-left|pp-right|top-?bar|"
                         r"advert|quangcao|ads)([\s_-]|$)", re.I)
_RELATED_CTX = re.compile(r"related|lienquan|lien-quan|tinkhac|tin-khac|other-?news|"
                          r"tin-?lien-?quan|comments?|binhluan|binh-luan|same-?cat", re.I)
_CAPTION_CTX = re.compile(r"caption|chuthich|chu-thich|chu_thich|image-?desc|img-?desc|"
                          r"photo-?desc|imgcaption|pcaption|expnote|fig-?desc", re.I)
_SAPO_CTX = re.compile(r"(^|[\s_-])(sapo|lead|summary|mota|mo-ta|tomtat|tom-tat|description|"
                       r"chapeau|intro|trichdan|trich-dan|abstract|excerpt)([\s_-]|$)", re.I)
_TITLE_CTX = re.compile(r"(^|[\s_-])(title|tieude|tieu-de|headline|heading)([\s_-]|$)", re.I)
_RIGHT = re.compile(r"text-align\s*:\s*right", re.I)
_CENTER = re.compile(r"text-align\s*:\s*center", re.I)
_SITE_SUFFIX = re.compile(r"\s+[|\-–—»:]\s+[^|\-–—»:]{2,60}$")


def _image_table(el: Node, cache: dict[int, bool]) -> bool:
    # A small table holding a picture and its caption; a layout table that wraps the whole
    # article (old CMSs do that) holds far more text and is not a caption.
    # Keyed by id: the tree outlives the cache, so an id is never reused meanwhile.
    key = id(el)
    if key not in cache:
        cache[key] = has_element(el, "img") and len(text_of(el)) < 600
    return cache[key]


def block_hint(block: Block, stop: set[int], img_cache: dict[int, bool]) -> str | None:
    """Return a structural hint for a block from the element that holds it and its ancestors
    (up to, not including, the elements whose ids are in `stop`)."""
    el = block.el
    text = block.text
    tag = el.name
    chain = [el]
    for anc in ancestors(el):
        if id(anc) in stop:
            break
        chain.append(anc)
        if len(chain) > 12:
            break
    hint: str | None = None
    for a in chain:
        t = a.name
        at = attr_text(a)
        if t in ("nav", "footer", "aside", "menu") or _CHROME_CTX.search(at):
            return "chrome"
        if _RELATED_CTX.search(at):
            return "related"
        if hint is None:
            if t in ("figcaption", "caption") or _CAPTION_CTX.search(at):
                hint = "caption"
            elif t == "figure" or (t == "table" and _image_table(a, img_cache)):
                hint = "caption"
            elif _SAPO_CTX.search(at):
                hint = "lead"
    if hint:
        return hint
    if tag == "h1" or (tag in ("h2", "h3") and _TITLE_CTX.search(attr_text(el))):
        return "title"
    n = len(text)
    if block.link_chars >= 0.8 * n and word_count(text) < 25:
        return "chrome"
    style = " ".join((attr(a, "style") or "") + " align=" + (attr(a, "align") or "")
                     for a in chain[:3])
    if n <= 60 and word_count(text) <= 8 and (_RIGHT.search(style) or "align=right" in style):
        return "byline"
    if n <= 200 and block.em_chars >= 0.8 * n and (_CENTER.search(style)
                                                   or "align=center" in style):
        return "caption"
    return None


def blocks_to_lines(blocks: list[Block], container: Node) -> list[Line]:
    """Turn HTML blocks into classifier lines carrying structural hints."""
    cache: dict[int, bool] = {}
    # Context is read up to the container: its own classes and the page around it don't count.
    stop = {id(container), *(id(a) for a in ancestors(container))}
    lines = []
    seen_title = False
    for b in blocks:
        hint = block_hint(b, stop, cache)
        if hint == "title":
            if seen_title:
                hint = None
            seen_title = True
        lines.append(Line(b.text, hint=hint))
    return lines


def _score_container(blocks: list[Block]) -> Node | None:
    scores: dict[int, float] = {}
    elems: dict[int, Node] = {}

    def add(el: Node | None, value: float) -> None:
        if el is None:
            return
        key = id(el)
        if key not in scores:
            elems[key] = el
            at = attr_text(el)
            base = 0.0
            if _POSITIVE.search(at):
                base += 25
            if _NEGATIVE.search(at):
                base -= 25
            if el.name in ("article", "main"):
                base += 10
            scores[key] = base
        scores[key] += value

    for b in blocks:
        n = len(b.text)
        if n < 25 or b.link_chars > 0.5 * n:
            continue
        value = 1 + b.text.count(",") + min(n // 100, 3)
        el = b.el
        if el.name in ("p", "li", "td", "h1", "h2", "h3", "h4", "span", "pre", "blockquote"):
            target = parent_of(el)
        else:
            target = el
        add(target, value)
        if target is not None:
            parent = parent_of(target)
            add(parent, value / 2)
            if parent is not None:
                add(parent_of(parent), value / 4)
    if not scores:
        return None
    best = max(scores, key=lambda k: scores[k])
    return elems[best] if scores[best] > 0 else None


def pick_title(meta: PageMeta, hinted: str | None) -> str | None:
    """Choose the headline: the page's own h1, else og:title, else <title> without site name."""
    if hinted:
        return hinted
    if meta.title:
        return meta.title
    if meta.doc_title:
        return _SITE_SUFFIX.sub("", meta.doc_title) or meta.doc_title
    return None


_HEADER_CTX = re.compile(r"(^|[\s_-])(header|top-?header|topbar|top-bar|clock|ngaygio|ngay-gio|"
                         r"dongho|dong-ho|today|homnay|datetime-now)([\s_-]|$)", re.I)


def _in_header(el: Node) -> bool:
    # The site's header and its clock: today's date, never the article's.
    for a in (el, *ancestors(el)):
        if a.name == "header" or _HEADER_CTX.search(attr_text(a)):
            return True
    return False


def _date_above(blocks: list[Block], first: int) -> str | None:
    # A posting stamp printed above the article (toolbar, under the headline); a stamp on a
    # view-counter line only when there is no other, and never the site's clock or statistics.
    on_counter = None
    for i in range(first - 1, max(-1, first - 20), -1):
        text = blocks[i].text
        if is_site_counter(text) or _in_header(blocks[i].el):
            continue
        is_stamp, d, _ = stamp_info(text)
        if not is_stamp and len(text) <= 200 and is_chrome(text):
            d = find_date(text)  # a toolbar line: date, then "Tăng cỡ chữ | In bài viết"
        if d and is_counter_line(text):
            on_counter = on_counter or d
        elif d:
            return d
    return on_counter


def article_from_blocks(blocks: list[Block], container: Node,
                        meta: PageMeta, toolbar_date: str | None = None) -> Article:
    """Classify the blocks that make up the article (container plus a headline above it).

    The date is the article's own stamp, else `toolbar_date` (the portal's toolbar), else a
    stamp above the article, else the page's metadata, else the event date of the lead.
    """
    inside = element_ids(container)
    idx = [i for i, b in enumerate(blocks) if id(b.el) in inside]
    if not idx:
        raise ExtractionError("Không tìm thấy nội dung bài viết trong trang",
                              "trang có thể là trang chủ hoặc trang danh mục")
    first, last = idx[0], idx[-1]
    # A headline often sits just above the content container: include it when it is near.
    for i in range(first - 1, max(-1, first - 15), -1):
        if blocks[i].el.name == "h1":
            first = i
            break
    # A byline often sits just below the content container, inside the same parent.
    parent = parent_of(container)
    if parent is not None:
        around = element_ids(parent)
        for i in range(last + 1, min(len(blocks), last + 4)):
            if id(blocks[i].el) not in around:
                break
            last = i
    lines = blocks_to_lines(blocks[first:last + 1], container)
    parts = classify(lines)
    date = parts.date if parts.date_source == "stamp" else None
    date = date or toolbar_date or _date_above(blocks, first) or meta.date or parts.date
    title = pick_title(meta, parts.title)
    article = parts_to_article(parts)
    article.title = title  # type: ignore[assignment]
    article.date = date
    article.author = parts.author or meta.author
    return article


def extract_generic_html(root: Node, meta: PageMeta) -> Article:
    """Extract the article of a page that is not a known portal template."""
    blocks = linearize(root, skip=FURNITURE_TAGS, skip_classes=FURNITURE_CLASSES)
    if not blocks:
        raise ExtractionError("Trang không có chữ nào để đọc",
                              "kiểm tra rằng đây là trang bài viết")
    container = _score_container(blocks)
    if container is None:
        container = body_of(root)
    return article_from_blocks(blocks, container, meta)


def extract_html(text: str) -> Article:
    """Extract the article from HTML text: portal template when recognised, else generic."""
    from .portal import extract_portal_html, find_web_parts, is_portal_page

    portal = is_portal_page(text)
    # A portal page keeps its chrome in the tree (web-part names sit in hidden titles, and
    # its column is chosen after parsing); another page is built without it.
    page = parse_html(text, keep_chrome=portal)
    meta = read_meta(page)
    parts = find_web_parts(page) if portal else []
    if parts:
        article = extract_portal_html(page.root, meta, parts)
        if article is not None:
            return article
    return extract_generic_html(page.root, meta)


def clean_title(title: str | None) -> str | None:
    """Return a tidy headline or None."""
    return clean_line(title) if title else None
