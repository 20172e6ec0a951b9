"""Phone numbers in every shape, identifiers and licence plates: digits, not quantities (§13.1).

Runs before the phone, date and number rules, so that "(0236) 3.556.201" is never read as
"ba triệu…" and a citizen-ID number never as "tỷ". Group separators (dots, spaces, hyphens,
parentheses) are grouping only; the digits are read one by one, leading zeros kept.
"""

from __future__ import annotations

import re

from .numbers import read_digits, read_number
from .rules_context import letter_name, mentions

_DIGIT_RUN = r"\d(?:[. -]?\d)"
# "(0236) 3.556.201", "(024) 3823 4567", "(+84) 912 345 678".
_AREA_PHONE = re.compile(
    r"\(\s*(\+\s?84|0\d{1,3})\s*\)\s*(" + _DIGIT_RUN + r"{5,11})(?!\d|[.,]\d)")
# "+84 912 345 678", "+84.236.3822.111", "+84 (0) 236 …".
_INTL_PHONE = re.compile(
    r"(?<![\w+])\+\s?84[\s.-]?(\(0\)\s?)?(" + _DIGIT_RUN + r"{6,11})(?!\d|[.,]\d)")
# "0912-345-678", "0236-3822-111".
_HYPHEN_PHONE = re.compile(r"(?<![\w.,-])0\d{2,3}-\d{3,4}-\d{3,4}(?![\w-]|[.,]\d)")
# A number right after a contact word: "di động 3.715.208", "liên hệ 0905 123 456".
_CUED_PHONE = re.compile(
    r"(?i)\b(đường dây nóng|hotline|điện thoại(?: di động| bàn)?|sđt|số đt|đtdđ|dđ|đt|di động|"
    r"fax|tel|zalo|tổng đài|số máy(?: lẻ)?|liên hệ|gọi(?: điện)?(?: số| đến| tới| cho)?)"
    r"((?:\s*\(\s*[^\W\d_]+\s*\))?\s*:?\s*(?:số\s*)?)(" + _DIGIT_RUN + r"{6,14})"
    r"(?!\d|[.,]\d)"
)
# Identifiers named by the text: citizen ID, tax code, bank account, file and serial numbers.
_CUED_ID = re.compile(
    r"(?i)\b(cccd|cmnd|cmtnd|căn cước(?: công dân)?|chứng minh (?:nhân dân|thư)|hộ chiếu|"
    r"mã số thuế|mst|(?:số )?tài khoản(?: ngân hàng)?|stk|mã(?: số)? hồ sơ|số hồ sơ|số seri|"
    r"số sê[ -]?ri|serial|mã định danh(?: cá nhân)?|số định danh(?: cá nhân)?|số hiệu|"
    r"mã giao dịch|mã tra cứu|mã số|mã bưu chính|số căn cước)"
    r"(\s*(?:số|là)?\s*:?\s*)(\d(?:[ .-]?\d)*(?:[.\-/][A-Z0-9]+)*)(?![\d\w]|[.,]\d)"
)
# Any bare number of 9 or more digits that starts with 0 is an identifier, never "tỷ".
_ZERO_LED = re.compile(r"(?<![\w.,])0\d{8,29}(?![\w]|[.,]\d)")
# Licence plates: "36B-456.78", "51F1-987.65", "29LD 012.34", "30E-12345", "36-B1 123.45".
_PLATE = re.compile(
    r"(?<![\w.,-])([1-9]\d)-?([A-ZĐ]{1,2})(\d?)(?:-|\s|-\s)(\d{3}\.\d{2}|\d{4,5})"
    r"(?![\w]|[.,]\d)")


def _grouped_digits(s: str) -> str:
    """Read digit groups one digit at a time; a hyphen or slash between groups is a pause.

    Letters inside an identifier ("000.00.12.H56-231115") are named one by one.
    """
    groups = re.split(r"\s*[-/]\s*", s.strip())
    out = []
    for group in groups:
        pieces = re.findall(r"[0-9]+|[A-Za-zĐđ]", group)
        out.append(" ".join(read_digits(p) if p.isdigit() else letter_name(p) for p in pieces))
    return ", ".join(o for o in out if o)


def _area(m: re.Match[str]) -> str:
    code = m.group(1)
    head = "cộng tám tư" if code.startswith("+") else read_digits(code)
    return f"{head}, {_grouped_digits(m.group(2))}"


def _intl(m: re.Match[str]) -> str:
    zero = " không" if m.group(1) else ""
    return f"cộng tám tư{zero}, {_grouped_digits(m.group(2))}"


def _plate(m: re.Match[str]) -> str:
    series = " ".join(letter_name(c) for c in m.group(2))
    if m.group(3):
        series += " " + read_number(int(m.group(3)))
    serial = m.group(4)
    spoken = " chấm ".join(read_digits(part) for part in serial.split("."))
    return f"{read_number(int(m.group(1)))} {series}, {spoken}"


_LONG_NUMBER = re.compile(r"\d(?:[. -]?\d){5}")
_ID_KEYS = ("cccd", "cmnd", "cmtnd", "căn cước", "chứng minh", "hộ chiếu", "thuế", "mst",
            "tài khoản", "stk", "hồ sơ", "seri", "sê", "serial", "định danh", "số hiệu", "mã")


def read_contacts(text: str) -> str:
    """Read phone numbers of every shape, identifiers and licence plates digit by digit."""
    # The costly rules run only when the text has what they need (same result, less work).
    if _LONG_NUMBER.search(text):
        if "(" in text:
            text = _AREA_PHONE.sub(_area, text)
        if "+" in text:
            text = _INTL_PHONE.sub(_intl, text)
        if "-" in text:
            text = _HYPHEN_PHONE.sub(lambda m: _grouped_digits(m.group(0)), text)
        text = _CUED_PHONE.sub(
            lambda m: m.group(1) + m.group(2) + _grouped_digits(m.group(3)), text)
    if mentions(text.lower(), _ID_KEYS):
        text = _CUED_ID.sub(lambda m: m.group(1) + m.group(2) + _grouped_digits(m.group(3)),
                            text)
    text = _ZERO_LED.sub(lambda m: read_digits(m.group(0)), text)
    return _PLATE.sub(_plate, text)
