"""Bodies over a route's limit are refused before they are read; who asks is checked first."""

from __future__ import annotations

import io

from flask import Flask
from flask.testing import FlaskClient

ERROR_KEYS = {"error", "message", "hint", "status"}


class CountingStream:
    """A request body of `size` bytes that records how much of it the app read."""

    def __init__(self, size: int) -> None:
        head = b'--x\r\nContent-Disposition: form-data; name="nhac"; filename="a.mp3"\r\n\r\n'
        self.data = io.BytesIO(head + b"a" * (size - len(head)))
        self.read_bytes = 0

    def read(self, n: int = -1) -> bytes:
        chunk = self.data.read(n)
        self.read_bytes += len(chunk)
        return chunk

    def readline(self, limit: int = -1) -> bytes:
        line = self.data.readline(limit)
        self.read_bytes += len(line)
        return line


def _post(client: FlaskClient, url: str, size: int, **headers: str) -> tuple[int, int]:
    body = CountingStream(size)
    resp = client.post(url, headers=headers, environ_overrides={
        "wsgi.input": body, "CONTENT_LENGTH": str(size),
        "CONTENT_TYPE": "multipart/form-data; boundary=x"})
    return resp.status_code, body.read_bytes


def test_anonymous_chime_upload_is_refused_unread(client: FlaskClient) -> None:
    status, read = _post(client, "/quan-tri/ban-tin/1/nhac", 15 * 1024 * 1024)
    assert status == 401 and read == 0


def test_anonymous_admin_form_is_refused_unread(client: FlaskClient) -> None:
    status, read = _post(client, "/quan-tri/them", 1024 * 1024)
    assert status == 401 and read == 0


def test_oversize_bodies_are_refused_by_their_declared_length(
        client: FlaskClient, token: str, app: Flask) -> None:
    client.post("/quan-tri/dang-nhap", data={"token": token})
    # Signed in: a chime may be 20 MB, every other form 2 MB; nothing over is read.
    assert _post(client, "/quan-tri/ban-tin/1/nhac", 25 * 1024 * 1024) == (413, 0)
    assert _post(client, "/quan-tri/them", 3 * 1024 * 1024) == (413, 0)
    status, read = _post(client, "/api/articles", 3 * 1024 * 1024,
                         Authorization=f"Bearer {token}")
    assert (status, read) == (413, 0)
    resp = client.get("/", data=b"a" * 100_000)  # no body belongs on a GET
    assert resp.status_code == 413
    resp = client.post("/api/articles", data=b"a" * 3_000_000, content_type="application/json",
                       headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 413 and set(resp.get_json()) == ERROR_KEYS
