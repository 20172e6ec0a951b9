"""Numbers that are names, formulas and scales, not quantities (spec §13.4, §13.5).

"Web 2.0" and "phiên bản 3.1" are versions ("hai chấm không"), "NPK 20-20-15" a formula (the
numbers in order, never "đến"), "tỷ lệ 1:25.000" a map scale ("một phần hai mươi lăm nghìn"),
"tỷ số 3:2" a score ("ba - hai"). These run before dates, times and ranges see the digits.
"""

from __future__ import annotations

import re

from .numbers import read_integer_string, read_number
from .rules_context import prev_words, read_num

# "X.0" is never a date (no month 0) nor a thousands group: "Công nghiệp 4.0", "Xã hội 5.0".
_POINT_ZERO = re.compile(r"(?<![\w.,])(\d{1,2})\.0(?!\d|[.,]\d|\s?%)")
_VERSION_CUES = (r"phiên bản|version|ver|bản cập nhật|web|windows|android|ios|wifi|wi-fi|"
                 r"bluetooth|usb|html|ipv|chuẩn|xã hội|công nghiệp|nông nghiệp|kỷ nguyên|"
                 r"cách mạng công nghiệp|chuyển đổi số|giáo dục|du lịch|y tế|chính phủ điện tử")
_VERSION = re.compile(r"(?i:\b(" + _VERSION_CUES + r"))(\s+[vV]?)(\d{1,3}(?:\.\d{1,3}){1,3})"
                      r"(?!\d|[.,]\d|\s?%)")
_VERSION_SHAPE = re.compile(r"\s[vV]?\d{1,3}\.\d{1,3}(?!\d)")
# Fertilizer and grade formulas: "20-20-15", "NPK 16 - 16 - 8"; three or more numbers.
_FORMULA = re.compile(
    r"(?<![\w.,/-])(\d{1,2}(?:-\d{1,2}){2,4})(?![\w/]|-\d|[.,]\d)|"
    r"(?<=NPK )(\d{1,2}(?:\s*-\s*\d{1,2}){2,4})(?![\w/]|[.,]\d)"
)
_DASHED_DIGITS = re.compile(r"\d\s*-\s*\d")
_DATE_WORDS = {"ngày", "sáng", "chiều", "tối", "trưa", "đêm", "hôm", "mùng", "mồng"}
# "1:25.000", "1:500", "3:2": a colon between two numbers that is not a clock time.
_COLON_PAIR = re.compile(r"(?<![\w.,:])(\d{1,3}(?:\.\d{3})*|\d{4,5})\s?:\s?"
                         r"(\d{1,3}(?:\.\d{3})+|\d+)(?![\d:]|[.,]\d)")
# "tỷ lệ 1/2.000": a map scale written with a slash, never a date.
_SLASH_SCALE = re.compile(r"(?i:\b(t[ỷỉ] lệ(?: bản đồ)?|tỉ xích))(\s*:?\s*)1\s?/\s?"
                          r"(\d{1,3}(?:\.\d{3})+|\d{3,})(?![\d/]|[.,]\d)")
_SCALE_CUES = {"lệ", "đồ", "xích"}  # tỷ lệ, bản đồ, thước tỷ lệ / tỉ xích
_SCORE_CUES = {"số", "thắng", "thua", "hòa", "cuộc", "biệt", "tỷ", "tỉ"}


def _version(m: re.Match[str]) -> str:
    parts = m.group(3).split(".")
    spoken = " chấm ".join(read_integer_string(p) if p.lstrip("0") or len(p) == 1
                           else " ".join(["không"] * len(p)) for p in parts)
    return m.group(1) + " " + spoken


def _colon(m: re.Match[str]) -> str:
    prev = prev_words(m.string, m.start(), 2)
    left, right = m.group(1), m.group(2)
    if (prev and prev[-1] in _SCALE_CUES) or (
            left == "1" and int(right.replace(".", "")) >= 100):
        return f"{read_num(left)} phần {read_num(right)}"
    if prev and (prev[-1] in _SCORE_CUES or prev[-2:] == ["tỷ", "số"]) and "." not in left + right:
        return f"{read_num(left)} - {read_num(right)}"
    if left.isdigit() and int(left) >= 100 and len(right) == 4 and 1900 <= int(right) <= 2100:
        # "ISO 9001:2015": a standard and its year, not a clock time.
        return f"{read_num(left)}, {read_num(right)}"
    return m.group(0)


def read_names(text: str) -> str:
    """Read versions, eras, formulas and map scales written with digits."""
    if "." in text:
        if _VERSION_SHAPE.search(text):
            text = _VERSION.sub(_version, text)
        text = _POINT_ZERO.sub(lambda m: read_number(int(m.group(1))) + " chấm không", text)
    if "-" in text and _DASHED_DIGITS.search(text):
        def formula(m: re.Match[str]) -> str:
            prev = prev_words(text, m.start(), 1)
            if prev and prev[-1] in _DATE_WORDS:
                return m.group(0)
            numbers = re.findall(r"\d+", m.group(0))
            return ", ".join(read_number(int(n)) for n in numbers)

        text = _FORMULA.sub(formula, text)
    if ":" in text:
        text = _COLON_PAIR.sub(_colon, text)
    if "/" in text and ("lệ" in text or "xích" in text):
        text = _SLASH_SCALE.sub(
            lambda m: f"{m.group(1)}{m.group(2)}một phần {read_num(m.group(3))}", text)
    return text
