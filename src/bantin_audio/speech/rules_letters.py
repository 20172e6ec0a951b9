"""Vietnamese letter names (for spelled acronyms) and a test for plain Vietnamese syllables."""

from __future__ import annotations

import re

from .numbers import read_integer_string

# Names used on air (spec §9.2); short forms where the long one is two syllables of noise.
LETTER_NAMES = {
    "A": "a", "Ă": "á", "Â": "ớ", "B": "bê", "C": "xê", "D": "dê", "Đ": "đê", "E": "e",
    "Ê": "ê", "F": "ép", "G": "giê", "H": "hát", "I": "i", "J": "gi", "K": "ca", "L": "lờ",
    "M": "mờ", "N": "nờ", "O": "o", "Ô": "ô", "Ơ": "ơ", "P": "pê", "Q": "quy", "R": "rờ",
    "S": "ét", "T": "tê", "U": "u", "Ư": "ư", "V": "vê", "W": "vê kép", "X": "ích",
    "Y": "i dài", "Z": "dét",
}

# Capital letters that carry a Vietnamese vowel mark: a token with one is a word, not an acronym.
VIET_MARKED_CAPS = set("ÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴ")

_SYLLABLE = re.compile(
    r"(?:ngh|ng|gh|gi|kh|nh|ph|th|tr|ch|qu|[bcdđghklmnprstvx])?"
    r"(?:uye|uya|oai|oay|uay|uoi|ieu|yeu|ai|ao|au|ay|eo|eu|ia|ie|iu|oa|oe|oi|ua|ue|ui|uo|uu|uy|"
    r"ye|a|e|i|o|u|y)"
    r"(?:ch|nh|ng|c|m|n|p|t)?",
    re.IGNORECASE,
)
_PIECES = re.compile(r"[0-9]+|[^\W\d_]")


def spell_letters(token: str) -> str:
    """Spell a token with Vietnamese letter names; digit runs inside it are read as numbers."""
    words = []
    for piece in _PIECES.findall(token):
        if piece.isascii() and piece.isdigit():
            words.append(read_integer_string(piece))
        else:
            upper = piece.upper()
            words.append(LETTER_NAMES.get(upper, piece.lower()))
    return " ".join(words)


def is_plain_syllable(token: str) -> bool:
    """Return True if an unmarked all-letter token can be one Vietnamese syllable (HOA, BAN)."""
    return _SYLLABLE.fullmatch(token) is not None


# ---------------------------------------------------------------- letters used as labels

_LABEL_CUES = (r"điểm|khoản|tiết|tiểu mục|mục|phân nhóm|nhóm|loại|hạng|phụ lục|khối|vitamin|"
               r"phương án|mẫu|biểu|dãy|tòa|lô|phân khu|khu|tổ|đội|tầng|cổng|ô|ngõ|ngách")
_LABEL = re.compile(r"(?i:\b(" + _LABEL_CUES + r"))(\s+)([a-zA-ZđĐ])(?![\w]|\.\w|\))")
# Single V, X after these are letters ("nhóm V", "loại X"), unless "đô thị loại V".
_LETTER_NOT_ROMAN = {"nhóm", "loại", "khối", "tổ", "lô", "khu", "dãy", "tòa", "vitamin",
                     "phân nhóm", "đội", "cổng"}
_LONE_LETTER = re.compile(r"(?<![\w])[a-zA-ZđĐ](?![\w])")
# A list label inside a line: "gồm: a) đơn; b) bản sao" or "(c)".
_INLINE_LABEL = re.compile(r"(?<=[\s:;,])(\()?([a-zđA-ZĐ])\)(?=\s)")
_VITAMIN = re.compile(r"\b([Vv])itamin\b")


def _label(m: re.Match[str]) -> str:
    cue, space, letter = m.group(1), m.group(2), m.group(3)
    cue_low = cue.lower()
    if letter in "IVXL" and (letter in "IL" or cue_low not in _LETTER_NOT_ROMAN or re.search(
            r"(?i)đô thị\s+\Z", m.string[max(0, m.start() - 12):m.start()])):
        return m.group(0)  # "loại I", "Phụ lục V", "đô thị loại V": Roman numerals (spec §8)
    return cue + space + LETTER_NAMES[letter.upper()]


def _inline_label(m: re.Match[str]) -> str:
    # Only the recent part of the line matters (and keeps the work linear in long lines).
    lo = max(0, m.start() - 200)
    line_head = m.string[max(lo, m.string.rfind("\n", lo, m.start()) + 1):m.start()]
    if m.group(1) is None and line_head.rfind("(") > line_head.rfind(")"):
        return m.group(0)  # "(xem điểm a)": the parenthesis closes a phrase
    return LETTER_NAMES[m.group(2).upper()] + ","


def read_labels(text: str) -> str:
    """Name single letters used as labels: "điểm c" -> "điểm xê", "nhóm B", mid-line "a)"."""
    if _LONE_LETTER.search(text):
        text = _LABEL.sub(_label, text)
    if "itamin" in text:
        text = _VITAMIN.sub(lambda m: m.group(1) + "i ta min", text)  # spec §13.6
    if ")" in text:
        text = _INLINE_LABEL.sub(_inline_label, text)
    return text
