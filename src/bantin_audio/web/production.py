"""The production server: waitress with limits that keep slow clients from starving others.

Waitress alone closes a connection only after `channel_timeout` seconds of silence, so a client
dripping one byte every few seconds holds a connection for ever, and 1,000 of them from one
address fill `connection_limit`. Here each connection must finish sending its request within
REQUEST_READ_TIMEOUT_S, one address may hold at most `per_client` connections (when clients
connect directly; behind a proxy nginx's `limit_conn` does it, see docs/deploy.md), and bodies
over the largest route limit are refused by waitress before it buffers them.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from waitress.adjustments import Adjustments
from waitress.channel import HTTPChannel
from waitress.server import TcpWSGIServer
from waitress.task import ThreadedTaskDispatcher

log = logging.getLogger(__name__)

REQUEST_READ_TIMEOUT_S = 20.0  # from the first byte of a request to its last
_REFUSED = (b"HTTP/1.1 429 Too Many Requests\r\nContent-Type: text/plain; charset=utf-8\r\n"
            b"Connection: close\r\nContent-Length: 0\r\n\r\n")


@dataclass(frozen=True)
class ServerLimits:
    """The connection limits of the production server."""

    threads: int = 8
    connection_limit: int = 500  # connections held at once, all clients together
    per_client: int | None = 20  # connections per address; None behind a trusted proxy
    channel_timeout: float = 30.0  # seconds of silence before a connection is closed
    request_read_timeout: float = REQUEST_READ_TIMEOUT_S
    cleanup_interval: float = 2.0  # how often slow and idle connections are looked for
    max_request_body_size: int = 21 * 1024 * 1024
    max_request_header_size: int = 64 * 1024


class _GuardedChannel(HTTPChannel):  # type: ignore[misc]
    """A channel that remembers when the request it is reading began."""

    request_started: float | None = None

    def received(self, data: bytes) -> bool:
        if data and self.request is None:
            self.request_started = time.monotonic()
        result = bool(super().received(data))
        if self.request is None:
            self.request_started = None  # nothing half-read any more
        return result


class _GuardedServer(TcpWSGIServer):  # type: ignore[misc]
    """A waitress server with a per-address connection limit and a request read deadline."""

    channel_class = _GuardedChannel
    per_client: int | None = None
    request_read_timeout = REQUEST_READ_TIMEOUT_S

    def handle_accept(self) -> None:
        try:
            accepted = self.accept()
            if accepted is None:
                return
            conn, addr = accepted
            self.set_socket_options(conn)
        except OSError:
            return
        addr = self.fix_addr(addr)
        host = addr[0] if isinstance(addr, tuple) else addr
        if self.per_client is not None and sum(
                1 for ch in self.active_channels.values()
                if isinstance(ch.addr, tuple) and ch.addr[0] == host) >= self.per_client:
            log.warning("refused a connection from %s: %d already open", host, self.per_client)
            try:
                conn.setblocking(False)
                conn.send(_REFUSED)
            except OSError:
                pass
            conn.close()
            return
        self.channel_class(self, conn, addr, self.adj, map=self._map)

    def maintenance(self, now: float) -> None:
        super().maintenance(now)
        cutoff = time.monotonic() - self.request_read_timeout
        for channel in list(self.active_channels.values()):
            started = getattr(channel, "request_started", None)
            if started is not None and started < cutoff and not channel.requests:
                log.info("closing a connection from %s: request not sent within %.0f s",
                         channel.addr, self.request_read_timeout)
                channel.will_close = True


def create_server(app: Any, host: str, port: int, limits: ServerLimits) -> _GuardedServer:
    """Create (and start listening) the guarded waitress server for `app`."""
    adj = Adjustments(host=host, port=port, threads=limits.threads, ident="bantin-audio",
                      channel_timeout=limits.channel_timeout,
                      connection_limit=limits.connection_limit,
                      cleanup_interval=limits.cleanup_interval,
                      max_request_body_size=limits.max_request_body_size,
                      max_request_header_size=limits.max_request_header_size)
    dispatcher = ThreadedTaskDispatcher()
    dispatcher.set_thread_count(adj.threads)
    mapping: dict[int, Any] = {}
    server = None
    for sockinfo in adj.listen:
        server = _GuardedServer(app, mapping, True, None, dispatcher=dispatcher, adj=adj,
                                sockinfo=sockinfo)
        server.per_client = limits.per_client
        server.request_read_timeout = limits.request_read_timeout
    if server is None:
        raise OSError(f"no address to listen on for {host}:{port}")
    return server
