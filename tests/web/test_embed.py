"""The embed endpoints without a browser: lookup, CORS, frame-ancestors, oEmbed, the script."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from bantin_audio.jobs import Worker, submit_article
from bantin_audio.model import Article
from bantin_audio.sources.config import parse_source_config
from bantin_audio.web import bundle

PORTAL = "https://yenhoa.example.gov.vn"
PAGE = PORTAL + "/Pages/tin-tuc-su-kien/ra-quan-771.aspx"
STATIC = Path(__file__).resolve().parents[2] / "static"


def _article(app: Flask, url: str = PAGE.lower()) -> int:
    st = app.extensions["bantin"]
    art = Article(title="Yên Hòa ra quân làm đường giao thông nông thôn",
                  lead="Sáng 13/3, huyện tổ chức lễ ra quân.",
                  paragraphs=["Đến dự có lãnh đạo huyện.", "Các xã được giao chỉ tiêu."],
                  source_url=url)
    return submit_article(st.store, art, st.settings).article.id


def _register(app: Flask) -> None:
    base, config = parse_source_config(PORTAL, feeds=[PORTAL + "/rss.xml"])
    app.extensions["bantin"].store.sources.add("yen-hoa", base, config.to_dict())


def test_lookup_answers_by_any_spelling_with_cors_for_registered_portals(
        client: FlaskClient, app: Flask, worker: Worker) -> None:
    article_id = _article(app)
    worker.run_until_idle()
    spelled = PAGE.replace("https://yenhoa", "HTTPS://YenHoa") + "?utm_source=zalo#top"
    resp = client.get("/api/lookup", query_string={"url": spelled},
                      headers={"Origin": PORTAL})
    assert resp.status_code == 200
    data = resp.get_json()
    assert data["id"] == article_id and data["status"] == "done"
    assert data["renditions"][0]["url"].startswith("http://localhost/am-thanh/")
    assert [t["kind"] for t in data["timings"]][:2] == ["title", "lead"]
    assert data["progress"] == {"done": len(data["timings"]), "total": len(data["timings"])}
    assert "public, max-age=" in resp.headers["Cache-Control"]
    assert "Origin" in resp.headers["Vary"]
    # Not registered yet: no CORS header, so the portal's page cannot read the answer.
    assert "Access-Control-Allow-Origin" not in resp.headers
    _register(app)
    resp = client.get("/api/lookup", query_string={"url": spelled},
                      headers={"Origin": PORTAL})
    assert resp.headers["Access-Control-Allow-Origin"] == PORTAL
    other = client.get("/api/lookup", query_string={"url": spelled},
                       headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers
    # "Not found" may be read by any page, so an unregistered portal's player hides quietly.
    missing = client.get("/api/lookup", query_string={"url": PORTAL + "/khong-co"},
                         headers={"Origin": "https://evil.example"})
    assert missing.status_code == 404
    assert missing.headers["Access-Control-Allow-Origin"] == "*"
    # Unknown article, unknown host, bad input.
    assert client.get("/api/lookup?url=https://khac.example.vn/bai-1").status_code == 404
    assert client.get("/api/lookup?url=javascript:alert(1)").status_code == 400
    assert client.get("/api/lookup").status_code == 400
    # A withdrawn article is not found any more.
    app.extensions["bantin"].store.articles.hold(article_id, "withdrawn")
    assert client.get("/api/lookup", query_string={"url": PAGE}).status_code == 404
    assert client.get(f"/nhung/{article_id}").status_code == 404


def test_frame_is_framed_only_by_registered_portals(client: FlaskClient, app: Flask,
                                                    worker: Worker) -> None:
    article_id = _article(app)
    worker.run_until_idle()
    resp = client.get(f"/nhung/{article_id}")
    assert resp.status_code == 200
    csp = resp.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "X-Frame-Options" not in resp.headers
    _register(app)
    resp = client.get(f"/nhung/{article_id}")
    csp = resp.headers["Content-Security-Policy"]
    assert "frame-ancestors https://yenhoa.example.gov.vn:* http://yenhoa.example.gov.vn:*" \
        in csp
    assert "script-src 'self'" in csp  # the strict policy stays
    html = resp.get_data(as_text=True)
    assert '<html lang="vi">' in html and "Nghe bài viết: Yên Hòa ra quân" in html
    assert 'preload="none"' in html  # the no-script fallback
    inline = re.search(r'id="bantin-du-lieu">(.*?)</script>', html, re.S)
    assert inline and json.loads(inline.group(1))["id"] == article_id
    # Other pages still refuse every frame.
    assert client.get("/").headers["X-Frame-Options"] == "DENY"


def test_frame_json_cannot_close_its_script(client: FlaskClient, app: Flask) -> None:
    st = app.extensions["bantin"]
    art = Article(title="Tiêu đề </script><script>alert(1)</script>",
                  lead="Đoạn mở đầu có </script> trong chữ.", source_url=PORTAL + "/x")
    article_id = submit_article(st.store, art, st.settings).article.id
    html = client.get(f"/nhung/{article_id}").get_data(as_text=True)
    assert "<script>alert(1)" not in html


def test_oembed_and_discovery_link(client: FlaskClient, app: Flask, worker: Worker) -> None:
    article_id = _article(app)
    worker.run_until_idle()
    slug = app.extensions["bantin"].store.articles.get(article_id).slug
    page = client.get(f"/bai/{slug}").get_data(as_text=True)
    link = re.search(r'<link rel="alternate" type="application/json\+oembed" href="([^"]+)"',
                     page)
    assert link
    resp = client.get(link.group(1).replace("&amp;", "&"))
    assert resp.status_code == 200
    data = resp.get_json()
    assert data["type"] == "rich" and data["version"] == "1.0"
    assert f'src="http://localhost/nhung/{article_id}"' in data["html"]
    assert 'title="Nghe bài viết: Yên Hòa ra quân' in data["html"]
    by_portal = client.get("/oembed", query_string={"url": PAGE, "format": "json"})
    assert by_portal.get_json()["html"] == data["html"]
    assert client.get("/oembed", query_string={"url": PAGE, "format": "xml"}).status_code == 501
    assert client.get("/oembed", query_string={"url": PORTAL + "/khac"}).status_code == 404


def test_script_is_small_cached_and_open_to_every_page(client: FlaskClient) -> None:
    source = bundle(STATIC, "nhung.js")  # the player core and the embed's shell
    assert len(gzip.compress(source, 9)) <= 8 * 1024
    resp = client.get("/nhung.js", headers={"Accept-Encoding": "gzip"})
    assert resp.status_code == 200
    assert resp.headers["Access-Control-Allow-Origin"] == "*"
    assert resp.headers["Cache-Control"] == "public, max-age=3600"
    assert resp.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(resp.data) == source
    versioned = client.get("/static/nhung.js?v=1")
    assert "immutable" in versioned.headers["Cache-Control"]
    assert versioned.headers["Access-Control-Allow-Origin"] == "*"
    # No cookies, no storage but the listening position, no other host.
    text = source.decode()
    assert "document.cookie" not in text and "sessionStorage" not in text
    assert not re.search(r"https?://", text)


def test_lookup_queues_an_unknown_article_of_a_registered_portal(
        client: FlaskClient, app: Flask, worker: Worker) -> None:
    from tests.fakeportal import FakePortal, sample_article

    st = app.extensions["bantin"]
    worker.settings = worker.settings.replace(private_fetch_hosts="127.0.0.2")
    st.settings = st.settings.replace(private_fetch_hosts="127.0.0.2")  # a portal on the LAN
    with FakePortal() as portal:
        art = portal.publish(**sample_article(3))
        # Unregistered: nothing is queued, the answer is a quiet 404.
        assert client.get("/api/lookup", query_string={"url": portal.article_url(art)}) \
            .status_code == 404
        assert st.store.jobs.recent() == []
        base, config = parse_source_config(portal.url, feeds=[portal.url + "/rss.xml"],
                                           exclude=["*/pages/khac/*"])
        source = st.store.sources.add("yen-hoa", base, config.to_dict())
        resp = client.get("/api/lookup", query_string={"url": portal.article_url(art)},
                          headers={"Origin": portal.url})
        assert resp.status_code == 202
        assert resp.headers["Cache-Control"] == "no-store"
        assert resp.headers["Access-Control-Allow-Origin"] == portal.url
        body = resp.get_json()
        assert body["status"] == "queued" and body["id"] is None
        [job] = st.store.jobs.recent()
        # Nothing was fetched while the request waited: the job will fetch it.
        assert not portal.hits(art.path.lower())
        # Asked again while queued: the same job, no new one.
        again = client.get("/api/lookup", query_string={"url": portal.article_url(art)})
        assert again.status_code == 202 and len(st.store.jobs.recent()) == 1
        worker.run_until_idle()
        done = client.get("/api/lookup", query_string={"url": portal.article_url(art)})
        assert done.status_code == 200 and done.get_json()["status"] == "done"
        assert st.store.sources.item(portal.article_url(art).lower()).job_id == job.id
        # Left out by the source's patterns: not queued.
        other = portal.url + "/pages/khac/bai-1.aspx"
        assert client.get("/api/lookup", query_string={"url": other}).status_code == 404
        # Rate limits: one client may queue only so many new articles.
        codes = [client.get("/api/lookup", query_string={
            "url": f"{portal.url}/Pages/tin-tuc-su-kien/moi-{n}.aspx"}).status_code
            for n in range(12)]
        assert codes.count(202) == 9 and codes[-1] == 404  # 10 per client, one used above
        assert source.id == st.store.sources.all()[0].id
