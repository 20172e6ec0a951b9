"""One spelling per article address, so the same article found twice is read once.

Scheme and host are lowercased (the host in its IDNA form), default ports, fragments, trailing
slashes, tracking parameters (utm_*, fbclid, Zalo's zarsrc/gidzl, ...) and SharePoint's
navigation parameters (Source, InitialTabId, ...) are dropped, query parameters are sorted,
and on PublishingPortal pages (SharePoint: paths are case-insensitive) the path and the
parameter names are lowercased and `/Pages/default.aspx` is the site root.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, quote, unquote, urlencode, urljoin, urlsplit, urlunsplit

from ..errors import InputError

_TRACKING = re.compile(
    r"^(utm_\w+|fbclid|gclid|dclid|msclkid|yclid|mc_cid|mc_eid|zarsrc|gidzl|igshid|_hsenc|"
    r"_hsmi|ref|ref_src|fb_action_ids|fb_action_types|fb_source|at_medium|at_campaign|"
    r"cn-reloaded|s_cid|share)$", re.I)
# SharePoint adds these to links for navigation and dialogs; they never change the article.
_SHAREPOINT_NOISE = re.compile(
    r"^(source|initialtabid|visibilitycontext|pageview|contenttypeid|isdlg|rootfolder|"
    r"print|printpreview|mobile|pagefirstrow|paged|view)$", re.I)
_DEFAULT_PAGE = re.compile(r"/(pages/)?default\.aspx$", re.I)
_SAFE_PATH = "/:@!$&'()*+,;=-._~"


def is_sharepoint_path(path: str) -> bool:
    """Return whether a path looks like a SharePoint (PublishingPortal) page."""
    lower = path.lower()
    return lower.endswith(".aspx") or "/pages/" in lower or "/sitepages/" in lower \
        or "/lists/" in lower


def canonical_url(url: str, base: str | None = None, *, prefer_https: bool = False) -> str:
    """Return the canonical form of an article address (relative ones resolved on `base`)."""
    raw = (url or "").strip()
    if base:
        raw = urljoin(base, raw)
    try:
        parts = urlsplit(raw)
        port = parts.port
    except ValueError as exc:
        raise InputError(f"Địa chỉ không hợp lệ: {url}", "kiểm tra lại URL") from exc
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise InputError(f"Chỉ nhận địa chỉ http:// hoặc https://: {url}")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise InputError(f"Địa chỉ thiếu tên máy chủ: {url}")
    try:
        host = host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        host = host.lower()
    if prefer_https and scheme == "http":
        scheme = "https"
    netloc = host if ":" not in host else f"[{host}]"
    if port and port != {"http": 80, "https": 443}[scheme]:
        netloc += f":{port}"
    path = re.sub(r"/{2,}", "/", parts.path or "/")
    path = quote(unquote(path), safe=_SAFE_PATH)
    sharepoint = is_sharepoint_path(path)
    if sharepoint:
        path = path.lower()
        if _DEFAULT_PAGE.search(path):
            path = _DEFAULT_PAGE.sub("/", path)
    if len(path) > 1:
        path = path.rstrip("/") or "/"
    query = []
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if _TRACKING.match(key) or (sharepoint and _SHAREPOINT_NOISE.match(key)):
            continue
        query.append((key.lower() if sharepoint else key, value))
    query.sort()
    return urlunsplit((scheme, netloc, path, urlencode(query, quote_via=quote), ""))


def origin_of(url: str) -> str:
    """Return the origin (scheme://host[:port]) of an address, lowercased."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if not scheme or not host:
        raise InputError(f"Địa chỉ không hợp lệ: {url}", "ví dụ https://bachthong.backan.gov.vn")
    netloc = host if ":" not in host else f"[{host}]"
    if parts.port and parts.port != {"http": 80, "https": 443}.get(scheme):
        netloc += f":{parts.port}"
    return f"{scheme}://{netloc}"


def host_of(url: str) -> str:
    """Return the lowercased host of an address ('' when it has none)."""
    try:
        return (urlsplit(url.strip()).hostname or "").lower().rstrip(".")
    except ValueError:
        return ""
