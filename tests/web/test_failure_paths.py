"""Failure paths: SIGTERM to a worker, a lost lease, the last attempt, concurrent edits, the
media collector."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from bantin_audio.config import Settings
from bantin_audio.jobs import (
    BULLETIN_DIRNAME,
    MAX_ATTEMPTS,
    Worker,
    collect_media,
    media_dir,
    open_store,
    submit_article,
)
from bantin_audio.model import Article
from bantin_audio.services import Services, build_services
from bantin_audio.store import RenditionRow
from tests.fakegoogle_proxy import FakeGoogleProxy, proxy_env
from tests.fakes import FakeGoogle
from tests.ingest.conftest import LocalServer
from tests.web.retries import run_through_back_off
from tests.web.test_admin import _csrf, _sign_in

BANTIN = str(Path(sys.executable).with_name("bantin-audio"))


def _article(n: int, paragraphs: int) -> Article:
    return Article(title=f"Tin số {n} về giao thông nông thôn",
                   paragraphs=[f"Đoạn {k} của tin số {n}: xã làm thêm một đoạn đường mới."
                               for k in range(1, paragraphs + 1)],
                   source_url=f"https://ubnd.example.vn/tin/{n}")


def _worker_until(store: Any, job_id: int, grace: str, done_at_least: int,
                  proxy: FakeGoogleProxy, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = proxy_env(proxy.url)
    env.update(BANTIN_DATA_DIR=str(data_dir), BANTIN_CONCURRENCY="1", BANTIN_ENGINE="gtts")
    proc = subprocess.Popen([BANTIN, "worker", "--grace", grace], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while store.jobs.get(job_id).done < done_at_least and time.monotonic() < deadline:
            time.sleep(0.05)
        assert store.jobs.get(job_id).status == "running"
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=90)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def test_sigterm_hands_the_running_job_back(fake_google: FakeGoogle, settings: Settings) -> None:
    cfg = settings.replace(engine="gtts", concurrency=1)
    store = open_store(cfg)
    result = submit_article(store, _article(1, 12), cfg)
    with FakeGoogleProxy() as proxy:
        proxy.fake.delay = 0.3
        done = _worker_until(store, result.job.id, "0", 2, proxy, cfg.data_dir)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and "trả các việc chưa xong" in done.stderr
    job = store.jobs.get(result.job.id)
    assert (job.status, job.lease_owner, job.attempts) == ("queued", None, 0)
    kept = {s.segment.spoken for s in store.articles.segments(result.article.id)
            if s.status == "done"}
    assert len(kept) >= 2  # what was finished stays finished
    services = build_services(cfg)
    try:
        assert Worker(store, services.pipeline, cfg).run_until_idle() == 1
    finally:
        services.pipeline.close()
    assert store.jobs.get(result.job.id).status == "done"
    assert not kept & set(fake_google.texts)  # and is not spoken again


def test_sigterm_lets_a_short_job_finish_within_the_grace(settings: Settings) -> None:
    cfg = settings.replace(engine="gtts", concurrency=1)
    store = open_store(cfg)
    result = submit_article(store, _article(2, 3), cfg)
    with FakeGoogleProxy() as proxy:
        proxy.fake.delay = 0.2
        done = _worker_until(store, result.job.id, "60", 1, proxy, cfg.data_dir)
    assert done.returncode == 0, done.stderr
    assert store.jobs.get(result.job.id).status == "done"


def test_a_worker_that_lost_its_lease_cannot_finish_the_job(
        app: Flask, services: Services, web_settings: Settings) -> None:
    store = app.extensions["bantin"].store
    result = submit_article(store, _article(3, 2), web_settings)
    stale = store.jobs.claim("host:1:dead", lease_s=-1)  # a worker whose lease already ran out
    assert stale is not None and stale.id == result.job.id
    fresh = Worker(store, services.pipeline, web_settings)
    assert fresh.run_once()  # takes the expired lease over
    job = store.jobs.get(result.job.id)
    assert (job.status, job.attempts) == ("done", 2)
    # The old worker comes back: it can neither extend, progress, hand back nor finish.
    assert not store.jobs.heartbeat(job.id, "host:1:dead")
    assert not store.jobs.progress(job.id, "host:1:dead", 0, 1)
    assert not store.jobs.release(job.id, "host:1:dead")
    assert not store.jobs.finish(job.id, "host:1:dead", status="failed", error="cũ")
    assert store.jobs.get(job.id).status == "done" and store.jobs.get(job.id).error is None


def test_a_job_reaching_its_last_attempt_fails_with_the_reason(
        client: FlaskClient, post_article: Any, worker: Worker, auth: dict[str, str]) -> None:
    server = LocalServer()
    hits: list[str] = []

    def broken(h: Any) -> None:
        hits.append(h.path)
        h.send_response(503)
        h.send_header("Content-Length", "0")
        h.end_headers()

    url = server.add("/tin/loi", broken)
    server.thread.start()
    try:
        queued = post_article(url=url)
        run_through_back_off(worker)
    finally:
        server.httpd.shutdown()
        server.httpd.server_close()
    job = client.get(queued["job"]["url"]).get_json()
    assert len(hits) == MAX_ATTEMPTS  # tried, then tried again, then given up
    assert job["status"] == "failed" and "HTTP 503" in job["error"]
    assert "thử lại sau" in job["error"]  # the last error carries its hint
    retried = client.post(f"/api/jobs/{job['id']}/retry", headers=auth)
    assert retried.status_code == 202 and retried.get_json()["status"] == "queued"


def test_concurrent_bulletin_saves_never_mix(app: Flask, web_settings: Settings) -> None:
    store = app.extensions["bantin"].store
    ids = [submit_article(store, _article(10 + n, 1), web_settings).article.id
           for n in range(6)]
    bulletin = store.bulletins.save({"title": "Bản tin sáng", "station": {"name": "Đài xã"},
                                     "items": []})
    orders = [ids[:3], list(reversed(ids[3:]))]
    errors: list[BaseException] = []

    def editor(order: list[int]) -> None:
        try:
            for _ in range(25):
                store.bulletins.save({"id": bulletin.id, "title": "Bản tin sáng",
                                      "station": {"name": "Đài xã"},
                                      "items": [{"article_id": i} for i in order]})
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=editor, args=(o,)) for o in orders]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    final = [i["article_id"] for i in store.bulletins.get(bulletin.id).data["items"]]
    assert final in orders  # one editor's whole list, never a mix of both


def test_concurrent_lexicon_edits_are_all_kept(app: Flask, token: str) -> None:
    clients = [app.test_client() for _ in range(3)]
    tokens = []
    for c in clients:
        _sign_in(c, token)
        tokens.append(_csrf(c, "/quan-tri/tu-dien"))
    barrier = threading.Barrier(len(clients))
    words = ["một", "hai", "ba", "bốn", "năm", "sáu"]

    def editor(n: int) -> None:
        barrier.wait()
        for k in range(6):
            resp = clients[n].post("/quan-tri/tu-dien", data={
                "csrf_token": tokens[n], "hanh_dong": "them", "term": f"XA{n}K{k}",
                "spoken": f"xã {words[n]} mục {words[k]}", "kind": "expand"})
            assert resp.status_code == 303
            assert "Chưa lưu" not in clients[n].get("/quan-tri/tu-dien").get_data(as_text=True)

    threads = [threading.Thread(target=editor, args=(n,)) for n in range(len(clients))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    terms = {e.term for e in app.extensions["bantin"].lexicon.entries()}
    assert terms == {f"XA{n}K{k}" for n in range(3) for k in range(6)}


def test_media_collector_deletes_only_old_unreferenced_files(tmp_path: Path) -> None:
    cfg = Settings(data_dir=tmp_path)
    store = open_store(cfg)
    media = media_dir(cfg)
    (media / BULLETIN_DIRNAME).mkdir(parents=True)
    article = submit_article(store, _article(20, 1), cfg).article
    store.renditions.put(RenditionRow(article_id=article.id, kind="mp3", path="dang-dung.mp3",
                                      bytes=1, duration_ms=1, content_hash="h"))
    old = time.time() - 7200
    files = {"dang-dung.mp3": True, "bo-roi.mp3": False, "moi-tao.mp3": True,
             f"{BULLETIN_DIRNAME}/cu.mp3": False}
    for name in files:
        path = media / name
        path.write_bytes(b"x")
        if name != "moi-tao.mp3":  # a file just written (a player may still fetch it) stays
            os.utime(path, (old, old))
    (media / "thu-muc").mkdir()
    removed = collect_media(store, media)
    assert removed == 2
    for name, kept in files.items():
        assert (media / name).exists() == kept, name
    assert (media / "thu-muc").is_dir()
    assert collect_media(store, tmp_path / "khong-co") == 0
