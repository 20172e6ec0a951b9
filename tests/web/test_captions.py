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


def test_maps_made_before_phrases_were_timed_still_read() -> None:
    from bantin_audio.model import TimingEntry
    from bantin_audio.web.reader import caption_cues, phrase_data

    old = {"index": 2, "kind": "paragraph", "text": "Bà con <chú ý> lịch tiêm.", "start_ms": 0,
           "end_ms": 2400, "engine": "google"}
    assert TimingEntry(**old).phrases == []  # a kept map from before loads as it was
    assert caption_cues([old]) == [(0, 2400, "Bà con <chú ý> lịch tiêm.")]
    assert phrase_data(old) == ""
    # Phrases that all read the whole segment (not tied to the words) are no phrases at all.
    whole = dict(old, phrases=[{"start_ms": 0, "end_ms": 1200, "from": 0, "to": 25},
                               {"start_ms": 1200, "end_ms": 2400, "from": 0, "to": 25}])
    assert caption_cues([whole]) == [(0, 2400, "Bà con <chú ý> lịch tiêm.")]
    tied = dict(old, phrases=[{"start_ms": 0, "end_ms": 1100, "from": 0, "to": 14},
                              {"start_ms": 1100, "end_ms": 2400, "from": 15, "to": 25}])
    assert caption_cues([tied]) == [(0, 1100, "Bà con <chú ý>"), (1100, 2400, "lịch tiêm.")]
    assert phrase_data(tied) == "0,1100,0,14;1100,2400,15,25"
