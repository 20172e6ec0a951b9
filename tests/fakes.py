"""A fake of Google's translate endpoint, as gTTS 2.5 talks to it, for tests and benchmarks.

The replies carry real MP3 bytes of the same kind Google sends (MPEG-2 Layer III, 24 kHz mono,
32 kbps CBR, no ID3, no Xing header), made locally with ffmpeg, with a duration that grows with
the text so timings and chapters can be checked.
"""

from __future__ import annotations

import base64
import functools
import json
import random
import re
import subprocess
import threading
import time
import urllib.parse
from dataclasses import dataclass, field

GOOGLE_URL = re.compile(r"https://translate\.google\.[a-z.]+/_/TranslateWebserverUi/data/batchexecute")
SORRY_URL = "https://www.google.com/sorry/index"

# One silent MPEG-2 Layer III frame, 24 kHz mono 32 kbps: exactly 24 ms.
SILENT_FRAME = b"\xff\xf3\x44\xc4" + b"\0" * 92
FRAME_MS = 24


@functools.cache
def tone_mp3(ms: int = 480, freq: int = 330) -> bytes:
    """Return a tone of `ms` milliseconds encoded the way Google encodes its audio."""
    from bantin_audio.audio.ffmpeg import find_ffmpeg

    proc = subprocess.run(
        [find_ffmpeg(), "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i",
         f"sine=frequency={freq}:sample_rate=24000:duration={ms / 1000}",
         "-ac", "1", "-ar", "24000", "-c:a", "libmp3lame", "-b:a", "32k",
         "-write_xing", "0", "-id3v2_version", "0", "-f", "mp3", "pipe:1"],
        capture_output=True, check=True)
    return proc.stdout


def speech_like_mp3(text: str) -> bytes:
    """Return MP3 audio for `text`: silence, a tone as long as the text, silence."""
    units = max(1, len(text) // 12)
    return SILENT_FRAME * 5 + tone_mp3() * units + SILENT_FRAME * 5


def batchexecute_body(audio: bytes) -> str:
    """Return a batchexecute reply carrying `audio` where gTTS looks for it."""
    b64 = base64.b64encode(audio).decode("ascii")
    frame = '[["wrb.fr","jQ1olc","[\\"' + b64 + '\\"]\\n",null,null,null,"generic"]]'
    return f")]}}'\n\n{len(frame)}\n{frame}\n25\n[[\"e\",4,null,null,{len(frame)}]]\n"


# What a captive portal or an intercepting proxy answers with status 200.
HTML_PAGE = ("<!DOCTYPE html><html><head><title>Đăng nhập Wi-Fi</title></head><body>"
             "<form action=/login><input name=u></form></body></html>\n")

NULL_PAYLOAD_BODY = ")]}'\n\n60\n[[\"wrb.fr\",\"jQ1olc\",null,null,null,[3],\"generic\"]]\n"
NO_AUDIO_BODY = ")]}'\n\n25\n[[\"di\",42],[\"af.httprm\",42]]\n"


def decode_request(body: str | bytes) -> tuple[str, str, bool | None]:
    """Return (text, lang, slow) from gTTS's `f.req=...` body."""
    if isinstance(body, bytes):
        body = body.decode("ascii")
    form = urllib.parse.parse_qs(body)
    outer = json.loads(form["f.req"][0])
    text, lang, slow, _ = json.loads(outer[0][0][1])
    return text, lang, slow


@dataclass
class FakeGoogle:
    """The fake's behaviour and what it has seen; change `mode` at any time."""

    # ok | 429 | sorry | 500 | null | noaudio | html | htmlpage | timeout | connection
    # (html: the audio slot carries a web page; htmlpage: the whole answer is a web page)
    mode: str = "ok"
    delay: float = 0.0  # seconds before each answer
    fail_first: int = 0  # answer `mode` for the first N requests, then "ok"
    ok_first: int = 0  # answer "ok" for the first N requests, then `mode`
    retry_after: str | None = None
    fail_rate: float = 0.0  # answer 429 to this share of requests, at random (seeded)
    # Google's throttling per client address, as a token bucket of answered requests: at most
    # `throttle_rps` a second sustained and `throttle_burst` at once; what exceeds it gets 429
    # (a refused request takes no token: the load, not the refusals, is what is limited)
    throttle_rps: float = 0.0
    throttle_burst: float = 4.0
    seed: int = 14
    answered: int = 0  # replies sent (a hanging or dropped request is not one)
    texts: list[str] = field(default_factory=list)
    times: list[float] = field(default_factory=list)  # time.monotonic() of each request
    langs: list[str] = field(default_factory=list)
    throttled: int = 0  # 429s sent by fail_rate or throttle_rps
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _tokens: float | None = None
    _filled_at: float = 0.0
    _random: random.Random | None = None

    @property
    def requests(self) -> int:
        """Return how many synthesis requests arrived."""
        return len(self.texts)

    def _take_token(self) -> bool:
        """Take a token of the throttling bucket (under the lock); False when there is none."""
        now = time.monotonic()
        if self._tokens is None:
            self._tokens = self.throttle_burst
        self._tokens = min(self.throttle_burst,
                           self._tokens + (now - self._filled_at) * self.throttle_rps)
        self._filled_at = now
        if self._tokens < 1.0:
            return False
        self._tokens -= 1.0
        return True

    def answer(self, body: str | bytes) -> tuple[int, dict[str, str], str]:
        """Record one request and return (status, headers, body) per the mode.

        For the modes "timeout" and "connection" the status is 0 and the body names the mode:
        the transport (responses callback, proxy) turns that into a dropped request.
        """
        text, lang, _slow = decode_request(body)
        with self._lock:
            n = len(self.texts)
            self.texts.append(text)
            self.times.append(time.monotonic())
            self.langs.append(lang)
        mode = self.mode if not self.fail_first or n < self.fail_first else "ok"
        if n < self.ok_first:
            mode = "ok"
        if mode == "ok" and (self.fail_rate or self.throttle_rps):
            with self._lock:
                if self._random is None:
                    self._random = random.Random(self.seed)
                over = (bool(self.fail_rate) and self._random.random() < self.fail_rate) or \
                    (bool(self.throttle_rps) and not self._take_token())
                if over:
                    mode = "429"
                    self.throttled += 1
        if self.delay:
            time.sleep(self.delay)
        if mode not in ("timeout", "connection"):
            with self._lock:
                self.answered += 1
        headers = {"Content-Type": "application/json; charset=utf-8"}
        if mode == "ok":
            return 200, headers, batchexecute_body(speech_like_mp3(text))
        if mode == "429":
            if self.retry_after is not None:
                headers["Retry-After"] = self.retry_after
            return 429, headers, "Too Many Requests"
        if mode == "sorry":
            return 302, {"Location": SORRY_URL}, ""
        if mode == "500":
            return 500, headers, "Internal Server Error"
        if mode == "null":
            return 200, headers, NULL_PAYLOAD_BODY
        if mode == "noaudio":
            return 200, headers, NO_AUDIO_BODY
        if mode == "html":
            return 200, headers, batchexecute_body(HTML_PAGE.encode())
        if mode == "htmlpage":
            return 200, {"Content-Type": "text/html; charset=utf-8"}, HTML_PAGE
        return 0, {}, mode
