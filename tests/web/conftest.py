"""Fixtures for the web service: a real store on a temp dir, the real pipeline, fake Google."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from bantin_audio.config import Settings
from bantin_audio.jobs import Worker
from bantin_audio.services import Services, build_services
from bantin_audio.web import create_app
from tests.fakes import FakeGoogle
from tests.ingest.conftest import LocalServer, send_body

ARTICLE = """Huyện Bạch Thông hoàn thành 37 chỉ tiêu

Sau 2 năm, huyện đã đạt nhiều kết quả tích cực.

Toàn huyện có 23 sản phẩm OCOP được xếp hạng.

Thu nhập bình quân đầu người đạt 32 triệu đồng.
"""


@pytest.fixture
def web_settings(settings: Settings) -> Settings:
    """Settings with Google only, so a fake-Google failure is visible."""
    # The loopback test pages are allowed by name; every other private address stays refused.
    return settings.replace(engine="gtts", retries=1, private_fetch_hosts="127.0.0.1")


@pytest.fixture
def services(fake_google: FakeGoogle, web_settings: Settings) -> Services:
    """The real services (pipeline, cache) against the fake Google."""
    svc = build_services(web_settings)
    yield svc
    svc.pipeline.close()


@pytest.fixture
def app(web_settings: Settings, services: Services) -> Flask:
    """The web app on a fresh data dir."""
    application = create_app(web_settings, services)
    application.config["TESTING"] = True
    return application


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client of the app."""
    return app.test_client()


@pytest.fixture
def token(app: Flask) -> str:
    """The admin token."""
    return str(app.extensions["bantin"].admin_token)


@pytest.fixture
def auth(token: str) -> dict[str, str]:
    """The bearer header for API writes."""
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def worker(app: Flask, services: Services, web_settings: Settings) -> Worker:
    """A worker on the app's store, run synchronously by the tests."""
    st = app.extensions["bantin"]
    return Worker(st.store, services.pipeline, web_settings, wake=st.wake)


@pytest.fixture
def post_article(client: FlaskClient, auth: dict[str, str]) -> Callable[..., dict[str, Any]]:
    """Submit an article through the API and return the 202 body (nothing fetched yet)."""

    def do(text: str = ARTICLE, **payload: Any) -> dict[str, Any]:
        body = payload or {"text": text}
        resp = client.post("/api/articles", json=body, headers=auth)
        assert resp.status_code == 202, resp.get_json()
        assert resp.headers["Location"] == resp.get_json()["job"]["url"]
        return resp.get_json()  # type: ignore[no-any-return]

    return do


@pytest.fixture
def submit(client: FlaskClient, post_article: Callable[..., dict[str, Any]],
           worker: Worker) -> Callable[..., dict[str, Any]]:
    """Submit an article, let the worker fetch, clean and read it; return its job and article."""

    def do(text: str = ARTICLE, **payload: Any) -> dict[str, Any]:
        queued = post_article(text, **payload)
        worker.run_until_idle()
        job = client.get(queued["job"]["url"]).get_json()
        assert job["article_id"] is not None, job
        article = client.get(job["article_url"]).get_json()
        return {"job": job, "article": article, "queued": queued}

    return do


@pytest.fixture
def local_page() -> Iterator[Callable[[str, bytes], str]]:
    """Serve pages from a local HTTP server on 127.0.0.1; return a function adding one."""
    server = LocalServer()
    server.thread.start()

    def add(path: str, body: bytes) -> str:
        return server.add(path, send_body(body))

    try:
        yield add
    finally:
        server.httpd.shutdown()
        server.httpd.server_close()
