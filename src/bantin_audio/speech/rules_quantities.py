"""Slashes, units, currency, percentages, ranges, Roman numerals and plain numbers."""

from __future__ import annotations

import re

from .lexicon import Lexicon
from .numbers import (
    read_integer_string,
    read_number,
    read_ordinal,
    roman_to_int,
)
from .rules_context import (
    COUNTED,
    NUM,
    NUMBER_WORDS,
    PER_ALT,
    RATIO_PREV,
    ROMAN_TRIGGERS,
    UNIT_ALT,
    UNITS,
    letter_name,
    next_words,
    prev_words,
    read_num,
)
from .rules_letters import spell_letters

# ------------------------------------------------------ 8. slashes: ratios and per-units

_RATIO_SIDE = r"\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:,\d+)?"
_RATIO = re.compile(r"(?<![\w.,/])(" + _RATIO_SIDE + r")/(" + _RATIO_SIDE + r")(?![\w/]|[.,]\d)")
_PER = re.compile(r"(?<=[^\W_%])/(" + PER_ALT + r")(?![^\W_])")
_COMRADE = re.compile(r"(?<![\w/])[Đđ]/[Cc](?![\w])")
_WORD_SLASH = re.compile(r"(?<=[^\W\d_])/(?=[^\W\d_])")
# A unit over a quantity: "5 g/10 lít", "30 ml/bình 16 lít" -> "năm gam trên mười lít".
_UNIT_OVER = re.compile(
    r"(?<=\d)(\s?(?:" + UNIT_ALT + r"|lít|gói|chai|bình|viên|liều))\s?/\s?(?=\d)")
# A price or unit followed by a chain of per-units: "đ/hộ/tháng", "đồng/xe/lượt", "kg/sào".
_PER_CHAIN = re.compile(
    r"(?<![^\W\d_])(đồng|đ|USD|VNĐ|VND|tấn|tạ|yến|lít|" + UNIT_ALT
    + r")((?:/[^\W_]+){2,})(?![^\W_/])")


_PRICE_WORDS = {"đồng", "usd", "đô", "vnđ", "vnd"}
# Measures written as words that start a per-unit: "tấn/xe", "lít/hộ/tháng".
_MEASURE_WORDS = {"tấn", "tạ", "yến", "lít", "sào", "mẫu", "khối", "thùng", "bao", "cây"}


def read_slashes(text: str) -> str:
    """Read "/" as ratio (trên), fraction (phần), per-unit (một) or a pause."""
    if "/" not in text:
        return text

    def ratio(m: re.Match[str]) -> str:
        prev = prev_words(text, m.start(), 1)
        nxt = next_words(text, m.end(), 1)
        left, right = read_num(m.group(1)), read_num(m.group(2))
        plain = m.group(1).isdigit() and m.group(2).isdigit()
        if not plain or (prev and prev[-1] in RATIO_PREV) or (nxt and nxt[0] in COUNTED):
            return f"{left} trên {right}"
        a, b = int(m.group(1)), int(m.group(2))
        if 0 < a < b <= 10:
            return f"{left} phần {'tư' if b == 4 else right}"
        return f"{left} trên {right}"

    def word_slash(m: re.Match[str]) -> str:
        s = m.string
        i = m.start()
        left = re.search(r"[^\W\d_]+[23²³]?$", s[max(0, i - 30):i])
        right = re.match(r"[^\W_]+", s[i + 1:i + 31])
        lw = left.group(0) if left else ""
        rw = right.group(0) if right else ""
        # Acronym pairs (HIV/AIDS, BTC/BNN) are left to the abbreviation stage.
        if lw[-1:].isupper() and rw[:1].isupper():
            return "/"
        if rw.lower() == "đầu":
            return " trên "
        if lw.lower() in _PRICE_WORDS or lw in UNITS or lw in _MEASURE_WORDS:
            # "100 triệu đồng/mô hình", "kg/sào": a price or measure per anything.
            return " một "
        return ", "

    text = _COMRADE.sub(lambda m: "Đồng chí" if m.group(0)[0] == "Đ" else "đồng chí", text)
    text = _RATIO.sub(ratio, text)
    text = _UNIT_OVER.sub(lambda m: m.group(1) + " trên ", text)
    text = _PER_CHAIN.sub(lambda m: m.group(1) + _per_chain(m.group(2)), text)
    text = _PER.sub(lambda m: " một " + UNITS.get(m.group(1), "giờ" if m.group(1) == "h"
                                                    else m.group(1)), text)
    return _WORD_SLASH.sub(word_slash, text)


# --------------------------------------- 9. units, currency, percent, ranges, negatives

_RANGE = re.compile(
    r"(?<![\w.,])(" + NUM + r")(\s*%|\s+(?:nghìn|ngàn|triệu|tỷ|tỉ)(?:\s+đồng)?)?(\s*-\s*)"
    r"((?:dưới|trên|hơn|gần)\s+)?(?=(?:" + NUM
    + r")(?![\d-]|[.,]\d))"
)
_SCORE_CUES = re.compile(r"\b(?:tỷ số|tỉ số|thắng|thua|hòa|gỡ)\b")
_NEGATIVE = re.compile(r"(?:(?<=^)|(?<=[\s(:\[]))-(?=\d)")
_PERCENT = re.compile(r"\s*%((?:/(?:" + PER_ALT + r"))*)(?![^\W_])")
_UNIT = re.compile(r"(?<![^\W\d_])(" + UNIT_ALT + r")((?:/(?:" + PER_ALT + r"))*)(?![^\W_²³])")
# "35°C", "35 độ C", and "35oC" (a letter o typed for the degree sign).
_DEGREE_C = re.compile(r"(?:°\s?C|\bđộ\s+C|(?<=\d)\s?oC)(?![\w])")
_DEGREE = re.compile(r"\s?°")
_DOLLAR = re.compile(r"\$\s?(" + NUM + r")(\s*(?:nghìn|ngàn|triệu|tỷ|tỉ))?")
_DOLLAR_AFTER = re.compile(r"(?<=\d)\s?\$")
_NUM_WORD_TAIL = re.compile(r"(?:\d|(?<![^\W_])(?:" + "|".join(NUMBER_WORDS) + r"))[ \t]*\Z")


def _per_chain(chain: str) -> str:
    out = []
    for unit in chain.split("/")[1:]:
        out.append("một " + UNITS.get(unit, "giờ" if unit == "h" else unit))
    return (" " + " ".join(out)) if out else ""


def read_quantities(text: str) -> str:
    """Read ranges (đến), negatives (âm), percentages, units and currency."""
    def range_(m: re.Match[str]) -> str:
        # "kỳ họp thứ 21 - 22" is still a range; only a score ("tỷ số 2 - 0") keeps its dash.
        prev = " ".join(prev_words(text, m.start(), 3))
        if _SCORE_CUES.search(prev) and not m.group(2):
            return m.group(1) + " - "
        middle = m.group(2) or ""
        if middle.strip() == "%":
            middle = " phần trăm"
        return m.group(1) + middle + " đến " + (m.group(4) or "")

    def negative(m: re.Match[str]) -> str:
        head = text[:m.start()].rstrip()
        if head and (head[-1].isdigit() or head[-1] == "%"):
            return m.group(0)
        return "âm "

    def unit(m: re.Match[str]) -> str:
        head = text[max(0, m.start() - 20):m.start()]
        u = m.group(1)
        if len(u) == 1 and not head.rstrip(" \t")[-1:].isdigit():
            # A one-letter unit needs digits right before it ("5 m", never "năm m", "%l").
            return m.group(0)
        if not _NUM_WORD_TAIL.search(head) or head.rstrip(" \t").endswith("phần trăm"):
            # Without a number before it, "m" or "g" is just a letter; "km/h" still reads.
            return m.group(0)
        return " " + UNITS[u] + _per_chain(m.group(2))

    if "-" in text:
        text = _RANGE.sub(range_, text)
        text = _NEGATIVE.sub(negative, text)
    if "$" in text:
        text = _DOLLAR.sub(lambda m: f"{m.group(1)}{m.group(2) or ''} đô la Mỹ", text)
        text = _DOLLAR_AFTER.sub(" đô la Mỹ", text)
    text = _DEGREE_C.sub(" độ xê", text)
    if "°" in text:
        text = _DEGREE.sub(" độ ", text)
    if "%" in text:
        text = _PERCENT.sub(lambda m: " phần trăm" + _per_chain(m.group(1)), text)
    return _UNIT.sub(unit, text)


# ------------------------------------------------------------------ 10. Roman numerals

_ROMAN = re.compile(
    r"(?i:\b(" + ROMAN_TRIGGERS + r"))(\s+)((?i:thứ)\s+)?([IVXL]+)(?![\w])"
)


_ROMAN_TOKEN = re.compile(r"(?<![\w])[IVXL]+(?![\w])")


def read_romans(text: str) -> str:
    """Read Roman numerals after trigger words (khóa XV, lần thứ IV, quý I)."""
    def repl(m: re.Match[str]) -> str:
        value = roman_to_int(m.group(4))
        if value is None or value > 50 or m.group(4) in ("L",):
            return m.group(0)
        if m.group(3):
            return m.group(1) + m.group(2) + m.group(3) + read_ordinal(value)
        return m.group(1) + m.group(2) + read_number(value)

    if not _ROMAN_TOKEN.search(text):
        return text  # no Roman-looking token: nothing to read
    return _ROMAN.sub(repl, text)


# ------------------------------------------------------------------ 12. plain numbers

_GLUED_LETTER = re.compile(r"(?<![\w.,])(\d+)([A-Za-zĐđ])(?![\w])")
_PLAIN_NUM = re.compile(r"(?<![\d])(" + NUM + r")")


_ALNUM = re.compile(r"(?<![\w.,])(?=[^\W_]*[0-9])(?=[^\W_]*[^\W\d_])[^\W_]+(?![\w])")
_ALNUM_PIECE = re.compile(r"[0-9]+|[^\W\d_]+")


def read_plain_numbers(text: str, lexicon: Lexicon) -> str:
    """Read the remaining numbers, ordinals after "thứ" and letter-digit codes."""
    def glued(m: re.Match[str]) -> str:
        return read_integer_string(m.group(1)) + " " + letter_name(m.group(2))

    def plain(m: re.Match[str]) -> str:
        token = m.group(1)
        spoken = None
        if token.isdigit():
            prev = prev_words(text, m.start(), 1)
            if prev and prev[-1] == "thứ" and len(token) <= 3:
                spoken = read_ordinal(int(token))
        spoken = spoken or read_num(token)
        # Never glue number words to a neighbouring letter ("F0A" must not become "Fkhông").
        left = " " if m.start() and m.string[m.start() - 1].isalpha() else ""
        right = " " if m.end() < len(m.string) and m.string[m.end()].isalpha() else ""
        return left + spoken + right

    text = _GLUED_LETTER.sub(glued, text)
    text = _ALNUM.sub(lambda m: _read_alnum(m.group(0), lexicon), text)
    return _PLAIN_NUM.sub(plain, text)


def _read_alnum(token: str, lexicon: Lexicon) -> str:
    """Read a code-like token mixing letters and digits: 12A1, H5N1, 3B2, 2x3."""
    pieces = _ALNUM_PIECE.findall(token)
    out = []
    for i, piece in enumerate(pieces):
        if piece.isascii() and piece.isdigit():
            out.append(read_integer_string(piece))
        elif piece == "x" and 0 < i < len(pieces) - 1:
            out.append("nhân")
        else:
            entry = lexicon.exact(piece)
            out.append(entry.spoken if entry else spell_letters(piece))
    return " ".join(out)
