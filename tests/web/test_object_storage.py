"""Media in S3-compatible object storage: a real SeaweedFS on loopback (tests/servers.py).

The web node and the worker get separate data directories: only the database (here the
embedded store object) and the bucket are between them.
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import re
import secrets
from dataclasses import asdict
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
import requests
from boto3.s3.transfer import TransferConfig
from flask import Flask
from flask.testing import FlaskClient

from bantin_audio.bulletin import Bulletin, fingerprint
from bantin_audio.config import Settings
from bantin_audio.errors import AudioError
from bantin_audio.jobs import Worker, collect_media, media_dir, migrate_chimes
from bantin_audio.media_store import (
    CHIME_PREFIX,
    LocalMediaStore,
    S3MediaStore,
    open_media,
)
from bantin_audio.services import Services
from bantin_audio.store import BulletinBuildRow
from bantin_audio.web import create_app
from tests.bulletin.builds import make_tone
from tests.servers import SeaweedS3
from tests.web.bulletin_flow import Editor, articles
from tests.web.conftest import ARTICLE


@pytest.fixture
def s3_settings(web_settings: Settings, seaweedfs: SeaweedS3) -> Settings:
    """Settings of the scaled media mode: objects under a prefix of this test's own."""
    return web_settings.replace(
        media_url=f"s3://{seaweedfs.bucket}/t-{secrets.token_hex(6)}/bantin",
        media_endpoint=seaweedfs.endpoint,
        media_access_key=seaweedfs.access_key, media_secret_key=seaweedfs.secret_key)


@pytest.fixture
def app(s3_settings: Settings, services: Services) -> Flask:
    """The web node: its own data directory, media in the bucket."""
    application = create_app(s3_settings, services)
    application.config["TESTING"] = True
    return application


@pytest.fixture
def worker_settings(s3_settings: Settings, tmp_path: Path) -> Settings:
    """A worker machine: another data directory, its own scratch disk."""
    return s3_settings.replace(data_dir=tmp_path / "may-2", scratch_dir=tmp_path / "may-2-tam")


@pytest.fixture
def worker(app: Flask, services: Services, worker_settings: Settings) -> Worker:
    """A worker on the shared store, writing media only to the bucket."""
    st = app.extensions["bantin"]
    return Worker(st.store, services.pipeline, worker_settings, wake=st.wake)


def _bucket(settings: Settings, seaweedfs: SeaweedS3) -> tuple[str, list[str]]:
    """Return the bucket and the keys of this test's objects (less the test's own prefix)."""
    bucket, _, prefix = settings.media_url.removeprefix("s3://").partition("/")
    test_prefix = prefix.split("/")[0] + "/"
    keys = [k.removeprefix(test_prefix) for k in seaweedfs.keys(test_prefix)]
    return bucket, keys


def _files(directory: Path) -> list[Path]:
    """Return the files under `directory`, less the clip cache: the tests' pipeline (shared by
    the web app and the worker) keeps its clips and PCM there, as a worker machine would."""
    if not directory.exists():
        return []
    return [p for p in directory.rglob("*") if p.is_file() and "cache" not in
            p.relative_to(directory).parts[:1]]


def _follow(client: FlaskClient, url: str, **headers: str) -> requests.Response:
    """GET a media address: our redirect, then the object store, as a browser does."""
    first = client.get(url)
    assert first.status_code == 302, first.get_data(as_text=True)
    location = first.headers["Location"]
    assert location.startswith("http://127.0.0.1:")
    return requests.get(location, headers=headers, timeout=10, allow_redirects=False)


def test_rendition_goes_to_the_bucket_and_the_page_plays_it(
        client: FlaskClient, submit: Any, app: Flask, worker_settings: Settings,
        seaweedfs: SeaweedS3) -> None:
    done = submit(ARTICLE)
    article = done["article"]
    store = app.extensions["bantin"].store
    renditions = {r.kind: r for r in store.renditions.for_article(article["id"])}
    assert {"mp3", "webm", "broadcast"} <= set(renditions)
    _, keys = _bucket(app.extensions["bantin"].settings, seaweedfs)
    for rendition in renditions.values():
        assert f"bantin/{rendition.path}" in keys
    # nothing on the web node's disk, nothing left on the worker's scratch disk
    web_dir = app.extensions["bantin"].settings.data_dir
    assert not [p for p in _files(web_dir) if p.suffix in (".mp3", ".webm")]
    assert not _files(worker_settings.scratch_root)
    assert not [p for p in _files(worker_settings.data_dir) if p.suffix in (".mp3", ".webm")]

    mp3 = renditions["mp3"]
    page = client.get(f"/bai/{article['slug']}").get_data(as_text=True)
    assert f"/am-thanh/{mp3.path}" in page
    whole = _follow(client, f"/am-thanh/{mp3.path}")
    assert whole.status_code == 200
    assert hashlib.sha256(whole.content).hexdigest() == mp3.content_hash
    assert whole.headers["Content-Type"] == "audio/mpeg"
    assert "immutable" in whole.headers["Cache-Control"]
    part = _follow(client, f"/am-thanh/{mp3.path}", Range="bytes=100-1099")
    assert part.status_code == 206
    assert part.headers["Content-Range"] == f"bytes 100-1099/{mp3.bytes}"
    assert part.content == whole.content[100:1100]
    # the redirect itself is cached for less than the presigned address lives
    assert client.get(f"/am-thanh/{mp3.path}").headers["Cache-Control"] == \
        "private, max-age=1800"
    # a download carries the article's name
    download = _follow(client, f"/am-thanh/{renditions['broadcast'].path}?tai=1")
    assert download.status_code == 200
    assert download.headers["Content-Disposition"].startswith(
        'attachment; filename="huyen-bach-thong-hoan-thanh-37-chi-tieu-phat-thanh.mp3"')
    # the API and the feed give the same addresses
    api = client.get(f"/api/articles/{article['id']}").get_json()
    urls = {r["kind"]: r["url"] for r in api["renditions"]}
    assert urls["mp3"].endswith(f"/am-thanh/{mp3.path}")
    assert f"/am-thanh/{mp3.path}" in client.get("/feed.xml").get_data(as_text=True)


def test_public_base_url_redirects_there_and_is_cached_like_the_object(
        app: Flask, s3_settings: Settings, services: Services, seaweedfs: SeaweedS3,
        tmp_path: Path) -> None:
    bucket = s3_settings.media_url.removeprefix("s3://").split("/")[0]
    # SeaweedFS serves the bucket path-style; a CDN would sit in front of the same address
    cdn = s3_settings.replace(media_public_url=f"{seaweedfs.endpoint}/{bucket}/",
                              data_dir=tmp_path / "web-2")
    media = open_media(cdn)
    source = tmp_path / "a.mp3"
    source.write_bytes(b"\xff\xf3" * 600)
    name = hashlib.sha256(source.read_bytes()).hexdigest()[:32] + ".mp3"
    media.put_file(name, source)
    seaweedfs.client().put_bucket_policy(Bucket=bucket, Policy=json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": "*", "Action": ["s3:GetObject"],
            "Resource": [f"arn:aws:s3:::{bucket}/*"]}]}))
    web = create_app(cdn, services).test_client()
    resp = web.get(f"/am-thanh/{name}")
    assert resp.status_code == 302
    prefix = s3_settings.media_url.removeprefix(f"s3://{bucket}/")
    assert resp.headers["Location"] == f"{seaweedfs.endpoint}/{bucket}/{prefix}/{name}"
    assert resp.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    got = requests.get(resp.headers["Location"], headers={"Range": "bytes=0-9"}, timeout=10)
    assert got.status_code == 206 and got.content == source.read_bytes()[:10]
    # a download still goes through a presigned address, which names the file
    assert "X-Amz-Signature=" in web.get(f"/am-thanh/{name}?tai=1").headers["Location"]


def test_bulletin_build_and_chime_by_content(
        editor_s3: Editor, submit: Any, worker: Worker, client: FlaskClient, app: Flask,
        seaweedfs: SeaweedS3, tmp_path: Path, worker_settings: Settings) -> None:
    ids = articles(submit, worker)
    tone = make_tone(tmp_path / "nhac-hieu.wav", seconds=3)
    bid = editor_s3.create()
    resp = editor_s3.post(f"/quan-tri/ban-tin/{bid}/nhac",
                          {"nhac": (tone.open("rb"), "nhac-hieu.wav")},
                          content_type="multipart/form-data")
    assert resp.status_code == 303
    key = editor_s3.store.bulletins.get(bid).data["station"]["chime_path"]
    assert key == f"{CHIME_PREFIX}{hashlib.sha256(tone.read_bytes()).hexdigest()}.wav"
    _, keys = _bucket(app.extensions["bantin"].settings, seaweedfs)
    assert f"bantin/{key}" in keys
    for article_id in ids:
        editor_s3.add(bid, article_id)
    assert editor_s3.post(f"/quan-tri/ban-tin/{bid}/dung").status_code == 303
    worker.run_until_idle()
    build = editor_s3.store.bulletins.latest_build(bid)
    assert build is not None
    bulletin = Bulletin.from_dict(editor_s3.store.bulletins.get(bid).data)
    assert build.fingerprint == fingerprint(bulletin)  # built with the chime it names
    # the 3-second chime is in the programme: it lies between the items (a plain pause is
    # 1.5 s), so the worker fetched it from the bucket by its key
    items = [c for c in build.cues if c["kind"] == "item"]
    gaps = [b["start_ms"] - (a["start_ms"] + a["duration_ms"]) for a, b in pairwise(items)]
    assert gaps and all(gap >= 3000 for gap in gaps), build.cues
    _, keys = _bucket(app.extensions["bantin"].settings, seaweedfs)
    for name in build.files.values():
        assert f"bantin/ban-tin/{name}" in keys
    web_dir = app.extensions["bantin"].settings.data_dir
    assert not [p for p in _files(web_dir) if p.suffix in (".mp3", ".wav", ".csv", ".txt")]
    assert not _files(worker_settings.scratch_root)
    # the editor hears the draft through the redirect; a Range gives the right slice
    url = f"/quan-tri/ban-tin/{bid}/tep/{build.files['web']}"
    whole = _follow(editor_s3.client, url)
    assert whole.status_code == 200 and len(whole.content) == build.sizes["web"]
    part = _follow(editor_s3.client, url, Range="bytes=-500")
    assert part.status_code == 206 and part.content == whole.content[-500:]
    # approved, it is public (page, file, feed)
    assert editor_s3.post(f"/quan-tri/ban-tin/{bid}/duyet",
                          {"editor": "Lan"}).status_code == 303
    assert client.get(f"/ban-tin/{bid}").status_code == 200
    public = _follow(client, f"/ban-tin/{bid}/tep/{build.files['broadcast']}?tai=1")
    assert public.status_code == 200 and len(public.content) == build.sizes["broadcast"]
    assert "attachment" in public.headers["Content-Disposition"]


@pytest.fixture
def editor_s3(client: FlaskClient, app: Flask) -> Editor:
    """A signed-in editor of the scaled-mode app."""
    return Editor(client, str(app.extensions["bantin"].admin_token), app)


def test_collector_removes_unreferenced_objects_only(
        app: Flask, submit: Any, s3_settings: Settings, seaweedfs: SeaweedS3,
        tmp_path: Path) -> None:
    store = app.extensions["bantin"].store
    media = app.extensions["bantin"].media
    article_id = submit(ARTICLE)["article"]["id"]
    kept = {r.path for r in store.renditions.for_article(article_id)}
    scratch = tmp_path / "gc"
    scratch.mkdir()

    def put(name: str) -> str:
        source = scratch / "x"
        source.write_bytes(name.encode() * 50)
        media.put_file(name, source)
        return name

    gone = put("0" * 32 + ".mp3")
    old_build = put("ban-tin/" + "1" * 32 + ".wav")
    live_build = put("ban-tin/" + "2" * 32 + ".mp3")
    chime = put(CHIME_PREFIX + "3" * 64 + ".wav")
    bid = store.bulletins.save({"title": "Bản tin", "date": "2022-10-25", "items": [
        {"article_id": article_id}]}).id
    store.bulletins.put_build(BulletinBuildRow(
        bulletin_id=bid, fingerprint="f", duration_ms=1, files={"web": "2" * 32 + ".mp3"},
        sizes={"web": 1}, cues=[], loudness={}, engines={}))
    # just written: a player may still be fetching it, so it stays through the grace period
    assert collect_media(store, media) == 0
    _, before = _bucket(s3_settings, seaweedfs)
    assert f"bantin/{gone}" in before and f"bantin/{old_build}" in before
    # what stays: the article's renditions, the live build, the chime; the two unreferenced
    # objects go, and so do the article's earlier prefixes (replaced while it was read)
    stays = {f"bantin/{k}" for k in (*kept, live_build, chime)}
    assert collect_media(store, media, min_age_s=0) == len(before) - len(stays)
    _, keys = _bucket(s3_settings, seaweedfs)
    assert set(keys) == stays


def test_failed_upload_leaves_no_row_and_no_object(
        app: Flask, post_article: Any, services: Services, worker_settings: Settings,
        seaweedfs: SeaweedS3, client: FlaskClient) -> None:
    st = app.extensions["bantin"]
    # a worker whose uploads are refused (its secret key is wrong)
    refused = worker_settings.replace(media_secret_key="sai-" + "0" * 28)
    worker = Worker(st.store, services.pipeline, refused, wake=st.wake)
    job = post_article(ARTICLE)["job"]
    worker.run_until_idle()
    row = st.store.jobs.get(job["id"])
    assert row.status in ("queued", "failed") and row.error and "Kho tệp (S3)" in row.error
    assert row.article_id is not None
    assert st.store.renditions.for_article(row.article_id) == []
    _, keys = _bucket(st.settings, seaweedfs)
    assert keys == []
    assert not _files(refused.scratch_root)


# s3transfer leaves the stopped part's file handle to the garbage collector (closed there).
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_upload_stopped_midway_leaves_no_partial_object(
        s3_settings: Settings, seaweedfs: SeaweedS3, tmp_path: Path) -> None:
    media = S3MediaStore(s3_settings)
    # parts of 5 MB (the S3 minimum), so the 12 MB file goes up in a multipart upload
    media.transfer = TransferConfig(multipart_threshold=5 << 20, multipart_chunksize=5 << 20,
                                    max_concurrency=1)
    big = tmp_path / "big.wav"
    big.write_bytes(os.urandom(12 << 20))
    name = hashlib.sha256(big.read_bytes()).hexdigest()[:32] + ".wav"

    class Stop(Exception):
        pass

    def stop_after_first_part(sent: int) -> None:
        if sent >= 5 << 20:
            raise Stop

    with pytest.raises(Stop):
        media.put_file(name, big, progress=stop_after_first_part)
    gc.collect()  # that handle, closed here rather than in whichever test runs next
    assert not media.exists(name)
    bucket, keys = _bucket(s3_settings, seaweedfs)
    assert keys == []
    prefix = s3_settings.media_url.removeprefix(f"s3://{bucket}/")
    pending = seaweedfs.client().list_multipart_uploads(Bucket=bucket, Prefix=prefix).get(
        "Uploads", [])
    assert pending == []  # the started multipart upload was aborted
    assert big.exists()  # the source stays for another try
    assert media.put_file(name, big) == 12 << 20
    assert media.exists(name)


def test_unreachable_store_is_a_clear_error(s3_settings: Settings, tmp_path: Path) -> None:
    from tests.servers import free_port

    media = S3MediaStore(s3_settings.replace(media_endpoint=f"http://127.0.0.1:{free_port()}"))
    source = tmp_path / "a.mp3"
    source.write_bytes(b"x")
    with pytest.raises(AudioError, match="Kho tệp"):
        media.put_file("a" * 32 + ".mp3", source)


def test_chimes_named_by_path_move_into_the_store_and_stay_approved(
        tmp_path: Path, web_settings: Settings) -> None:
    """An embedded data dir from before: chime by absolute path, approved with the old hash."""
    from bantin_audio.jobs import open_store
    from bantin_audio.model import Article

    store = open_store(web_settings)
    legacy_dir = web_settings.data_dir / "nhac-chuyen-tin"
    legacy_dir.mkdir(parents=True)
    tone = make_tone(legacy_dir / ("a" * 32 + ".wav"), seconds=0.3)
    from bantin_audio.jobs import submit_article

    article = submit_article(store, Article(title="Tin", paragraphs=["Một đoạn tin."]),
                             web_settings).article
    bulletin = Bulletin.from_dict({"title": "Bản tin", "date": "2022-10-25", "items": [
        {"article_id": article.id, "article": article.article.to_dict()}],
        "station": {"chime_path": str(tone)}})
    # the fingerprint as it was computed before chimes were kept by content
    content = {"title": bulletin.title, "date": bulletin.date,
               "items": [[i.article_id, i.article.to_dict()] for i in bulletin.items],
               "station": asdict(bulletin.station),
               "chime": hashlib.sha256(tone.read_bytes()).hexdigest()}
    old = hashlib.sha256(json.dumps(content, ensure_ascii=False, sort_keys=True)
                         .encode("utf-8")).hexdigest()
    bulletin.status, bulletin.approved_by, bulletin.approved_fingerprint = \
        "approved", "Lan", old
    bid = store.bulletins.save(bulletin.to_dict()).id
    store.bulletins.put_build(BulletinBuildRow(
        bulletin_id=bid, fingerprint=old, duration_ms=1, files={"web": "b" * 32 + ".mp3"},
        sizes={"web": 1}, cues=[], loudness={}, engines={}))
    store.bulletins.set_defaults({"chime_path": str(tone)})
    media = LocalMediaStore(media_dir(web_settings))

    assert migrate_chimes(store, media) == 2
    key = f"{CHIME_PREFIX}{hashlib.sha256(tone.read_bytes()).hexdigest()}.wav"
    assert (media_dir(web_settings) / key).read_bytes() == tone.read_bytes()
    migrated = Bulletin.from_dict(store.bulletins.get(bid).data)
    assert migrated.station.chime_path == key
    assert store.bulletins.defaults()["chime_path"] == key
    assert migrated.approved_fingerprint == fingerprint(migrated)
    assert store.bulletins.latest_build(bid).fingerprint == fingerprint(migrated)
    assert migrate_chimes(store, media) == 0  # done once


def test_media_url_is_checked() -> None:
    from bantin_audio.errors import InputError

    for bad in ("http://bucket/x", "s3://", "s3:///x"):
        with pytest.raises(InputError, match="BANTIN_MEDIA_URL"):
            Settings.from_env({"BANTIN_MEDIA_URL": bad})
    settings = Settings.from_env({"BANTIN_MEDIA_URL": "s3://bantin/am-thanh/",
                                  "BANTIN_MEDIA_URL_TTL": "600"})
    assert settings.media_url == "s3://bantin/am-thanh/" and settings.media_url_ttl == 600
    with pytest.raises(InputError, match="BANTIN_MEDIA_PUBLIC_URL"):
        Settings.from_env({"BANTIN_MEDIA_PUBLIC_URL": "cdn.example.vn"})


def test_embedded_mode_keeps_files_in_the_data_dir(settings: Settings) -> None:
    media = open_media(settings)
    assert isinstance(media, LocalMediaStore)
    assert media.local_path("a" * 32 + ".mp3") == settings.data_dir / "media" / ("a" * 32
                                                                                  + ".mp3")
    with pytest.raises(Exception, match="không hợp lệ"):
        media.local_path("../ngoai.mp3")
    assert re.match(r"^file://", media.url("a" * 32 + ".mp3"))




def test_media_push_copies_a_data_dir_into_the_bucket_once(
        s3_settings: Settings, seaweedfs: SeaweedS3, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from bantin_audio.cli import main

    data_dir = tmp_path / "du-lieu"
    local = LocalMediaStore(data_dir / "media")
    names = ["a" * 32 + ".mp3", "b" * 32 + ".webm", "ban-tin/" + "c" * 32 + ".wav",
             CHIME_PREFIX + "d" * 64 + ".mp3"]
    for name in names:
        source = tmp_path / "nguon"
        source.write_bytes(name.encode() * 20)
        local.put_file(name, source)
    (data_dir / "media" / ".dang-ghi.part").write_bytes(b"x")  # a temp file is no object
    env = {"BANTIN_DATA_DIR": str(data_dir), "BANTIN_MEDIA_URL": s3_settings.media_url,
           "BANTIN_MEDIA_ENDPOINT": s3_settings.media_endpoint,
           "BANTIN_MEDIA_ACCESS_KEY": s3_settings.media_access_key,
           "BANTIN_MEDIA_SECRET_KEY": s3_settings.media_secret_key}
    runner = CliRunner()
    first = runner.invoke(main, ["media", "push"], env=env)
    assert first.exit_code == 0, first.output
    assert "Đã chép 4 tệp" in first.output and "(0 tệp đã có)" in first.output
    bucket, keys = _bucket(s3_settings, seaweedfs)
    assert sorted(keys) == sorted(f"bantin/{n}" for n in names)
    prefix = s3_settings.media_url.removeprefix(f"s3://{bucket}/")
    head = seaweedfs.client().head_object(Bucket=bucket, Key=f"{prefix}/{names[1]}")
    assert head["ContentType"] == "audio/webm"
    assert head["CacheControl"] == "public, max-age=31536000, immutable"
    again = runner.invoke(main, ["media", "push"], env=env)
    assert again.exit_code == 0 and "Đã chép 0 tệp" in again.output \
        and "(4 tệp đã có)" in again.output
    unset = runner.invoke(main, ["media", "push"], env={**env, "BANTIN_MEDIA_URL": ""})
    assert unset.exit_code == 1 and "Chưa đặt BANTIN_MEDIA_URL" in unset.output


def test_another_worker_machine_reads_the_clips_instead_of_asking_google_again(
        s3_settings: Settings, fake_google: Any, seaweedfs: SeaweedS3, tmp_path: Path) -> None:
    from bantin_audio.jobs import build_segments
    from bantin_audio.model import Article, Script
    from bantin_audio.services import build_services

    article = Article(title="Huyện tổ chức hội nghị tổng kết",
                      paragraphs=["Sáng nay, huyện tổ chức hội nghị tổng kết công tác năm.",
                                  "Các xã báo cáo kết quả thu hoạch lúa mùa."])
    first = build_services(s3_settings.replace(cache_dir=tmp_path / "may-1"))
    second = build_services(s3_settings.replace(cache_dir=tmp_path / "may-2"))
    try:
        segments = build_segments(article, s3_settings, None)
        script = Script(segments=segments, title=article.headline)
        made = first.pipeline.synthesize(script)
        asked = fake_google.requests
        assert asked > 0 and not any(c.cached for c in made)
        _, keys = _bucket(s3_settings, seaweedfs)
        assert sum(k.startswith("bantin/clips/") for k in keys) == asked
        again = second.pipeline.synthesize(script)  # an empty cache on another machine
        assert fake_google.requests == asked and all(c.cached for c in again)
        assert [c.audio for c in again] == [c.audio for c in made]
        assert list((tmp_path / "may-2").rglob("*.mp3"))  # kept locally from now on
    finally:
        first.pipeline.close()
        second.pipeline.close()
    # the embedded mode has no shared tier
    embedded = build_services(s3_settings.replace(media_url=None))
    assert embedded.cache.shared is None
    embedded.pipeline.close()
