"""The reader page's WebVTT captions carry article text as text, never as markup."""

from __future__ import annotations

import html
from typing import Any

import webvtt
from flask.testing import FlaskClient

from bantin_audio.jobs import Worker

HOSTILE = ("Giá <b>lúa</b> & ngô --> tăng <c.red>mạnh</c>\n\n"
           "Bà con <script>alert(1)</script> chú ý lịch tiêm chủng 1 < 2 > 0.\n")


def test_captions_show_markup_in_article_text_as_written(client: FlaskClient, submit: Any,
                                                         worker: Worker) -> None:
    body = submit(text=HOSTILE)
    worker.run_until_idle()
    resp = client.get(f"/bai/{body['article']['slug']}/phu-de.vtt")
    assert resp.status_code == 200 and resp.mimetype == "text/vtt"
    parsed = webvtt.from_string(resp.get_data(as_text=True))
    texts = [html.unescape(c.text) for c in parsed.captions]
    assert all(c.text == c.raw_text for c in parsed.captions)  # no cue tags reached the file
    joined = " ".join(texts)
    assert "<b>lúa</b> & ngô --> tăng <c.red>mạnh</c>" in joined
    assert "<script>alert(1)</script>" in joined
