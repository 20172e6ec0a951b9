"""Helpers for the ingest tests: fixture files, expected outputs, a local HTTP server."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def expected_for(path: Path) -> dict:
    """Return the expected JSON of a fixture (encoding variants share the plain one's)."""
    stem = path.name.split(".", 1)[0]
    return json.loads((FIXTURES / f"{stem}.expected.json").read_text(encoding="utf-8"))


Route = Callable[[BaseHTTPRequestHandler], None]


class LocalServer:
    """A threaded HTTP server on 127.0.0.1 whose paths are answered by test-provided routes."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        routes = self.routes

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 - the http.server API
                route = routes.get(self.path)
                if route is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                try:
                    route(self)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up on purpose (size cap, timeout)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever,
                                       kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def base(self) -> str:
        """Return the server's base URL."""
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def add(self, path: str, route: Route) -> str:
        """Answer `path` with `route`; return its full URL."""
        self.routes[path] = route
        return self.base + path


def send_body(body: bytes, content_type: str = "text/html; charset=utf-8",
              status: int = 200, length: bool = True) -> Route:
    """Return a route answering with the given body."""

    def route(h: BaseHTTPRequestHandler) -> None:
        h.send_response(status)
        h.send_header("Content-Type", content_type)
        if length:
            h.send_header("Content-Length", str(len(body)))
        else:
            h.send_header("Connection", "close")
            h.close_connection = True
        h.end_headers()
        h.wfile.write(body)

    return route


def redirect_to(location: str, status: int = 302) -> Route:
    """Return a route answering with a redirect."""

    def route(h: BaseHTTPRequestHandler) -> None:
        h.send_response(status)
        h.send_header("Location", location)
        h.send_header("Content-Length", "0")
        h.end_headers()

    return route


def slow(delay: float, body: bytes = b"<p>cham</p>") -> Route:
    """Return a route that waits before answering."""

    def route(h: BaseHTTPRequestHandler) -> None:
        time.sleep(delay)
        send_body(body)(h)

    return route


@pytest.fixture
def local_server() -> Iterator[LocalServer]:
    """Start a local HTTP server for one test."""
    server = LocalServer()
    server.thread.start()
    try:
        yield server
    finally:
        server.httpd.shutdown()
        server.httpd.server_close()
