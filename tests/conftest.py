"""Shared fixtures: a socket guard, the fake Google endpoint, settings on a temp data dir."""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import responses

from bantin_audio.config import Settings
from tests.fakes import GOOGLE_URL, SORRY_URL, FakeGoogle
from tests.servers import (
    PostgresServer,
    postgres_server,
    seaweedfs,  # noqa: F401  (a fixture: real S3 on loopback)
)

SHARED = Path(__file__).resolve().parents[1].parent / "shared"

_real_connect = socket.socket.connect


def _guarded_connect(self: socket.socket, address: object) -> None:
    host = address[0] if isinstance(address, tuple) else None
    if host is not None and self.family in (socket.AF_INET, socket.AF_INET6):
        try:
            loopback = ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = host == "localhost"
        if not loopback:
            raise ConnectionRefusedError(f"tests may not connect to {host} (socket guard)")
    return _real_connect(self, address)


@pytest.fixture(autouse=True)
def socket_guard(monkeypatch: pytest.MonkeyPatch) -> None:
    """Refuse every connection that is not to a loopback address."""
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)


@pytest.fixture
def fake_google() -> FakeGoogle:
    """Answer gTTS's requests in-process with real MP3 bytes; refuse anything unregistered."""
    fake = FakeGoogle()

    def callback(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        status, headers, body = fake.answer(request.body or "")
        if status == 0 and body == "timeout":
            raise requests.exceptions.ReadTimeout("fake: read timed out")
        if status == 0:
            raise requests.exceptions.ConnectionError("fake: connection refused")
        return status, headers, body

    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add_callback(responses.POST, GOOGLE_URL, callback=callback)
        mock.add(responses.GET, SORRY_URL, status=429, body="sorry")
        # Pages the tests serve themselves on the loopback interface (the fake portal on
        # 127.0.0.2, ...) are fetched for real.
        mock.add_passthru(re.compile(r"https?://127\.0\.0\.\d+:\d+/"))
        yield fake


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings on a fresh data dir, with quick retries so failure tests stay short."""
    return Settings(data_dir=tmp_path / "data", backoff_base=0.01, backoff_max=0.05,
                    breaker_cooldown=30.0)


@pytest.fixture
def shared_dir() -> Path:
    """Return ../shared, or skip when this checkout has none beside it."""
    if not SHARED.is_dir():
        pytest.skip("../shared is not present")
    return SHARED


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL server for the session (tests/servers.py), on loopback."""
    yield from postgres_server()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database: the embedded SQLite file, then a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield "sqlite:///" + str(tmp_path / "db" / "bantin.sqlite3")
        return
    server: PostgresServer = request.getfixturevalue("postgres")
    url = server.create_database()
    yield url
    server.drop_database(url)


@pytest.fixture
def counted_ffmpeg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Run the real ffmpeg through a wrapper that logs each run; return the log path."""
    from bantin_audio.audio import ffmpeg, stitch

    real = ffmpeg.find_ffmpeg()
    log_path = tmp_path / "ffmpeg-runs.log"
    wrapper = tmp_path / "ffmpeg"
    wrapper.write_text(f'#!/bin/sh\necho "$@" >> "{log_path}"\nexec "{real}" "$@"\n')
    wrapper.chmod(0o755)
    monkeypatch.setenv("BANTIN_FFMPEG", str(wrapper))  # for the processes a test starts
    ffmpeg.configure_ffmpeg(str(wrapper))
    monkeypatch.setattr(stitch.AudioSegment, "converter", str(wrapper))
    yield log_path
    ffmpeg.configure_ffmpeg(None)


# Real servers for the scaled mode (tests/servers.py), one fixture per server.
from tests.servers import redis_server, redis_url  # noqa: E402, F401
