"""The offline Vietnamese voice: eSpeak NG driven through ctypes.

The espeakng-loader wheel carries libespeak-ng and its data (with `vi_dict`), so no system
package is needed; the system library is used when the wheel is absent. eSpeak NG keeps global
state, so every call is serialized by one process-wide lock.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import io
import logging
import threading
import wave
from pathlib import Path

from ..errors import SynthesisError

log = logging.getLogger(__name__)

AUDIO_OUTPUT_SYNCHRONOUS = 2
ESPEAK_CHARS_UTF8 = 1
POS_CHARACTER = 1
ESPEAK_RATE = 1
EE_OK = 0

_SYNTH_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int,
                                   ctypes.c_void_p)

_lock = threading.Lock()
_state: dict[str, object] = {}


def _load_library() -> tuple[ctypes.CDLL, str | None]:
    try:
        import espeakng_loader

        return ctypes.CDLL(espeakng_loader.get_library_path()), espeakng_loader.get_data_path()
    except (ImportError, OSError):
        name = ctypes.util.find_library("espeak-ng")
        if not name:
            raise SynthesisError(
                "Không tìm thấy giọng đọc ngoại tuyến eSpeak NG",
                "cài gói espeakng-loader (pip) hoặc espeak-ng (apt)",
                retryable=False,
            ) from None
        return ctypes.CDLL(name), None


def _initialized() -> tuple[ctypes.CDLL, int]:
    """Load and initialize the library once per process (call with the lock held)."""
    if "lib" in _state:
        return _state["lib"], _state["rate"]  # type: ignore[return-value]
    lib, data_path = _load_library()
    lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
    lib.espeak_Initialize.restype = ctypes.c_int
    lib.espeak_SetSynthCallback.argtypes = [_SYNTH_CALLBACK]
    lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
    lib.espeak_SetVoiceByName.restype = ctypes.c_int
    lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
    lib.espeak_SetParameter.restype = ctypes.c_int
    lib.espeak_Synth.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int,
                                 ctypes.c_uint, ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p]
    lib.espeak_Synth.restype = ctypes.c_int
    lib.espeak_Synchronize.restype = ctypes.c_int
    path = data_path.encode() if data_path else None
    if data_path and Path(data_path, "espeak-ng-data").is_dir():
        path = data_path.encode()
    rate = lib.espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, path, 0)
    if rate <= 0:
        raise SynthesisError("Không khởi động được eSpeak NG", retryable=False)
    _state["lib"], _state["rate"] = lib, rate
    return lib, rate


class EspeakEngine:
    """eSpeak NG speaking Vietnamese; returns mono 16-bit WAV."""

    label = "espeak"
    audio_format = "wav"
    max_chars: int | None = None

    def __init__(self, *, voice: str = "vi", rate_wpm: int = 150) -> None:
        self.voice = voice
        self.rate_wpm = rate_wpm
        self.name = f"espeak:{voice}:{rate_wpm}"

    def synthesize(self, text: str) -> bytes:
        """Return WAV bytes for `text`."""
        text = text.strip()
        if not any(ch.isalnum() for ch in text):
            raise SynthesisError("Đoạn văn bản không có chữ để đọc", retryable=False)
        chunks: list[bytes] = []

        def on_samples(wav: ctypes._Pointer, count: int, _events: int) -> int:
            if wav and count > 0:
                chunks.append(ctypes.string_at(wav, count * 2))
            return 0

        callback = _SYNTH_CALLBACK(on_samples)
        data = text.encode("utf-8") + b"\0"
        with _lock:
            lib, sample_rate = _initialized()
            lib.espeak_SetSynthCallback(callback)
            if lib.espeak_SetVoiceByName(self.voice.encode()) != EE_OK:
                raise SynthesisError(f"eSpeak NG không có giọng {self.voice!r}", retryable=False)
            lib.espeak_SetParameter(ESPEAK_RATE, self.rate_wpm, 0)
            status = lib.espeak_Synth(data, len(data), 0, POS_CHARACTER, 0, ESPEAK_CHARS_UTF8,
                                      None, None)
            lib.espeak_Synchronize()
        if status != EE_OK or not chunks:
            raise SynthesisError(f"eSpeak NG không tạo được âm thanh (mã {status})",
                                 retryable=False)
        out = io.BytesIO()
        with wave.open(out, "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(sample_rate)
            w.writeframes(b"".join(chunks))
        return out.getvalue()
