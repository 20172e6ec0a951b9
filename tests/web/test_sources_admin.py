"""The sources admin pages: add, edit, pause, poll now, delete, approve; errors shown."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from bantin_audio.jobs import Worker
from bantin_audio.sources.watcher import Watcher
from tests.fakeportal import FakePortal, sample_article
from tests.web.test_admin import _csrf, _sign_in


def _form(client: FlaskClient, path: str, data: dict[str, str]) -> str:
    data = {**data, "csrf_token": _csrf(client, "/quan-tri/nguon")}
    resp = client.post(path, data=data)
    assert resp.status_code == 303, resp.get_data(as_text=True)
    return client.get(resp.headers["Location"]).get_data(as_text=True)


def test_sources_admin_flow(client: FlaskClient, token: str, app: Flask) -> None:
    assert client.get("/quan-tri/nguon").status_code == 401
    _sign_in(client, token)
    page = client.get("/quan-tri/nguon").get_data(as_text=True)
    assert "Chưa có nguồn nào" in page and 'aria-current="page">Nguồn tin tự động' in page
    # A source without any discovery address is refused with a Vietnamese reason.
    page = _form(client, "/quan-tri/nguon/them", {"ten": "Yên Hòa",
                                                  "dia_chi": "https://yenhoa.example.gov.vn"})
    assert "Chưa thêm được nguồn: Cần ít nhất một địa chỉ" in page
    page = _form(client, "/quan-tri/nguon/them", {
        "ten": "Yên Hòa", "dia_chi": "https://yenhoa.example.gov.vn",
        "rss": "https://yenhoa.example.gov.vn/rss.xml", "chu_ky": "15",
        "cach_dang": "editor"})
    assert "Đã thêm nguồn “Yên Hòa”" in page
    store = app.extensions["bantin"].store
    [row] = store.sources.all()
    assert row.config["poll_interval_s"] == 900 and row.config["approval"] == "editor"
    assert row.config["hosts"] == ["yenhoa.example.gov.vn"]
    # The embed snippets name this service and the script / frame addresses.
    assert '&lt;script src=&#34;http://localhost/nhung.js&#34; async&gt;' in page
    assert "/nhung/SỐ-BÀI" in page and "Sao chép" in page
    # Edit, pause, resume, poll now.
    edit = client.get(f"/quan-tri/nguon/{row.id}").get_data(as_text=True)
    assert 'value="Yên Hòa"' in edit and "https://yenhoa.example.gov.vn/rss.xml" in edit
    page = _form(client, f"/quan-tri/nguon/{row.id}", {
        "ten": "Cổng Yên Hòa", "dia_chi": "https://yenhoa.example.gov.vn",
        "rss": "https://yenhoa.example.gov.vn/rss.xml",
        "danh_sach": "https://yenhoa.example.gov.vn/Pages/tin-tuc.aspx", "chu_ky": "10"})
    assert "Đã lưu nguồn “Cổng Yên Hòa”" in page
    assert store.sources.get(row.id).config["listings"] == [
        "https://yenhoa.example.gov.vn/pages/tin-tuc.aspx"]
    page = _form(client, f"/quan-tri/nguon/{row.id}/tam-dung", {})
    assert store.sources.get(row.id).paused and "Tiếp tục theo dõi" in page
    _form(client, f"/quan-tri/nguon/{row.id}/tiep-tuc", {})
    assert not store.sources.get(row.id).paused
    _form(client, f"/quan-tri/nguon/{row.id}/kiem-tra", {})
    assert store.sources.due(10**10)[0].id == row.id
    page = _form(client, f"/quan-tri/nguon/{row.id}/xoa", {})
    assert "Đã xóa nguồn “Cổng Yên Hòa”" in page and store.sources.all() == []


def test_errors_and_approval_on_the_page(client: FlaskClient, token: str, app: Flask,
                                        worker: Worker) -> None:
    st = app.extensions["bantin"]
    settings = st.settings.replace(private_fetch_hosts="127.0.0.2")
    with FakePortal() as portal:
        art = portal.publish(**sample_article(1))
        _sign_in(client, token)
        _form(client, "/quan-tri/nguon/them", {
            "ten": "Chờ duyệt", "dia_chi": portal.url, "rss": portal.url + "/rss.xml",
            "cach_dang": "editor"})
        _form(client, "/quan-tri/nguon/them", {
            "ten": "Hỏng", "dia_chi": portal.url, "sitemap": portal.url + "/khong-co.xml"})
        Watcher(st.store, settings).run_once()
        worker.settings = worker.settings.replace(private_fetch_hosts="127.0.0.2")
        worker.run_until_idle()
    page = client.get("/quan-tri/nguon").get_data(as_text=True)
    assert "Không tìm thấy địa chỉ tìm bài (HTTP 404)" in page
    assert re.search(r"Bài chờ duyệt \(1\)", page) and art.title in page
    [held] = st.store.articles.held("awaiting_approval")
    assert client.get(f"/bai/{held.slug}").status_code == 404
    page = _form(client, f"/quan-tri/nguon/bai/{held.id}/duyet", {})
    assert "Đã đăng bài" in page
    assert client.get(f"/bai/{held.slug}").status_code == 200
