"""Bulletin admin pages: sign-in and CSRF, compose, reorder, chime, build, approval rules."""

from __future__ import annotations

import hashlib
import io
import wave
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from bantin_audio.audio.loudness import measure_loudness
from bantin_audio.jobs import Worker, bulletin_media_dir, media_dir
from bantin_audio.model import Article, Segment
from tests.bulletin.builds import make_tone
from tests.web.bulletin_flow import Editor, articles, built_bulletin
from tests.web.retries import run_through_back_off


@pytest.fixture
def editor(client: FlaskClient, token: str, app: Flask) -> Editor:
    """A signed-in editor."""
    return Editor(client, token, app)


def test_pages_need_sign_in_and_the_csrf_token(client: FlaskClient, token: str,
                                               app: Flask) -> None:
    assert client.get("/quan-tri/ban-tin").status_code == 401
    assert client.post("/quan-tri/ban-tin/tao", data={}).status_code == 401  # who, first
    ed = Editor(client, token, app)
    assert "Tạo bản tin mới" in client.get("/quan-tri/ban-tin").get_data(as_text=True)
    assert client.post("/quan-tri/ban-tin/tao", data={"date": "2022-10-25"}).status_code == 403
    assert client.post("/quan-tri/ban-tin/tao", data={"csrf_token": "sai"}).status_code == 403
    bid = ed.create(title="Bản tin sáng")
    assert "<h1>Bản tin sáng</h1>" in ed.page(bid)
    client.post("/quan-tri/dang-xuat", data={"csrf_token": ed.csrf})
    assert client.get(f"/quan-tri/ban-tin/{bid}").status_code == 401
    assert client.get(f"/quan-tri/ban-tin/{bid}/tien-do.json").status_code == 401


def test_compose_reorder_and_remove(editor: Editor, submit: Any, worker: Worker) -> None:
    ids = articles(submit, worker)
    bid = editor.create()
    page = editor.page(bid)
    assert "Chưa có tin nào" in page and "Bản tin chưa có bài viết nào" in page
    for article_id in ids:
        editor.add(bid, article_id)
    assert editor.order(bid) == ids
    assert "Bài viết này đã có" in _flash(editor, editor.add(bid, ids[0]), bid)
    # no JS: a form post, then back to the moved item
    resp = editor.post(f"/quan-tri/ban-tin/{bid}/muc/{ids[0]}/xuong")
    assert resp.status_code == 303 and resp.headers["Location"].endswith(f"#muc-{ids[0]}")
    assert editor.order(bid) == [ids[1], ids[0], ids[2]]
    page = editor.page(bid)
    assert "Đã chuyển “Xã Quang Thuận thu hoạch lúa mùa” xuống vị trí 2." in page
    # the first item's "Lên" and the last item's "Xuống" are native disabled buttons
    assert page.count("disabled>Lên") == 1 and page.count("disabled>Xuống") == 1
    # with JS: the same post answers JSON for the status message
    resp = editor.post(f"/quan-tri/ban-tin/{bid}/muc/{ids[2]}/len",
                       headers={"Accept": "application/json"})
    assert resp.get_json() == {"ok": True, "message": "Đã chuyển “Ra quân vệ sinh môi trường” "
                                                      "lên vị trí 2."}
    assert editor.order(bid) == [ids[1], ids[2], ids[0]]
    resp = editor.post(f"/quan-tri/ban-tin/{bid}/muc/{ids[1]}/len",
                       headers={"Accept": "application/json"})
    assert resp.status_code == 400 and "đầu hoặc cuối" in resp.get_json()["message"]
    editor.post(f"/quan-tri/ban-tin/{bid}/muc/{ids[2]}/bo")
    assert editor.order(bid) == [ids[1], ids[0]]
    preview = editor.page(bid)
    assert "Tin thứ 1: Tiêm chủng cho trẻ em" in preview and "Lời kết:" in preview
    assert "Đây là Đài truyền thanh. Bản tin ngày 25 tháng 10 năm 2022." in preview
    assert "Quá dài" not in preview
    form = {"name": "Đài truyền thanh", "intro_template": "Đây là {station}.",
            "announcement_template": "Tin thứ {ordinal}: {title}", "outro": "Hết.",
            "pause_between": "1", "tempo": "1.0", "target_minutes": "0,1", "date": "2022-10-25"}
    page = _flash(editor, editor.post(f"/quan-tri/ban-tin/{bid}/cai-dat", form), bid)
    assert "<strong>Quá dài:</strong> Bản tin dài" in page
    assert "so với mục tiêu 6 giây. Các tin dài nhất: tin thứ " in page


def test_settings_are_checked_and_remembered(editor: Editor) -> None:
    bid = editor.create()
    form = {"name": "Đài truyền thanh xã Quang Thuận", "intro_template": "Đây là {station}.",
            "announcement_template": "Tin thứ {ordinal}: {title}", "outro": "Hết.",
            "pause_between": "2,5", "tempo": "1.5", "target_minutes": "5"}
    page = _flash(editor, editor.post(f"/quan-tri/ban-tin/{bid}/cai-dat", form), bid)
    assert "Chưa lưu thiết lập: Tốc độ đọc 1.5 nằm ngoài khoảng cho phép 0,8–1,2" in page
    bad = {**form, "tempo": "0.9", "intro_template": "Đây là {dai}."}
    page = _flash(editor, editor.post(f"/quan-tri/ban-tin/{bid}/cai-dat", bad), bid)
    assert "Mẫu lời giới thiệu không hợp lệ" in page
    ok = _flash(editor, editor.post(f"/quan-tri/ban-tin/{bid}/cai-dat", {**form, "tempo": "0.9"}),
                bid)
    assert "Đã lưu thiết lập" in ok
    station = editor.store.bulletins.get(bid).data["station"]
    assert station["tempo"] == 0.9 and station["pause_between_ms"] == 2500
    assert station["target_minutes"] == 5.0 and station["read_author"] is False
    second = editor.create()  # the station does not retype its name
    assert editor.store.bulletins.get(second).data["station"]["name"] == \
        "Đài truyền thanh xã Quang Thuận"
    assert 'value="0.9" selected' in editor.page(second)


def test_chime_upload_is_validated(editor: Editor, tmp_path: Path, app: Flask) -> None:
    bid = editor.create()
    url = f"/quan-tri/ban-tin/{bid}/nhac"
    page = _flash(editor, editor.post(url, {"nhac": (io.BytesIO(b"khong phai am thanh"),
                                                     "nhac.mp3")},
                                      content_type="multipart/form-data"), bid)
    assert "Chưa dùng được nhạc chuyển tin: Tệp nhạc chuyển tin “nhac.mp3” không phải WAV " \
        "hoặc MP3" in page
    broken = b"RIFF\x00\x00\x00\x00WAVEfmt " + b"\x00" * 40
    page = _flash(editor, editor.post(url, {"nhac": (io.BytesIO(broken), "hong.wav")},
                                      content_type="multipart/form-data"), bid)
    assert "Không đọc được tệp nhạc chuyển tin “hong.wav”" in page
    assert editor.store.bulletins.get(bid).data["station"]["chime_path"] is None
    tone = make_tone(tmp_path / "nhac-hieu.wav", seconds=0.5)
    page = _flash(editor, editor.post(url, {"nhac": (io.BytesIO(tone.read_bytes()),
                                                     "nhạc hiệu.wav")},
                                      content_type="multipart/form-data"), bid)
    assert "Đã tải lên nhạc chuyển tin “nhạc hiệu.wav”" in page
    # kept by content in the media store, named by its SHA-256
    key = editor.store.bulletins.get(bid).data["station"]["chime_path"]
    assert key == f"nhac-chuyen-tin/{hashlib.sha256(tone.read_bytes()).hexdigest()}.wav"
    chime = media_dir(app.extensions["bantin"].settings) / key
    assert chime.read_bytes() == tone.read_bytes()
    assert list(chime.parent.iterdir()) == [chime]  # no leftovers from the bad uploads
    assert editor.store.bulletins.defaults()["chime_path"] == key
    editor.post(url, {"bo_nhac": "1"})
    assert editor.store.bulletins.get(bid).data["station"]["chime_path"] is None
    # a 25-second WAV is over the 2 MB every other form may send, but a fine chime
    long = make_tone(tmp_path / "dai.wav", seconds=25, rate=48000)
    assert long.stat().st_size > 2 * 1024 * 1024
    # encoded here: the test client would spool a body this large to a file it never closes
    boundary, body = encode_multipart({"csrf_token": editor.csrf, "nhac": FileStorage(
        io.BytesIO(long.read_bytes()), "dai.wav")})
    page = _flash(editor, editor.client.post(
        url, data=body, content_type=f"multipart/form-data; boundary={boundary}"), bid)
    assert "Đã tải lên nhạc chuyển tin “dai.wav”" in page


def test_empty_bulletin_is_not_built(editor: Editor) -> None:
    bid = editor.create()
    page = _flash(editor, editor.post(f"/quan-tri/ban-tin/{bid}/dung"), bid)
    assert "Chưa dựng được: Bản tin chưa có bài viết nào" in page
    assert editor.store.jobs.latest_for_bulletin(bid) is None


def test_build_loudness_and_approval(editor: Editor, submit: Any, worker: Worker,
                                     app: Flask, client: FlaskClient) -> None:
    ids = articles(submit, worker)
    bid = editor.create()
    for article_id in ids:
        editor.add(bid, article_id)
    refused = _flash(editor, editor.post(f"/quan-tri/ban-tin/{bid}/duyet", {"editor": "Lan"}),
                     bid)
    assert "Chưa duyệt được: Cần dựng bản tin với nội dung hiện tại" in refused
    editor.post(f"/quan-tri/ban-tin/{bid}/dung")
    assert client.get(f"/quan-tri/ban-tin/{bid}/tien-do.json").get_json()["status"] == "queued"
    assert "Đang chờ dựng" in editor.page(bid)
    worker.run_until_idle()
    progress = client.get(f"/quan-tri/ban-tin/{bid}/tien-do.json").get_json()
    assert progress["status"] == "done" and progress["done"] == progress["total"] > 0
    build = editor.store.bulletins.latest_build(bid)
    directory = bulletin_media_dir(app.extensions["bantin"].settings)
    files = {k: directory / v for k, v in build.files.items()}
    assert set(files) == {"broadcast", "wav", "web", "cue_csv", "cue_text"}
    assert all(p.stat().st_size == build.sizes[k] for k, p in files.items())
    assert not list(media_dir(app.extensions["bantin"].settings).glob(".tmp-*"))
    broadcast = measure_loudness(files["broadcast"])
    assert broadcast.integrated == pytest.approx(-23.0, abs=1.0) and broadcast.true_peak <= -1.0
    web = measure_loudness(files["web"])
    assert web.integrated == pytest.approx(-16.0, abs=1.0) and web.true_peak <= -1.0
    with wave.open(str(files["wav"])) as wav:
        assert wav.getframerate() == 48000 and wav.getsampwidth() == 2
    csv_text = files["cue_csv"].read_text(encoding="utf-8-sig")
    assert csv_text.splitlines()[2].startswith("1,Xã Quang Thuận thu hoạch lúa mùa,")
    assert build.duration_ms > 3000 and build.loudness["broadcast"]["target"] == "broadcast"
    # a draft is never offered publicly, even by its file's name
    assert client.get(f"/ban-tin/{bid}").status_code == 404
    assert client.get(f"/ban-tin/{bid}/tep/{build.files['broadcast']}").status_code == 404
    admin_dl = client.get(f"/quan-tri/ban-tin/{bid}/tep/{build.files['broadcast']}?tai=1")
    assert admin_dl.status_code == 200 and admin_dl.headers["Cache-Control"].startswith("private")
    # approval records who and when
    assert "Cần tên biên tập viên" in _flash(
        editor, editor.post(f"/quan-tri/ban-tin/{bid}/duyet", {"editor": " "}), bid)
    editor.post(f"/quan-tri/ban-tin/{bid}/duyet", {"editor": "Nguyễn Thị Lan"})
    data = editor.store.bulletins.get(bid).data
    assert data["status"] == "approved" and data["approved_by"] == "Nguyễn Thị Lan"
    assert data["approved_at"].startswith("20") and data["approved_fingerprint"] == \
        build.fingerprint
    assert "Đã duyệt bởi Nguyễn Thị Lan" in editor.page(bid)
    assert client.get(f"/ban-tin/{bid}").status_code == 200
    # any change returns it to draft, shown on the page, and it leaves the public pages
    editor.post(f"/quan-tri/ban-tin/{bid}/muc/{ids[0]}/xuong")
    assert editor.store.bulletins.get(bid).data["status"] == "draft"
    page = editor.page(bid)
    assert "Bản nháp: chưa đăng công khai." in page and "(của nội dung cũ)" in page
    assert client.get(f"/ban-tin/{bid}").status_code == 404
    editor.post(f"/quan-tri/ban-tin/{bid}/muc/{ids[0]}/len")  # the approved order again
    assert editor.store.bulletins.get(bid).data["status"] == "draft"  # still needs approval
    assert client.get(f"/ban-tin/{bid}").status_code == 404


def test_article_edited_in_place_returns_the_bulletin_to_draft(
        editor: Editor, submit: Any, worker: Worker, client: FlaskClient) -> None:
    from bantin_audio.jobs import build_segments
    from bantin_audio.model import Article

    article = Article(title="Lịch tiếp công dân tháng mười một",
                      paragraphs=["Chủ tịch xã tiếp công dân vào sáng thứ Năm."],
                      source_url="https://xa.example.gov.vn/tin/1")
    store = editor.store
    settings = client.application.extensions["bantin"].settings
    first = store.articles.submit(article, build_segments(article, settings, None)).article.id
    worker.run_until_idle()
    bid = built_bulletin(editor, [first], worker)
    editor.post(f"/quan-tri/ban-tin/{bid}/duyet", {"editor": "Lan"})
    assert client.get(f"/ban-tin/{bid}").status_code == 200
    article.paragraphs = ["Chủ tịch xã tiếp công dân vào sáng thứ Sáu."]
    store.articles.submit(article, build_segments(article, settings, None))
    assert client.get(f"/ban-tin/{bid}").status_code == 404
    assert "trở về bản nháp" in editor.page(bid)
    assert store.bulletins.get(bid).data["status"] == "draft"


def test_article_broadcast_rendition_is_ebu_r128(submit: Any, worker: Worker,
                                                 app: Flask) -> None:
    body = submit()
    worker.run_until_idle()
    store = app.extensions["bantin"].store
    kinds = {r.kind: r for r in store.renditions.for_article(body["article"]["id"])}
    broadcast = kinds["broadcast"]
    loud = measure_loudness(app.extensions["bantin"].media_root / broadcast.path)
    assert loud.integrated == pytest.approx(-23.0, abs=1.0) and loud.true_peak <= -1.0


def _flash(editor: Editor, resp: Any, bid: int) -> str:
    assert resp.status_code == 303, resp.get_data(as_text=True)
    return editor.page(bid)


def test_failed_build_shows_the_reason(editor: Editor, submit: Any, worker: Worker,
                                       client: FlaskClient, fake_google: Any) -> None:
    ids = articles(submit, worker)
    bid = editor.create()
    editor.add(bid, ids[0])
    fake_google.mode = "500"  # the intro and announcement were never spoken before
    editor.post(f"/quan-tri/ban-tin/{bid}/dung")
    run_through_back_off(worker)  # every attempt fails the same way
    progress = client.get(f"/quan-tri/ban-tin/{bid}/tien-do.json").get_json()
    assert progress["status"] == "failed" and progress["text"].startswith("Dựng lỗi: ")
    assert "500" in progress["error"] or "Google" in progress["error"]
    assert progress["text"] in editor.page(bid)
    assert editor.store.bulletins.latest_build(bid) is None
    directory = bulletin_media_dir(client.application.extensions["bantin"].settings)
    assert not directory.exists() or list(directory.iterdir()) == []  # no partial file


def test_a_version_1_database_is_migrated(tmp_path: Path) -> None:
    import sqlite3

    from bantin_audio.database import HEAD_REVISION
    from bantin_audio.database.migrations.legacy import _MIGRATIONS
    from bantin_audio.store import Store

    path = tmp_path / "bantin.sqlite3"
    conn = sqlite3.connect(path)
    conn.executescript(_MIGRATIONS[1])
    conn.execute("INSERT INTO articles(id, slug, content_hash, title, fields, created_at, "
                 "updated_at) VALUES (7, 'a-7', 'h', 'Tin', '{\"title\": \"Tin\"}', 1, 1)")
    conn.execute("INSERT INTO jobs(id, article_id, status, done, total, created_at, updated_at) "
                 "VALUES (3, 7, 'done', 4, 4, 1, 1)")
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    store = Store(path)
    assert store.schema_version() == HEAD_REVISION
    job = store.jobs.get(3)
    assert (job.kind, job.article_id, job.status, job.done) == ("article", 7, "done", 4)
    bulletin = store.bulletins.save({"title": "B", "station": {"name": "Đài"},
                                     "items": [{"article_id": 7}]})
    assert store.jobs.queue_bulletin_build(bulletin.id).kind == "bulletin"
    assert [j.id for j in store.jobs.recent()] == [3]  # the article job list stays as it was
    store.articles.delete(7)  # an item whose article is deleted leaves the bulletin
    assert store.bulletins.get(bulletin.id).data["items"] == []
    store.close()


def test_cli_bulletin_reads_ids_from_the_service_database(
        submit: Any, worker: Worker, web_settings: Any, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from bantin_audio.cli import main

    ids = articles(submit, worker)
    monkeypatch.chdir(tmp_path)
    run = CliRunner(mix_stderr=False)
    args = ["bulletin", str(ids[2]), str(ids[0]), "-o", "x.mp3", "--engine", "gtts", "-q"]
    result = run.invoke(main, [*args, "--data-dir", str(web_settings.data_dir)])
    assert result.exit_code == 0, result.stderr
    assert "Ra quân vệ sinh môi trường" in result.stdout and (tmp_path / "x.mp3").is_file()
    empty = tmp_path / "trong"
    result = run.invoke(main, [*args, "--data-dir", str(empty)])
    assert result.exit_code == 1 and f"Không tìm thấy bài viết có mã {ids[2]}" in result.stderr
    assert not (empty / "bantin.sqlite3").exists()


def test_the_list_pages_run_as_many_queries_for_many_rows_as_for_few(
        editor: Editor, client: FlaskClient, app: Flask) -> None:
    from bantin_audio.store import BulletinBuildRow

    store = app.extensions["bantin"].store
    article = store.articles.submit(Article(title="Tin xã", paragraphs=["Một."]),
                                    [Segment(0, "title", "Tin xã", "tin xã"),
                                     Segment(1, "paragraph", "Một.", "một")]).article.id

    def add_rows(start: int, count: int) -> None:
        for n in range(start, start + count):
            store.articles.submit(Article(title=f"Tin {n}", paragraphs=[f"Đoạn {n}."]),
                                  [Segment(0, "title", f"Tin {n}", f"tin {n}"),
                                   Segment(1, "paragraph", f"Đoạn {n}.", f"đoạn {n}")])
            row = store.bulletins.save({"title": f"Bản tin {n}", "date": "2024-10-01",
                                        "station": {"name": "Đài"},
                                        "items": [{"article_id": article}]})
            store.bulletins.put_build(BulletinBuildRow(
                bulletin_id=row.id, fingerprint="f", duration_ms=1000,
                files={"mp3": f"{n}.mp3"}, sizes={"mp3": 1}, cues=[], loudness={},
                engines={}))

    def queries(path: str) -> int:
        before = store.statements_run()
        assert client.get(path).status_code == 200
        return store.statements_run() - before

    add_rows(0, 2)
    few = {p: queries(p) for p in ("/quan-tri", "/quan-tri/ban-tin")}
    add_rows(2, 10)
    many = {p: queries(p) for p in ("/quan-tri", "/quan-tri/ban-tin")}
    assert few == many
