"""Safe HTTP fetching: http(s) only, public addresses only (every hop), bounded time and size."""

from __future__ import annotations

import ipaddress
import logging
import socket
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

import requests

from ..config import Settings
from ..errors import FetchError, InputError
from .decode import decode_bytes

log = logging.getLogger(__name__)

USER_AGENT = "bantin-audio/0.1 (+https://github.com/bantin-audio; doc tin tuc thanh am thanh)"
MAX_REDIRECTS = 5
_REDIRECTS = (301, 302, 303, 307, 308)
_CHUNK = 64 * 1024


@dataclass
class FetchedPage:
    """A fetched page: the final URL, the body, its content type and the encoding used."""

    url: str
    content: bytes
    content_type: str | None = None
    encoding: str | None = None
    text: str = ""
    status: int = 200
    etag: str | None = None
    last_modified: str | None = None

    @property
    def not_modified(self) -> bool:
        """Return whether a conditional request was answered 304 (nothing new to read)."""
        return self.status == 304


class HTTPStatusError(FetchError):
    """The server answered an error status; `status` and `retry_after` (seconds) kept."""

    def __init__(self, message: str, hint: str | None = None, *, status: int,
                 retry_after: float | None = None) -> None:
        super().__init__(message, hint)
        self.status = status
        self.retry_after = retry_after


def _split(url: str) -> tuple[str, str, int]:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise InputError(f"Địa chỉ không hợp lệ: {url}", "kiểm tra lại URL") from exc
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise InputError(f"Chỉ hỗ trợ địa chỉ http:// hoặc https://, không hỗ trợ {scheme or '?'}:",
                         "dùng địa chỉ trang web bắt đầu bằng http:// hoặc https://")
    host = parts.hostname
    if not host:
        raise InputError(f"Địa chỉ thiếu tên máy chủ: {url}", "kiểm tra lại URL")
    return scheme, host, port or (443 if scheme == "https" else 80)


def _is_public(addr: str) -> bool:
    ip = ipaddress.ip_address(addr.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not (ip.is_loopback or ip.is_private or ip.is_link_local
                                 or ip.is_reserved or ip.is_multicast or ip.is_unspecified)


def check_address(url: str, settings: Settings) -> None:
    """Refuse non-http(s) URLs and hosts that resolve to loopback/private/reserved addresses."""
    _, host, port = _split(url)
    if settings.allow_private_fetch:
        return
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError) as exc:
        raise FetchError(f"Không tìm thấy máy chủ {host}",
                         "kiểm tra tên miền và kết nối mạng") from exc
    for info in infos:
        addr = str(info[4][0])
        try:
            public = _is_public(addr)
        except ValueError:
            public = False
        if not public:
            raise FetchError(
                f"Từ chối tải {host}: địa chỉ {addr} là địa chỉ nội bộ hoặc dành riêng",
                "chỉ tải được trang công khai; với cổng thông tin trong mạng nội bộ, "
                "đặt BANTIN_ALLOW_PRIVATE_FETCH=1",
            )


def fetch_url(url: str, settings: Settings, *, etag: str | None = None,
              last_modified: str | None = None, accept: str | None = None,
              allowed_hosts: frozenset[str] | None = None,
              max_bytes: int | None = None) -> FetchedPage:
    """Fetch a page safely, following at most 5 redirects and checking every hop.

    With `etag` / `last_modified` the request is conditional and a 304 comes back as a page
    with status 304 and no content. With `allowed_hosts`, a redirect to any other host is
    refused. An error status raises HTTPStatusError (a FetchError) carrying the status.
    """
    timeout = (settings.fetch_connect_timeout, settings.fetch_read_timeout)
    limit = max_bytes or settings.fetch_max_bytes
    # A drip-feeding server could keep each read under the timeout forever: cap the total too.
    deadline = time.monotonic() + settings.fetch_connect_timeout + 3 * settings.fetch_read_timeout
    session = requests.Session()
    session.trust_env = False  # no proxies or .netrc from the environment: the check is ours
    headers = {"User-Agent": USER_AGENT,
               "Accept": accept or "text/html,text/plain;q=0.9,*/*;q=0.5",
               "Accept-Language": "vi,en;q=0.5"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    current = url.strip()
    try:
        for _hop in range(MAX_REDIRECTS + 1):
            if allowed_hosts is not None:
                _check_host(current, allowed_hosts)
            check_address(current, settings)
            log.info("fetching %s", current)
            resp = _get(session, current, headers, timeout)
            with resp:
                _check_peer(resp, current, settings)
                if resp.status_code in _REDIRECTS and resp.headers.get("Location"):
                    current = urljoin(current, resp.headers["Location"])
                    continue
                if resp.status_code == 304 and (etag or last_modified):
                    return FetchedPage(url=current, content=b"", status=304,
                                       etag=resp.headers.get("ETag") or etag,
                                       last_modified=resp.headers.get("Last-Modified")
                                       or last_modified)
                if resp.status_code >= 400:
                    raise HTTPStatusError(
                        f"Máy chủ trả lỗi HTTP {resp.status_code} cho {current}",
                        "kiểm tra địa chỉ hoặc thử lại sau", status=resp.status_code,
                        retry_after=_retry_after(resp.headers.get("Retry-After")))
                body = _read_capped(resp, limit, deadline, current)
                ctype = resp.headers.get("Content-Type")
                validators = (resp.headers.get("ETag"), resp.headers.get("Last-Modified"))
            text, encoding = decode_bytes(body, ctype)
            return FetchedPage(url=current, content=body, content_type=ctype,
                               encoding=encoding, text=text, status=200,
                               etag=validators[0], last_modified=validators[1])
    finally:
        session.close()
    raise FetchError(f"Quá nhiều lần chuyển hướng (hơn {MAX_REDIRECTS}) khi tải {url}",
                     "mở địa chỉ trong trình duyệt để xem trang đích, rồi dùng địa chỉ đó")


def _check_host(url: str, allowed: frozenset[str]) -> None:
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    if host not in allowed:
        raise FetchError(f"Từ chối tải {url}: máy chủ {host or '?'} không thuộc nguồn này",
                         "thêm máy chủ vào danh sách máy chủ được phép của nguồn nếu tin cậy")


def _retry_after(value: str | None) -> float | None:
    """Return Retry-After in seconds (a number of seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _check_peer(resp: requests.Response, url: str, settings: Settings) -> None:
    # The name was checked before connecting; check the address actually connected too, so a
    # DNS answer that changed in between (DNS rebinding) cannot reach the local network.
    if settings.allow_private_fetch:
        return
    conn = getattr(resp.raw, "connection", None)
    sock = getattr(conn, "sock", None)
    if sock is None:
        return
    try:
        addr = str(sock.getpeername()[0])
    except (OSError, IndexError):
        return
    try:
        public = _is_public(addr)
    except ValueError:
        public = False
    if not public:
        raise FetchError(f"Từ chối tải {url}: máy chủ nằm ở địa chỉ nội bộ {addr}",
                         "chỉ tải được trang công khai")


def _get(session: requests.Session, url: str, headers: dict[str, str],
         timeout: tuple[float, float]) -> requests.Response:
    try:
        return session.get(url, headers=headers, timeout=timeout, allow_redirects=False,
                           stream=True)
    except requests.exceptions.Timeout as exc:
        raise FetchError(f"Hết thời gian chờ khi tải {url}",
                         "máy chủ phản hồi quá chậm; thử lại sau") from exc
    except (requests.exceptions.InvalidURL, requests.exceptions.InvalidSchema,
            requests.exceptions.MissingSchema, UnicodeError) as exc:
        raise InputError(f"Địa chỉ không hợp lệ: {url}", "kiểm tra lại URL") from exc
    except requests.exceptions.RequestException as exc:
        raise FetchError(f"Không kết nối được tới {url}",
                         "kiểm tra địa chỉ và kết nối mạng, rồi thử lại") from exc


def _too_big(url: str, limit: int) -> FetchError:
    return FetchError(f"Trang {url} lớn hơn giới hạn {limit // (1024 * 1024) or limit} "
                      f"{'MB' if limit >= 1024 * 1024 else 'byte'}",
                      "đây có thể không phải một bài tin; tăng BANTIN_FETCH_MAX_BYTES nếu cần")


def _read_capped(resp: requests.Response, limit: int, deadline: float, url: str) -> bytes:
    declared = resp.headers.get("Content-Length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise _too_big(url, limit)
    chunks: list[bytes] = []
    total = 0
    try:
        for chunk in resp.iter_content(_CHUNK):
            total += len(chunk)
            if total > limit:
                raise _too_big(url, limit)
            chunks.append(chunk)
            if time.monotonic() > deadline:
                raise FetchError(f"Hết thời gian chờ khi tải {url}",
                                 "máy chủ gửi dữ liệu quá chậm; thử lại sau")
    except requests.exceptions.Timeout as exc:
        raise FetchError(f"Hết thời gian chờ khi tải {url}",
                         "máy chủ phản hồi quá chậm; thử lại sau") from exc
    except requests.exceptions.RequestException as exc:
        raise FetchError(f"Kết nối bị ngắt khi tải {url}", "thử lại sau") from exc
    return b"".join(chunks)
