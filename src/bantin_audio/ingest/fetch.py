"""Safe HTTP fetching: http(s) only, public addresses only (every hop), bounded time and size."""

from __future__ import annotations

import ipaddress
import logging
import socket
import threading
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

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
    if any(ord(ch) <= 32 or ord(ch) == 127 for ch in url):
        raise InputError("Địa chỉ chứa khoảng trắng hoặc ký tự điều khiển",
                         "kiểm tra lại URL (khoảng trắng viết là %20)")
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
    if port == 0:
        raise InputError(f"Cổng 0 không hợp lệ: {url}", "kiểm tra lại URL")
    return scheme, host, port or (443 if scheme == "https" else 80)


def _is_public(addr: str) -> bool:
    ip = ipaddress.ip_address(addr.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not (ip.is_loopback or ip.is_private or ip.is_link_local
                                 or ip.is_reserved or ip.is_multicast or ip.is_unspecified)


def _private_allowed(host: str, settings: Settings) -> bool:
    """Return whether `host` may be at a private address (named in the settings)."""
    if settings.allow_private_fetch:
        global _warned
        if not _warned:
            _warned = True
            log.warning("BANTIN_ALLOW_PRIVATE_FETCH is deprecated: it allows every private "
                        "address on every redirect hop; name the hosts in "
                        "BANTIN_PRIVATE_FETCH_HOSTS instead")
        return True
    return host.lower().rstrip(".").strip("[]") in settings.private_hosts


_warned = False


def check_url_syntax(url: str, settings: Settings) -> None:
    """Check a URL without the network: http(s), a host, a port; no literal private address."""
    _, host, _ = _split(url)
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return  # a name: resolved and checked when it is fetched
    if _private_allowed(host, settings):
        return
    if not _is_public(host):
        raise InputError(f"Từ chối tải {host}: đây là địa chỉ nội bộ hoặc dành riêng",
                         "chỉ tải được trang công khai")


def check_address(url: str, settings: Settings) -> None:
    """Refuse non-http(s) URLs and hosts that resolve to loopback/private/reserved addresses."""
    _, host, port = _split(url)
    if _private_allowed(host, settings):
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
                f"thêm {host} vào BANTIN_PRIVATE_FETCH_HOSTS",
            )


def fetch_url(url: str, settings: Settings, *, etag: str | None = None,
              last_modified: str | None = None, accept: str | None = None,
              allowed_hosts: frozenset[str] | None = None,
              max_bytes: int | None = None) -> FetchedPage:
    """Fetch a page safely, following at most 5 redirects and checking every hop.

    The whole fetch (every hop, headers and body) ends by BANTIN_FETCH_TOTAL_TIMEOUT: a
    server that drip-feeds bytes, each read inside the read timeout, is cut off then.
    With `etag` / `last_modified` the request is conditional and a 304 comes back as a page
    with status 304 and no content. With `allowed_hosts`, a redirect to any other host is
    refused. An error status raises HTTPStatusError (a FetchError) carrying the status.
    """
    timeout = (settings.fetch_connect_timeout, settings.fetch_read_timeout)
    limit = max_bytes or settings.fetch_max_bytes
    deadline = _Deadline(settings.fetch_total_timeout)
    session = requests.Session()
    session.trust_env = False  # no proxies or .netrc from the environment: the check is ours
    adapter = _DeadlineAdapter()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    headers = {"User-Agent": USER_AGENT,
               "Accept": accept or "text/html,text/plain;q=0.9,*/*;q=0.5",
               "Accept-Language": "vi,en;q=0.5"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    current = url.strip()
    _local.deadline = deadline
    try:
        for _hop in range(MAX_REDIRECTS + 1):
            if allowed_hosts is not None:
                _check_host(current, allowed_hosts)
            check_address(current, settings)
            deadline.check(current)
            log.info("fetching %s", current)
            resp = _get(session, current, headers, timeout, deadline)
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
        _local.deadline = None
        deadline.cancel()
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


# -- the total deadline -------------------------------------------------------------------
# A read timeout bounds each socket read, not the page: a server sending one byte every few
# seconds would keep a fetch open for ever. Each fetch arms a timer that shuts down the
# sockets it opened when its total time is up, which ends any read blocked on them.

_local = threading.local()


class _Deadline:
    """The end of one fetch: shuts down its sockets when the time is up."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.ends = time.monotonic() + seconds
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(max(0.0, seconds), self._expire)
        self._timer.daemon = True
        self._timer.start()

    def register(self, sock: socket.socket | None) -> None:
        """Watch a socket of this fetch (shut it down at once if the time is already up)."""
        if sock is None:
            return
        with self._lock:
            self._sockets.append(sock)
            if self.expired:
                _shutdown(sock)

    def check(self, url: str) -> None:
        """Raise the timeout error when the time is up."""
        if self.expired or time.monotonic() >= self.ends:
            self.expired = True
            raise self.error(url)

    def error(self, url: str) -> FetchError:
        """Return the error of a fetch that ran out of time."""
        return FetchError(f"Hết thời gian chờ khi tải {url} (quá {self.seconds:g} giây)",
                          "máy chủ gửi dữ liệu quá chậm; thử lại sau")

    def cancel(self) -> None:
        """Stop the timer (the fetch ended)."""
        self._timer.cancel()

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                _shutdown(sock)


def _shutdown(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # already closed


def _watch(sock: socket.socket | None) -> None:
    deadline = getattr(_local, "deadline", None)
    if deadline is not None:
        deadline.register(sock)


class _WatchedHTTPConnection(HTTPConnection):
    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        _watch(sock)
        return sock


class _WatchedHTTPSConnection(HTTPSConnection):
    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        _watch(sock)
        return sock

    def connect(self) -> None:
        super().connect()
        _watch(self.sock)  # the TLS socket that wraps the one watched above


class _WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


class _DeadlineAdapter(HTTPAdapter):
    """An adapter whose connections are watched by the fetch's deadline."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _WatchedHTTPPool,
                                                   "https": _WatchedHTTPSPool}


def _check_peer(resp: requests.Response, url: str, settings: Settings) -> None:
    # The name was checked before connecting; check the address actually connected too, so a
    # DNS answer that changed in between (DNS rebinding) cannot reach the local network.
    if _private_allowed(_split(url)[1], settings):
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
         timeout: tuple[float, float], deadline: _Deadline) -> requests.Response:
    try:
        return session.get(url, headers=headers, timeout=timeout, allow_redirects=False,
                           stream=True)
    except (requests.exceptions.InvalidURL, requests.exceptions.InvalidSchema,
            requests.exceptions.MissingSchema, UnicodeError) as exc:
        raise InputError(f"Địa chỉ không hợp lệ: {url}", "kiểm tra lại URL") from exc
    except requests.exceptions.RequestException as exc:
        if deadline.expired:
            raise deadline.error(url) from exc
        if isinstance(exc, requests.exceptions.Timeout):
            raise FetchError(f"Hết thời gian chờ khi tải {url}",
                             "máy chủ phản hồi quá chậm; thử lại sau") from exc
        raise FetchError(f"Không kết nối được tới {url}",
                         "kiểm tra địa chỉ và kết nối mạng, rồi thử lại") from exc


def _too_big(url: str, limit: int) -> FetchError:
    return FetchError(f"Trang {url} lớn hơn giới hạn {limit // (1024 * 1024) or limit} "
                      f"{'MB' if limit >= 1024 * 1024 else 'byte'}",
                      "đây có thể không phải một bài tin; tăng BANTIN_FETCH_MAX_BYTES nếu cần")


def _read_capped(resp: requests.Response, limit: int, deadline: _Deadline, url: str) -> bytes:
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
            deadline.check(url)
    except requests.exceptions.RequestException as exc:
        if deadline.expired:
            raise deadline.error(url) from exc
        if isinstance(exc, requests.exceptions.Timeout):
            raise FetchError(f"Hết thời gian chờ khi tải {url}",
                             "máy chủ phản hồi quá chậm; thử lại sau") from exc
        raise FetchError(f"Kết nối bị ngắt khi tải {url}", "thử lại sau") from exc
    # A body cut short by the deadline (no Content-Length, so no error) is not a page.
    deadline.check(url)
    return b"".join(chunks)
