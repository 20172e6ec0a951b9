"""Real servers for the scaled-mode tests, started on loopback for the test session.

Each server has its own fixture function (so each can grow on its own): it starts the Debian
binary on 127.0.0.1 on a free port in a temporary directory, as the current user, waits until
it answers, and stops it afterwards. A missing binary skips the tests that need it on a
developer's machine, and fails them when the environment variable CI is set (.ci/run installs
the binaries).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REDIS_SERVER = "/usr/bin/redis-server"


def free_port() -> int:
    """Return a TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _missing(binary: str, package: str) -> None:
    message = f"{binary} is missing: apt-get install {package}"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@dataclass
class RedisServer:
    """A running redis-server: its URL, and a way to empty it between tests."""

    port: int
    directory: Path

    @property
    def url(self) -> str:
        """Return redis://127.0.0.1:<port>/0."""
        return f"redis://127.0.0.1:{self.port}/0"

    def flush(self) -> None:
        """Delete every key (each test starts from an empty Redis)."""
        import redis

        client = redis.Redis.from_url(self.url)
        try:
            client.flushall()
        finally:
            client.close()


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """Run redis-server on 127.0.0.1 for the session (no persistence, temp dir)."""
    binary = REDIS_SERVER if os.path.exists(REDIS_SERVER) else shutil.which("redis-server")
    if not binary:
        _missing("redis-server", "redis-server")
    directory = Path(tempfile.mkdtemp(prefix="bantin-redis-"))
    port = free_port()
    proc = subprocess.Popen(
        [str(binary), "--port", str(port), "--bind", "127.0.0.1", "--dir", str(directory),
         "--save", "", "--appendonly", "no", "--protected-mode", "yes",
         "--logfile", str(directory / "redis.log")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    server = RedisServer(port=port, directory=directory)
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
                    conn.sendall(b"PING\r\n")
                    if conn.recv(16).startswith(b"+PONG"):
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                log = (directory / "redis.log").read_text(errors="replace")[-2000:] \
                    if (directory / "redis.log").exists() else ""
                pytest.fail(f"redis-server did not start: {log}")
            time.sleep(0.05)
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    """Return the URL of an empty Redis (the session's server, flushed)."""
    redis_server.flush()
    return redis_server.url
