"""Google's Vietnamese voice through gTTS, with every gTTS quirk absorbed here."""

from __future__ import annotations

import io
import logging

import requests
from gtts import gTTS, gTTSError

from ..errors import SynthesisError

log = logging.getLogger(__name__)

GOOGLE_MAX_CHARS = 100


class GoogleEngine:
    """One request to Google per phrase of at most 100 characters."""

    label = "google"
    audio_format = "mp3"
    max_chars: int | None = GOOGLE_MAX_CHARS

    def __init__(self, *, tld: str = "com", timeout: float = 10.0, lang: str = "vi") -> None:
        self.tld = tld
        self.timeout = timeout
        self.lang = lang
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
            tts.write_to_fp(buf)
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
