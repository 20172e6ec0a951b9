"""Being a good guest on a portal: robots.txt, one request at a time per host, backoff.

Every request goes through ingest.fetch (size caps, timeouts, the private-address guard) with
the service's User-Agent; this module decides whether and when to send it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.robotparser import RobotFileParser

from ..config import Settings
from ..ingest.fetch import FetchedPage, HTTPStatusError, fetch_url
from .canonical import host_of, origin_of

log = logging.getLogger(__name__)

ROBOTS_AGENT = "bantin-audio"
ROBOTS_TTL_S = 3600.0
ROBOTS_MAX_BYTES = 512 * 1024
MAX_CRAWL_DELAY_S = 30.0
MAX_BACKOFF_S = 6 * 3600.0


def backoff_delay(interval_s: float, failures: int, retry_after: float | None = None) -> float:
    """Return the wait before the next try: the interval doubled per failure, capped at 6 h.

    A server's Retry-After is honoured (up to a day) when it asks for longer.
    """
    delay = min(interval_s * (2 ** max(0, failures)), MAX_BACKOFF_S)
    if retry_after is not None:
        delay = max(delay, min(retry_after, 24 * 3600.0))
    return max(delay, interval_s)


@dataclass
class _HostState:
    lock: threading.Lock = field(default_factory=threading.Lock)
    last_request: float = 0.0
    robots: RobotFileParser | None = None
    robots_at: float = 0.0


class PoliteFetcher:
    """Fetch pages of watched portals politely; one instance is shared by the watcher."""

    def __init__(self, settings: Settings, *, min_gap_s: float = 0.2,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.settings = settings
        self.min_gap_s = min_gap_s
        self.clock = clock
        self._hosts: dict[str, _HostState] = {}
        self._lock = threading.Lock()

    def fetch(self, url: str, *, hosts: frozenset[str], etag: str | None = None,
              last_modified: str | None = None, accept: str | None = None,
              max_bytes: int | None = None) -> FetchedPage:
        """Fetch `url` if robots.txt allows it, waiting for the host's turn.

        Raises RobotsDisallowed when the portal asks robots not to read the address.
        """
        host = host_of(url)
        state = self._host(host)
        with state.lock:  # one request at a time per host
            robots = self._robots(url, state, hosts)
            if robots is not None and not robots.can_fetch(ROBOTS_AGENT, url):
                raise RobotsDisallowed(f"robots.txt của {host} không cho phép đọc {url}",
                                       "nhờ quản trị cổng cho phép bantin-audio trong robots.txt")
            self._wait_turn(state, robots)
            try:
                return fetch_url(url, self.settings, etag=etag, last_modified=last_modified,
                                 accept=accept, allowed_hosts=hosts, max_bytes=max_bytes)
            finally:
                state.last_request = self.clock()

    def check_allowed(self, url: str, *, hosts: frozenset[str]) -> None:
        """Raise RobotsDisallowed when the portal's robots.txt asks us not to read `url`."""
        host = host_of(url)
        state = self._host(host)
        with state.lock:
            robots = self._robots(url, state, hosts)
        if robots is not None and not robots.can_fetch(ROBOTS_AGENT, url):
            raise RobotsDisallowed(f"robots.txt của {host} không cho phép đọc {url}",
                                   "nhờ quản trị cổng cho phép bantin-audio trong robots.txt")

    def _host(self, host: str) -> _HostState:
        with self._lock:
            return self._hosts.setdefault(host, _HostState())

    def _wait_turn(self, state: _HostState, robots: RobotFileParser | None) -> None:
        gap = self.min_gap_s
        if robots is not None:
            delay = robots.crawl_delay(ROBOTS_AGENT)
            if delay:
                gap = max(gap, min(float(delay), MAX_CRAWL_DELAY_S))
        wait = state.last_request + gap - self.clock()
        if state.last_request and wait > 0:
            time.sleep(wait)

    def _robots(self, url: str, state: _HostState,
                hosts: frozenset[str]) -> RobotFileParser | None:
        now = self.clock()
        if state.robots is not None and now - state.robots_at < ROBOTS_TTL_S:
            return state.robots
        robots_url = origin_of(url) + "/robots.txt"
        parser = RobotFileParser(robots_url)
        try:
            page = fetch_url(robots_url, self.settings, accept="text/plain",
                             allowed_hosts=hosts, max_bytes=ROBOTS_MAX_BYTES)
            parser.parse(page.text.splitlines())
        except HTTPStatusError as exc:
            if exc.status >= 500 or exc.status == 429:
                raise  # the portal is in trouble: try later rather than guess
            parser.parse([])  # no robots.txt: everything is allowed
        finally:
            state.last_request = self.clock()
        state.robots, state.robots_at = parser, now
        log.info("robots.txt of %s read", host_of(url))
        return parser


class RobotsDisallowed(HTTPStatusError):
    """robots.txt asks us not to read this address."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message, hint, status=403)
