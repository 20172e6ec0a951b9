"""Admin authentication: throttled token checks and revocable sign-in sessions.

A wrong token costs the client a slot in a sliding window; past the limit, the client (or,
past the global limit, every client) gets 429 for any token check until the window frees up,
so guessing runs at a few tries a minute whatever the request rate. Sessions are rows in the
store: signing out deletes the row, and a changed admin token ends every session.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import threading
import time
from collections import OrderedDict, deque

from flask import current_app, request, session

from ..errors import BantinError
from ..store import Store

SESSION_TTL_S = 12 * 3600
CLIENT_FAILURES = 10  # wrong tokens per client per window
GLOBAL_FAILURES = 100  # wrong tokens from everyone per window
WINDOW_S = 60.0
MAX_CLIENTS = 10_000  # clients remembered at once (least recently failing dropped first)


class TooManyAttempts(BantinError):
    """Too many wrong admin tokens: checks are refused for a while."""

    http_status = 429
    code = "qua_nhieu_lan_sai_ma"

    def __init__(self, retry_after: float) -> None:
        super().__init__("Nhập sai mã quản trị quá nhiều lần",
                         f"thử lại sau {math.ceil(retry_after)} giây")
        self.retry_after = math.ceil(retry_after)


class AuthThrottle:
    """Sliding windows of failed token checks, per client and for everyone."""

    def __init__(self, per_client: int = CLIENT_FAILURES, overall: int = GLOBAL_FAILURES,
                 window_s: float = WINDOW_S, max_clients: int = MAX_CLIENTS) -> None:
        self.per_client, self.overall, self.window_s = per_client, overall, window_s
        self.max_clients = max_clients
        self._clients: OrderedDict[str, deque[float]] = OrderedDict()
        self._all: deque[float] = deque()
        self._lock = threading.Lock()

    def check(self, client: str) -> None:
        """Raise TooManyAttempts when `client` (or everyone) used up the failures allowed."""
        now = time.monotonic()
        with self._lock:
            self._expire(self._all, now)
            mine = self._clients.get(client)
            if mine is not None:
                self._expire(mine, now)
            if mine is not None and len(mine) >= self.per_client:
                raise TooManyAttempts(mine[0] + self.window_s - now)
            if len(self._all) >= self.overall:
                raise TooManyAttempts(self._all[0] + self.window_s - now)

    def failed(self, client: str) -> None:
        """Count one wrong token from `client`."""
        now = time.monotonic()
        with self._lock:
            mine = self._clients.pop(client, None) or deque()
            mine.append(now)
            self._clients[client] = mine  # most recent last
            while len(self._clients) > self.max_clients:
                self._clients.popitem(last=False)
            self._all.append(now)

    def _expire(self, times: deque[float], now: float) -> None:
        while times and times[0] <= now - self.window_s:
            times.popleft()


def _throttle() -> AuthThrottle:
    return current_app.extensions["bantin_auth_throttle"]  # type: ignore[no-any-return]


def _client() -> str:
    return request.remote_addr or "unknown"


def token_fingerprint(token: str) -> str:
    """Return a fingerprint of the admin token (what a session remembers of it)."""
    return hashlib.sha256(b"bantin-admin-token\0" + token.encode()).hexdigest()


def check_token(given: str | None, expected: str) -> bool:
    """Compare a presented token with the admin token, throttling wrong ones (429)."""
    _throttle().check(_client())
    ok = bool(given) and hmac.compare_digest(str(given).encode(), expected.encode())
    if not ok:
        _throttle().failed(_client())
    return ok


def open_session(store: Store, expected: str) -> None:
    """Sign this browser in: a new server-side session (any previous one is dropped)."""
    old = session.get("sid")
    if isinstance(old, str):
        store.settings.close_session(old)
    session.clear()
    session["sid"] = store.settings.open_session(
        token_fingerprint(expected), SESSION_TTL_S)


def close_session(store: Store) -> None:
    """Sign this browser out: the session is deleted server-side, so copies stop working."""
    sid = session.get("sid")
    if isinstance(sid, str):
        store.settings.close_session(sid)
    session.clear()


def session_open(store: Store, expected: str) -> bool:
    """Return whether this browser's session is still open for the current admin token."""
    sid = session.get("sid")
    return isinstance(sid, str) and bool(
        store.settings.session_valid(sid, token_fingerprint(expected)))
