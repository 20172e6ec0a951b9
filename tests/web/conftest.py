"""Fixtures for the web service: a real store on a temp dir, the real pipeline, fake Google."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from bantin_audio.config import Settings
from bantin_audio.jobs import Worker
from bantin_audio.services import Services, build_services
from bantin_audio.web import create_app
from tests.fakes import FakeGoogle

ARTICLE = """Huyện Bạch Thông hoàn thành 37 chỉ tiêu

Sau 2 năm, huyện đã đạt nhiều kết quả tích cực.

Toàn huyện có 23 sản phẩm OCOP được xếp hạng.

Thu nhập bình quân đầu người đạt 32 triệu đồng.
"""


@pytest.fixture
def web_settings(settings: Settings) -> Settings:
    """Settings with Google only, so a fake-Google failure is visible."""
    return settings.replace(engine="gtts", retries=1)


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
def submit(client: FlaskClient, auth: dict[str, str]) -> Callable[..., dict[str, Any]]:
    """Submit an article through the API and return the 202 body."""

    def do(text: str = ARTICLE, **payload: Any) -> dict[str, Any]:
        body = payload or {"text": text}
        resp = client.post("/api/articles", json=body, headers=auth)
        assert resp.status_code == 202, resp.get_json()
        return resp.get_json()  # type: ignore[no-any-return]

    return do
