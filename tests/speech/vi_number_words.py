"""An independent, strict parser of Vietnamese number words, used to check the normalizer.

It shares no code with bantin_audio.speech.numbers and rejects the forms the spec forbids
("mười mốt", "mười tư", "linh lăm", "hai mươi năm" for 25, a non-leading group without
"không trăm", "không nghìn"), so a read-back test fails on a wrong reading, not only a wrong value.
"""

from __future__ import annotations

from decimal import Decimal

_DIGIT = {"không": 0, "một": 1, "hai": 2, "ba": 3, "bốn": 4, "năm": 5, "sáu": 6, "bảy": 7,
          "tám": 8, "chín": 9}
_SCALES = (("tỷ", 10**9), ("triệu", 10**6), ("nghìn", 10**3))


class NotANumber(ValueError):
    """The words are not a canonical Vietnamese number reading."""


def _units_after_tens(word: str, tens: int) -> int:
    """Return the unit value of a word standing after mười (tens=1) or mươi (tens>1)."""
    if word == "lăm":
        return 5
    if tens > 1 and word == "mốt":
        return 1
    if tens > 1 and word == "tư":
        return 4
    if word in ("năm", "không", "mốt", "tư") or (tens > 1 and word == "một"):
        # mười năm, hai mươi năm, mười mốt, mười tư, hai mươi một: wrong on air.
        raise NotANumber(f"'{word}' cannot follow {'mười' if tens == 1 else 'mươi'}")
    if word in _DIGIT:
        return _DIGIT[word]
    raise NotANumber(f"unexpected '{word}' after tens")


def _tens_units(words: list[str]) -> int:
    """Parse 0-99 written without hundreds (e.g. "hai mươi mốt", "mười lăm", "bảy")."""
    if not words:
        raise NotANumber("empty group")
    if words[0] == "mười":
        if len(words) == 1:
            return 10
        if len(words) == 2:
            return 10 + _units_after_tens(words[1], 1)
        raise NotANumber(" ".join(words))
    if len(words) >= 2 and words[1] == "mươi":
        tens = _DIGIT.get(words[0], 0)
        if tens < 2:
            raise NotANumber(" ".join(words))
        if len(words) == 2:
            return tens * 10
        if len(words) == 3:
            return tens * 10 + _units_after_tens(words[2], tens)
        raise NotANumber(" ".join(words))
    if len(words) == 1 and words[0] in _DIGIT:
        return _DIGIT[words[0]]
    raise NotANumber(" ".join(words))


def _group(words: list[str], leading: bool) -> int:
    """Parse one 1-999 group; a non-leading group must say its hundreds ("không trăm")."""
    if len(words) >= 2 and words[1] == "trăm":
        hundreds = _DIGIT.get(words[0])
        if hundreds is None or (leading and hundreds == 0):
            raise NotANumber(" ".join(words))
        rest = words[2:]
        if not rest:
            if hundreds == 0:
                raise NotANumber("không trăm alone")
            return hundreds * 100
        if rest[0] in ("linh", "lẻ"):
            if len(rest) != 2 or rest[1] not in _DIGIT or rest[1] == "không":
                raise NotANumber(" ".join(words))
            return hundreds * 100 + _DIGIT[rest[1]]
        value = _tens_units(rest)
        if value < 10:
            raise NotANumber("a single digit after trăm needs linh")
        return hundreds * 100 + value
    if not leading:
        raise NotANumber("non-leading group without hundreds: " + " ".join(words))
    value = _tens_units(words)
    if value == 0:
        raise NotANumber("zero group")
    return value


def _integer(words: list[str], leading: bool = True) -> int:
    for name, size in _SCALES:
        if name in words:
            # The last "tỷ" splits "một nghìn tỷ" correctly; nghìn/triệu occur once below it.
            idx = len(words) - 1 - words[::-1].index(name) if name == "tỷ" else words.index(name)
            high, low = words[:idx], words[idx + 1:]
            if not high:
                raise NotANumber(f"'{name}' without a multiplier")
            value = _integer(high, leading) * size
            if low:
                value += _integer(low, leading=False)
            return value
    return _group(words, leading)


def parse_vietnamese_number(text: str) -> Decimal:
    """Return the value of a Vietnamese number reading ("âm ba phẩy không năm" -> -3.05)."""
    words = text.replace(",", " ").split()
    sign = 1
    if words[:1] == ["âm"]:
        sign, words = -1, words[1:]
    if "phẩy" in words:
        idx = words.index("phẩy")
        whole, frac = words[:idx], words[idx + 1:]
    else:
        whole, frac = words, []
    if whole == ["không"]:
        value = Decimal(0)
    else:
        value = Decimal(_integer(whole))
    if frac:
        zeros = 0
        while zeros < len(frac) and frac[zeros] == "không":
            zeros += 1
        rest = frac[zeros:]
        digits = "0" * zeros + (str(_integer(rest)) if rest else "")
        value += Decimal("0." + digits)
    return sign * value
