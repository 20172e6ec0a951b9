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
