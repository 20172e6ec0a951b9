"""Admin pages: token sign-in, CSRF, adding, retrying, deleting, the lexicon."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from bantin_audio.jobs import Worker
from tests.fakes import FakeGoogle
from tests.web.conftest import ARTICLE


def _csrf(client: FlaskClient, path: str = "/quan-tri") -> str:
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, html
    return match.group(1)


def _sign_in(client: FlaskClient, token: str) -> None:
    resp = client.post("/quan-tri/dang-nhap", data={"token": token, "csrf_token": _csrf(client)})
    assert resp.status_code == 303


def test_sign_in_needs_the_right_token_and_csrf(client: FlaskClient, token: str) -> None:
    assert "Mã quản trị" in client.get("/quan-tri").get_data(as_text=True)
    assert client.post("/quan-tri/dang-nhap", data={"token": token}).status_code == 403
    wrong = client.post("/quan-tri/dang-nhap", data={"token": "sai", "csrf_token": _csrf(client)})
    assert wrong.status_code == 401 and "không đúng" in wrong.get_data(as_text=True)
    assert client.get("/quan-tri/tu-dien").status_code == 401
    _sign_in(client, token)
    assert "Thêm bài viết" in client.get("/quan-tri").get_data(as_text=True)


def test_add_text_retry_and_delete(client: FlaskClient, token: str, app: Flask,
                                   worker: Worker) -> None:
    _sign_in(client, token)
    csrf = _csrf(client)
    assert client.post("/quan-tri/them", data={"nguon": "text", "text": ARTICLE}).status_code \
        == 403
    resp = client.post("/quan-tri/them", data={"nguon": "text", "text": ARTICLE,
                                               "csrf_token": csrf})
    assert resp.status_code == 303
    page = client.get("/quan-tri").get_data(as_text=True)
    # Answered before anything is parsed: the job shows its source until the worker reads it.
    assert "Đã nhận bài, công việc số" in page and "Đang chờ" in page
    assert "Văn bản dán vào" in page and "Huyện Bạch Thông" not in page
    worker.run_until_idle()
    assert "Huyện Bạch Thông" in client.get("/quan-tri").get_data(as_text=True)
    store = app.extensions["bantin"].store
    job = store.jobs.recent()[0]
    assert client.get("/quan-tri/cong-viec.json").get_json()["jobs"][0]["status"] == "done"
    client.post(f"/quan-tri/cong-viec/{job.id}/thu-lai", data={"csrf_token": csrf})
    assert store.jobs.get(job.id).status == "queued"
    worker.run_until_idle()
    client.post(f"/quan-tri/bai/{job.article_id}/xoa", data={"csrf_token": csrf})
    assert store.articles.recent() == []


def test_add_by_upload_and_errors_are_shown(client: FlaskClient, token: str,
                                            worker: Worker) -> None:
    import io

    _sign_in(client, token)
    csrf = _csrf(client)
    html = ("<html><body><article><h1>Xã Quang Thuận đạt chuẩn nông thôn mới nâng cao</h1>"
            "<p>Sau hai năm, xã đã đạt nhiều kết quả tích cực trong xây dựng nông thôn mới."
            "</p><p>Toàn xã có ba sản phẩm được xếp hạng ba sao cấp tỉnh năm nay.</p>"
            "</article></body></html>").encode()
    resp = client.post("/quan-tri/them", data={"nguon": "html", "csrf_token": csrf,
                                               "html": (io.BytesIO(html), "bai.html")},
                       content_type="multipart/form-data")
    assert resp.status_code == 303
    assert "Tệp HTML" in client.get("/quan-tri").get_data(as_text=True)
    worker.run_until_idle()
    assert "Xã Quang Thuận" in client.get("/quan-tri").get_data(as_text=True)
    client.post("/quan-tri/them", data={"nguon": "url", "url": "ftp://x", "csrf_token": csrf})
    assert "Không thêm được bài" in client.get("/quan-tri").get_data(as_text=True)
    # A page with no article fails in its job, and the job says why, in Vietnamese.
    client.post("/quan-tri/them", data={"nguon": "text", "text": "   \n  ", "csrf_token": csrf})
    assert "Không thêm được bài: Nội dung trống" in client.get("/quan-tri").get_data(as_text=True)
    client.post("/quan-tri/them", data={"nguon": "html", "csrf_token": csrf,
                                        "html": (io.BytesIO(b"<html><body><nav>Trang ch\xe1\xbb"
                                                            b"\xa7</nav></body></html>"),
                                                 "rong.html")},
                content_type="multipart/form-data")
    worker.run_until_idle()
    failed = client.get("/quan-tri/cong-viec.json").get_json()["jobs"][0]
    assert failed["status"] == "failed" and failed["stage"] == "fetch" and failed["error"]
    assert failed["error"] in client.get("/quan-tri").get_data(as_text=True)


def test_lexicon_edit_resynthesizes_only_changed_segments(
        client: FlaskClient, token: str, app: Flask, worker: Worker, submit: Any,
        fake_google: FakeGoogle) -> None:
    submit()
    worker.run_until_idle()
    before = fake_google.requests
    _sign_in(client, token)
    csrf = _csrf(client, "/quan-tri/tu-dien")
    resp = client.post("/quan-tri/tu-dien", data={
        "csrf_token": csrf, "hanh_dong": "them", "term": "OCOP",
        "spoken": "mỗi xã một sản phẩm", "kind": "expand"})
    assert resp.status_code == 303
    page = client.get("/quan-tri/tu-dien").get_data(as_text=True)
    assert "đang được soạn lại theo từ điển" in page and 'value="OCOP"' in page
    # The request only queued the re-reading: no article was normalized while it waited.
    st = app.extensions["bantin"]
    rebuild = st.store.jobs.recent(kind="lexicon")
    assert [j.status for j in rebuild] == ["queued"]
    assert not any("mỗi xã một sản phẩm" in s.segment.spoken
                   for a in st.store.articles.recent() for s in st.store.articles.segments(a.id))
    worker.run_until_idle()
    done = st.store.jobs.get(rebuild[0].id)
    assert done.status == "done" and done.done == done.total == len(st.store.articles.recent())
    new_texts = fake_google.texts[before:]
    assert len(new_texts) == 1 and "mỗi xã một sản phẩm" in new_texts[0]
    client.post("/quan-tri/tu-dien", data={"csrf_token": csrf, "hanh_dong": "them",
                                           "term": "OCOP", "spoken": "", "kind": "expand"})
    assert "Chưa lưu: Cần điền cả từ viết và cách đọc" in \
        client.get("/quan-tri/tu-dien").get_data(as_text=True)
    client.post("/quan-tri/tu-dien", data={"csrf_token": csrf, "hanh_dong": "xoa",
                                           "goc": "OCOP"})
    assert 'value="OCOP"' not in client.get("/quan-tri/tu-dien").get_data(as_text=True)
