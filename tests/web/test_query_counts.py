"""Every list page runs as many queries for twenty rows as for one (no query per row)."""

from __future__ import annotations

import json

import pytest
from flask import Flask
from flask.testing import FlaskClient

from bantin_audio.bulletin import Bulletin, fingerprint
from bantin_audio.model import Article, Segment
from bantin_audio.store import BulletinBuildRow, RenditionRow, Store

from .bulletin_flow import Editor

PUBLIC = ("/", "/feed.xml", "/podcast", "/nghe-lien", "/nghe-lien.m3u", "/ban-tin",
          "/ban-tin/feed.xml", "/api/articles")
ADMIN = ("/quan-tri", "/quan-tri/cong-viec.json", "/quan-tri/ban-tin", "/quan-tri/nguon",
         "/quan-tri/bao-doc-sai")
# What shows that a page lists the later rows (the nineteenth), not an empty list.
SHOWN = {"/ban-tin": "Bản tin 18", "/ban-tin/feed.xml": "Bản tin 18",
         "/quan-tri/ban-tin": "Bản tin 18", "/quan-tri/nguon": "Xã 18",
         "/quan-tri/bao-doc-sai": "đoạn18", "/quan-tri/cong-viec.json": "chua-doc/18"}


def _add_rows(store: Store, start: int, count: int) -> None:
    """Add `count` of everything a list page shows: finished articles with their jobs and
    audio, fetch jobs, bulletins with builds, watched sources with found addresses, reports,
    held articles."""
    for n in range(start, start + count):
        title = f"Tin số {n} của xã"
        segments = [Segment(0, "title", title, title.lower()),
                    Segment(1, "paragraph", f"Đoạn {n}.", f"đoạn {n}.")]
        url = f"https://xa.example.vn/tin/{n}"
        made = store.articles.submit(Article(title=title, paragraphs=[f"Đoạn {n}."],
                                             source_url=url), segments)
        aid = made.article.id
        job = store.jobs.claim("w", job_id=made.job.id)
        assert job is not None
        for seg in segments:
            store.articles.mark_segment(aid, seg.index, seg.spoken, status="done",
                                        engine="google", clip_hash="c", job_id=job.id)
        store.renditions.put(RenditionRow(
            article_id=aid, kind="mp3", path=f"{n:02d}{'a' * 62}.mp3", bytes=1000,
            duration_ms=5000, content_hash="h", complete=True, segments_done=2,
            timings=[{"index": 0, "start_ms": 0, "end_ms": 2000}]))
        store.jobs.finish(job.id, "w", status="done")
        store.jobs.queue_source("url", url=f"https://xa.example.vn/chua-doc/{n}")
        draft = store.bulletins.save({"title": f"Bản tin {n}", "date": "2024-10-02",
                                      "station": {"name": "Đài xã"},
                                      "items": [{"article_id": aid}]})
        approved = fingerprint(Bulletin.from_dict(draft.data))
        store.bulletins.save({**draft.data, "status": "approved", "approved_by": "Biên tập",
                              "approved_at": "2024-10-02T07:00:00+07:00",
                              "approved_fingerprint": approved})
        store.bulletins.put_build(BulletinBuildRow(
            bulletin_id=draft.id, fingerprint=approved, duration_ms=1000,
            files={"broadcast": f"b{n}.mp3", "web": f"w{n}.mp3"},
            sizes={"broadcast": 1, "web": 1}, cues=[{"kind": "item"}], loudness={},
            engines={"google": 1}))
        source = store.sources.add(f"Xã {n}", f"https://xa{n}.example.vn/", {})
        store.sources.add_items(source.id, [(url, None, "imported")], 0.0)
        store.sources.update_item(source.id, url, article_id=aid)
        store.reports.add(aid, 1, f"đoạn{n}", None)
        if n % 5 == 4:
            store.articles.hold(aid, "withdrawn")


@pytest.mark.parametrize("path", PUBLIC + ADMIN)
def test_a_list_page_runs_as_many_queries_for_twenty_rows_as_for_one(
        path: str, client: FlaskClient, token: str, app: Flask) -> None:
    store: Store = app.extensions["bantin"].store
    if path in ADMIN:
        Editor(client, token, app)

    def queries() -> tuple[int, str]:
        client.get(path)  # warm: settings read once per process, sessions...
        before = store.statements_run()
        resp = client.get(path)
        assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
        used = store.statements_run() - before
        if resp.is_json:
            return used, json.dumps(resp.get_json(), ensure_ascii=False)
        return used, resp.get_data(as_text=True)

    _add_rows(store, 0, 1)
    few, _ = queries()
    _add_rows(store, 1, 19)
    many, body = queries()
    assert few == many, f"{path}: {few} queries for one row, {many} for twenty"
    assert SHOWN.get(path, "Tin số 18") in body, body[:2000]
