"""Google answering a web page with status 200: failed readings, short public messages, recovery."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from bantin_audio.jobs import Worker
from tests.fakes import FakeGoogle


def _csrf(client: FlaskClient) -> str:
    html = client.get("/quan-tri").get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, html
    return match.group(1)


def test_html_from_google_fails_cleanly_and_a_retry_after_recovery_reads_it(
        app: Flask, client: FlaskClient, token: str, worker: Worker, submit,
        fake_google: FakeGoogle) -> None:
    fake_google.mode = "html"
    body = submit()
    st = app.extensions["bantin"]
    while worker.run_once():  # every attempt fails the same way until Google recovers
        pass
    job = st.store.jobs.get(body["job"]["id"])
    assert job.status == "failed"
    assert job.error and "không phải âm thanh" in job.error  # the detail, for editors
    # nothing Google sent was cached
    assert not list(worker.settings.clip_cache_dir.rglob("*.mp3"))
    page = client.get(f"/bai/{body['article']['slug']}").get_data(as_text=True)
    assert "Chưa tạo được âm thanh cho bài này" in page
    assert "DOCTYPE" not in page and "không phải âm thanh" not in page
    assert "ffmpeg" not in page
    # the admin shows the detail
    resp = client.post("/quan-tri/dang-nhap", data={"token": token, "csrf_token": _csrf(client)})
    assert resp.status_code == 303
    admin = client.get("/quan-tri").get_data(as_text=True)
    assert "không phải âm thanh" in admin
    # Google recovers: a retry asks Google again and the article is read
    fake_google.mode = "ok"
    breaker = worker.pipeline.engines[0].breaker
    breaker._open_until = 0.0  # the breaker's cooldown has passed
    before = fake_google.requests
    st.store.jobs.retry(job.id)
    worker.run_until_idle()
    assert fake_google.requests > before
    job = st.store.jobs.get(job.id)
    assert (job.status, job.error) == ("done", None)
    assert {s.engine for s in st.store.articles.segments(job.article_id)} == {"google"}
