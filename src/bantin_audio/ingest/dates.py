"""Publication dates: parse the stamps Vietnamese portals print, and machine-readable dates."""

from __future__ import annotations

import datetime as dt
import re

_DMY = re.compile(r"(?<!\d)(\d{1,2})\s*([/.\-])\s*(\d{1,2})\s*\2\s*(\d{4})(?!\d)")
_YMD = re.compile(r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)")
_WORDS = re.compile(r"ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s*(?:năm|,)\s*(\d{4})", re.I)
# Portals show dates from the late 1990s on; anything else is a number that looks like a date.
_MIN_YEAR, _MAX_YEAR = 1995, 2100


def _iso(year: int, month: int, day: int) -> str | None:
    if not _MIN_YEAR <= year <= _MAX_YEAR:
        return None
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return None


def find_date(text: str) -> str | None:
    """Return the first valid calendar date in the text as YYYY-MM-DD, or None."""
    best: tuple[int, str] | None = None
    for rx, order in ((_DMY, "dmy"), (_YMD, "ymd"), (_WORDS, "dmy3")):
        for m in rx.finditer(text):
            if order == "dmy":
                iso = _iso(int(m.group(4)), int(m.group(3)), int(m.group(1)))
            elif order == "ymd":
                iso = _iso(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            else:
                iso = _iso(int(m.group(3)), int(m.group(2)), int(m.group(1)))
            if iso and (best is None or m.start() < best[0]):
                best = (m.start(), iso)
            if iso:
                break
    return best[1] if best else None


def parse_machine_date(value: str) -> str | None:
    """Return YYYY-MM-DD from an ISO-8601 or similar machine date (meta tags, JSON-LD)."""
    value = value.strip()
    m = _YMD.match(value)
    if m:
        return _iso(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    return find_date(value)
