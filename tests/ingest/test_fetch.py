"""The safe fetcher against a local HTTP server (and a fake resolver for public names)."""

from __future__ import annotations

import socket
import time
from typing import Any

import pytest
import responses

from bantin_audio.config import Settings
from bantin_audio.errors import FetchError, InputError
from bantin_audio.ingest import fetch_url, load_article
from bantin_audio.ingest.fetch import USER_AGENT
from tests.ingest.conftest import (
    FIXTURES,
    LocalServer,
    expected_for,
    redirect_to,
    send_body,
    slow,
)


@pytest.fixture
def local_ok(settings: Settings) -> Settings:
    """Settings that allow fetching from the loopback test server."""
    return settings.replace(allow_private_fetch=True, fetch_connect_timeout=2.0,
                            fetch_read_timeout=2.0)


def test_fetch_article_and_extract(local_server: LocalServer, local_ok: Settings) -> None:
    body = (FIXTURES / "portal_page.html").read_bytes()
    url = local_server.add("/tin/771", send_body(body))
    article = load_article(url, local_ok)
    expected = expected_for(FIXTURES / "portal_page.html")
    expected["source_url"] = url
    assert article.to_dict() == expected


def test_loopback_is_refused_without_permission(local_server: LocalServer,
                                                settings: Settings) -> None:
    url = local_server.add("/tin/1", send_body(b"<p>noi bo</p>"))
    with pytest.raises(FetchError, match="nội bộ"):
        fetch_url(url, settings)
    with pytest.raises(FetchError):
        fetch_url(url.replace("127.0.0.1", "localhost"), settings)


@pytest.mark.parametrize("url", ["http://10.0.0.5/tin", "http://169.254.169.254/latest/",
                                 "http://[::1]/", "http://192.168.1.1/", "http://0.0.0.0/",
                                 "http://[::ffff:127.0.0.1]/"])
def test_private_and_reserved_addresses_are_refused(url: str, settings: Settings) -> None:
    with pytest.raises(FetchError):
        fetch_url(url, settings)


@pytest.mark.parametrize("url", ["ftp://example.vn/a", "file:///etc/passwd", "javascript:1",
                                 "http://", "http://exa mple.vn:99999/"])
def test_non_http_urls_are_input_errors(url: str, settings: Settings) -> None:
    with pytest.raises(InputError):
        fetch_url(url, settings)


def test_five_redirects_are_followed(local_server: LocalServer, local_ok: Settings) -> None:
    final = local_server.add("/r/0", send_body("<p>Trang đích</p>".encode()))
    for i in range(1, 6):
        local_server.add(f"/r/{i}", redirect_to(f"/r/{i - 1}"))
    page = fetch_url(local_server.base + "/r/5", local_ok)
    assert page.url == final
    assert "Trang đích" in page.text


def test_six_redirects_are_refused(local_server: LocalServer, local_ok: Settings) -> None:
    local_server.add("/r/0", send_body(b"<p>x</p>"))
    for i in range(1, 7):
        local_server.add(f"/r/{i}", redirect_to(f"/r/{i - 1}"))
    with pytest.raises(FetchError, match="chuyển hướng"):
        fetch_url(local_server.base + "/r/6", local_ok)


@pytest.mark.parametrize("declare_length", [True, False])
def test_oversize_body_is_refused(local_server: LocalServer, local_ok: Settings,
                                  declare_length: bool) -> None:
    url = local_server.add("/big", send_body(b"<p>" + b"a" * 200_000 + b"</p>",
                                             length=declare_length))
    with pytest.raises(FetchError, match="giới hạn"):
        fetch_url(url, local_ok.replace(fetch_max_bytes=50_000))


def test_body_at_the_cap_is_accepted(local_server: LocalServer, local_ok: Settings) -> None:
    url = local_server.add("/cap", send_body(b"<p>" + b"a" * 1000 + b"</p>"))
    assert len(fetch_url(url, local_ok.replace(fetch_max_bytes=1007)).content) == 1007


def test_slow_server_times_out(local_server: LocalServer, local_ok: Settings) -> None:
    url = local_server.add("/slow", slow(1.5))
    with pytest.raises(FetchError, match="thời gian"):
        fetch_url(url, local_ok.replace(fetch_read_timeout=0.3))


def test_http_error_status_is_a_fetch_error(local_server: LocalServer,
                                            local_ok: Settings) -> None:
    url = local_server.add("/gone", send_body(b"gone", status=410))
    with pytest.raises(FetchError, match="410"):
        fetch_url(url, local_ok)


def test_connection_refused_is_a_fetch_error(local_ok: Settings) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(FetchError):
        fetch_url(f"http://127.0.0.1:{port}/", local_ok)


def test_charset_from_header(local_server: LocalServer, local_ok: Settings) -> None:
    body = (FIXTURES / "meta_author_dump.cp1258.txt").read_bytes()
    url = local_server.add("/cp1258", send_body(body, "text/plain; charset=windows-1258"))
    page = fetch_url(url, local_ok)
    assert page.encoding == "cp1258"
    assert page.text.startswith("Hội đồng nhân dân huyện giám sát")


def test_charset_from_meta(local_server: LocalServer, local_ok: Settings) -> None:
    body = (FIXTURES / "portal_page.cp1258.html").read_bytes()
    url = local_server.add("/meta", send_body(body, "text/html"))
    article = load_article(url, local_ok)
    assert article.title == "Yên Hòa ra quân làm đường giao thông nông thôn năm 2024"


def test_charset_detected_without_declaration(local_server: LocalServer,
                                              local_ok: Settings) -> None:
    body = (FIXTURES / "meta_author_dump.cp1258.txt").read_bytes()
    url = local_server.add("/guess", send_body(body, "text/plain"))
    article = load_article(url, local_ok)
    assert article.to_dict() | {"source_url": None} == expected_for(
        FIXTURES / "meta_author_dump.txt")


def test_honest_user_agent(local_server: LocalServer, local_ok: Settings) -> None:
    seen: list[str] = []

    def route(h) -> None:
        seen.append(h.headers.get("User-Agent", ""))
        send_body(b"<p>ok</p>")(h)

    fetch_url(local_server.add("/ua", route), local_ok)
    assert seen == [USER_AGENT]
    assert USER_AGENT.startswith("bantin-audio/")


@pytest.fixture
def public_name(monkeypatch: pytest.MonkeyPatch) -> str:
    """Resolve portal.example.vn to a public address; requests are answered by `responses`."""
    real = socket.getaddrinfo

    def fake(host, port, *args, **kwargs):
        if host == "portal.example.vn":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    return "portal.example.vn"


@pytest.mark.parametrize("target", ["http://127.0.0.1:8080/admin",
                                    "http://169.254.169.254/latest/meta-data/",
                                    "http://10.1.2.3/noi-bo"])
def test_redirect_to_private_address_is_refused(public_name: str, settings: Settings,
                                                target: str) -> None:
    with responses.RequestsMock() as mock:
        mock.add(responses.GET, f"http://{public_name}/tin/1", status=302,
                 headers={"Location": target})
        with pytest.raises(FetchError, match="nội bộ"):
            fetch_url(f"http://{public_name}/tin/1", settings)
        assert len(mock.calls) == 1  # the private hop was never requested


def test_public_page_is_fetched(public_name: str, settings: Settings) -> None:
    html = (FIXTURES / "other_cms.html").read_bytes()
    with responses.RequestsMock() as mock:
        mock.add(responses.GET, f"https://{public_name}/a/1", body=html,
                 content_type="text/html; charset=utf-8")
        article = load_article(f"https://{public_name}/a/1", settings)
    assert article.source_url == f"https://{public_name}/a/1"
    assert article.author == "Hồng Nhung"


def test_dns_rebinding_to_loopback_is_refused(local_server: LocalServer, settings: Settings,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    local_server.add("/x", send_body(b"<p>bi mat</p>"))
    port = local_server.httpd.server_address[1]
    real = socket.getaddrinfo
    answers = iter(["93.184.216.34"])  # the first answer is public, later ones are loopback

    def rebinding(host, p, *args, **kwargs):
        if host == "rebind.example.vn":
            addr = next(answers, "127.0.0.1")
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (addr, p))]
        return real(host, p, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    with pytest.raises(FetchError, match="nội bộ"):
        fetch_url(f"http://rebind.example.vn:{port}/x", settings)


def _drip(headers_too: bool) -> Any:
    """A route that sends one byte every 50 ms for up to 20 s (each read well inside 1 s)."""

    def route(h: Any) -> None:
        h.wfile.write(b"HTTP/1.1 200 OK\r\n")
        head = b"Content-Type: text/html\r\nX-Pad: " + b"a" * 400 + b"\r\n\r\n"
        body = b"<p>" + b"x" * 400 + b"</p>"
        if not headers_too:
            h.wfile.write(head)
        try:
            for byte in (head if headers_too else b"") + body:
                h.wfile.write(bytes([byte]))
                h.wfile.flush()
                time.sleep(0.05)
        except OSError:
            h.close_connection = True  # the client hung up at its deadline

    return route


@pytest.mark.parametrize("headers_too", [False, True], ids=["body", "headers"])
def test_drip_fed_page_ends_at_the_total_deadline(local_server: LocalServer, local_ok: Settings,
                                                  headers_too: bool) -> None:
    url = local_server.add("/drip", _drip(headers_too))
    started = time.monotonic()
    with pytest.raises(FetchError, match="quá 1 giây"):
        fetch_url(url, local_ok.replace(fetch_read_timeout=1.0, fetch_total_timeout=1.0))
    # Each byte came within the read timeout; only the total deadline can have ended it
    # (the whole page would take more than 20 s).
    assert time.monotonic() - started < 10


def test_total_deadline_spans_redirect_hops(local_server: LocalServer,
                                            local_ok: Settings) -> None:
    def slow_redirect(h: Any) -> None:
        time.sleep(0.4)
        redirect_to("/hop")(h)

    local_server.add("/hop", slow_redirect)
    with pytest.raises(FetchError, match="Hết thời gian"):
        fetch_url(local_server.base + "/hop",
                  local_ok.replace(fetch_read_timeout=1.0, fetch_total_timeout=1.0))


@pytest.fixture
def named_ok(settings: Settings) -> Settings:
    """Settings that allow only the host named 127.0.0.1 at a private address."""
    return settings.replace(private_fetch_hosts="127.0.0.1", fetch_connect_timeout=2.0,
                            fetch_read_timeout=2.0)


def test_private_fetch_is_allowed_per_named_host(local_server: LocalServer,
                                                 named_ok: Settings) -> None:
    url = local_server.add("/tin/2", send_body("<p>Cổng nội bộ</p>".encode()))
    assert "Cổng nội bộ" in fetch_url(url, named_ok).text
    with pytest.raises(FetchError, match="BANTIN_PRIVATE_FETCH_HOSTS"):
        fetch_url(url.replace("127.0.0.1", "localhost"), named_ok)


@pytest.mark.parametrize("target", ["http://localhost:{port}/tin/2", "http://10.1.2.3/noi-bo",
                                    "http://169.254.169.254/latest/meta-data/",
                                    "http://[::1]:{port}/tin/2"])
def test_allowed_host_cannot_redirect_to_another_private_address(
        local_server: LocalServer, named_ok: Settings, target: str) -> None:
    port = local_server.httpd.server_address[1]
    local_server.add("/tin/2", send_body(b"<p>bi mat</p>"))
    url = local_server.add("/chuyen", redirect_to(target.format(port=port)))
    with pytest.raises(FetchError, match="nội bộ"):
        fetch_url(url, named_ok)


def test_deprecated_switch_still_allows_every_private_hop(local_server: LocalServer,
                                                          settings: Settings) -> None:
    port = local_server.httpd.server_address[1]
    local_server.add("/tin/2", send_body(b"<p>noi bo</p>"))
    url = local_server.add("/chuyen", redirect_to(f"http://localhost:{port}/tin/2"))
    page = fetch_url(url, settings.replace(allow_private_fetch=True))
    assert page.url.startswith("http://localhost:")


def test_private_hosts_setting_is_read_from_the_environment() -> None:
    settings = Settings.from_env({"BANTIN_PRIVATE_FETCH_HOSTS": " Portal.Huyen.LAN., 10.0.0.7 "})
    assert settings.private_hosts == frozenset({"portal.huyen.lan", "10.0.0.7"})
