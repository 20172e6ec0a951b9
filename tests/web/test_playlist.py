"""The news in a row through Flask's test client: the playlist page and its M3U, the readable
podcast page, and the "Bài tiếp theo" link that "Nghe tiếp" follows."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from bantin_audio.ingest import extract_article
from bantin_audio.jobs import Worker, build_segments
from bantin_audio.web.common import vietnam_today

BODY = ("<p>Sau hai năm, xã đã đạt nhiều kết quả tích cực trong xây dựng nông thôn mới và phát "
        "triển sản xuất hàng hóa.</p>")


def _dated(title: str, days_ago: int) -> str:
    day = (date.fromisoformat(vietnam_today()) - timedelta(days=days_ago)).isoformat()
    return (f'<html><head><meta property="article:published_time" content="{day}"></head>'
            f"<body><article><h1>{title}</h1>{BODY}</article></body></html>")


def _publish(submit: Any, worker: Worker, title: str, days_ago: int) -> dict[str, Any]:
    body = submit(html=_dated(title, days_ago))
    worker.run_until_idle()
    return body["article"]  # type: ignore[no-any-return]


def _titles(html: str) -> list[str]:
    return re.findall(r'<li id="bai-\d+"[^>]*>\s*<h2><a href="[^"]+">([^<]+)</a>', html)


def test_playlist_lists_the_finished_articles_of_its_window(
        client: FlaskClient, submit: Any, worker: Worker, app: Flask) -> None:
    _publish(submit, worker, "Tin cũ của tháng trước", 20)
    _publish(submit, worker, "Tin ba ngày trước", 3)
    _publish(submit, worker, "Tin của hôm nay", 0)
    st = app.extensions["bantin"]
    pending = extract_article(_dated("Tin hôm nay chưa đọc xong", 0), content_type="text/html")
    st.store.articles.submit(pending, build_segments(pending, st.settings, None))  # no audio yet
    week = client.get("/nghe-lien").get_data(as_text=True)
    assert _titles(week) == ["Tin của hôm nay", "Tin ba ngày trước"]
    assert "Bài 1/2: Tin của hôm nay" in week and "2 bài, tổng thời lượng" in week
    today = client.get("/nghe-lien?khoang=hom-nay").get_data(as_text=True)
    assert _titles(today) == ["Tin của hôm nay"]
    assert re.search(r'href="/nghe-lien\?khoang=hom-nay" aria-current="page">Hôm nay<', today)
    assert _titles(client.get("/nghe-lien?khoang=khong-co").get_data(as_text=True)) == \
        _titles(week)  # an unknown window is the week
    # Without JavaScript: a native player with the first article, a plain MP3 link per article.
    first = re.search(r'<audio id="ds-am-thanh" class="native" controls preload="none" '
                      r'src="(/am-thanh/[^"]+)"', week)
    assert first
    links = re.findall(r'<a href="(/am-thanh/[^"]+)">Nghe tệp MP3', week)
    assert links[0] == first.group(1) and len(links) == 2
    for link in links:
        resp = client.get(link)
        assert resp.status_code == 200 and resp.mimetype == "audio/mpeg"
        resp.close()


def test_playlist_m3u_opens_the_same_row_in_a_media_player(
        client: FlaskClient, submit: Any, worker: Worker) -> None:
    _publish(submit, worker, "Tin ba ngày trước, về đường giao thông", 3)
    _publish(submit, worker, "Tin của hôm nay", 0)
    page = client.get("/nghe-lien").get_data(as_text=True)
    assert 'href="/nghe-lien.m3u?khoang=tuan"' in page
    resp = client.get("/nghe-lien.m3u?khoang=tuan")
    assert resp.headers["Content-Type"] == "audio/x-mpegurl; charset=utf-8"
    assert resp.headers["Content-Disposition"] == 'inline; filename="nghe-lien-tuan.m3u8"'
    lines = resp.get_data(as_text=True).split("\r\n")
    assert lines[0] == "#EXTM3U" and lines[-1] == ""
    entries = re.findall(r"#EXTINF:(\d+),(.+)\r\n(http://\S+)", resp.get_data(as_text=True))
    assert [e[1] for e in entries] == ["Tin của hôm nay", "Tin ba ngày trước, về đường giao thông"]
    media = re.findall(r'<a href="(/am-thanh/[^"]+)">Nghe tệp MP3', page)
    assert [e[2].split("/", 3)[3] for e in entries] == [m.lstrip("/") for m in media]
    assert all(int(e[0]) > 0 for e in entries)
    today = client.get("/nghe-lien.m3u?khoang=hom-nay").get_data(as_text=True)
    assert today.count("#EXTINF") == 1


def test_podcast_page_explains_and_links_the_feed(client: FlaskClient, submit: Any,
                                                  worker: Worker) -> None:
    _publish(submit, worker, "Tin của hôm nay", 0)
    home = client.get("/").get_data(as_text=True)
    assert 'href="/podcast">Podcast</a>' in home and ">Podcast (RSS)<" not in home
    assert 'href="/nghe-lien">Nghe liền</a>' in home
    resp = client.get("/podcast")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and resp.mimetype == "text/html"
    assert re.search(r'<input id="dia-chi-rss" type="url" readonly value="http://localhost/'
                     r'feed.xml">', html)
    assert '<label for="dia-chi-rss">Địa chỉ RSS</label>' in html
    assert 'href="/feed.xml" type="application/rss+xml"' in html
    assert "Tin của hôm nay" in html and "Thêm podcast" in html
    # The apps still find the feed itself, which stays RSS.
    assert 'rel="alternate" type="application/rss+xml"' in html
    assert client.get("/feed.xml").mimetype == "application/rss+xml"


def test_next_article_link_follows_the_home_page_order(
        client: FlaskClient, submit: Any, worker: Worker, auth: dict[str, str]) -> None:
    older = _publish(submit, worker, "Tin thứ nhất", 1)
    middle = _publish(submit, worker, "Tin thứ hai", 1)
    newest = _publish(submit, worker, "Tin thứ ba", 0)

    def next_of(art: dict[str, Any]) -> str | None:
        html = client.get(f"/bai/{art['slug']}").get_data(as_text=True)
        assert 'href="/nghe-lien">Nghe liền các bài mới</a>' in html
        found = re.search(r'Bài tiếp theo: <a id="bai-tiep" href="/bai/([^"]+)">', html)
        if found:
            assert '<input type="checkbox" id="nghe-tiep">' in html
        return found.group(1) if found else None

    assert next_of(newest) == middle["slug"]
    assert next_of(middle) == older["slug"]
    assert next_of(older) is None
    # A removed article is never offered, even from a page rendered before.
    assert client.delete(f"/api/articles/{middle['id']}", headers=auth).status_code in (200, 204)
    assert next_of(newest) == older["slug"]
