"""The JSON API: names, token, one error shape, limits."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from bantin_audio.jobs import Worker
from tests.web.retries import run_through_back_off

ERROR_KEYS = {"error", "message", "hint", "status"}
ARTICLE_HTML = ("<html><head><title>Xã Quang Thuận họp dân</title></head><body><article>"
                "<h1>Xã Quang Thuận họp dân</h1><p>Sáng nay, xã đã tổ chức họp dân bàn về việc "
                "làm đường giao thông nông thôn năm nay.</p><p>Người dân đồng thuận góp công "
                "và góp đất để mở rộng mặt đường.</p></article></body></html>").encode()


def test_submit_answers_202_with_the_job_before_any_work(
        client: FlaskClient, post_article: Any) -> None:
    body = post_article()
    assert set(body) == {"article", "job"} and body["article"] is None
    job = body["job"]
    assert set(job) == {"id", "article_id", "status", "done", "total", "error", "stage",
                        "source", "source_url", "url"}
    assert job["status"] == "queued" and job["stage"] == "fetch" and job["source"] == "text"
    assert job["article_id"] is None and job["url"].endswith(f"/api/jobs/{job['id']}")
    assert client.get("/api/articles").get_json()["articles"] == []  # not parsed yet


def test_article_and_job_after_synthesis(client: FlaskClient, submit: Any) -> None:
    body = submit()
    data = body["article"]
    assert data["status"] == "done"
    for key in ("id", "status", "page_url", "renditions", "title", "paragraphs"):
        assert key in data
    assert data["page_url"].endswith(f"/bai/{data['slug']}")
    kinds = [r["kind"] for r in data["renditions"]]
    assert kinds[0] == "webm" and set(kinds) == {"webm", "mp3", "broadcast"}
    for r in data["renditions"]:
        assert {"kind", "url", "bytes", "duration_s"} <= set(r)
        assert r["bytes"] > 0 and r["duration_s"] > 0
    job_id = body["queued"]["job"]["id"]
    job = client.get(f"/api/jobs/{job_id}").get_json()
    assert {k: job[k] for k in ("id", "article_id", "status", "done", "total", "error",
                                "stage")} == {
        "id": job_id, "article_id": data["id"], "status": "done", "done": 4, "total": 4,
        "error": None, "stage": "synthesize"}
    assert job["page_url"] == data["page_url"]
    listed = client.get("/api/articles").get_json()["articles"]
    assert [a["id"] for a in listed] == [data["id"]]


def test_same_article_twice_is_one_article_one_job(post_article: Any, submit: Any) -> None:
    first, second = post_article(), post_article()
    assert first["job"]["id"] == second["job"]["id"]  # the same source while it is queued
    done = submit()  # and once more after it was read: the same article, nothing to redo
    again = submit()
    assert done["article"]["id"] == again["article"]["id"]
    assert done["job"]["article_id"] == again["job"]["article_id"]
    assert again["job"]["status"] == "done"


def test_same_url_is_one_article(client: FlaskClient, submit: Any, local_page: Any) -> None:
    url = local_page("/tin/1", ARTICLE_HTML)
    first = submit(url=url)
    again = submit(url=url)
    assert first["article"]["id"] == again["article"]["id"]
    assert first["article"]["source_url"] == url
    assert again["queued"]["article"]["id"] == first["article"]["id"]  # known at once by URL


def test_fetch_failure_is_shown_on_the_job_in_vietnamese(
        client: FlaskClient, post_article: Any, worker: Worker, local_page: Any) -> None:
    url = local_page("/khong-co-bai", b"<html><body><nav>Trang chu</nav></body></html>")
    missing = post_article(url=url.replace("/khong-co-bai", "/mat-roi"))
    empty = post_article(url=url)
    run_through_back_off(worker)
    gone = client.get(missing["job"]["url"]).get_json()
    assert gone["status"] == "failed" and gone["article_id"] is None
    assert "HTTP 404" in gone["error"] and gone["stage"] == "fetch"
    nothing = client.get(empty["job"]["url"]).get_json()
    assert nothing["status"] == "failed" and nothing["error"]
    assert client.get("/api/articles").get_json()["articles"] == []


def test_writes_need_the_token(client: FlaskClient) -> None:
    resp = client.post("/api/articles", json={"text": "x"})
    assert resp.status_code == 401 and set(resp.get_json()) == ERROR_KEYS
    assert resp.headers["WWW-Authenticate"].startswith("Bearer")
    wrong = client.post("/api/articles", json={"text": "x"},
                        headers={"Authorization": "Bearer sai"})
    assert wrong.status_code == 401


def test_bad_input_uses_the_one_error_shape(client: FlaskClient, auth: dict[str, str]) -> None:
    for payload in ({}, {"text": "a", "url": "https://x.vn"}, {"text": 5}):
        resp = client.post("/api/articles", json=payload, headers=auth)
        assert resp.status_code == 400 and set(resp.get_json()) == ERROR_KEYS
        assert resp.get_json()["error"] == "du_lieu_khong_hop_le"
    resp = client.post("/api/articles", data="không phải json", headers=auth)
    assert resp.status_code == 400


def test_private_urls_are_refused(client: FlaskClient, auth: dict[str, str],
                                  worker: Worker) -> None:
    for url in ("http://10.0.0.5/bai", "http://[::1]:9/bai", "http://169.254.169.254/"):
        resp = client.post("/api/articles", json={"url": url}, headers=auth)
        assert resp.status_code == 400 and set(resp.get_json()) == ERROR_KEYS  # literal
    resp = client.post("/api/articles", json={"url": "http://localhost:9/bai"}, headers=auth)
    assert resp.status_code == 202  # a name is resolved and refused by the job, not the request
    run_through_back_off(worker)
    job = client.get(resp.get_json()["job"]["url"]).get_json()
    assert job["status"] == "failed" and "nội bộ" in job["error"]


def test_body_size_is_limited(client: FlaskClient, auth: dict[str, str]) -> None:
    resp = client.post("/api/articles", json={"text": "a" * 3_000_000}, headers=auth)
    assert resp.status_code == 413 and set(resp.get_json()) == ERROR_KEYS


def test_submissions_are_rate_limited(app: Flask, client: FlaskClient,
                                      auth: dict[str, str]) -> None:
    app.config["SUBMIT_LIMIT"] = "3 per minute"
    codes = [client.post("/api/articles", json={}, headers=auth).status_code for _ in range(5)]
    assert codes[:3] == [400, 400, 400] and codes[3:] == [429, 429]
    resp = client.post("/api/articles", json={}, headers=auth)
    assert set(resp.get_json()) == ERROR_KEYS and "Retry-After" in resp.headers


def test_unknown_job_is_404_json(client: FlaskClient) -> None:
    resp = client.get("/api/jobs/12345")
    assert resp.status_code == 404 and resp.get_json()["error"] == "khong_tim_thay"
