"""The production server keeps answering others while one address holds slow connections."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
from flask import Flask

from bantin_audio.web.production import ServerLimits, create_server

LIMITS = ServerLimits(threads=4, connection_limit=200, per_client=10, channel_timeout=30,
                      request_read_timeout=1.0, cleanup_interval=0.2)


@pytest.fixture
def server(app: Flask) -> Iterator[int]:
    """Run the guarded waitress server for the app on an ephemeral loopback port."""
    srv = create_server(app, "127.0.0.1", 0, LIMITS)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    try:
        yield int(srv.effective_port)
    finally:
        srv.task_dispatcher.shutdown(cancel_pending=True, timeout=1)
        srv.close()
        for channel in list(srv._map.values()):
            channel.close()


def _slow(port: int, source: str = "127.0.0.1") -> socket.socket:
    sock = socket.socket()
    sock.bind((source, 0))
    sock.settimeout(5)
    sock.connect(("127.0.0.1", port))
    sock.sendall(b"GET / HTTP/1.1\r\nHost: bantin\r\n")  # ... and the rest never comes
    return sock


def _get(port: int, source: str) -> bytes:
    with socket.socket() as sock:
        sock.bind((source, 0))
        sock.settimeout(5)
        sock.connect(("127.0.0.1", port))
        sock.sendall(b"GET / HTTP/1.1\r\nHost: bantin\r\nConnection: close\r\n\r\n")
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
        return data


def test_many_slow_connections_from_one_address_leave_others_served(server: int) -> None:
    held, refused = [], 0
    try:
        for _ in range(300):  # more than the whole connection limit, all from 127.0.0.1
            try:
                held.append(_slow(server))
            except OSError:
                refused += 1
        time.sleep(0.3)
        reply = _get(server, "127.0.0.2")  # another client, at once
        assert reply.startswith(b"HTTP/1.1 200") and b"</html>" in reply
        still_open, told = 0, 0
        for sock in held:
            sock.settimeout(0.01)
            try:
                told += sock.recv(1024).startswith(b"HTTP/1.1 429")
            except TimeoutError:
                still_open += 1  # nothing said, nothing closed: a connection the server holds
            except OSError:
                pass
        assert still_open <= (LIMITS.per_client or 0) and told > 0
    finally:
        for sock in held:
            sock.close()


def test_a_request_dripped_slower_than_the_deadline_is_closed(server: int) -> None:
    sock = _slow(server, "127.0.0.3")
    try:
        for _ in range(40):  # one byte every 0.1 s: never silent, never finished
            try:
                sock.sendall(b"X")
            except OSError:
                break
            sock.settimeout(0.1)
            try:
                if sock.recv(1024) == b"":
                    break
            except TimeoutError:
                continue
        else:
            pytest.fail("the dripping connection was still open after 4 s")
    finally:
        sock.close()
    assert _get(server, "127.0.0.3").startswith(b"HTTP/1.1 200")
