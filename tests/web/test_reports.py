"""'Báo đọc sai' through Flask's test client: the listener's form (CSRF, trap, time stamp,
validation, sizes, rate limit), the editors' queue grouped by word, and one step from a report
to a lexicon entry that re-synthesizes only the affected segment."""

from __future__ import annotations

import re
import time
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import URLSafeSerializer

from bantin_audio.jobs import Worker
from tests.fakes import FakeGoogle
from tests.web.test_admin import _csrf, _sign_in


def _article(submit: Any, worker: Worker) -> dict[str, Any]:
    body = submit()
    worker.run_until_idle()
    return body["article"]  # type: ignore[no-any-return]


def _segment_with(app: Flask, article_id: int, word: str) -> int:
    segs = app.extensions["bantin"].store.articles.segments(article_id)
    return next(s.segment.index for s in segs if word in s.segment.display)


def _form(client: FlaskClient, url: str) -> dict[str, str]:
    html = client.get(url).get_data(as_text=True)
    return {name: value for name, value in re.findall(
        r'<input type="hidden" name="(csrf_token|luc)" value="([^"]+)"', html)}


def _aged(app: Flask, seconds: float) -> str:
    """A time stamp as the form would carry it had it been shown `seconds` ago."""
    return URLSafeSerializer(app.secret_key, salt="bao-doc-sai").dumps(time.time() - seconds)


def _send(client: FlaskClient, app: Flask, url: str, **fields: str) -> Any:
    data = _form(client, url)
    data["luc"] = _aged(app, 10)
    data.update(fields)
    return client.post(url, data=data)


def test_listener_reports_a_misread_word(client: FlaskClient, app: Flask, submit: Any,
                                         worker: Worker) -> None:
    art = _article(submit, worker)
    index = _segment_with(app, art["id"], "OCOP")
    page = client.get(f"/bai/{art['slug']}").get_data(as_text=True)
    url = f"/bai/{art['slug']}/bao-doc-sai?doan={index}"
    assert f'href="{url}">Báo đọc sai<span class="sr-only"> (đoạn 1)</span>' in page
    form = client.get(url).get_data(as_text=True)
    assert "Toàn huyện có 23 sản phẩm OCOP được xếp hạng." in form
    assert '<div hidden><label for="trang-web">' in form  # the trap nobody sees
    resp = _send(client, app, url, tu="ocop", nen_doc="ô cốp")
    assert resp.status_code == 303 and "da_gui=1" in resp.headers["Location"]
    assert "Cảm ơn bạn" in client.get(resp.headers["Location"]).get_data(as_text=True)
    groups = app.extensions["bantin"].store.reports.groups()
    assert [(g.word, g.count, g.suggestions) for g in groups] == [("ocop", 1, [("ô cốp", 1)])]
    assert groups[0].places == [(art["id"], art["slug"], art["title"], index)]


def test_bad_reports_are_refused_and_keep_what_was_typed(client: FlaskClient, app: Flask,
                                                         submit: Any, worker: Worker) -> None:
    app.config["REPORT_LIMIT"] = "100 per minute"  # each refusal counts towards the limit
    art = _article(submit, worker)
    index = _segment_with(app, art["id"], "OCOP")
    url = f"/bai/{art['slug']}/bao-doc-sai?doan={index}"
    cases = {
        "not in the paragraph": ({"tu": "Bạch Thông"}, "Không thấy “Bạch Thông” trong đoạn"),
        "empty": ({"tu": "   "}, "Cần ghi từ bị đọc sai"),
        "too long": ({"tu": "OCOP", "nen_doc": "ô " * 100}, "tối đa"),
        "control character": ({"tu": "OC\x07OP"}, "ký tự không hợp lệ"),
        "trap filled": ({"tu": "OCOP", "trang_web": "http://spam"}, "Biểu mẫu không hợp lệ"),
        "sent at once": ({"tu": "OCOP", "luc": _aged(app, 0)}, "gửi quá nhanh"),
        "a day old": ({"tu": "OCOP", "luc": _aged(app, 2 * 86400)}, "quá cũ"),
        "forged stamp": ({"tu": "OCOP", "luc": "123.abc"}, "Biểu mẫu không hợp lệ"),
    }
    for name, (fields, said) in cases.items():
        resp = _send(client, app, url, **fields)
        html = resp.get_data(as_text=True)
        assert resp.status_code == 400 and said in html, name
        if fields["tu"].strip() and "\x07" not in fields["tu"]:
            assert f'value="{fields["tu"]}"' in html, name  # what was typed is kept
    no_csrf = client.post(url, data={"tu": "OCOP", "luc": _aged(app, 10)})
    assert no_csrf.status_code == 403
    assert client.get(f"/bai/{art['slug']}/bao-doc-sai?doan=99").status_code == 404
    assert client.get(f"/bai/{art['slug']}/bao-doc-sai?doan=x").status_code == 404
    assert client.get("/bai/khong-co/bao-doc-sai?doan=1").status_code == 404
    huge = _send(client, app, url, tu="OCOP" * 50_000)
    assert huge.status_code == 400 and "tối đa" in huge.get_data(as_text=True)
    assert len(huge.get_data()) < 20_000  # what is shown back is cut, never echoed whole
    assert client.post(url, data={"tu": "x" * 3_000_000}).status_code == 413
    assert app.extensions["bantin"].store.reports.groups() == []


def test_reports_are_rate_limited(client: FlaskClient, app: Flask, submit: Any,
                                  worker: Worker) -> None:
    art = _article(submit, worker)
    index = _segment_with(app, art["id"], "OCOP")
    url = f"/bai/{art['slug']}/bao-doc-sai?doan={index}"
    codes = [_send(client, app, url, tu="OCOP").status_code for _ in range(8)]
    assert codes[:6] == [303] * 6 and codes[6:] == [429, 429]
    assert client.get(url).status_code == 200  # reading the form is never limited
    assert app.extensions["bantin"].store.reports.groups()[0].count == 6


def test_editor_turns_a_report_into_a_lexicon_entry_in_one_step(
        client: FlaskClient, app: Flask, submit: Any, worker: Worker, token: str,
        fake_google: FakeGoogle) -> None:
    art = _article(submit, worker)
    st = app.extensions["bantin"]
    index = _segment_with(app, art["id"], "OCOP")
    first = _segment_with(app, art["id"], "Sau 2 năm")
    url = f"/bai/{art['slug']}/bao-doc-sai?doan={index}"
    app.config["REPORT_LIMIT"] = "100 per minute"
    for typed, suggestion in (("OCOP", "ô cộp"), ("ocop", "ô cộp"), ("OCOP", "")):
        assert _send(client, app, url, tu=typed, nen_doc=suggestion).status_code == 303
    _send(client, app, f"/bai/{art['slug']}/bao-doc-sai?doan={first}", tu="năm")
    assert client.get("/quan-tri/bao-doc-sai").status_code == 401  # editors only
    _sign_in(client, token)
    queue = client.get("/quan-tri/bao-doc-sai").get_data(as_text=True)
    assert queue.index("“OCOP”: 3 báo cáo") < queue.index("“năm”: 1 báo cáo")
    assert "“ô cộp” (2)" in queue and 'value="ô cộp"' in queue
    before = {s.segment.index: s for s in st.store.articles.segments(art["id"])}
    requests_before = fake_google.requests
    csrf = _csrf(client, "/quan-tri/bao-doc-sai")
    assert client.post("/quan-tri/bao-doc-sai/them-vao-tu-dien",
                       data={"word_key": "ocop", "term": "OCOP", "spoken": "ô cộp",
                             "kind": "expand"}).status_code == 403  # no CSRF token
    resp = client.post("/quan-tri/bao-doc-sai/them-vao-tu-dien",
                       data={"word_key": "ocop", "term": "OCOP", "spoken": "ô cộp",
                             "kind": "expand", "csrf_token": csrf})
    assert resp.status_code == 303
    done = client.get("/quan-tri/bao-doc-sai").get_data(as_text=True)
    assert "Đã lưu mục từ điển. Các bài viết đang được soạn lại theo từ điển" in done
    assert "Đã đánh dấu xong 3 báo cáo." in done and "“OCOP”" not in done
    assert "“năm”: 1 báo cáo" in done
    assert [(e.term, e.spoken, e.updated_by) for e in st.lexicon.entries()] == \
        [("OCOP", "ô cộp", "báo đọc sai")]
    worker.run_until_idle()
    after = {s.segment.index: s for s in st.store.articles.segments(art["id"])}
    changed = [i for i in after if after[i].segment.spoken != before[i].segment.spoken]
    assert changed == [index] and "ô cộp" in after[index].segment.spoken
    assert all(s.status == "done" for s in after.values())
    # Only the paragraph with the word is read again: Google hears it, and nothing else.
    assert fake_google.texts[requests_before:] == [after[index].segment.spoken]
    # The other word's reports can be dismissed.
    client.post("/quan-tri/bao-doc-sai/bo-qua", data={"word_key": "năm", "csrf_token": csrf})
    assert st.store.reports.groups() == []


def test_an_old_data_dir_gains_the_report_queue_when_migrated(tmp_path: Any) -> None:
    import sqlite3

    from bantin_audio.database import HEAD_REVISION
    from bantin_audio.database.migrations.legacy import _MIGRATIONS
    from bantin_audio.store import Store

    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path)
    for version in range(1, 5):
        conn.executescript(_MIGRATIONS[version])
    conn.execute("PRAGMA user_version = 4")
    conn.commit()
    conn.close()
    store = Store(path)
    assert store.revision() == HEAD_REVISION
    assert store.reports.groups() == []
    tables = {r[0] for r in sqlite3.connect(path).execute(
        "SELECT name FROM sqlite_master WHERE type='table'")}
    assert "misread_reports" in tables
