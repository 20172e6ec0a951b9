"""E-mail and web addresses, read so that a listener can write them down (spec §13.2).

`@` is "a còng", a dot "chấm", a slash "xẹt", `-` "gạch ngang", `_` "gạch dưới", `www`
"vê kép vê kép vê kép"; `http(s)://` is not read. A label made only of known Vietnamese words
written without diacritics (data/address_words.tsv: "langson", "vanphong", "dichvucong") is
said as those words, any other label is spelled with Vietnamese letter names and its digits
are read one by one. Nothing in an address is dropped.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

from .lexicon import parse_entries
from .numbers import read_digits
from .rules_letters import LETTER_NAMES

# Top-level domains that make "name.vn" an address even without "www." or "http://".
_TLDS = ("vn", "com", "net", "org", "gov", "edu", "info", "int", "biz", "asia", "io")
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOST = r"(?:" + _LABEL + r"\.)+" + _LABEL
_EMAIL = re.compile(r"(?<![\w.@+-])([A-Za-z0-9](?:[A-Za-z0-9._+-]{0,63}[A-Za-z0-9])?)@(" + _HOST
                    + r")(?![\w@-])")
_PATH = r"(?:/[A-Za-z0-9._~%+=&?#/:-]*[A-Za-z0-9/=_~-])?/?"
_URL = re.compile(
    r"(?<![\w@./-])(?:(?i:https?://)(" + _HOST + r")|((?i:www)\." + _HOST + r")|("
    + r"(?:" + _LABEL + r"\.)+(?i:" + "|".join(_TLDS) + r")))(?::\d{1,5})?(" + _PATH
    + r")(?![\w@-])"
)
_PUNCT_WORDS = {".": "chấm", "/": "xẹt", "-": "gạch ngang", "_": "gạch dưới", "@": "a còng",
                ":": "hai chấm", "?": "dấu hỏi", "=": "bằng", "&": "và", "+": "cộng",
                "#": "thăng", "%": "phần trăm", "~": "dấu ngã"}
_PIECE = re.compile(r"[A-Za-z]+|[0-9]+|.", re.S)


@lru_cache(maxsize=1)
def address_words() -> dict[str, str]:
    """Return the table of diacritic-less words in addresses (langson -> lạng sơn)."""
    text = (resources.files("bantin_audio.speech") / "data" / "address_words.tsv").read_text(
        encoding="utf-8")
    return {e.term: e.spoken for e in parse_entries(text, "address_words.tsv")}


def _segment(word: str, table: dict[str, str]) -> list[str] | None:
    """Split a letters-only label into known words (fewest pieces), or None if it cannot be."""
    n = len(word)
    if n > 64:
        return None
    longest = max(len(k) for k in table)
    best: list[list[str] | None] = [None] * (n + 1)
    best[0] = []
    for end in range(1, n + 1):
        for start in range(max(0, end - longest), end):
            head = best[start]
            if head is None:
                continue
            spoken = table.get(word[start:end])
            if spoken is not None and (best[end] is None or len(head) + 1 < len(best[end] or [])):
                best[end] = [*head, spoken]
    return best[n]


def _read_letters(word: str) -> str:
    """Read a letters-only label: known words, "www", or spelled letter by letter."""
    low = word.lower()
    if low == "www":
        return "vê kép vê kép vê kép"
    words = _segment(low, address_words())
    if words is not None:
        return " ".join(words)
    return " ".join(LETTER_NAMES.get(c, c) for c in low.upper())


def read_address_part(part: str) -> str:
    """Read a piece of an address: labels, digits one by one, every separator by its name."""
    out = []
    for piece in _PIECE.findall(part):
        if piece.isalpha():
            out.append(_read_letters(piece))
        elif piece.isdigit():
            out.append(read_digits(piece))
        elif piece in _PUNCT_WORDS:
            out.append(_PUNCT_WORDS[piece])
        elif not piece.isspace():
            out.append(piece)
    return " ".join(out)


def _email(m: re.Match[str]) -> str:
    return f" {read_address_part(m.group(1))} a còng {read_address_part(m.group(2))} "


def _url(m: re.Match[str]) -> str:
    host = m.group(1) or m.group(2) or m.group(3)
    path = m.group(4) or ""
    if path == "/":
        path = ""  # "example.vn/" ends with a slash nobody needs to hear
    return " " + read_address_part(host + path) + " "


def read_addresses(text: str) -> str:
    """Read e-mail addresses and web addresses aloud (spec §13.2)."""
    if "@" in text:
        text = _EMAIL.sub(_email, text)
    if "." in text:
        text = _URL.sub(_url, text)
    return text
