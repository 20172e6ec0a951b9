"""HTML to ordered text blocks on BeautifulSoup (lxml tree builder): the one document model of
ingest. The tree is built without what no extractor reads (scripts, styles, form controls,
comments, bare inline wrappers; on pages that are not portal pages also hidden and furniture
subtrees), since building a bs4 node costs far more than parsing it; the visible text is read
back as blocks with the facts an extractor needs (which element holds it, links, emphasis),
and the page's own metadata is read from it.

This is the only module that imports bs4: the extractors work on the `Node` it hands out.
"""

from __future__ import annotations

import html
import json
import logging
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, cast

from bs4 import BeautifulSoup, NavigableString, Tag
from bs4.builder import ParserRejectedMarkup
from bs4.builder._lxml import LXMLTreeBuilder

from ..errors import ExtractionError
from .dates import parse_machine_date
from .text import clean_line, strip_invisible

log = logging.getLogger(__name__)

Node = Tag

# Elements whose content no extractor reads: left out of the tree while it is built (the text
# after them stays). <meta> has no content and stays for the metadata; a JSON-LD script's text
# is kept aside by the builder.
_DROP_TAGS = frozenset({
    "script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "canvas",
    "input", "select", "option", "button", "textarea", "map", "audio", "video", "source",
    "link",
})
BLOCK_TAGS = frozenset({
    "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "td", "th", "tr", "table", "ul", "ol",
    "section", "article", "header", "footer", "nav", "aside", "figure", "figcaption",
    "blockquote", "center", "form", "main", "dl", "dt", "dd", "pre", "address", "tbody",
    "thead", "tfoot", "caption", "hr", "body", "html", "fieldset", "legend", "details",
    "summary", "menu", "label",
})
# Elements that only ever hold page furniture, by tag.
FURNITURE_TAGS = frozenset({"nav", "footer", "aside", "menu"})
# Class names that only ever mark page furniture (exact tokens, so "has-sidebar" on a
# wrapper does not count): their subtrees can be skipped without reading them.
FURNITURE_CLASSES = frozenset({
    "nav", "navbar", "menu", "mainmenu", "main-menu", "topmenu", "breadcrumb", "breadcrumbs",
    "footer", "site-footer", "sidebar", "banner", "topbar", "top-bar", "social", "share",
    "pagination", "pager", "pp-left", "pp-right", "pp-header", "pp-footer", "pp-leftmenu",
    "pp-search", "pp-topbar", "leftmenu", "left-menu", "ms-core-navigation",
})
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_HIDDEN_CLASS = re.compile(r"(^|\s)(ms-hide|hidden|hide|d-none|sr-only|visually-hidden|"
                           r"ms-webpart-chrome-title|ms-webpart-titleText|aspNetHidden)(\s|$)")
_LD_JSON = "application/ld+json"
# Inline wrappers that, without attributes, tell an extractor nothing: their text is kept in
# their parent and no node is built for them.
_PLAIN_INLINE = frozenset({"span", "font", "nobr", "u", "small", "big", "s", "strike", "sup",
                           "sub", "mark", "abbr", "cite", "tt"})
# Elements whose direct text is never read: whitespace between their children is not kept.
_NO_TEXT = frozenset({"html", "head", "ul", "ol", "dl", "table", "thead", "tbody", "tfoot",
                      "tr"})
_META_TAGS = frozenset({"meta", "title", "time"})


@dataclass
class Block:
    """A run of text that the page shows as one line or paragraph."""

    text: str
    el: Node  # the block element that holds the text
    link_chars: int = 0
    em_chars: int = 0
    strong_chars: int = 0


class _ArticleTreeBuilder(LXMLTreeBuilder):
    """bs4's lxml tree builder that leaves out, while the page is parsed, the subtrees no
    extractor reads: building a bs4 node costs far more than lxml's parse of it.

    Always left out: comments, processing instructions, the `_DROP_TAGS`, nodes for
    `_PLAIN_INLINE` wrappers without attributes (their text goes to the parent) and whitespace
    directly inside `_NO_TEXT` elements; the text of every JSON-LD script, wherever it sits, is
    kept in `json_ld`. With `keep_chrome` false (a page
    read by the generic extractor) also hidden subtrees and furniture (nav, footer, aside,
    menu, `FURNITURE_CLASSES`), which that extractor skips anyway; a portal page keeps them,
    its web-part names sit in hidden titles.
    """

    def __init__(self, keep_chrome: bool) -> None:
        super().__init__(multi_valued_attributes=None)
        self.keep_chrome = keep_chrome
        self._skip = 0  # depth inside a left-out subtree
        self._built: list[bool] = []  # per open element outside them: was a node built?
        self._ld: list[str] | None = None  # the JSON-LD script being read
        self.json_ld: list[str] = []
        self.meta_elements: list[Tag | None] = []  # <meta>, <title>, <time>
        self.named_parts: list[Tag | None] = []  # elements titled with a web-part name

    def initialize_soup(self, soup: BeautifulSoup) -> None:
        super().initialize_soup(soup)
        self._skip = 0
        self._built = []
        self._ld = None
        self.json_ld = []
        self.meta_elements = []
        self.named_parts = []

    def prepare_markup(self, markup: Any, user_specified_encoding: Any = None,
                       document_declared_encoding: Any = None,
                       exclude_encodings: Any = None) -> Iterator[tuple[Any, Any, Any, bool]]:
        # The text is already decoded (decode.py); lxml parses the str as it is.
        yield markup, None, None, False

    def start(self, tag: Any, attrib: Any, nsmap: Any = None) -> None:
        if tag == "script" and (attrib.get("type") or "").strip().lower() == _LD_JSON:
            self._ld = []
        if self._skip:
            self._skip += 1
            return
        if tag in _DROP_TAGS:
            self._skip = 1
            return
        if not self.keep_chrome and (tag in FURNITURE_TAGS or attrib and (
                _hidden(attrib) or _has_class(attrib, FURNITURE_CLASSES))):
            self._skip = 1
            return
        if tag in _PLAIN_INLINE and not attrib:
            self._built.append(False)
            return
        self._built.append(True)
        assert self.soup is not None
        el = self.soup.handle_starttag(tag, None, None, dict(attrib))
        # Noted on the way, so that no extractor has to search the whole tree for them.
        if tag in _META_TAGS:
            self.meta_elements.append(el)
        if attrib and "Block_" in (attrib.get("title") or ""):
            self.named_parts.append(el)

    def end(self, tag: Any) -> None:
        if self._ld is not None and tag == "script":
            self.json_ld.append("".join(self._ld))
            self._ld = None
        if self._skip:
            self._skip -= 1
            return
        if self._built and not self._built.pop():
            return
        assert self.soup is not None
        self.soup.handle_endtag(tag)  # which ends the pending text first

    def data(self, data: Any) -> None:
        if self._ld is not None:
            self._ld.append(data)
        elif not self._skip:
            soup = self.soup
            assert soup is not None
            current = soup.currentTag
            if current is not None and current.name in _NO_TEXT and data.isspace():
                return
            soup.handle_data(data)

    def comment(self, text: Any) -> None:
        return

    def pi(self, target: Any, data: Any) -> None:
        return

    def doctype(self, name: Any, pubid: Any, system: Any) -> None:
        return


@dataclass
class Page:
    """A parsed page: its tree, and what the builder noted on the way through it."""

    root: BeautifulSoup
    json_ld: list[str]  # the text of each JSON-LD script
    meta_elements: list[Node]  # <meta>, <title> and <time>, in document order
    named_parts: list[Node]  # elements whose title names a PublishingPortal web part


def parse_html(text: str, *, keep_chrome: bool = True) -> Page:
    """Parse HTML text into a BeautifulSoup tree (lxml tree builder), converting parser
    failures to ExtractionError.

    `keep_chrome=False` leaves hidden and furniture subtrees out of the tree, for pages the
    generic extractor reads (see `_ArticleTreeBuilder`).
    """
    text = _XML_DECL.sub("", strip_invisible(text), count=1)
    if not text.strip():
        raise ExtractionError("Trang HTML trống", "kiểm tra lại tệp hoặc địa chỉ")
    if "<" not in text:
        # Bare text: what the parser would make of it, said outright (bs4 would otherwise
        # take a short one for a file name and warn).
        text = "<p>" + html.escape(text, quote=False) + "</p>"
    builder = _ArticleTreeBuilder(keep_chrome)
    try:
        root = BeautifulSoup(text, builder=builder)
    except (ParserRejectedMarkup, ValueError) as exc:
        raise ExtractionError(f"Không đọc được mã HTML của trang: {exc}",
                              "trang có thể bị hỏng hoặc không phải HTML") from exc
    return Page(root, builder.json_ld, [e for e in builder.meta_elements if e is not None],
                [e for e in builder.named_parts if e is not None])


def _hidden(attrs: Mapping[str, Any]) -> bool:
    get = attrs.get
    style = get("style")
    if style and _HIDDEN_STYLE.search(style):
        return True
    cls = get("class")
    if cls and _HIDDEN_CLASS.search(cls):
        return True
    return get("hidden") is not None or get("aria-hidden") == "true" or get("type") == "hidden"


def _has_class(attrs: Mapping[str, Any], names: frozenset[str]) -> bool:
    cls = attrs.get("class")  # one string: the tree is built without multi-valued attributes
    return isinstance(cls, str) and not names.isdisjoint(cls.split())


# Walking the tree: the extractors use these instead of bs4's API, so bs4 stays in this module.

def parent_of(el: Node) -> Node | None:
    """Return an element's parent element (None above <html>)."""
    p = el.parent
    return None if p is None or isinstance(p, BeautifulSoup) else p


def ancestors(el: Node) -> Iterator[Node]:
    """Yield an element's ancestors, nearest first, up to <html>."""
    p = el.parent
    while p is not None and not isinstance(p, BeautifulSoup):
        yield p
        p = p.parent


def elements(el: Node) -> Iterator[Node]:
    """Yield the element and every element under it, in document order."""
    yield el
    for d in el.descendants:
        if isinstance(d, Tag):
            yield d


def element_ids(el: Node) -> set[int]:
    """Return the ids of the element and every element under it (bs4 hashes a node by its
    serialization, so sets of nodes are kept by id while the tree lives)."""
    return {id(e) for e in elements(el)}


def text_of(el: Node, sep: str = "") -> str:
    """Return the text under an element, pieces joined by `sep`."""
    return sep.join(el.strings)


def own_text(el: Node) -> str:
    """Return the text an element opens with, before its first child element."""
    first = el.contents[0] if el.contents else None
    return str(first) if isinstance(first, NavigableString) else ""


def has_element(el: Node, name: str) -> bool:
    """Tell whether an element has a descendant with the given tag name."""
    return el.find(name) is not None


def body_of(root: Node) -> Node:
    """Return the <body> of a parsed page (the page itself when it has none)."""
    body = root.find("body") if isinstance(root, BeautifulSoup) or root.name == "html" else None
    return body if isinstance(body, Tag) else root


def linearize(root: Node, skip: frozenset[str] = frozenset(),
              skip_classes: frozenset[str] = frozenset()) -> list[Block]:
    """Return the visible text under `root` as blocks in document order.

    Elements whose tag is in `skip` (e.g. nav, footer) or that carry a class in
    `skip_classes` are left out with their subtrees, and so are hidden ones.
    """
    blocks: list[Block] = []
    buf: list[tuple[str, int]] = []  # (text, flags) with flags 1=link 2=em 4=strong
    block_tags = BLOCK_TAGS

    def flush(owner: Node) -> None:
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

    def walk(el: Node, owner: Node, flags: int, depth: int) -> None:
        tag = el.name
        if tag == "br":
            flush(owner)
            return
        if tag == "img" or tag in skip:
            return
        attrs = el.attrs
        if attrs:
            if _hidden(attrs):
                return
            if skip_classes and _has_class(attrs, skip_classes):
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
        for child in el.contents:
            if isinstance(child, Tag):
                if depth >= 400:
                    break  # deeper than any real page: its text is not an article's
                walk(child, mine, flags, depth + 1)
            else:
                buf.append((cast(str, child), flags))
        if is_block:
            flush(mine)

    start = body_of(root)
    walk(start, start, 0, 0)
    flush(start)
    return blocks


def attr_text(el: Node) -> str:
    """Return an element's class and id joined, for pattern checks."""
    return (el.get("class") or "") + " " + (el.get("id") or "")  # type: ignore[operator]


def attr(el: Node, name: str) -> str | None:
    """Return an attribute's value, or None."""
    value = el.get(name)
    return value if isinstance(value, str) else None


@dataclass
class PageMeta:
    """Metadata a page declares about itself."""

    title: str | None = None
    date: str | None = None
    author: str | None = None
    doc_title: str | None = None


def _meta_content(metas: list[Node], *names: str) -> str | None:
    """Return the first non-empty <meta> content for the given property/name/itemprop."""
    wanted = {n.lower() for n in names}
    for m in metas:
        key = (attr(m, "property") or attr(m, "name") or attr(m, "itemprop") or "").lower()
        if key in wanted:
            content = clean_line(attr(m, "content") or "")
            if content:
                return content
    return None


def _json_ld(texts: list[str]) -> list[dict]:
    """Return the JSON-LD objects of the page (graphs flattened), ignoring broken ones."""
    out: list[dict] = []
    for text in texts:
        if not text:
            continue
        try:
            data = json.loads(text)
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


def _ld_author(value: object) -> str | None:
    if isinstance(value, str):
        return clean_line(value) or None
    if isinstance(value, dict):
        return _ld_author(value.get("name"))
    if isinstance(value, list):
        names = [n for n in (_ld_author(v) for v in value) if n]
        return ", ".join(names) or None
    return None


def read_meta(page: Page) -> PageMeta:
    """Read title, publication date and author from meta tags, JSON-LD and <time>."""
    found: dict[str, list[Node]] = {"meta": [], "title": [], "time": []}
    for el in page.meta_elements:
        found[el.name].append(el)
    meta = PageMeta()
    if found["title"]:
        doc_title = text_of(found["title"][0])
        if doc_title:
            meta.doc_title = clean_line(doc_title) or None
    metas = found["meta"]
    meta.title = _meta_content(metas, "og:title", "twitter:title", "dc.title")
    date = _meta_content(metas, "article:published_time", "datepublished", "pubdate",
                         "publishdate", "publish-date", "dc.date.issued", "dc.date", "date",
                         "og:published_time", "article:published")
    meta.date = parse_machine_date(date) if date else None
    meta.author = _meta_content(metas, "author", "article:author", "dc.creator")
    for item in _json_ld(page.json_ld):
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
        for tm in found["time"]:
            value = attr(tm, "datetime") or text_of(tm)
            d = parse_machine_date(value) if value else None
            if d:
                meta.date = d
                break
    if meta.author and meta.author.startswith(("http://", "https://")):
        meta.author = None
    return meta
