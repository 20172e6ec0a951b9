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


# -- connection reuse ------------------------------------------------------------------------

def test_the_gtts_pieces_connection_reuse_relies_on_are_still_there() -> None:
    """Fails loudly when a gTTS release moves what engines/google.py lends its session to."""
    import inspect

    import gtts
    import gtts.tts

    from bantin_audio.engines import google

    source = inspect.getsource(gtts.tts.gTTS.stream)
    assert "requests.Session()" in source and ".send(" in source, (
        f"gTTS {gtts.__version__} no longer sends from `requests.Session()` in gTTS.stream: "
        "the pooled keep-alive session of engines/google.py is not used, every phrase opens "
        "a new connection. Adapt engines/google.py to this release or pin gTTS below it "
        "in pyproject.toml.")
    assert google.POOLING and gtts.tts.requests is google._REQUESTS_FOR_GTTS, (
        f"gTTS {gtts.__version__} does not reach requests through `gtts.tts.requests`: "
        "engines/google.py could not lend it the pooled session. Adapt engines/google.py "
        "or pin gTTS below this release in pyproject.toml.")
    assert "_prepare_requests" in source and "jQ1olc" in source, (
        f"gTTS {gtts.__version__} changed how it prepares requests or decodes answers; check "
        "the fake Google (tests/fakes.py) against it.")


def test_requests_reuse_one_connection_with_timeout_and_proxy_unchanged() -> None:
    import os

    import gtts

    from tests.fakegoogle_proxy import FakeGoogleProxy

    with FakeGoogleProxy(handshake_delay=0.05) as proxy:
        old = {k: os.environ.get(k) for k in ("HTTPS_PROXY", "https_proxy", "NO_PROXY",
                                              "no_proxy")}
        os.environ["HTTPS_PROXY"] = os.environ["https_proxy"] = proxy.url
        for k in ("NO_PROXY", "no_proxy"):
            os.environ.pop(k, None)
        try:
            engine = GoogleEngine(timeout=5.0)
            for n in range(6):
                assert engine.synthesize(f"Câu thứ {n} của bản tin.")[:2] == b"\xff\xf3"
            assert proxy.fake.requests == 6
            assert proxy.connections == 1  # every request went over the one kept-alive link
            # gTTS used by anyone else keeps its fresh session per request
            for n in range(2):
                gtts.gTTS(f"Câu {n}", lang="vi").write_to_fp(__import__("io").BytesIO())
            assert proxy.connections == 3
            # the timeout is still gTTS's own: a hanging Google fails after it
            proxy.fake.mode = "timeout"
            proxy._server.timeout_sleep = 3.0
            import time

            started = time.monotonic()
            with pytest.raises(SynthesisError):
                GoogleEngine(timeout=0.5).synthesize("Câu treo.")
            assert time.monotonic() - started < 2.5
            # a connection dropped by the server is replaced, the next phrase still succeeds
            proxy.fake.mode = "ok"
            assert GoogleEngine().synthesize("Câu sau khi mất kết nối.")[:2] == b"\xff\xf3"
        finally:
            for k, v in old.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v


def test_new_connections_share_one_tls_context_and_load_no_certificates(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import io
    import ssl
    from concurrent.futures import ThreadPoolExecutor

    import gtts

    from bantin_audio.engines.google import close_pooled_session
    from tests.fakegoogle_proxy import FakeGoogleProxy

    loads: list[int] = []
    real = ssl.SSLContext.load_default_certs

    def counted(self: ssl.SSLContext, *args: object) -> None:
        loads.append(1)
        real(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(ssl.SSLContext, "load_default_certs", counted)
    with FakeGoogleProxy() as proxy:
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        monkeypatch.setenv("https_proxy", proxy.url)
        for key in ("NO_PROXY", "no_proxy"):
            monkeypatch.delenv(key, raising=False)
        proxy.fake.delay = 0.3
        close_pooled_session()
        try:
            # four phrases at once: four new connections, gTTS sending with verify=False
            with ThreadPoolExecutor(4) as pool:
                clips = list(pool.map(GoogleEngine().synthesize,
                                      [f"Câu thứ {n} của bản tin." for n in range(4)]))
            assert all(c[:2] == b"\xff\xf3" for c in clips)
            assert proxy.connections == 4
            assert loads == []  # no system certificates loaded for certificates never checked
            # gTTS on its own loads them for each of its connections: the count is real
            gtts.gTTS("Câu riêng", lang="vi").write_to_fp(io.BytesIO())
            assert len(loads) == 1
        finally:
            close_pooled_session()
