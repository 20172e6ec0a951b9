"""The JSON API: names, token, one error shape, limits."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from bantin_audio.jobs import Worker

ERROR_KEYS = {"error", "message", "hint", "status"}


def test_submit_returns_202_with_article_and_job(client: FlaskClient, submit: Any) -> None:
    body = submit()
    assert set(body) == {"article", "job"}
    job, article = body["job"], body["article"]
    assert set(job) == {"id", "article_id", "status", "done", "total", "error"}
    assert job["status"] == "queued" and job["article_id"] == article["id"]
    for key in ("id", "status", "page_url", "renditions", "title", "paragraphs"):
        assert key in article
    assert article["page_url"].endswith(f"/bai/{article['slug']}")


def test_article_and_job_after_synthesis(client: FlaskClient, submit: Any,
                                         worker: Worker) -> None:
    body = submit()
    worker.run_until_idle()
    data = client.get(f"/api/articles/{body['article']['id']}").get_json()
    assert data["status"] == "done"
    kinds = [r["kind"] for r in data["renditions"]]
    assert kinds[0] == "webm" and set(kinds) == {"webm", "mp3", "broadcast"}
    for r in data["renditions"]:
        assert {"kind", "url", "bytes", "duration_s"} <= set(r)
        assert r["bytes"] > 0 and r["duration_s"] > 0
    job = client.get(f"/api/jobs/{body['job']['id']}").get_json()
    assert job == {"id": body["job"]["id"], "article_id": data["id"], "status": "done",
                   "done": 4, "total": 4, "error": None}
    listed = client.get("/api/articles").get_json()["articles"]
    assert [a["id"] for a in listed] == [data["id"]]


def test_same_article_twice_is_one_article_one_job(submit: Any) -> None:
    first, second = submit(), submit()
    assert first["article"]["id"] == second["article"]["id"]
    assert first["job"]["id"] == second["job"]["id"]


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


def test_private_urls_are_refused(client: FlaskClient, auth: dict[str, str]) -> None:
    resp = client.post("/api/articles", json={"url": "http://127.0.0.1:9/bai"}, headers=auth)
    assert resp.status_code in (400, 502) and set(resp.get_json()) == ERROR_KEYS


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
