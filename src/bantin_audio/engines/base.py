"""The Engine protocol: spoken text in, audio bytes out."""

from __future__ import annotations

from typing import Protocol, runtime_checkable


@runtime_checkable
class Engine(Protocol):
    """A voice that turns one phrase of spoken Vietnamese into audio bytes."""

    #: what the listener is told spoke the segment: "google" or "espeak"
    label: str
    #: identity for the clip cache: engine, voice and every setting that changes the sound
    name: str
    #: "mp3" or "wav"
    audio_format: str
    #: longest text one call accepts; None when any length is fine
    max_chars: int | None

    def synthesize(self, text: str) -> bytes:
        """Return the audio for `text`, or raise SynthesisError."""
        ...
