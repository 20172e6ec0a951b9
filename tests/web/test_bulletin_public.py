"""Public bulletin pages: the list, a bulletin's page, downloads and the podcast feed."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

import feedparser
from flask import Flask
from flask.testing import FlaskClient

from bantin_audio.jobs import Worker
from tests.web.bulletin_flow import Editor, articles, built_bulletin


def test_approved_bulletin_is_listed_downloadable_and_in_the_feed(
        client: FlaskClient, token: str, app: Flask, submit: Any, worker: Worker) -> None:
    editor = Editor(client, token, app)
    ids = articles(submit, worker)
    draft = built_bulletin(editor, ids[:1], worker)
    bid = built_bulletin(editor, ids, worker, title="Bản tin Đài truyền thanh xã Quang Thuận")
    editor.post(f"/quan-tri/ban-tin/{bid}/duyet", {"editor": "Lan"})
    build = editor.store.bulletins.latest_build(bid)

    listing = client.get("/ban-tin").get_data(as_text=True)
    assert f'href="/ban-tin/{bid}"' in listing and f'href="/ban-tin/{draft}"' not in listing
    mb = f"{build.sizes['broadcast'] / 1_000_000:.1f}".replace(".", ",")
    assert f"Tải MP3 phát sóng ({mb} MB)" in listing and "Tải WAV (" in listing
    assert "Bảng thứ tự (CSV)" in listing and "3 tin" in listing
    assert "Bản tin phát thanh" in client.get("/").get_data(as_text=True)

    page = client.get(f"/ban-tin/{bid}").get_data(as_text=True)
    assert '<audio id="am-thanh-ban-tin" controls preload="none"' in page
    assert "<caption>Thứ tự các tin, giờ bắt đầu và thời lượng</caption>" in page
    rows = re.findall(r"<tr><td>(\d*)</td><td>([^<]+)</td><td>(\d:\d\d:\d\d)</td>", page)
    assert [r[0] for r in rows] == ["", "1", "2", "3", ""]
    assert rows[1][1] == "Xã Quang Thuận thu hoạch lúa mùa" and rows[0][2] == "0:00:00"
    assert client.get(f"/ban-tin/{draft}").status_code == 404
    assert client.get("/ban-tin/999").status_code == 404

    mp3 = client.get(f"/ban-tin/{bid}/tep/{build.files['broadcast']}?tai=1")
    assert mp3.status_code == 200 and mp3.mimetype == "audio/mpeg"
    assert mp3.headers["Content-Disposition"] == (
        'attachment; filename="ban-tin-dai-truyen-thanh-xa-quang-thuan-phat-thanh.mp3"; '
        "filename*=UTF-8''" + quote("Bản tin Đài truyền thanh xã Quang Thuận (phát thanh).mp3",
                                    safe=""))
    assert "immutable" in mp3.headers["Cache-Control"]
    part = client.get(f"/ban-tin/{bid}/tep/{build.files['wav']}",
                      headers={"Range": "bytes=0-99"})
    assert part.status_code == 206 and len(part.data) == 100 and part.mimetype == "audio/wav"
    csv = client.get(f"/ban-tin/{bid}/tep/{build.files['cue_csv']}?tai=1")
    assert csv.mimetype == "text/csv" and "STT" in csv.data.decode("utf-8-sig")
    assert "-bang-thu-tu.csv" in csv.headers["Content-Disposition"]
    # another bulletin's file, or an article's audio name, is not served under this bulletin
    other = editor.store.bulletins.latest_build(draft).files["broadcast"]
    assert client.get(f"/ban-tin/{bid}/tep/{other}").status_code == 404
    assert client.get(f"/ban-tin/{bid}/tep/..%2Fbantin.sqlite3").status_code == 404

    resp = client.get("/ban-tin/feed.xml")
    assert resp.mimetype == "application/rss+xml"
    feed = feedparser.parse(resp.data)
    assert not feed.bozo, feed.bozo_exception
    assert feed.feed.title == "Bản tin phát thanh" and feed.feed.language == "vi"
    assert len(feed.entries) == 1
    entry = feed.entries[0]
    assert entry.id == f"urn:bantin-audio:ban-tin:{bid}"
    enclosure = entry.enclosures[0]
    assert enclosure.type == "audio/mpeg" and int(enclosure.length) == build.sizes["web"]
    audio = client.get(enclosure.href.replace("http://localhost", ""))
    assert len(audio.data) == build.sizes["web"]
    assert entry.itunes_duration.count(":") == 2 and entry.published.endswith("+0000")
    assert client.get("/ban-tin/feed.xml").data == resp.data.replace(
        resp.data.split(b"<lastBuildDate>")[1].split(b"</lastBuildDate>")[0],
        client.get("/ban-tin/feed.xml").data.split(b"<lastBuildDate>")[1]
        .split(b"</lastBuildDate>")[0])  # stable apart from the build date

    editor.post(f"/quan-tri/ban-tin/{bid}/muc/{ids[0]}/bo")  # back to draft: gone everywhere
    assert feedparser.parse(client.get("/ban-tin/feed.xml").data).entries == []
    assert client.get(f"/ban-tin/{bid}/tep/{build.files['broadcast']}").status_code == 404
    assert "Chưa có bản tin nào được duyệt" in client.get("/ban-tin").get_data(as_text=True)
