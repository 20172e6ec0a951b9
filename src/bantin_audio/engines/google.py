"""Google's Vietnamese voice through gTTS, with every gTTS quirk absorbed here.

gTTS stays the home of Google's protocol: it prepares each request and decodes each answer.
What it does not do well is connections: it sends every request from a fresh
`requests.Session`, so every phrase pays a new TCP and TLS handshake. While one of our calls
runs, gTTS's `requests.Session()` hands it the process's pooled keep-alive session instead
(wrapped so gTTS's `with` block does not close it); gTTS still passes its own timeout, proxies
and `verify` to `send`, and the adapter keeps requests' default of no transport retries, so
only the connection reuse changes. gTTS used by anyone else keeps its own behaviour.

The pieces of gTTS this relies on (`gtts.tts.requests`, `gTTS.stream` opening
`requests.Session()`) are pinned by the version range in pyproject.toml and checked by
tests/engines/test_google.py; if they disappear, synthesis still works, one connection per
request, and a warning says so.
"""

from __future__ import annotations

import contextvars
import http.cookiejar
import io
import logging
import os
import ssl
import threading
from typing import Any

import gtts.tts
import requests
import requests.adapters
from gtts import gTTS, gTTSError
from urllib3.util.ssl_ import create_urllib3_context

from ..errors import SynthesisError

log = logging.getLogger(__name__)

GOOGLE_MAX_CHARS = 100
POOL_MAXSIZE = 64  # connections kept per host: above any sensible concurrency ceiling

_session_lock = threading.Lock()
_session: requests.Session | None = None
_lent: contextvars.ContextVar[requests.Session | None] = contextvars.ContextVar(
    "bantin_gtts_session", default=None)


def pooled_session() -> requests.Session:
    """Return this process's keep-alive session for Google (made on first use)."""
    global _session
    with _session_lock:
        if _session is None:
            session = requests.Session()
            # requests' default adapter, larger pool: same (absent) transport retries.
            adapter = _SharedTlsAdapter(pool_maxsize=POOL_MAXSIZE)
            session.mount("https://", adapter)
            session.mount("http://", adapter)
            # A fresh session per request never sent cookies back; neither does this one.
            session.cookies.set_policy(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
            _session = session
        return _session


class _SharedTlsAdapter(requests.adapters.HTTPAdapter):
    """requests' adapter, with one TLS context for every connection that does not verify.

    gTTS sends with `verify=False`; for such connections urllib3 makes a TLS context per
    connection and loads the system's certificates into it (about 30 ms of CPU each, for
    certificates it never checks). A listener's first paragraph opens several connections at
    once, so that cost lands on the first audio. Connections that verify are left as
    requests makes them.
    """

    def __init__(self, **kwargs: Any) -> None:
        self._unverified = create_urllib3_context(cert_reqs=ssl.CERT_NONE)
        super().__init__(**kwargs)

    def build_connection_pool_key_attributes(self, request: Any, verify: Any,
                                             cert: Any = None) -> Any:
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(
            request, verify, cert)
        if verify is False and host_params.get("scheme") == "https":
            pool_kwargs["ssl_context"] = self._unverified
        return host_params, pool_kwargs


def close_pooled_session() -> None:
    """Close this process's connections to Google (the next request opens a new one)."""
    global _session
    with _session_lock:
        if _session is not None:
            _session.close()
        _session = None


def _forget_session_after_fork() -> None:
    # A child process (a scaled-out worker) must not share its parent's sockets.
    global _session
    _session = None


os.register_at_fork(after_in_child=_forget_session_after_fork)


class _LentSession:
    """The pooled session as gTTS's `with requests.Session() as s:` sees it: never closed."""

    def __init__(self, session: requests.Session) -> None:
        self._session = session

    def __enter__(self) -> requests.Session:
        return self._session

    def __exit__(self, *exc: object) -> None:
        return None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._session, name)


class _RequestsForGtts:
    """What gTTS sees as `requests`: the real module, but `Session()` lends the pooled session
    while one of our calls is running in this thread."""

    def __getattr__(self, name: str) -> Any:
        return getattr(requests, name)

    @staticmethod
    def Session() -> Any:  # noqa: N802 (the name gTTS calls)
        lent = _lent.get()
        return _LentSession(lent) if lent is not None else requests.Session()


_REQUESTS_FOR_GTTS = _RequestsForGtts()


def _install_pooling() -> bool:
    """Point gTTS at the lending `requests`; return False when gTTS no longer fits."""
    current = getattr(gtts.tts, "requests", None)
    if current is _REQUESTS_FOR_GTTS:
        return True
    if current is not requests:
        log.warning("this gTTS release does not reach requests through gtts.tts.requests: "
                    "Google requests will not reuse connections")
        return False
    gtts.tts.requests = _REQUESTS_FOR_GTTS  # type: ignore[assignment]
    return True


POOLING = _install_pooling()


class GoogleEngine:
    """One request to Google per phrase of at most 100 characters."""

    label = "google"
    audio_format = "mp3"
    max_chars: int | None = GOOGLE_MAX_CHARS

    def __init__(self, *, tld: str = "com", timeout: float = 10.0, lang: str = "vi",
                 pooled: bool = True) -> None:
        self.tld = tld
        self.timeout = timeout
        self.lang = lang
        self.pooled = pooled
        self.name = f"gtts:{lang}:{tld}"

    def synthesize(self, text: str) -> bytes:
        """Return MP3 bytes for one phrase; raise SynthesisError with the probable cause."""
        text = text.strip()
        if not any(ch.isalnum() for ch in text):
            # gTTS asserts on punctuation-only text; such a phrase has nothing to say.
            raise SynthesisError("Đoạn văn bản không có chữ để đọc", retryable=False)
        if len(text) > GOOGLE_MAX_CHARS:
            raise SynthesisError(
                f"Cụm từ dài {len(text)} ký tự, quá giới hạn {GOOGLE_MAX_CHARS} của Google",
                retryable=False,
            )
        buf = io.BytesIO()
        try:
            # pre_processor_funcs=[]: our normalizer already ran, and gTTS's defaults are
            # English abbreviation rules that damage Vietnamese text.
            tts = gTTS(text, lang=self.lang, tld=self.tld, timeout=self.timeout,
                       pre_processor_funcs=[], lang_check=False)
            # Write into memory: on a failure at chunk k gTTS has already written chunks < k.
            token = _lent.set(pooled_session() if self.pooled else None)
            try:
                tts.write_to_fp(buf)
            finally:
                _lent.reset(token)
        except gTTSError as exc:
            raise _from_gtts_error(exc) from exc
        except requests.RequestException as exc:
            raise SynthesisError(f"Không kết nối được Google: {exc.__class__.__name__}",
                                 "kiểm tra mạng hoặc dùng --engine espeak") from exc
        except (AssertionError, ValueError) as exc:
            raise SynthesisError(f"gTTS không nhận văn bản này: {exc}", retryable=False) from exc
        audio = buf.getvalue()
        if not audio:
            # Google answered 200 without audio: gTTS writes nothing and raises nothing.
            raise SynthesisError("Google trả lời nhưng không có âm thanh",
                                 "có thể Google đang chặn; thử lại sau hoặc dùng --engine espeak")
        return audio


def _from_gtts_error(exc: gTTSError) -> SynthesisError:
    rsp = getattr(exc, "rsp", None)
    status = getattr(rsp, "status_code", None)
    retry_after = None
    if rsp is not None:
        retry_after = _parse_retry_after(rsp.headers.get("Retry-After"))
    cause = str(exc)
    if status == 429:
        return SynthesisError(
            "Google trả lỗi 429 (quá nhiều yêu cầu)",
            "thử lại sau hoặc dùng --engine espeak",
            status=429, retry_after=retry_after,
        )
    if status is not None and status >= 500:
        return SynthesisError(f"Google trả lỗi {status}: {cause}", "thử lại sau",
                              status=status, retry_after=retry_after)
    if status is None:
        return SynthesisError(f"Không kết nối được Google: {cause}",
                              "kiểm tra mạng hoặc dùng --engine espeak")
    # Other 4xx (and 200 with a null payload) will not get better by retrying at once.
    return SynthesisError(f"Google từ chối: {cause}", "thử lại sau hoặc dùng --engine espeak",
                          status=status, retryable=status == 200)


def _parse_retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            from datetime import UTC, datetime

            when = parsedate_to_datetime(value)
            return max(0.0, (when - datetime.now(UTC)).total_seconds())
        except (TypeError, ValueError):
            return None
