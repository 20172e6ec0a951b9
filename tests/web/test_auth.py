"""Wrong tokens are throttled per client and overall; sessions are revocable; Secure on HTTPS."""

from __future__ import annotations

import time
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from bantin_audio.config import Settings
from bantin_audio.services import Services
from bantin_audio.web import create_app
from bantin_audio.web.auth import AuthThrottle
from tests.web.test_admin import _csrf, _sign_in

ERROR_KEYS = {"error", "message", "hint", "status"}


def _delete(client: FlaskClient, token: str, addr: str = "203.0.113.7") -> Any:
    return client.delete("/api/articles/1", headers={"Authorization": f"Bearer {token}"},
                         environ_base={"REMOTE_ADDR": addr})


def test_wrong_tokens_are_throttled_per_client(client: FlaskClient, token: str) -> None:
    codes = [_delete(client, f"doan-{n}").status_code for n in range(14)]
    assert codes[:10] == [401] * 10 and codes[10:] == [429] * 4
    blocked = _delete(client, token)  # even the right token: the guessing client waits
    assert blocked.status_code == 429 and set(blocked.get_json()) == ERROR_KEYS
    assert blocked.get_json()["error"] == "qua_nhieu_lan_sai_ma"
    assert 0 < int(blocked.headers["Retry-After"]) <= 60
    assert _delete(client, token, addr="198.51.100.9").status_code == 404  # another client
    # The sign-in form counts against the same client.
    form = client.post("/quan-tri/dang-nhap", data={"token": token, "csrf_token": _csrf(client)},
                       environ_base={"REMOTE_ADDR": "203.0.113.7"})
    assert form.status_code == 429 and "quá nhiều lần" in form.get_data(as_text=True)


def test_wrong_tokens_are_throttled_overall(app: Flask, client: FlaskClient, token: str) -> None:
    app.extensions["bantin_auth_throttle"] = AuthThrottle(per_client=100, overall=5)
    for n in range(5):
        assert _delete(client, "sai", addr=f"192.0.2.{n}").status_code == 401
    resp = _delete(client, "sai", addr="192.0.2.200")  # a fresh client, past the global limit
    assert resp.status_code == 429 and set(resp.get_json()) == ERROR_KEYS


def test_the_window_slides(app: Flask, client: FlaskClient, token: str) -> None:
    app.extensions["bantin_auth_throttle"] = AuthThrottle(per_client=2, window_s=0.3)
    assert [_delete(client, "sai").status_code for _ in range(3)] == [401, 401, 429]
    time.sleep(0.35)
    assert _delete(client, token).status_code == 404


def test_throttle_forgets_the_oldest_clients_first() -> None:
    throttle = AuthThrottle(per_client=1, max_clients=3)
    for n in range(5):
        throttle.failed(f"c{n}")
    assert len(throttle._clients) == 3 and "c0" not in throttle._clients


def test_a_copied_cookie_stops_working_after_sign_out(app: Flask, token: str) -> None:
    browser = app.test_client()
    _sign_in(browser, token)
    copy = app.test_client()
    copy.set_cookie("bantin_phien", browser.get_cookie("bantin_phien").value)
    assert copy.get("/quan-tri/tu-dien").status_code == 200
    browser.post("/quan-tri/dang-xuat", data={"csrf_token": _csrf(browser)})
    assert browser.get("/quan-tri/tu-dien").status_code == 401
    assert copy.get("/quan-tri/tu-dien").status_code == 401  # revoked server-side


def test_changing_the_admin_token_ends_every_session(web_settings: Settings,
                                                     services: Services) -> None:
    first = create_app(web_settings.replace(api_token="ma-cu-rat-dai-1234"), services)
    browser = first.test_client()
    _sign_in(browser, "ma-cu-rat-dai-1234")
    cookie = browser.get_cookie("bantin_phien").value
    assert browser.get("/quan-tri/tu-dien").status_code == 200
    second = create_app(web_settings.replace(api_token="ma-moi-rat-dai-5678"), services)
    copy = second.test_client()
    copy.set_cookie("bantin_phien", cookie)
    assert copy.get("/quan-tri/tu-dien").status_code == 401


def _cookie_flags(app: Flask, token: str, **headers: str) -> str:
    client = app.test_client()
    resp = client.post("/quan-tri/dang-nhap", headers=headers, data={
        "token": token, "csrf_token": _csrf(client)})
    assert resp.status_code == 303
    return ";".join(resp.headers.getlist("Set-Cookie")).lower()


def test_cookie_is_secure_behind_a_trusted_tls_proxy(web_settings: Settings,
                                                     services: Services) -> None:
    proxied = create_app(web_settings.replace(trusted_proxies=1, api_token="ma-quan-tri-9"),
                         services)
    assert "secure" in _cookie_flags(proxied, "ma-quan-tri-9", **{"X-Forwarded-Proto": "https"})
    assert "secure" not in _cookie_flags(proxied, "ma-quan-tri-9")
    direct = create_app(web_settings.replace(api_token="ma-quan-tri-9"), services)
    # Without a trusted proxy the header is anyone's to send: it does not count.
    assert "secure" not in _cookie_flags(direct, "ma-quan-tri-9", **{"X-Forwarded-Proto": "https"})
    flags = _cookie_flags(direct, "ma-quan-tri-9")
    assert "httponly" in flags and "samesite=strict" in flags
