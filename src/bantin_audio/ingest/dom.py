"""HTML to ordered text blocks: parse with lxml, drop scripts and hidden parts, and keep for
each block the facts an extractor needs (which element holds it, links, emphasis)."""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass

from lxml import etree

from ..errors import ExtractionError
from .dates import parse_machine_date
from .text import clean_line, strip_invisible

log = logging.getLogger(__name__)

_DROP_TAGS = ("script", "style", "noscript", "template", "iframe", "object", "embed", "svg",
              "canvas", "input", "select", "option", "button", "textarea", "map", "audio",
              "video", "source", "link", "meta")
BLOCK_TAGS = frozenset({
    "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "td", "th", "tr", "table", "ul", "ol",
    "section", "article", "header", "footer", "nav", "aside", "figure", "figcaption",
    "blockquote", "center", "form", "main", "dl", "dt", "dd", "pre", "address", "tbody",
    "thead", "tfoot", "caption", "hr", "body", "html", "fieldset", "legend", "details",
    "summary", "menu", "label",
})
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)


@dataclass
class Block:
    """A run of text that the page shows as one line or paragraph."""

    text: str
    el: etree._Element  # the block element that holds the text
    link_chars: int = 0
    em_chars: int = 0
    strong_chars: int = 0


def parse_html(text: str) -> etree._Element:
    """Parse HTML text into an lxml tree, converting parser failures to ExtractionError."""
    text = _XML_DECL.sub("", strip_invisible(text), count=1)
    if not text.strip():
        raise ExtractionError("Trang HTML trống", "kiểm tra lại tệp hoặc địa chỉ")
    try:
        # Plain etree elements: lxml.html's element-class lookup costs more than the parse.
        root = etree.fromstring(text, etree.HTMLParser(remove_comments=True, remove_pis=True))
    except (etree.ParserError, etree.XMLSyntaxError, ValueError) as exc:
        raise ExtractionError(f"Không đọc được mã HTML của trang: {exc}",
                              "trang có thể bị hỏng hoặc không phải HTML") from exc
    if root is None:
        raise ExtractionError("Trang HTML trống", "kiểm tra lại tệp hoặc địa chỉ")
    return root


_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_HIDDEN_CLASS = re.compile(r"(^|\s)(ms-hide|hidden|hide|d-none|sr-only|visually-hidden|"
                           r"ms-webpart-chrome-title|ms-webpart-titleText|aspNetHidden)(\s|$)")


def _hidden(el: etree._Element) -> bool:
    get = el.get
    style = get("style")
    if style and _HIDDEN_STYLE.search(style):
        return True
    cls = get("class")
    if cls and _HIDDEN_CLASS.search(cls):
        return True
    return get("hidden") is not None or get("aria-hidden") == "true" or get("type") == "hidden"


def remove_junk(root: etree._Element) -> None:
    """Remove scripts, styles, form controls, comments and processing instructions in place.

    Hidden elements are left in the tree (the toolbar and web-part names are read from it)
    and skipped by `linearize`.
    """
    etree.strip_elements(root, etree.Comment, etree.ProcessingInstruction, *_DROP_TAGS,
                         with_tail=False)


# Class names that only ever mark page furniture (exact tokens, so "has-sidebar" on a
# wrapper does not count): their subtrees can be skipped without reading them.
FURNITURE_CLASSES = frozenset({
    "nav", "navbar", "menu", "mainmenu", "main-menu", "topmenu", "breadcrumb", "breadcrumbs",
    "footer", "site-footer", "sidebar", "banner", "topbar", "top-bar", "social", "share",
    "pagination", "pager", "pp-left", "pp-right", "pp-header", "pp-footer", "pp-leftmenu",
    "pp-search", "pp-topbar", "leftmenu", "left-menu", "ms-core-navigation",
})


def linearize(root: etree._Element, skip: frozenset[str] = frozenset(),
              skip_classes: frozenset[str] = frozenset()) -> list[Block]:
    """Return the visible text under `root` as blocks in document order.

    Elements whose tag is in `skip` (e.g. nav, footer) or that carry a class in
    `skip_classes` are left out with their subtrees.
    """
    blocks: list[Block] = []
    buf: list[tuple[str, int]] = []  # (text, flags) with flags 1=link 2=em 4=strong
    block_tags = BLOCK_TAGS

    def flush(owner: etree._Element) -> None:
        if not buf:
            return
        # The document was made NFC and stripped of invisible characters before parsing;
        # parts_to_article tidies again the few lines that become the article.
        text = " ".join("".join([t for t, _ in buf]).split())
        if text:
            b = Block(text, owner)
            for t, f in buf:
                if f:
                    n = len(t.strip())
                    if f & 1:
                        b.link_chars += n
                    if f & 2:
                        b.em_chars += n
                    if f & 4:
                        b.strong_chars += n
            blocks.append(b)
        buf.clear()

    def walk(el: etree._Element, owner: etree._Element, flags: int, depth: int) -> None:
        tag = el.tag
        if not isinstance(tag, str):
            tag = ""
        if tag == "br":
            flush(owner)
            return
        if tag == "img" or tag in skip:
            return
        if el.attrib:
            if _hidden(el):
                return
            if skip_classes:
                cls = el.get("class")
                if cls and not skip_classes.isdisjoint(cls.split()):
                    return
        is_block = tag in block_tags
        mine = owner
        if is_block:
            flush(owner)
            mine = el
        if tag == "a":
            flags |= 1
        elif tag == "em" or tag == "i":
            flags |= 2
        elif tag == "strong" or tag == "b":
            flags |= 4
        if el.text:
            buf.append((el.text, flags))
        if depth < 400:
            for child in el:
                walk(child, mine, flags, depth + 1)
                if child.tail:
                    buf.append((child.tail, flags))
        if is_block:
            flush(mine)

    start = root
    if root.tag == "html":
        body = root.find("body")
        start = body if body is not None else root
    walk(start, start, 0, 0)
    flush(start)
    return blocks


def attr_text(el: etree._Element) -> str:
    """Return an element's class and id joined, for pattern checks."""
    return (el.get("class") or "") + " " + (el.get("id") or "")


def meta_content(root: etree._Element, *names: str) -> str | None:
    """Return the first non-empty <meta> content for the given property/name/itemprop."""
    wanted = {n.lower() for n in names}
    for m in root.iter("meta"):
        key = (m.get("property") or m.get("name") or m.get("itemprop") or "").lower()
        if key in wanted:
            content = clean_line(m.get("content") or "")
            if content:
                return content
    return None


def json_ld(root: etree._Element) -> list[dict]:
    """Return the JSON-LD objects of the page (graphs flattened), ignoring broken ones."""
    out: list[dict] = []
    for s in root.iter("script"):
        if (s.get("type") or "").lower() != "application/ld+json" or not s.text:
            continue
        try:
            data = json.loads(s.text)
        except ValueError:
            continue
        stack = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                out.append(item)
                if isinstance(item.get("@graph"), list):
                    stack.extend(item["@graph"])
    return out


@dataclass
class PageMeta:
    """Metadata a page declares about itself."""

    title: str | None = None
    date: str | None = None
    author: str | None = None
    doc_title: str | None = None


def _ld_author(value: object) -> str | None:
    if isinstance(value, str):
        return clean_line(value) or None
    if isinstance(value, dict):
        return _ld_author(value.get("name"))
    if isinstance(value, list):
        names = [n for n in (_ld_author(v) for v in value) if n]
        return ", ".join(names) or None
    return None


def read_meta(root: etree._Element) -> PageMeta:
    """Read title, publication date and author from meta tags, JSON-LD and <time>."""
    meta = PageMeta()
    t = root.find(".//title")
    if t is not None and "".join(t.itertext()):
        meta.doc_title = clean_line("".join(t.itertext())) or None
    meta.title = meta_content(root, "og:title", "twitter:title", "dc.title")
    date = meta_content(root, "article:published_time", "datepublished", "pubdate",
                        "publishdate", "publish-date", "dc.date.issued", "dc.date", "date",
                        "og:published_time", "article:published")
    meta.date = parse_machine_date(date) if date else None
    meta.author = meta_content(root, "author", "article:author", "dc.creator")
    for item in json_ld(root):
        kind = item.get("@type")
        kinds = kind if isinstance(kind, list) else [kind]
        if not any(isinstance(k, str) and ("Article" in k or k == "WebPage") for k in kinds):
            continue
        if not meta.title and isinstance(item.get("headline"), str):
            meta.title = clean_line(item["headline"]) or None
        if not meta.date and isinstance(item.get("datePublished"), str):
            meta.date = parse_machine_date(item["datePublished"])
        if not meta.author:
            meta.author = _ld_author(item.get("author"))
    if not meta.date:
        for tm in root.iter("time"):
            value = tm.get("datetime") or "".join(tm.itertext())
            d = parse_machine_date(value) if value else None
            if d:
                meta.date = d
                break
    if meta.author and meta.author.startswith(("http://", "https://")):
        meta.author = None
    return meta
