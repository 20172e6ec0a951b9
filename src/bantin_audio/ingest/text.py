"""Text tidying shared by every ingest path: Unicode form, invisible characters, spacing."""

from __future__ import annotations

import re
import unicodedata

# Zero-width and formatting characters that editors paste in and that a voice would stumble on.
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u200e\u200f\u2060\ufeff\u00ad\u202a-\u202e"
                        "\ud800-\udfff]")  # lone surrogates cannot be encoded or spoken
# C0/C1 control characters other than tab/newline: they break parsers and mean nothing to read.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_UNWANTED = re.compile(_INVISIBLE.pattern[:-1] + _CONTROL.pattern[1:])
_SPACES = re.compile(r"\s+")
END_MARK = re.compile(r"(?:\s*\./\.)+\s*$")  # one end mark, or several pasted twice
# Characters that end a sentence (after closing quotes/brackets are stripped).
SENTENCE_END = ".!?…"
CLOSERS = "\"'”’»)]"


def strip_invisible(text: str) -> str:
    """Return NFC text without zero-width and control characters, line breaks kept."""
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _UNWANTED.sub("", text)


def fold_spaces(text: str) -> str:
    """Return text with every run of whitespace (incl. no-break space) folded to one space."""
    return _SPACES.sub(" ", text.replace("\xa0", " ")).strip()


def clean_line(text: str) -> str:
    """Return one display line: NFC, no invisible characters, whitespace folded."""
    return fold_spaces(strip_invisible(text))


def has_end_mark(text: str) -> bool:
    """Tell whether a paragraph ends with the official end mark './.'."""
    return bool(END_MARK.search(text))


def strip_end_mark(text: str) -> str:
    """Return the paragraph without a trailing end mark './.', keeping its sentence's period.

    "… phát triển./." ends a sentence as well as the article: the period stays, so the
    voice closes the sentence instead of trailing off.
    """
    stripped = END_MARK.sub("", text).rstrip()
    if stripped != text.rstrip() and stripped and last_char(stripped) not in SENTENCE_END:
        stripped += "."
    return stripped


def last_char(text: str) -> str:
    """Return the last meaningful character, looking past closing quotes and brackets."""
    t = text.rstrip()
    while t and t[-1] in CLOSERS:
        t = t[:-1].rstrip()
    return t[-1] if t else ""


def ends_sentence(text: str) -> bool:
    """Tell whether a line ends like a sentence (period, question mark, ellipsis, end mark)."""
    t = text.rstrip()
    if has_end_mark(t) or t.endswith("..."):
        return True
    return last_char(t) in SENTENCE_END


def word_count(text: str) -> int:
    """Return the number of space-separated words."""
    return len(text.split())


def is_upper_text(text: str) -> bool:
    """Tell whether all letters of the text are capitals (and there are some)."""
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and all(c.isupper() for c in letters)
