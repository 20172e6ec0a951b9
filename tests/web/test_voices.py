"""The reader page tells which voice read the article, with the default engine chain."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from bantin_audio.config import Settings
from bantin_audio.jobs import Worker
from tests.web.test_pages import _done, _page, _text


@pytest.fixture
def web_settings(settings: Settings) -> Settings:
    """Settings with the default chain: Google, then the offline voice per segment."""
    return settings.replace(engine="auto", retries=0)


def test_page_names_the_paragraphs_read_by_the_offline_voice(client: FlaskClient, submit: Any,
                                                             worker: Worker,
                                                             fake_google: Any) -> None:
    fake_google.mode = "500"
    fake_google.ok_first = 1  # only the title is spoken by Google
    html = _page(client, _done(submit, worker, text=_text("Tin về giọng đọc dự phòng")))
    assert "Giọng đọc: " in html and "eSpeak NG" in html and "Google" in html
    assert "Đọc bằng giọng ngoại tuyến vì giọng Google không dùng được: " in html
    assert "đoạn 1" in html and "Cả bài" not in html


def test_page_says_when_the_whole_article_used_the_offline_voice(client: FlaskClient,
                                                                 submit: Any, worker: Worker,
                                                                 fake_google: Any) -> None:
    fake_google.mode = "connection"
    html = _page(client, _done(submit, worker, text=_text("Tin khi mất mạng")))
    assert "Cả bài được đọc bằng giọng ngoại tuyến" in html


def test_retry_after_an_outage_reads_the_article_with_google(client: FlaskClient, submit: Any,
                                                             worker: Worker, app: Any,
                                                             fake_google: Any) -> None:
    fake_google.mode = "connection"
    body = _done(submit, worker, text=_text("Tin đọc lại khi có mạng"))
    assert "Cả bài được đọc bằng giọng ngoại tuyến" in _page(client, body)
    fake_google.mode = "ok"
    app.extensions["bantin"].store.jobs.retry(body["job"]["id"])
    worker.run_until_idle()
    html = _page(client, body)
    assert "ngoại tuyến" not in html and "Giọng đọc: Google" in html
