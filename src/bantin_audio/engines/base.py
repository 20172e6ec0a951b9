"""The Engine protocol: spoken text in, audio bytes out."""

from __future__ import annotations

from contextvars import ContextVar
from typing import Protocol, runtime_checkable

#: The priority of the request this thread is about to make (lower goes first): the reading
#: position of its segment and phrase, so a listener's first paragraph is never queued behind
#: the rest of the article. Engines that queue requests honour it; others ignore it.
REQUEST_PRIORITY: ContextVar[tuple[int, ...]] = ContextVar("request_priority", default=())

#: Whether the request this thread is about to make is part of what a listener hears first (the
#: title up to the first body paragraph): an engine that adapts its concurrency lets all of
#: those go at once while the server has not pushed back, instead of a cautious start.
FIRST_AUDIO: ContextVar[bool] = ContextVar("first_audio", default=False)


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
