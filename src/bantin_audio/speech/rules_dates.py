"""Dates, quarters and times (spec §3, §6.1)."""

from __future__ import annotations

import re

from .numbers import (
    read_month,
    read_number,
    roman_to_int,
)
from .rules_context import (
    COUNTED,
    DATE_CUES,
    DATE_CUES_SOFT,
    WEEKDAYS,
    next_words,
    prev_words,
)

# ------------------------------------------------------------------ 7. dates and times

_QUARTER = re.compile(r"(?i:\b(quý))\s+(IV|I{1,3}|[1-4])\s*[/-]\s*(\d{4})(?!\d)")
_DAY_RANGE = re.compile(
    r"(?<![\d/.,])(\d{1,2})\s*-\s*(\d{1,2})([/.-])(\d{1,2})(?:\3(\d{4}))?(?![\d/]|[.,]\d)")
_FULL_DATE = re.compile(r"(?<![\d/.,-])(\d{1,2})([/.-])(\d{1,2})\2(\d{4})(?![\d/]|[.,]\d)")
_MONTH_YEAR = re.compile(r"(?i:\b(tháng))\s+(\d{1,2})\s*[/.-]\s*(\d{4})(?![\d/]|[.,]\d)")
_BARE_MONTH_YEAR = re.compile(r"(?<![\d/.,-])(\d{1,2})/(\d{4})(?![\d/]|[.,]\d)")
_DAY_MONTH = re.compile(r"(?<![\d/.,-])(\d{1,2})([/.-])(\d{1,2})(?![\d/]|[.,]\d|-\d)")
_MONTH = re.compile(r"(?i:\b(tháng))\s+0?(\d{1,2})(?![\d/.,:]\d|\d)")
_TIME_H = re.compile(
    r"(?<![\w.,])(?:(\d{1,2})[hg](\d{2})(?:'|\s?phút)?|(\d{1,3})h'?)(?![\w])")
_TIME_COLON = re.compile(r"(?<![\w.,:])(\d{1,2}):(\d{2})(?![\d:])")
_HOUR_ZERO = re.compile(r"(?i:\b(giờ))\s+00(?:'|\s+phút)?(?![\w])")


_DATE_SEPARATOR = re.compile(r"\d\s*[/.-]\s*\d")


def _valid_dm(d: int, m: int) -> bool:
    return 1 <= d <= 31 and 1 <= m <= 12


def _valid_year(y: int) -> bool:
    return 1000 <= y <= 2199


def _date_words(d: int, m: int, y: str | None, prev: list[str]) -> str:
    last = prev[-1] if prev else ""
    day = read_number(d)
    if d <= 10 and last not in ("mùng", "mồng"):
        day = "mùng " + day
    # "ngày chủ nhật 23/5", "ngày thứ Hai 6/5": the word "ngày" is already there.
    weekday_after_ngay = len(prev) >= 3 and prev[-3] == "ngày" and (
        prev[-2:] == ["chủ", "nhật"] or prev[-2] == "thứ")
    has_ngay = last in ("ngày", "mùng", "mồng") or weekday_after_ngay
    out = day if has_ngay else "ngày " + day
    out += " tháng " + read_month(m)
    if y is not None:
        out += " năm " + read_number(int(y))
    return out


_DATE_SPAN = re.compile(
    r"(?<![\d/.,-])(\d{1,2}[/.]\d{1,2}(?:[/.]\d{4})?)\s*-\s*(?=\d{1,2}[/.]\d{1,2}(?![\d,]|\.\d{3}))")
_DATE_SHAPE = re.compile(r"\d{1,2}[/.-]\d{1,2}|tháng [^\W\d_]+")


_BOUNDARY_CUES = {"từ", "đến", "trước", "sau", "hết", "tới", "đầu", "cuối"}
_QUANTITY_NEXT = {"số", "diện", "dân", "tổng", "cả", "lượng", "giá", "kinh", "vốn", "mức", "phần",
                  "lên", "xuống", "so", "trong", "tổng số"}


def _has_date_cue(s: str, start: int, end: int, sep: str = "") -> bool:
    prev = prev_words(s, start, 3)
    if prev and prev[-1] in DATE_CUES:
        return True
    if len(prev) >= 2 and prev[-1] in DATE_CUES_SOFT and prev[-2] in DATE_CUES:
        return True
    if len(prev) >= 2 and prev[-2] == "thứ" and prev[-1] in WEEKDAYS:
        return True
    if len(prev) >= 2 and prev[-2] == "chủ" and prev[-1] == "nhật":
        return True
    if prev and prev[-1] in ("đến", "và", "tới", "hoặc", "sang"):
        # A second date in a pair: "từ 1/10 đến 15/10", "ngày 2 và 3/9".
        if "ngày" in prev[:-1] or _DATE_SHAPE.search(s, max(0, start - 30), start):
            return True
    # A dateline: "(07/12)" or "(TTXVN 7/8)".
    head = s[max(0, start - 12):start].rstrip()
    tail = s[end:end + 2].lstrip()
    if tail.startswith(")") and (head.endswith("(") or re.search(r"\([A-ZĐ][A-ZĐa-z.]+$", head)):
        return True
    nxt = next_words(s, end, 2)
    if nxt[:2] == ["âm", "lịch"] or (bool(nxt) and nxt[0] in ("al", "âl")):
        return True
    # "có hiệu lực từ 1/7", "trước 30/6": a time boundary, unless a quantity follows
    # ("từ 1/3 lên 1/2 số hộ") or the dash form is a plain range ("từ 5-7 ngày").
    return (sep == "/" and bool(prev) and prev[-1] in _BOUNDARY_CUES
            and not (nxt and (nxt[0] in COUNTED or nxt[0] in _QUANTITY_NEXT)))


def read_dates(text: str) -> str:
    """Read dates, date spans, quarters and month names where the context says date."""
    def quarter(m: re.Match[str]) -> str:
        q = m.group(2)
        value = roman_to_int(q) if not q.isdigit() else int(q)
        return f"{m.group(1)} {read_number(value or 0)} năm {read_number(int(m.group(3)))}"

    def date_span(m: re.Match[str]) -> str:
        first = m.group(1)
        # Only when the first side is surely a date: it has a year, or a date cue before it.
        if len(re.findall(r"[/.]", first)) == 2 or _has_date_cue(text, m.start(1), m.end(1)):
            return first + " đến "
        return m.group(0)

    def day_range(m: re.Match[str]) -> str:
        d1, d2, mo = int(m.group(1)), int(m.group(2)), int(m.group(4))
        y = m.group(5)
        if not (_valid_dm(d1, mo) and _valid_dm(d2, mo) and d1 < d2):
            return m.group(0)
        if y is not None and not _valid_year(int(y)):
            return m.group(0)
        prev = prev_words(text, m.start(), 3)
        last = prev[-1] if prev else ""
        in_parens = text[max(0, m.start() - 3):m.start()].rstrip().endswith("(")
        nxt = next_words(text, m.end(), 1)
        quantity = bool(nxt) and (nxt[0] in COUNTED or nxt[0] in _QUANTITY_NEXT)
        boundary = m.group(3) == "/" and last in _BOUNDARY_CUES and not quantity
        has_day_word = last in ("ngày", "mùng", "mồng") and not in_parens
        if not (has_day_word or in_parens or boundary):
            return m.group(0)
        first = ("mùng " if d1 <= 10 and last != "mùng" and last != "mồng" else "")
        first += read_number(d1)
        if not has_day_word:
            first = "ngày " + first  # "(20 - 21/11)", "từ 3 - 5/9": say "ngày" once
        return first + " đến " + _date_words(d2, mo, y, [])

    def full(m: re.Match[str]) -> str:
        d, mo, y = int(m.group(1)), int(m.group(3)), int(m.group(4))
        if not (_valid_dm(d, mo) and _valid_year(y)):
            return m.group(0)
        return _date_words(d, mo, m.group(4), prev_words(text, m.start(), 3))

    def month_year(m: re.Match[str]) -> str:
        mo, y = int(m.group(2)), int(m.group(3))
        if not (1 <= mo <= 12 and _valid_year(y)):
            return m.group(0)
        return f"{m.group(1)} {read_month(mo)} năm {read_number(y)}"

    def bare_month_year(m: re.Match[str]) -> str:
        mo, y = int(m.group(1)), int(m.group(2))
        if not (1 <= mo <= 12 and 1900 <= y <= 2100):
            return m.group(0)
        prev = prev_words(text, m.start(), 1)
        lead = "" if prev and prev[-1] == "tháng" else "tháng "
        return f"{lead}{read_month(mo)} năm {read_number(y)}"

    def day_month(m: re.Match[str]) -> str:
        d, mo = int(m.group(1)), int(m.group(3))
        if not _valid_dm(d, mo) or not _has_date_cue(text, m.start(), m.end(), m.group(2)):
            return m.group(0)
        return _date_words(d, mo, None, prev_words(text, m.start(), 3))

    if "quý" in text or "Quý" in text or "QUÝ" in text:
        text = _QUARTER.sub(quarter, text)
    if "-" in text:
        # "(28/8/1945 - 28/8/2022)", "30/4 - 1/5": a span between two dates reads "đến".
        text = _DATE_SPAN.sub(date_span, text)
    # Each rule needs digits joined by / . - or the word "tháng": skip the others' scans.
    if _DATE_SEPARATOR.search(text):
        text = _DAY_RANGE.sub(day_range, text)
        text = _FULL_DATE.sub(full, text)
    month_word = "tháng" in text.lower()
    if month_word:
        text = _MONTH_YEAR.sub(month_year, text)
    if "/" in text:
        text = _BARE_MONTH_YEAR.sub(bare_month_year, text)
    if _DATE_SEPARATOR.search(text):
        text = _DAY_MONTH.sub(day_month, text)
    if month_word:
        text = _MONTH.sub(
            lambda m: f"{m.group(1)} {read_month(int(m.group(2)))}"
            if 1 <= int(m.group(2)) <= 12 else m.group(0), text)
    return text


def read_times(text: str) -> str:
    """Read clock times: 14h30, 08h00, 14:45, "giờ 00"."""
    def hour_min(h: str, mi: str | None) -> str | None:
        hv = int(h)
        if hv > 24 and mi is not None:
            return None
        out = read_number(hv) + " giờ"
        if mi is not None:
            mv = int(mi)
            if mv >= 60:
                return None
            if mv:
                out += " " + read_number(mv) + " phút"
        return out

    text = _TIME_H.sub(lambda m: hour_min(m.group(1) or m.group(3), m.group(2)) or m.group(0),
                       text)
    text = _TIME_COLON.sub(lambda m: hour_min(m.group(1), m.group(2)) or m.group(0), text)
    return _HOUR_ZERO.sub(lambda m: m.group(1), text)
