"""A fake district portal (SharePoint PublishingPortal style) for tests and benchmarks.

It serves a "Tin tức - Sự kiện" listing page, article pages, an RSS feed, a news sitemap and
robots.txt from articles held in memory, and lets a test publish, edit and delete articles
and make the portal misbehave (down, 429, 5xx, a redirect to another host, a huge or malformed
feed) while the watcher runs. It answers conditional requests (ETag / Last-Modified) as a
real portal would, and records every request it got.

Run it on its own loopback address (127.0.0.2) so the embed tests have a second origin.
"""

from __future__ import annotations

import hashlib
import html
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from werkzeug.wrappers import Request, Response

SITE = "Cổng thông tin điện tử huyện Yên Hòa"
LISTING = "/Pages/tin-tuc-su-kien.aspx"


@dataclass
class PortalArticle:
    """An article as the portal holds it."""

    id: int
    title: str
    lead: str
    paragraphs: list[str]
    author: str = "Minh Hà"
    published: float = field(default_factory=time.time)
    modified: float = field(default_factory=time.time)

    @property
    def path(self) -> str:
        """Return the article's address on the portal (PublishingPortal's shape)."""
        return f"/Pages/tin-tuc-su-kien/bai-viet-{self.id}.aspx"


@dataclass
class RequestRecord:
    """One request the portal got."""

    path: str
    query: str
    headers: dict[str, str]
    at: float
    status: int = 0


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib's name
        pass


class FakePortal:
    """The portal; use as a context manager (`with FakePortal() as portal:`)."""

    def __init__(self, host: str = "127.0.0.2", port: int = 0) -> None:
        self.host = host
        self.articles: dict[int, PortalArticle] = {}
        self.requests: list[RequestRecord] = []
        self.lock = threading.Lock()
        self.next_id = 100
        # Misbehaviour switches.
        self.status: int | None = None  # answer every request with this status
        self.status_paths: dict[str, int] = {}  # ...or only these paths
        self.retry_after: str | None = None
        self.redirect_to: str | None = None  # redirect the feed to another host
        self.feed_override: bytes | None = None
        self.sitemap_override: bytes | None = None
        self.listing_override: str | None = None
        self.robots = "User-agent: *\nDisallow: /_layouts/\n"
        self.embed_script: str | None = None  # an embed <script> line for article pages
        self.embed_attrs = ""  # attributes of the <div data-bantin> placeholder
        self.embed_frame: str | None = None  # an <iframe> embed for article pages
        self.delay_s = 0.0
        self.in_flight = 0
        self.max_in_flight = 0
        self._server = make_server(host, port, self._app, server_class=_ThreadingServer,
                                   handler_class=_QuietHandler)
        self.port = self._server.server_port
        self.url = f"http://{host}:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> FakePortal:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    # -- the test's controls --------------------------------------------------------------

    def publish(self, title: str, lead: str, paragraphs: list[str], *,
                at: float | None = None) -> PortalArticle:
        """Publish an article; return it (its address is portal.url + article.path)."""
        with self.lock:
            self.next_id += 1
            now = time.time() if at is None else at
            art = PortalArticle(self.next_id, title, lead, list(paragraphs), published=now,
                                modified=now)
            self.articles[art.id] = art
            return art

    def edit(self, article_id: int, **changes: Any) -> PortalArticle:
        """Change an article's fields (title, lead, paragraphs)."""
        with self.lock:
            art = self.articles[article_id]
            for key, value in changes.items():
                setattr(art, key, value)
            art.modified = max(time.time(), art.modified + 1)
            return art

    def delete(self, article_id: int) -> None:
        """Take an article off the portal (its page answers 404)."""
        with self.lock:
            del self.articles[article_id]

    def article_url(self, art: PortalArticle) -> str:
        """Return an article's full address."""
        return self.url + art.path

    def hits(self, path: str) -> list[RequestRecord]:
        """Return the requests for one path."""
        return [r for r in self.requests if r.path == path]

    # -- the portal -----------------------------------------------------------------------

    def _app(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        record = RequestRecord(request.path, request.query_string.decode(),
                               dict(request.headers), time.time())
        with self.lock:
            self.requests.append(record)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.delay_s:
                time.sleep(self.delay_s)
            response = self._answer(request)
        finally:
            with self.lock:
                self.in_flight -= 1
        record.status = response.status_code
        return response(environ, start_response)

    def _answer(self, request: Request) -> Response:
        status = self.status_paths.get(request.path, self.status)
        if status is not None:
            resp = Response("Lỗi máy chủ", status=status, mimetype="text/plain")
            if self.retry_after:
                resp.headers["Retry-After"] = self.retry_after
            return resp
        path = request.path
        if path == "/robots.txt":
            return Response(self.robots, mimetype="text/plain")
        if path == "/rss.xml":
            if self.redirect_to:
                return Response("", status=302, headers={"Location": self.redirect_to})
            return self._conditional(request, self.feed_override or self._rss(),
                                     "application/rss+xml; charset=utf-8")
        if path == "/sitemap.xml":
            return self._conditional(request, self.sitemap_override or self._sitemap(),
                                     "application/xml; charset=utf-8")
        if path.lower() == LISTING.lower():
            body = self.listing_override if self.listing_override is not None else \
                self._listing()
            return Response(body, mimetype="text/html")
        with self.lock:
            art = next((a for a in self.articles.values()
                        if a.path.lower() == path.lower()), None)
        if art is None:
            return Response(self._page("Không tìm thấy trang", "<p>Trang không tồn tại.</p>"),
                            status=404, mimetype="text/html")
        return self._conditional(request, self._article_page(art).encode("utf-8"),
                                 "text/html; charset=utf-8", modified=art.modified)

    def _conditional(self, request: Request, body: bytes, ctype: str,
                     modified: float | None = None) -> Response:
        etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
        if request.headers.get("If-None-Match") == etag:
            return Response(status=304, headers={"ETag": etag})
        resp = Response(body, content_type=ctype)
        resp.headers["ETag"] = etag
        if modified is not None:
            resp.headers["Last-Modified"] = format_datetime(
                datetime.fromtimestamp(int(modified), UTC), usegmt=True)
        return resp

    def _newest(self) -> list[PortalArticle]:
        with self.lock:
            return sorted(self.articles.values(), key=lambda a: (a.published, a.id),
                          reverse=True)

    def _rss(self) -> bytes:
        items = "".join(
            f"<item><title>{html.escape(a.title)}</title>"
            f"<link>{self.url}{a.path}?utm_source=rss&amp;zarsrc=10</link>"
            f"<guid isPermaLink=\"false\">tin-{a.id}</guid>"
            f"<description>{html.escape(a.lead)}</description>"
            f"<pubDate>{format_datetime(datetime.fromtimestamp(a.published, UTC))}</pubDate>"
            "</item>" for a in self._newest())
        return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
                f"<title>{SITE}</title><link>{self.url}/</link>"
                f"<description>Tin tức - Sự kiện</description>{items}</channel></rss>"
                ).encode()

    def _sitemap(self) -> bytes:
        urls = "".join(
            f"<url><loc>{self.url}{a.path.replace('/Pages/', '/pages/')}</loc>"
            f"<lastmod>{datetime.fromtimestamp(a.modified, UTC).isoformat()}</lastmod>"
            "<news:news><news:publication><news:name>Yên Hòa</news:name>"
            "<news:language>vi</news:language></news:publication>"
            f"<news:publication_date>{datetime.fromtimestamp(a.published, UTC).isoformat()}"
            f"</news:publication_date><news:title>{html.escape(a.title)}</news:title>"
            "</news:news></url>" for a in self._newest())
        return ('<?xml version="1.0" encoding="UTF-8"?>'
                '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
                'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
                f"{urls}</urlset>").encode()

    def _listing(self) -> str:
        rows = "".join(
            f'<div class="tin-item"><a class="tin-tieude" href="{a.path}?Source=%2FPages">'
            f"{html.escape(a.title)}</a><span class=\"tin-ngay\">"
            f"({datetime.fromtimestamp(a.published, UTC):%d/%m/%Y})</span>"
            f"<p>{html.escape(a.lead)}</p></div>" for a in self._newest())
        return self._page("Tin tức - Sự kiện",
                          f'<div class="bantin-danhsach">{rows}</div>'
                          '<div class="phantrang"><a href="?Paged=TRUE&amp;p=2">Trang sau</a>'
                          "</div>")

    def _article_page(self, art: PortalArticle) -> str:
        paragraphs = "".join(f'<p style="text-align: justify;">{html.escape(p)}</p>'
                             for p in art.paragraphs)
        stamp = datetime.fromtimestamp(art.published, UTC)
        embed = ""
        if self.embed_script is not None:
            embed = f"<div data-bantin{self.embed_attrs}></div>"
        frame = self.embed_frame or ""
        body = (f'<div class="bantin-toolbar"><span class="bantin-ngay">{stamp:%d/%m/%Y %H:%M}'
                "</span></div>"
                f'<div class="bantin-chitiet"><h1 class="bantin-tieude">'
                f"{html.escape(art.title)}</h1>{embed}{frame}"
                f'<div class="bantin-sapo"><strong>{html.escape(art.lead)}</strong></div>'
                f'<div class="bantin-noidung" id="noidung_{art.id}">{paragraphs}</div>'
                f'<p style="text-align: right;"><strong>{html.escape(art.author)}</strong></p>'
                "</div>")
        head = f'<link rel="canonical" href="{self.url}{art.path}">'
        return self._page(art.title, body, head=head)

    def _page(self, title: str, body: str, head: str = "") -> str:
        script = self.embed_script or ""
        return f"""<!DOCTYPE html>
<html dir="ltr" lang="vi-VN"><head><meta charset="utf-8">
<meta name="GENERATOR" content="Microsoft SharePoint">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)} - {SITE}</title>{head}
<style>body {{ font-family: Arial, sans-serif; margin: 0 1rem; line-height: 1.5; }}
p {{ color: #222; }} button {{ background: #f0f; color: #000; padding: 12px; }}
section, div {{ letter-spacing: 0.3em; }}</style>
{script}
</head><body><form method="post" action="./chi-tiet.aspx" id="aspnetForm">
<div id="s4-workspace"><header class="pp-header"><p class="pp-banner">{SITE}</p>
<nav aria-label="Chuyên mục"><ul class="root static"><li><a href="/">Trang chủ</a></li>
<li><a href="{LISTING}">Tin tức - Sự kiện</a></li></ul></nav>
<button type="button" class="pp-tim-kiem">Tìm kiếm</button></header>
<main class="pp-main"><div class="pp-center">{body}</div></main>
<footer class="pp-footer"><p>Cơ quan chủ quản: Ủy ban nhân dân huyện Yên Hòa</p></footer>
</div></form></body></html>"""


def sample_article(n: int) -> dict[str, Any]:
    """Return the fields of a realistic district news article, numbered for variety."""
    return {
        "title": f"Xã Yên Phú số {n} hoàn thành tiêm chủng mở rộng đợt một năm 2026",
        "lead": (f"Sáng 12/3, Trạm Y tế xã Yên Phú tổ chức tiêm chủng cho {100 + n} trẻ em "
                 "dưới 5 tuổi, bảo đảm an toàn và đúng lịch."),
        "paragraphs": [
            "Buổi tiêm chủng được chuẩn bị chu đáo, có đủ vắc xin và cán bộ y tế trực.",
            f"Toàn xã hiện có {300 + n} trẻ trong độ tuổi tiêm chủng, đạt tỷ lệ 98 phần trăm.",
            "Trạm Y tế đề nghị phụ huynh đưa trẻ đi tiêm đúng hẹn và theo dõi sau tiêm.",
        ],
    }
