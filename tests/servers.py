"""Real servers for the scaled-mode tests, started on loopback in a temporary directory.

Each server has its own fixture function (exposed through tests/conftest.py). A fixture whose
server binary is missing skips, except when the CI variable is set: then it fails.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

PG_BIN_DIRS = ("/usr/lib/postgresql/17/bin", "/usr/lib/postgresql/16/bin",
               "/usr/lib/postgresql/15/bin")


def _missing(what: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{what} is missing: .ci/run installs it")
    pytest.skip(f"{what} is not installed")


def free_port() -> int:
    """Return a TCP port free on the loopback interface now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class PostgresServer:
    """A running PostgreSQL cluster: superuser `bantin`, no password, loopback only."""

    port: int
    directory: Path

    def url(self, database: str = "postgres") -> str:
        """Return the SQLAlchemy URL of one database of the cluster."""
        return f"postgresql+psycopg://bantin@127.0.0.1:{self.port}/{database}"

    def create_database(self) -> str:
        """Create an empty database and return its URL."""
        import psycopg

        name = "t_" + uuid.uuid4().hex[:12]
        with psycopg.connect(self._dsn("postgres"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop_database(self, url: str) -> None:
        """Drop a database made by create_database, ending its open connections."""
        import psycopg

        name = url.rsplit("/", 1)[1]
        with psycopg.connect(self._dsn("postgres"), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def _dsn(self, database: str) -> str:
        return f"host=127.0.0.1 port={self.port} user=bantin dbname={database}"


def _pg_bin() -> Path | None:
    for directory in PG_BIN_DIRS:
        if Path(directory, "initdb").exists():
            return Path(directory)
    return None


def postgres_server() -> Iterator[PostgresServer]:
    """Start a throw-away PostgreSQL cluster for the test session and stop it after.

    PostgreSQL refuses to run as root: when the tests run as root, the cluster's directory is
    given to the unprivileged user `nobody` and initdb, pg_ctl and the server run as it.
    """
    bindir = _pg_bin()
    if bindir is None:
        _missing("PostgreSQL (Debian package postgresql)")
        return
    root = Path(tempfile.mkdtemp(prefix="bantin-pg-"))
    data = root / "data"
    user = "nobody" if os.geteuid() == 0 else None
    if user:
        shutil.chown(root, user)
        root.chmod(0o700)
    port = free_port()

    def run(*args: str) -> None:
        subprocess.run([str(bindir / args[0]), *args[1:]], check=True, user=user,
                       cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                       env={"PATH": "/usr/bin:/bin", "LC_ALL": "C.UTF-8"})

    run("initdb", "-D", str(data), "-U", "bantin", "-A", "trust", "-E", "UTF8",
        "--locale=C.UTF-8")
    options = (f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c max_connections=300 "
               "-c fsync=off -c synchronous_commit=off -c full_page_writes=off")
    run("pg_ctl", "-D", str(data), "-o", options, "-l", str(root / "log"), "-w", "-t", "60",
        "start")
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield PostgresServer(port=port, directory=root)
    finally:
        run("pg_ctl", "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(root, ignore_errors=True)
