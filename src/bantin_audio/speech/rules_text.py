"""Typography, article furniture and final clean-up (spec §0 steps 1, 2, 13; §10)."""

from __future__ import annotations

import re
import unicodedata

from .lexicon import Lexicon
from .numbers import (
    read_digits,
)
from .rules_context import (
    NUMBER_WORDS,
    SOURCE_TAGS,
)

# -------------------------------------------------------------- 1. Unicode and typography

_TONE_FIX = {"oà": "òa", "oá": "óa", "oả": "ỏa", "oã": "õa", "oạ": "ọa", "oè": "òe",
             "oé": "óe", "oẻ": "ỏe", "oẽ": "õe", "oẹ": "ọe", "uỳ": "ùy", "uý": "úy",
             "uỷ": "ủy", "uỹ": "ũy", "uỵ": "ụy"}
_TONE_FIX.update({k[0].upper() + k[1:]: v[0].upper() + v[1:] for k, v in list(_TONE_FIX.items())})
# "qu" is one consonant, so "quý" keeps its mark where it is (never "qúy").
_TONE_RE = re.compile(r"(?<![qQ])(" + "|".join(_TONE_FIX) + r")(?![^\W\d_])")
_CHAR_MAP = str.maketrans({
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-",
    "\u2212": "-", "\u2018": "'", "\u2019": "'", "\u2032": "'", "\u00b4": "'", "\u00a0": " ",
    "\u2009": " ", "\u202f": " ", "\u2007": " ", "\u3000": " ", "\u200b": None, "\u200c": None,
    "\u200d": None, "\ufeff": None, "\u00ad": None, "\t": " ", "\u2044": "/", "\u2215": "/",
    **{chr(0xFF10 + i): str(i) for i in range(10)},
})


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_UNSPOKEN = re.compile(r"[\\|^`{}#•·●▪◦►✓]+")


# "v.v." / "v.v..." is "vân vân" (et cetera); its dots are not a sentence end. Never inside an
# address: "a@v.v.gov.vn" and "v.v.vn" are labels of a domain.
_ETC = re.compile(r"(?<![\w@./])v\.v(?:\.{1,3})?(?![\w@/]|\.[\w@])")


def prepare(text: str) -> str:
    """Apply NFC, one tone-mark style, plain dashes and quotes; drop unspoken symbols."""
    text = unicodedata.normalize("NFC", text).translate(_CHAR_MAP)
    text = text.replace("…", "...").replace("\r\n", "\n").replace("\r", "\n")
    # Control characters carry no speech and upset engines.
    text = _CONTROL.sub("", text)
    # Symbols that are never spoken go first, so no later stage sees a token glued to them.
    text = _UNSPOKEN.sub(" ", text)
    if "v.v" in text:
        text = _ETC.sub("vân vân", text)
    return _TONE_RE.sub(lambda m: _TONE_FIX[m.group(1)], text)


# --------------------------------------------------------------- 2. article furniture

_END_MARK = re.compile(r"\s*\.?/\.(?=\s|$)")
_BULLET = re.compile(
    r"(?m)^[ \t]*(?:[-+•*●▪◦·►✓]+(?=[ \t]*[^\d\s])|\d{1,2}(?:\.\d{1,2})*[.)](?=[ \t])|"
    r"[a-zđ]\)(?=[ \t])|[IVX]{1,5}\.(?=[ \t]))[ \t]*"
)
# "H.Bạch Thông", "TP.Vinh": the abbreviation dot glued to a place name.
_GLUED_PLACE = re.compile(r"\b(TP|Tp|TX|TT|H|Q|P)\.(?=[A-ZĐÀ-Ỹ][a-zà-ỹđ])")
_LEAD_TAG = re.compile(r"^\s*\(?([A-ZĐ][A-Za-zĐ.]{1,15})\)?\s*-\s+")
_TRAIL_TAG = re.compile(r"\s*\(([A-ZĐ][\w.]{1,15}(?: [A-Z][\w]*)?)\)\s*\.?\s*$")


def _is_source_tag(whole: str, name: str, lexicon: Lexicon) -> bool:
    """Return True for a leading news-source tag: "TTO -", "(PLO)-", "(Baonghean.vn) -"."""
    if name in SOURCE_TAGS or name.lower().endswith((".vn", ".com", ".net")):
        return True
    if whole.lstrip().startswith("(") and ")" in whole:
        return True
    # A bare all-caps tag that is no known abbreviation (TTO, PLO, NLĐO).
    return name.isupper() and 2 <= len(name) <= 6 and lexicon.lookup(name) is None


def strip_furniture(text: str, lexicon: Lexicon) -> str:
    """Remove the ./. end mark, bullets, list numbers and news-source tags."""
    text = _END_MARK.sub(".", text)
    text = _GLUED_PLACE.sub(r"\1. ", text)
    text = _BULLET.sub("", text)
    m = _LEAD_TAG.match(text)
    if m and _is_source_tag(m.group(0), m.group(1), lexicon):
        text = text[m.end():]
    m = _TRAIL_TAG.search(text)
    if m and m.group(1) in SOURCE_TAGS:
        text = text[:m.start()].rstrip() + ("." if not text[:m.start()].rstrip().endswith(
            (".", "!", "?")) and m.group(0).rstrip().endswith(".") else "")
    return text


# ------------------------------------------------------------------ 13. clean-up

_SPACES = re.compile(r"[ \t]+")
# No space before a pause mark, except after a lone capital ("A .B" must not become a token
# "A.B" that a second pass would read differently).
_SPACE_BEFORE_PUNCT = re.compile(r"(?<!\b[A-ZĐ]) +([,.;:!?)\]])")
_GLUED_DOT = re.compile(r"(?<=[^\W\d_])\.(?=[A-ZĐ])")
_SPACE_AFTER_OPEN = re.compile(r"([(\[]) +")
_PAIRS = {")": "(", "]": "["}
_EMPTY_BRACKETS = re.compile(r"\(\s*\)|\[\s*\]")


def _drop_empty_brackets(line: str) -> str:
    """Remove "()" and "[ ]", also those left empty once inner ones go: "(( ))" -> "".

    One pass with a stack of open brackets, so a deeply nested line costs linear work.
    """
    out: list[str] = []
    opened: list[tuple[int, str]] = []  # (position in out, bracket)
    for ch in line:
        if ch in "([":
            opened.append((len(out), ch))
            out.append(ch)
        elif ch in _PAIRS and opened and opened[-1][1] == _PAIRS[ch]:
            pos, _ = opened.pop()
            k = len(out)
            while k > pos + 1 and out[k - 1].isspace():
                k -= 1
            if k == pos + 1:
                del out[pos:]  # only spaces inside: the pair goes
            else:
                out.append(ch)
        else:
            if ch in _PAIRS:
                opened.clear()  # an unmatched closer: earlier openers can no longer pair
            out.append(ch)
    return "".join(out)
_DOUBLE_COMMA = re.compile(r",(?:\s*,)+")
_COMMA_DOT = re.compile(r",\s*(?=[.;:!?])")
_LEFTOVER_DIGITS = re.compile(r"[0-9]+")
_LINE_LEAD = re.compile(r"^[,;:.\-\s]+")
# "14h30 - 16h": by clean-up time both sides are words, so a time span reads "đến".
_TIME_RANGE = re.compile(r"\b(giờ|phút)\s*-\s*(?=(?:(?:" + "|".join(sorted(NUMBER_WORDS))
                         + r")\s+){1,6}giờ\b)")
_STRAY = re.compile(r"[/*+•]+")
_STRAY_READING = {"/": ", ", "+": " cộng "}


def clean(text: str) -> str:
    """Read leftovers (%, +, digits), keep pause punctuation and tidy spaces per line."""
    text = text.replace("%", " phần trăm ")
    # A currency sign no number claimed is still said (spec §13.3: never silently dropped).
    if "$" in text or "€" in text:
        text = text.replace("$", " đô la ").replace("€", " ơ rô ")
    # Again at the end: a heading lowercased late ("OÀ" -> "oà") must follow the same style.
    text = _TONE_RE.sub(lambda m: _TONE_FIX[m.group(1)], text)
    # A slash left between spaced words ("Nông nghiệp / Thủy sản") is a pause.
    text = _STRAY.sub(lambda m: _STRAY_READING.get(m.group(0)[0], " "), text)
    text = _LEFTOVER_DIGITS.sub(lambda m: " " + read_digits(m.group(0)) + " ", text)
    if "giờ" in text:
        text = _TIME_RANGE.sub(lambda m: m.group(1) + " đến ", text)
    lines = []
    for line in text.split("\n"):
        line = _SPACES.sub(" ", line)
        if ("(" in line or "[" in line) and _EMPTY_BRACKETS.search(line):
            line = _drop_empty_brackets(line)
        line = _SPACE_AFTER_OPEN.sub(r"\1", line)
        line = _SPACE_BEFORE_PUNCT.sub(r"\1", line)
        # A dot glued to a following capital ("Bê.A") would read as one token next time.
        line = _GLUED_DOT.sub(". ", line)
        line = _DOUBLE_COMMA.sub(",", line)
        line = _COMMA_DOT.sub("", line)
        line = _SPACES.sub(" ", line).strip()
        # A line may not open with a pause, a dash or a list mark (left over from bullets,
        # removed tags, or "I ." that only became "I." here).
        line = _LINE_LEAD.sub("", _BULLET.sub("", _LINE_LEAD.sub("", line)))
        lines.append(line)
    return "\n".join(lines).strip()
