"""Reader pages, media, captions and the feed through Flask's test client."""

from __future__ import annotations

import gzip
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import feedparser
from flask import Flask
from flask.testing import FlaskClient

from bantin_audio.ingest import extract_article
from bantin_audio.jobs import Worker, build_segments, media_dir
from tests.web.conftest import ARTICLE

EVIL = ('<html><body><article><h1>Tin &lt;b&gt;đậm&lt;/b&gt; về xã</h1><p>&lt;script&gt;alert(1)'
        "&lt;/script&gt; Sau hai năm, huyện đã đạt nhiều kết quả tích cực trong xây dựng nông "
        "thôn mới của toàn tỉnh.</p><p>Đoạn hai có &lt;img src=x onerror=alert(1)&gt; và nhiều "
        "chữ để đủ dài cho một đoạn văn bình thường.</p></article></body></html>")


def _text(title: str) -> str:
    return (f"{title}\n\nSau hai năm, huyện đã đạt nhiều kết quả tích cực trong xây dựng nông "
            "thôn mới.\n\nToàn huyện có hai mươi ba sản phẩm được xếp hạng ba sao cấp tỉnh.\n")


def _done(submit: Callable[..., dict[str, Any]], worker: Worker, **kw: Any) -> dict[str, Any]:
    body = submit(**kw)
    worker.run_until_idle()
    return body


def _page(client: FlaskClient, body: dict[str, Any]) -> str:
    return client.get(f"/bai/{body['article']['slug']}").get_data(as_text=True)


def test_reader_page_structure_and_no_js_fallback(client: FlaskClient, submit: Any,
                                                  worker: Worker) -> None:
    body = _done(submit, worker)
    resp = client.get(f"/bai/{body['article']['slug']}")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and resp.mimetype == "text/html"
    assert '<html lang="vi">' in html
    assert html.count("<h1") == 1 and "Huyện Bạch Thông hoàn thành 37 chỉ tiêu</h1>" in html
    assert html.index('class="skip"') < html.index("<header")
    for landmark in ("<header", "<nav", "<main", "<footer"):
        assert landmark in html
    assert re.search(r'<audio id="am-thanh" controls preload="none" aria-label=', html)
    assert "autoplay" not in html
    assert re.search(r"Tải MP3 \(\d+,\d MB\)", html)
    facts = html.index("Thời lượng")
    assert facts < html.index("<audio") and "Giọng đọc: Google" in html
    assert html.index('type="audio/webm; codecs=opus"') < html.index('type="audio/mpeg"')
    assert "Nghe từ đoạn này" in html and "user-scalable" not in html
    assert re.search(r'data-start="\d+" data-end="\d+"', html)
    assert "<script>" not in html.split("</head>")[1]  # no inline script anywhere in the body


def test_article_text_is_always_escaped(client: FlaskClient, submit: Any,
                                        worker: Worker) -> None:
    body = _done(submit, worker, html=EVIL)
    assert body["article"]["title"] == "Tin <b>đậm</b> về xã"
    html = _page(client, body)
    assert "<script>alert" not in html and "<img src=x" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "&lt;b&gt;đậm" in html


def test_security_headers(client: FlaskClient) -> None:
    resp = client.get("/")
    csp = resp.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp and "style-src 'self'" in csp
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Referrer-Policy"] == "same-origin"


def test_html_is_no_cache_with_etag_and_gzip(client: FlaskClient) -> None:
    resp = client.get("/", headers={"Accept-Encoding": "gzip"})
    assert resp.headers["Cache-Control"] == "no-cache"
    etag = resp.headers["ETag"]
    assert resp.headers.get("Content-Encoding") == "gzip"
    assert b"<html" in gzip.decompress(resp.data)
    again = client.get("/", headers={"If-None-Match": etag})
    assert again.status_code == 304


def _stored(app: Flask, text: str) -> Any:
    """Store an article as its job's fetch stage leaves it: cleaned, not yet synthesized."""
    st = app.extensions["bantin"]
    article = extract_article(text, content_type="text/plain")
    return st.store.articles.submit(article, build_segments(article, st.settings, None))


def test_progress_shown_while_synthesizing(client: FlaskClient, app: Flask) -> None:
    result = _stored(app, ARTICLE)
    body = {"article": {"slug": result.article.slug}}
    html = _page(client, body)
    assert f"Đang tạo âm thanh: 0/{result.job.total} đoạn" in html
    assert 'id="am-thanh"' in html and "hidden" in html.split('id="am-thanh"')[1].split(">")[0]


def test_index_lists_and_searches(client: FlaskClient, submit: Any, worker: Worker) -> None:
    _done(submit, worker)
    submit(text=_text("Đắk Lắk mùa cà phê"))
    html = client.get("/").get_data(as_text=True)
    assert "Huyện Bạch Thông" in html and "Đắk Lắk" in html and "/feed.xml" in html
    assert re.search(r"\d+ giây</span><span>Tải về \d+,\d MB", html)
    found = client.get("/?q=đắk lắk").get_data(as_text=True)
    assert "Đắk Lắk mùa cà phê" in found and "Huyện Bạch Thông" not in found
    assert 'role="search"' in found


class _Fetched:
    def __init__(self, client: FlaskClient, url: str, method: str = "GET", **kw: Any) -> None:
        resp = client.open(url, method=method, **kw)
        try:
            self.status_code, self.headers = resp.status_code, resp.headers
            self.mimetype, self.data = resp.mimetype, resp.get_data()
        finally:
            resp.close()


def _fetch(client: FlaskClient, url: str, method: str = "GET", **kw: Any) -> _Fetched:
    """Send a request and close the response (file responses hold an open file)."""
    return _Fetched(client, url, method, **kw)


def _audio_url(client: FlaskClient, body: dict[str, Any], kind: str = "mp3") -> str:
    data = client.get(f"/api/articles/{body['article']['id']}").get_json()
    url = [r["url"] for r in data["renditions"] if r["kind"] == kind][0]
    return "/" + url.split("/", 3)[3]


def test_media_range_etag_and_caching(client: FlaskClient, submit: Any, worker: Worker,
                                      app: Flask) -> None:
    body = _done(submit, worker)
    url = _audio_url(client, body)
    name = url.rsplit("/", 1)[1]
    size = (media_dir(app.extensions["bantin"].settings) / name).stat().st_size
    full = _fetch(client, url, headers={"Accept-Encoding": "gzip"})
    assert full.status_code == 200 and full.mimetype == "audio/mpeg"
    assert "Content-Encoding" not in full.headers and len(full.data) == size
    assert full.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    etag = full.headers["ETag"]
    assert etag == f'"{name[:32]}"'  # strong, from the content hash
    part = _fetch(client, url, headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and len(part.data) == 100
    assert part.headers["Content-Range"] == f"bytes 100-199/{size}"
    assert _fetch(client, url, headers={"Range": f"bytes={size + 10}-"}).status_code == 416
    assert _fetch(client, url, headers={"Range": "bytes=0-9", "If-Range": etag}).status_code == 206
    stale = _fetch(client, url, headers={"Range": "bytes=0-9", "If-Range": '"other"'})
    assert stale.status_code == 200 and len(stale.data) == size
    head = _fetch(client, url, 'HEAD')
    assert head.status_code == 200 and int(head.headers["Content-Length"]) == size
    assert _fetch(client, url, headers={"If-None-Match": etag}).status_code == 304
    webm = _fetch(client, _audio_url(client, body, "webm"))
    assert webm.mimetype == "audio/webm" and webm.data[:4] == b"\x1a\x45\xdf\xa3"


def test_download_names_keep_d_in_the_ascii_fallback(client: FlaskClient, submit: Any,
                                                     worker: Worker) -> None:
    body = _done(submit, worker, text=_text("Nghị định về đường Đông Hà"))
    resp = _fetch(client, _audio_url(client, body) + "?tai=1")
    disposition = resp.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="nghi-dinh-ve-duong-dong-ha.mp3"')
    star = disposition.split("filename*=UTF-8''")[1]
    assert unquote(star) == "Nghị định về đường Đông Hà.mp3"


def test_media_paths_cannot_escape(client: FlaskClient) -> None:
    for bad in ("/am-thanh/..%2Fbantin.sqlite3", "/am-thanh/../bantin.sqlite3",
                "/am-thanh/" + "0" * 32 + ".mp3", "/am-thanh/%2e%2e%2fetc%2fpasswd"):
        assert _fetch(client, bad).status_code == 404


def test_timings_and_webvtt(client: FlaskClient, submit: Any, worker: Worker) -> None:
    body = _done(submit, worker)
    slug = body["article"]["slug"]
    data = client.get(f"/bai/{slug}/thoi-gian.json").get_json()
    assert data["complete"] and len(data["timings"]) == body["job"]["total"] == 4
    vtt = client.get(f"/bai/{slug}/phu-de.vtt")
    assert vtt.mimetype == "text/vtt"
    text = vtt.get_data(as_text=True)
    assert text.startswith("WEBVTT\n") and "00:00:00.000 --> " in text
    assert "Huyện Bạch Thông hoàn thành 37 chỉ tiêu" in text


def test_podcast_feed(client: FlaskClient, submit: Any, worker: Worker, app: Flask) -> None:
    body = _done(submit, worker)
    # not in the feed until complete:
    _stored(app, _text("Xã Quang Thuận đón nhận chuẩn nông thôn mới nâng cao"))
    resp = client.get("/feed.xml")
    assert resp.mimetype == "application/rss+xml" and resp.headers["Cache-Control"] == "no-cache"
    feed = feedparser.parse(resp.data)
    assert not feed.bozo, feed.bozo_exception
    assert feed.feed.language == "vi" and feed.feed.title == "Bản tin nghe"
    assert feed.feed.image.href.endswith("/static/podcast.png")
    assert len(feed.entries) == 1
    entry = feed.entries[0]
    assert entry.id == f"urn:bantin-audio:bai:{body['article']['id']}"
    enclosure = entry.enclosures[0]
    audio = _fetch(client, "/" + enclosure.href.split("/", 3)[3])
    assert int(enclosure.length) == len(audio.data) and enclosure.type == "audio/mpeg"
    assert re.match(r"\d\d:\d\d:\d\d$", entry.itunes_duration)
    assert entry.published_parsed is not None
    png = client.get("/static/podcast.png").data
    assert png[16:24] == (1400).to_bytes(4, "big") * 2


def test_error_pages_html_and_json(client: FlaskClient) -> None:
    page = client.get("/bai/khong-co")
    assert page.status_code == 404 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert "Không tìm thấy bài viết này" in html and '<html lang="vi">' in html
    api = client.get("/api/articles/999")
    assert api.status_code == 404
    assert set(api.get_json()) == {"error", "message", "hint", "status"}
    assert client.get("/khong-co-trang-nay").status_code == 404


def test_large_files_stream_from_disk_with_the_same_rules(client: FlaskClient,
                                                          app: Flask) -> None:
    name = "ab" * 16 + ".mp3"
    size = 9 * 1024 * 1024  # above the in-memory limit
    (media_dir(app.extensions["bantin"].settings) / name).write_bytes(b"\xff\xf3" * (size // 2))
    part = _fetch(client, f"/am-thanh/{name}", headers={"Range": "bytes=10-19"})
    assert part.status_code == 206 and part.headers["Content-Range"] == f"bytes 10-19/{size}"
    assert part.headers["ETag"] == f'"{"ab" * 16}"'
    assert part.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert _fetch(client, f"/am-thanh/{name}", headers={"Range": f"bytes={size}-"}) \
        .status_code == 416



def test_title_date_and_phrases_are_timed_on_the_page(client: FlaskClient, submit: Any,
                                                      worker: Worker) -> None:
    sample = Path(__file__).resolve().parents[1] / "fixtures" / "portal-sample.html"
    body = _done(submit, worker, html=sample.read_text(encoding="utf-8"))
    html = _page(client, body)
    timings = client.get(f"/bai/{body['article']['slug']}/thoi-gian.json").get_json()["timings"]
    kinds = {t["kind"]: t for t in timings}
    assert {"title", "date"} <= kinds.keys()
    title, date = kinds["title"], kinds["date"]
    assert re.search(rf'<h1 id="d{title["index"]}"[^>]* data-start="{title["start_ms"]}"', html)
    assert re.search(rf'<span id="d{date["index"]}"[^>]* data-start="{date["start_ms"]}"'
                     rf'[^>]*>Ngày 14/03/2024</span>', html)
    long = [t for t in timings if len(t["phrases"]) > 1]
    assert long  # paragraphs longer than one phrase carry their phrases
    for t in long:
        data = ";".join(f"{p['start_ms']},{p['end_ms']},{p['from']},{p['to']}"
                        for p in t["phrases"])
        assert f'id="d{t["index"]}" data-i="{t["index"]}" data-start="{t["start_ms"]}" ' \
               f'data-end="{t["end_ms"]}" data-ph="{data}"' in html
