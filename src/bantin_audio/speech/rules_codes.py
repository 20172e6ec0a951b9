"""Document codes, phone numbers, roads and chainage (spec §6, §7)."""

from __future__ import annotations

import re

from .lexicon import Lexicon
from .numbers import (
    read_digits,
    read_integer_string,
    read_number,
)
from .rules_context import (
    COUNTED,
    code_parts,
    letter_name,
    mentions,
    next_words,
    prev_words,
)
from .rules_letters import spell_letters

# ------------------------------------------------------------------ 5. document codes

_PART = r"[A-ZĐ][A-Za-zĐđ]*\d*"
_CODE = re.compile(
    r"(?<![\w/.,])(\d{1,5})([a-zđ]?)(?:/(\d{4}))?/(" + _PART + r"(?:[-/&]" + _PART + r")*)"
    r"(?![\w/])"
)
_PARTY_CODE = re.compile(
    r"(?<![\w/.,])(\d{1,5})([a-zđ]?)-(" + _PART + r")/(" + _PART + r"(?:[-/]" + _PART + r")*)"
    r"(?![\w/])"
)


def _read_code_part(part: str, lexicon: Lexicon) -> str:
    m = re.fullmatch(r"([^\W\d_]+)(\d*)", part)
    if not m:
        return spell_letters(part)
    letters, digits = m.groups()
    table = code_parts()
    spoken = table.get(letters)
    if spoken is None:
        entry = lexicon.exact(letters)
        spoken = entry.spoken if entry else spell_letters(letters)
    if digits:
        spoken += " " + read_integer_string(digits)
    return spoken


def _read_code_suffix(suffix: str, lexicon: Lexicon) -> str:
    out = []
    for token in re.split(r"([-/&])", suffix):
        if token == "/":
            out.append("trên")
        elif token == "&":
            out.append("và")
        elif token == "-" or not token:
            continue
        else:
            out.append(_read_code_part(token, lexicon))
    return " ".join(out)


def _code_number(num: str, letter: str) -> str:
    spoken = read_integer_string(num)
    return spoken + (" " + letter_name(letter) if letter else "")


def read_codes(text: str, lexicon: Lexicon) -> str:
    """Read document codes such as 07/2021/NĐ-CP, 1234/QĐ-UBND and 26-NQ/TW."""
    if "/" not in text:
        return text

    def code(m: re.Match[str]) -> str:
        parts = [_code_number(m.group(1), m.group(2))]
        if m.group(3):
            parts += ["trên", read_number(int(m.group(3)))]
        parts += ["trên", _read_code_suffix(m.group(4), lexicon)]
        return " ".join(parts)

    def party(m: re.Match[str]) -> str:
        return " ".join([_code_number(m.group(1), m.group(2)),
                         _read_code_part(m.group(3), lexicon), "trên",
                         _read_code_suffix(m.group(4), lexicon)])

    text = _PARTY_CODE.sub(party, text)
    return _CODE.sub(code, text)


# --------------------------------------------------- 6. phones, chainage, roads

_PHONE = re.compile(
    r"(?<![\w.,])(0\d{2,3}(?:[. ]\d{3,4}){1,2}|0\d{8,10}|\d{3,4}\.\d{4,})(?!\w|[.,]\d)"
)
_PHONE_CUE = re.compile(
    r"(?i)\b(đường dây nóng|hotline|điện thoại|sđt|đt(?=\s*:)|fax|tổng đài|số máy)"
    r"(\s*:?\s*(?:số\s*)?)(\d[\d. ]{1,14}\d)(?!\d|[.,]\d)"
)
# Service numbers are dialled, so they are read digit by digit (spec §6.2).
_HOTLINE = re.compile(r"(?<![\w.,])(?:1900|1800)[. ]?\d{3,4}(?:[. ]?\d{2,4})?(?![\w]|[.,]\d)")
_EMERGENCY = re.compile(r"(?i)(\b(?:gọi(?: số| đến| tới)?|số máy|tổng đài|số khẩn cấp)\s+)"
                        r"(11[1-5]|1022|1080)(?![\w]|[.,]\d)")
# 1022 is the public-service portal line: dialled, so read digit by digit even without a cue.
_PORTAL_LINE = re.compile(r"(?<![\w.,-])1022(?!\w|[.,]\d)")
_COUNT_BEFORE = {"năm", "số", "khoảng", "có", "gồm", "đạt", "hơn", "trên", "dưới", "gần", "tổng"}
# "113/114/115": the emergency numbers listed together, not a ratio.
_EMERGENCY_LIST = re.compile(r"(?<![\w/.,])11[1-5](?:/11[1-5])+(?![\w/])")
_KM_BEFORE = re.compile(r"\bKm\s?(?=\d)")
# "Q.1", "P.12", "H. 3": district, ward in addresses.
_ADDRESS_UNIT = re.compile(r"(?<![\w.])([QPH])\.\s?(\d{1,2})(?!\d|[.,]\d)")
ADDRESS_NAMES = {"Q": "quận", "P": "phường", "H": "huyện"}
_CHAINAGE = re.compile(r"\b[Kk]m\s?(\d+)\s?\+\s?(\d+)(\s*-\s*(?=[Kk]m\s?\d))?")
_ROAD = re.compile(
    r"\b(QL|ĐT|TL|ĐH|ĐX|ĐS|ĐCT|CT)\.?\s?(\d+)([A-Z]?)(?![\w])"
)
_ROAD_WORD = re.compile(
    r"(?i:\b(quốc lộ|tỉnh lộ|đường tỉnh|đường huyện|hương lộ|cao tốc|đường|tuyến|số))"
    r"\s+(\d+)([A-Z])(?![\w])"
)
_ROAD_NAMES = {"QL": "quốc lộ", "ĐT": "đường tỉnh", "TL": "tỉnh lộ", "ĐH": "đường huyện",
               "ĐX": "đường xã", "ĐS": "đường sắt", "ĐCT": "đường cao tốc", "CT": "cao tốc"}


_PHONE_CUE_KEYS = ("đường dây nóng", "hotline", "điện thoại", "sđt", "đt", "fax", "tổng đài",
                   "số máy")
_EMERGENCY_KEYS = ("gọi", "số máy", "tổng đài", "số khẩn cấp")
_ROAD_KEYS = ("QL", "ĐT", "TL", "ĐH", "ĐX", "ĐS", "CT")
_GLUED_CAPITAL = re.compile(r"\d[A-Z](?!\w)")


def read_phones_roads(text: str) -> str:
    """Read phone numbers digit by digit, hotlines, chainage and road names."""
    # Each costly rule runs only when the text has what it needs (same result, less work).
    low = text.lower()
    if mentions(low, _PHONE_CUE_KEYS):
        text = _PHONE_CUE.sub(lambda m: m.group(1) + m.group(2) + read_digits(m.group(3)),
                              text)
    if "1900" in text or "1800" in text:
        text = _HOTLINE.sub(lambda m: read_digits(m.group(0)), text)
    if "/11" in text:
        text = _EMERGENCY_LIST.sub(
            lambda m: ", ".join(read_digits(x) for x in m.group(0).split("/")), text)
    if mentions(low, _EMERGENCY_KEYS):
        text = _EMERGENCY.sub(lambda m: m.group(1) + read_digits(m.group(2)), text)
    def portal_line(m: re.Match[str]) -> str:
        prev = prev_words(text, m.start(), 1)
        nxt = next_words(text, m.end(), 1)
        if (prev and prev[-1] in _COUNT_BEFORE) or (nxt and nxt[0] in COUNTED):
            return m.group(0)  # "năm 1022", "có 1022 hộ": a number, not the line
        return read_digits(m.group(0))

    if "1022" in text:
        text = _PORTAL_LINE.sub(portal_line, text)
    text = _PHONE.sub(lambda m: read_digits(m.group(1)), text)
    if "km" in low:
        text = _CHAINAGE.sub(
            lambda m: f"ki lô mét {read_number(int(m.group(1)))} cộng "
            f"{read_number(int(m.group(2)))}" + (" đến " if m.group(3) else ""), text)

    def road(m: re.Match[str]) -> str:
        name = _ROAD_NAMES[m.group(1)]
        prev = prev_words(text, m.start(), 1)
        if prev and name.startswith(prev[-1] + " "):
            # "đường ĐT.293": the text already says "đường".
            name = name[len(prev[-1]) + 1:]
        parts = [name, read_integer_string(m.group(2))]
        if m.group(3):
            parts.append(letter_name(m.group(3)))
        return " ".join(parts)

    if mentions(text, _ROAD_KEYS):
        text = _ROAD.sub(road, text)
    if "km" in low:
        text = _KM_BEFORE.sub("ki lô mét ", text)
    text = _ADDRESS_UNIT.sub(lambda m: ADDRESS_NAMES[m.group(1)] + " " + m.group(2), text)
    if _GLUED_CAPITAL.search(text):
        text = _ROAD_WORD.sub(
            lambda m: f"{m.group(1)} {read_integer_string(m.group(2))} "
            f"{letter_name(m.group(3))}", text)
    return text
