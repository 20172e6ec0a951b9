"""The gTTS adapter against the fake Google endpoint: every behaviour of the engines spec."""

from __future__ import annotations

import pytest

from bantin_audio.engines.google import GoogleEngine
from bantin_audio.errors import SynthesisError
from tests.fakes import FakeGoogle


def test_speaks_one_phrase_in_one_request_with_vietnamese(fake_google: FakeGoogle) -> None:
    audio = GoogleEngine().synthesize("Xin chào bà con xã Quang Thuận.")
    assert audio[:2] == b"\xff\xf3"  # MPEG-2 Layer III frame sync, as Google sends
    assert fake_google.texts == ["Xin chào bà con xã Quang Thuận."]
    assert fake_google.langs == ["vi"]


def test_sends_text_untouched_by_english_preprocessors(fake_google: FakeGoogle) -> None:
    # gTTS's default pre-processors strip the dot after "st", "dr", "ms"... with no word
    # boundary; Vietnamese text must reach Google exactly as our normalizer wrote it.
    text = "Trường Đại học Mỏ - Địa chất, số 18 phố Viên, tổ dân phố Ms. Hoa."
    GoogleEngine().synthesize(text)
    assert fake_google.texts == [text]


@pytest.mark.parametrize(("mode", "status"), [
    ("429", 429), ("sorry", 429), ("500", 500), ("null", 200), ("noaudio", None),
    ("timeout", None), ("connection", None),
])
def test_every_failure_becomes_a_synthesis_error(fake_google: FakeGoogle, mode: str,
                                                 status: int | None) -> None:
    fake_google.mode = mode
    with pytest.raises(SynthesisError) as info:
        GoogleEngine().synthesize("Bản tin hôm nay")
    assert info.value.status == status
    assert info.value.message  # a Vietnamese reason, not an empty string
    assert "Google" in info.value.message


def test_keeps_gtts_probable_cause(fake_google: FakeGoogle) -> None:
    fake_google.mode = "500"
    with pytest.raises(SynthesisError) as info:
        GoogleEngine().synthesize("Bản tin")
    assert "Upstream API error" in info.value.message


def test_reply_without_audio_is_a_failure_not_an_empty_clip(fake_google: FakeGoogle) -> None:
    fake_google.mode = "noaudio"
    with pytest.raises(SynthesisError, match="không có âm thanh"):
        GoogleEngine().synthesize("Bản tin")


def test_honours_retry_after_header(fake_google: FakeGoogle) -> None:
    fake_google.mode = "429"
    fake_google.retry_after = "7"
    with pytest.raises(SynthesisError) as info:
        GoogleEngine().synthesize("Bản tin")
    assert info.value.retry_after == 7.0


@pytest.mark.parametrize("text", ["", "   ", "...", "./.", "–"])
def test_never_sends_text_without_words(fake_google: FakeGoogle, text: str) -> None:
    with pytest.raises(SynthesisError) as info:
        GoogleEngine().synthesize(text)
    assert not info.value.retryable
    assert fake_google.requests == 0


def test_refuses_phrases_longer_than_google_takes(fake_google: FakeGoogle) -> None:
    with pytest.raises(SynthesisError):
        GoogleEngine().synthesize("chữ " * 40)
    assert fake_google.requests == 0
