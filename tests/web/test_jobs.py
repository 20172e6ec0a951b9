"""The worker: reading order, the finished prefix playable early, crash resume, edits, failures."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from flask import Flask

from bantin_audio.config import Settings
from bantin_audio.jobs import Worker, media_dir, open_store, submit_article
from bantin_audio.model import Article
from bantin_audio.services import build_services
from tests.fakegoogle_proxy import FakeGoogleProxy, proxy_env
from tests.fakes import FakeGoogle

BANTIN = str(Path(sys.executable).with_name("bantin-audio"))
PARAS = ["Sau hai năm, huyện đã đạt nhiều kết quả tích cực.",
         "Toàn huyện có hai mươi ba sản phẩm được xếp hạng.",
         "Thu nhập bình quân đầu người tăng đều qua các năm.",
         "Công tác giảm nghèo có nhiều chuyển biến rõ rệt."]


@pytest.fixture
def settings(settings: Settings, db_url: str) -> Settings:
    """Every worker test runs on the embedded SQLite file, then on PostgreSQL."""
    return settings if db_url.startswith("sqlite") else settings.replace(database_url=db_url)


def _env(env: dict[str, str], cfg: Settings, **more: str) -> dict[str, str]:
    """Return a worker process's environment: the test's data dir and database."""
    env.update(BANTIN_DATA_DIR=str(cfg.data_dir), BANTIN_JOB_LEASE_S=str(cfg.job_lease_s),
               **more)
    if cfg.database_url:
        env["BANTIN_DATABASE_URL"] = cfg.database_url
    return env


def _article(url: str | None = "https://ubnd.example.vn/tin/1", paras: list[str] = PARAS,
             title: str = "Huyện hoàn thành các chỉ tiêu") -> Article:
    return Article(title=title, paragraphs=list(paras), source_url=url)


def test_worker_speaks_every_segment_and_publishes_all_renditions(
        app: Flask, worker: Worker, web_settings: Settings, fake_google: FakeGoogle) -> None:
    st = app.extensions["bantin"]
    result = submit_article(st.store, _article(), web_settings)
    assert worker.run_until_idle() == 1
    job = st.store.jobs.get(result.job.id)
    assert (job.status, job.done, job.total, job.error) == ("done", 5, 5, None)
    rends = {r.kind: r for r in st.store.renditions.for_article(result.article.id)}
    assert set(rends) == {"mp3", "webm", "broadcast"}
    mp3 = rends["mp3"]
    assert mp3.complete and mp3.segments_done == 5
    assert [t["index"] for t in mp3.timings] == [0, 1, 2, 3, 4]
    starts = [t["start_ms"] for t in mp3.timings]
    assert starts == sorted(starts) and mp3.timings[-1]["end_ms"] <= mp3.duration_ms
    path = media_dir(web_settings) / mp3.path
    assert path.stat().st_size == mp3.bytes and path.read_bytes()[:3] == b"ID3"
    assert {s.engine for s in st.store.articles.segments(result.article.id)} == {"google"}


def test_first_paragraphs_playable_while_the_rest_is_synthesized(
        fake_google: FakeGoogle, settings: Settings) -> None:
    cfg = settings.replace(engine="gtts", concurrency=1)
    services = build_services(cfg)
    store = open_store(cfg)
    fake_google.delay = 0.25
    result = submit_article(store, _article(), cfg)
    seen: list[tuple[int, bool]] = []
    runner = Worker(store, services.pipeline, cfg, restitch_interval_s=0.0)
    thread = threading.Thread(target=runner.run_until_idle)
    thread.start()
    while thread.is_alive():
        for r in store.renditions.for_article(result.article.id):
            if r.kind == "mp3" and (r.segments_done, r.complete) not in seen:
                seen.append((r.segments_done, r.complete))
        time.sleep(0.02)
    thread.join()
    services.pipeline.close()
    partial = [n for n, complete in seen if not complete]
    assert partial and partial[0] < 5, seen  # something was playable before the end
    assert store.jobs.get(result.job.id).status == "done"
    final = [r for r in store.renditions.for_article(result.article.id) if r.kind == "mp3"][0]
    assert final.complete and final.segments_done == 5


def test_the_first_file_joins_googles_frames_without_ffmpeg(
        fake_google: FakeGoogle, settings: Settings) -> None:
    from tests.fakes import FRAME_MS, SILENT_FRAME

    cfg = settings.replace(engine="gtts", concurrency=1)
    services = build_services(cfg)
    store = open_store(cfg)
    fake_google.delay = 0.05
    result = submit_article(store, _article(), cfg)
    Worker(store, services.pipeline, cfg, restitch_interval_s=0.0).run_until_idle()
    rows = store.articles.segments(result.article.id)
    clips = [services.pipeline.cached_clip(r.segment) for r in rows[:2]]
    services.pipeline.close()
    assert [c.segment.kind for c in clips if c is not None] == ["title", "paragraph"]
    # title and first paragraph were published as Google's frames as they came, the pause
    # after each made of silent frames: bytes no ffmpeg encode would give
    first = b"".join(c.audio + SILENT_FRAME * round(c.segment.pause_ms / FRAME_MS)
                     for c in clips if c is not None)
    published = {p.read_bytes() for p in media_dir(cfg).glob("*.mp3")}
    assert first in published and len(published) >= 2
    # the files after it are stitched (trimmed, levelled, encoded); the last one is tagged
    final = [r for r in store.renditions.for_article(result.article.id) if r.kind == "mp3"][0]
    assert final.complete and (media_dir(cfg) / final.path).read_bytes()[:3] == b"ID3"


def test_killed_worker_resumes_without_resynthesizing(
        fake_google: FakeGoogle, settings: Settings) -> None:
    # On PostgreSQL the worker is taken for one on another machine: no pid is probed, its
    # claim is taken over when its lease (short here) runs out on the database's clock.
    cfg = settings.replace(engine="gtts", concurrency=1,
                           job_lease_s=30.0 if settings.database_url is None else 3.0)
    store = open_store(cfg)
    result = submit_article(store, _article(), cfg)
    with FakeGoogleProxy() as proxy:
        proxy.fake.delay = 0.4
        env = _env(proxy_env(proxy.url), cfg, BANTIN_CONCURRENCY="1", BANTIN_ENGINE="gtts")
        proc = subprocess.Popen([BANTIN, "worker"], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 60
            while store.jobs.get(result.job.id).done < 2 and time.monotonic() < deadline:
                time.sleep(0.05)
            os.kill(proc.pid, signal.SIGKILL)
        finally:
            proc.wait(timeout=10)
        spoken_before = list(proxy.fake.texts)
    job = store.jobs.get(result.job.id)
    assert job.status == "running" and job.done >= 2  # the dead worker's claim is still there
    done_texts = {s.segment.spoken for s in store.articles.segments(result.article.id)
                  if s.status == "done"}
    services = build_services(cfg)
    runner = Worker(store, services.pipeline, cfg)
    if store.embedded:
        assert runner.run_until_idle() == 1  # one machine: the dead pid is seen at once
    else:
        assert runner.run_until_idle() == 0  # its lease still holds
        deadline = time.monotonic() + 60
        while not runner.run_once() and time.monotonic() < deadline:
            time.sleep(0.2)
        runner.drain()
    services.pipeline.close()
    assert store.jobs.get(result.job.id).status == "done"
    assert not done_texts & set(fake_google.texts)  # finished segments were not asked again
    assert len(spoken_before) + len(fake_google.texts) <= 5 + 1  # at most one in flight twice


def test_edited_article_keeps_its_address_and_redoes_only_changes(
        app: Flask, worker: Worker, web_settings: Settings, fake_google: FakeGoogle) -> None:
    st = app.extensions["bantin"]
    first = submit_article(st.store, _article(), web_settings)
    worker.run_until_idle()
    before = fake_google.requests
    edited = [*PARAS[:2], "Thu nhập bình quân đầu người đã tăng gấp đôi.", PARAS[3]]
    again = submit_article(st.store, _article(paras=edited), web_settings)
    assert again.article.id == first.article.id and again.article.slug == first.article.slug
    assert again.job.id != first.job.id and again.job.status == "queued"
    worker.run_until_idle()
    assert fake_google.texts[before:] == ["Thu nhập bình quân đầu người đã tăng gấp đôi."]
    assert st.store.jobs.get(again.job.id).status == "done"
    same = submit_article(st.store, _article(paras=edited), web_settings)
    assert same.job.id == again.job.id and not same.changed


def test_failed_segment_is_reported_and_the_rest_kept(
        app: Flask, worker: Worker, web_settings: Settings, fake_google: FakeGoogle) -> None:
    st = app.extensions["bantin"]
    submit_article(st.store, _article(), web_settings)
    worker.run_until_idle()
    fake_google.mode = "500"
    result = submit_article(st.store, _article(url="https://ubnd.example.vn/tin/2",
                                               paras=[*PARAS, "Một đoạn mới chưa đọc."]),
                            web_settings)
    worker.run_until_idle()
    job = st.store.jobs.get(result.job.id)
    assert job.status == "done" and job.done == 5 and job.total == 6
    assert job.error and "1 đoạn lỗi" in job.error
    failed = [s for s in st.store.articles.segments(result.article.id) if s.status == "failed"]
    assert [s.segment.display for s in failed] == ["Một đoạn mới chưa đọc."]
    assert failed[0].error
    mp3 = [r for r in st.store.renditions.for_article(result.article.id) if r.kind == "mp3"][0]
    assert mp3.complete and mp3.segments_done == 5
    page = app.test_client().get(f"/bai/{result.article.slug}").get_data(as_text=True)
    assert "Chưa đọc được" in page and "đoạn 5" in page
    fake_google.mode = "ok"
    st.store.jobs.retry(job.id)
    worker.run_until_idle()
    assert st.store.jobs.get(job.id).status == "done" and st.store.jobs.get(job.id).error is None


def test_offline_fallback_is_recorded_per_segment(
        fake_google: FakeGoogle, settings: Settings, tmp_path: Path) -> None:
    cfg = settings.replace(engine="auto", retries=0, breaker_threshold=100)
    services = build_services(cfg)
    store = open_store(cfg)
    fake_google.mode = "500"
    result = submit_article(store, _article(), cfg)
    Worker(store, services.pipeline, cfg, build_extras=False).run_until_idle()
    services.pipeline.close()
    segs = store.articles.segments(result.article.id)
    assert {s.engine for s in segs} == {"espeak"}
    assert all(s.fallback_reason for s in segs)
    assert store.jobs.get(result.job.id).status == "done"


def test_two_worker_processes_share_the_queue_without_doing_work_twice(
        settings: Settings) -> None:
    cfg = settings.replace(engine="gtts")
    store = open_store(cfg)
    results = [submit_article(store, _article(url=f"https://ubnd.example.vn/tin/{n}",
                                              title=f"Tin số {n} của huyện",
                                              paras=[f"Bản tin số {n}: {p}" for p in PARAS]),
                              cfg) for n in range(4)]
    with FakeGoogleProxy() as proxy:
        proxy.fake.delay = 0.05
        env = _env(proxy_env(proxy.url), cfg, BANTIN_ENGINE="gtts")
        procs = [subprocess.Popen([BANTIN, "worker", "--count", "2"], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                 for _ in range(2)]
        try:
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline and any(
                    store.jobs.get(r.job.id).status != "done" for r in results):
                time.sleep(0.1)
        finally:
            for proc in procs:
                proc.terminate()
                proc.wait(timeout=30)
        texts = list(proxy.fake.texts)
    assert all(store.jobs.get(r.job.id).status == "done" for r in results)
    assert len(texts) == len(set(texts)) == 4 * 5  # every segment spoken exactly once
    assert {store.jobs.get(r.job.id).attempts for r in results} == {1}  # each claimed once


def test_deleting_an_article_while_it_is_synthesized(fake_google: FakeGoogle,
                                                     settings: Settings) -> None:
    cfg = settings.replace(engine="gtts", concurrency=1)
    services = build_services(cfg)
    store = open_store(cfg)
    fake_google.delay = 0.15
    result = submit_article(store, _article(), cfg)
    runner = Worker(store, services.pipeline, cfg, restitch_interval_s=0.0)
    outcome: list[bool] = []
    thread = threading.Thread(target=lambda: outcome.append(runner.run_once()))
    thread.start()
    while store.jobs.get(result.job.id).done < 1:
        time.sleep(0.02)
    store.articles.delete(result.article.id)
    thread.join(timeout=60)
    services.pipeline.close()
    assert outcome == [True] and store.jobs.recent() == []
    assert not runner.run_once()


def test_resubmitting_after_a_failure_retries_the_same_job(
        fake_google: FakeGoogle, settings: Settings) -> None:
    cfg = settings.replace(engine="gtts", retries=0, breaker_threshold=1000)
    services = build_services(cfg)
    store = open_store(cfg)
    runner = Worker(store, services.pipeline, cfg, build_extras=False)
    fake_google.mode = "500"
    first = submit_article(store, _article(), cfg)
    runner.run_until_idle()
    failed = store.jobs.get(first.job.id)
    assert failed.status == "failed" and failed.error
    fake_google.mode = "ok"
    again = submit_article(store, _article(), cfg)
    assert again.job.id == first.job.id and again.job.status == "queued"
    runner.run_until_idle()
    services.pipeline.close()
    assert store.jobs.get(first.job.id).status == "done"


def test_untitled_article_is_named_by_its_opening_words(
        app: Flask, worker: Worker, web_settings: Settings) -> None:
    st = app.extensions["bantin"]
    result = submit_article(st.store, Article(title=None, paragraphs=PARAS[:2]), web_settings)
    assert result.article.slug.startswith("sau-hai-nam-huyen-da-dat")
    worker.run_until_idle()
    assert st.store.jobs.get(result.job.id).status == "done"
    html = app.test_client().get(f"/bai/{result.article.slug}").get_data(as_text=True)
    assert "<h1>Sau hai năm, huyện đã đạt nhiều kết quả tích cực.</h1>" in html


class _GatedPipeline:
    """The real pipeline, whose WebM encodes (an extra rendition) wait for a gate to open."""

    def __init__(self, pipeline: object, gate: threading.Event) -> None:
        self._pipeline = pipeline
        self._gate = gate
        self.webm_threads: list[tuple[str, int]] = []  # (thread name, its nice value)

    def __getattr__(self, name: str) -> object:
        return getattr(self._pipeline, name)

    def stitch(self, clips: object, out_path: Path, **kwargs: object) -> object:
        if kwargs.get("fmt") == "webm":
            nice = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
            self.webm_threads.append((threading.current_thread().name, nice))
            self._gate.wait(20)
        return self._pipeline.stitch(clips, out_path, **kwargs)  # type: ignore[attr-defined]


def test_extras_do_not_hold_up_the_next_article(
        fake_google: FakeGoogle, settings: Settings) -> None:
    cfg = settings.replace(engine="gtts")
    services = build_services(cfg)
    store = open_store(cfg)
    gate = threading.Event()
    pipeline = _GatedPipeline(services.pipeline, gate)
    worker = Worker(store, pipeline, cfg, background_extras=True)
    first = submit_article(store, _article(), cfg)
    second = submit_article(store, _article("https://ubnd.example.vn/tin/2",
                                            title="Xã hoàn thành tiêm chủng"), cfg)
    try:
        assert worker.run_once()
        # The first article is playable whole; its extras wait, its job keeps its lease...
        kinds = {r.kind: r.complete for r in store.renditions.for_article(first.article.id)}
        assert kinds == {"mp3": True}
        assert store.jobs.get(first.job.id).status == "running"
        # ...and the worker already reads the next article instead of waiting for them.
        assert worker.run_once()
        assert {r.kind for r in store.renditions.for_article(second.article.id)} == {"mp3"}
        assert store.jobs.claim("another-worker") is None  # both still leased by this worker
        gate.set()
        worker.drain()
    finally:
        gate.set()
        worker.drain()
        services.pipeline.close()
    for result in (first, second):
        assert store.jobs.get(result.job.id).status == "done"
        assert {r.kind for r in store.renditions.for_article(result.article.id)} == \
            {"mp3", "webm", "broadcast"}
    # Written by the extras thread, at a lower CPU priority than the worker's own.
    mine = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    assert pipeline.webm_threads
    assert all(name.startswith("extras") and (nice > mine or mine == 19)
               for name, nice in pipeline.webm_threads), pipeline.webm_threads


def test_worker_stopping_hands_back_a_job_whose_extras_are_pending(
        fake_google: FakeGoogle, settings: Settings) -> None:
    cfg = settings.replace(engine="gtts")
    services = build_services(cfg)
    store = open_store(cfg)
    gate = threading.Event()
    worker = Worker(store, _GatedPipeline(services.pipeline, gate), cfg, background_extras=True)
    result = submit_article(store, _article(), cfg)
    try:
        assert worker.run_once()
        worker.hand_back()
    finally:
        gate.set()
        worker.drain()
    job = store.jobs.get(result.job.id)
    assert job.status == "queued"  # another worker writes the extras from the cached clips
    assert Worker(store, services.pipeline, cfg).run_until_idle() == 1
    services.pipeline.close()
    assert {r.kind for r in store.renditions.for_article(result.article.id)} == \
        {"mp3", "webm", "broadcast"}
