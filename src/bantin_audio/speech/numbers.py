"""Vietnamese number words: cardinals, decimals, digit strings, ordinals and Roman numerals."""

from __future__ import annotations

DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
# Scale words per group of three digits; the cycle repeats with "tỷ" (1e9) as its head.
_SCALES = ("", "nghìn", "triệu")

_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}


def _read_pair(tens: int, units: int) -> list[str]:
    """Read a 0-99 value that stands after a hundreds part or alone (no "linh" handling)."""
    if tens == 0:
        return [DIGITS[units]]
    if tens == 1:
        words = ["mười"]
        if units == 5:
            words.append("lăm")
        elif units:
            words.append(DIGITS[units])
        return words
    words = [DIGITS[tens], "mươi"]
    if units == 1:
        words.append("mốt")
    elif units == 4:
        words.append("tư")
    elif units == 5:
        words.append("lăm")
    elif units:
        words.append(DIGITS[units])
    return words


def _read_group(value: int, full: bool) -> list[str]:
    """Read a 0-999 group; full=True reads a non-leading group with "không trăm" and "linh"."""
    hundreds, rest = divmod(value, 100)
    tens, units = divmod(rest, 10)
    if not full and hundreds == 0:
        return _read_pair(tens, units)
    words = [DIGITS[hundreds], "trăm"]
    if rest == 0:
        return words
    if tens == 0:
        # "linh" only ever stands before a single digit: 105 một trăm linh năm.
        return words + ["linh", DIGITS[units]]
    return words + _read_pair(tens, units)


def _read_below_billion(n: int, leading: bool) -> list[str]:
    """Read 0 < n < 10^9 as groups of three; leading=False means a higher group precedes."""
    groups = []
    while n:
        n, g = divmod(n, 1000)
        groups.append(g)
    words: list[str] = []
    first = leading
    for index in range(len(groups) - 1, -1, -1):
        g = groups[index]
        if g == 0:
            # An all-zero group is skipped entirely (never "không nghìn").
            continue
        words += _read_group(g, full=not first)
        first = False
        if _SCALES[index]:
            words.append(_SCALES[index])
    return words


def _read_words(n: int, leading: bool = True) -> list[str]:
    """Read n > 0, recursing on the "tỷ" scale (nghìn tỷ, triệu tỷ, tỷ tỷ)."""
    high, low = divmod(n, 10**9)
    words: list[str] = []
    if high:
        words += _read_words(high, leading)
        words.append("tỷ")
        leading = False
    if low:
        words += _read_below_billion(low, leading)
    return words


def read_number(n: int) -> str:
    """Return the Vietnamese cardinal reading of an integer (negative gets "âm")."""
    if n < 0:
        return "âm " + read_number(-n)
    if n == 0:
        return "không"
    return " ".join(_read_words(n))


def read_digits(digits: str) -> str:
    """Read a digit string one digit at a time, keeping leading zeros (phone numbers)."""
    return " ".join(DIGITS[int(c)] for c in digits if c.isascii() and c.isdigit())


def read_fraction_part(digits: str) -> str:
    """Read the part after the decimal comma: leading zeros as "không", the rest as an integer."""
    stripped = digits.lstrip("0")
    zeros = ["không"] * (len(digits) - len(stripped))
    if not stripped:
        return " ".join(zeros) if zeros else "không"
    if len(stripped) > 12:
        # Beyond any realistic precision: read digit by digit so the output stays bounded.
        return " ".join(zeros + [read_digits(stripped)])
    return " ".join(zeros + [read_number(int(stripped))])


def read_decimal(integer: str, fraction: str = "") -> str:
    """Read a decimal from its integer and fractional digits ("32", "29" -> ... phẩy ...)."""
    head = read_integer_string(integer)
    if not fraction:
        return head
    return f"{head} phẩy {read_fraction_part(fraction)}"


def read_integer_string(digits: str) -> str:
    """Read an integer written as ASCII digits (dots removed); very long strings digit by digit."""
    digits = digits.replace(".", "")
    if not digits:
        return ""
    if len(digits) > 15:
        return read_digits(digits)
    return read_number(int(digits))


def read_ordinal(n: int) -> str:
    """Return the reading after "thứ": nhất for 1, tư for 4, the cardinal otherwise."""
    if n == 1:
        return "nhất"
    if n == 4:
        return "tư"
    return read_number(n)


def read_month(n: int) -> str:
    """Return a month number's reading (4 is "tư": tháng tư, never tháng bốn)."""
    return "tư" if n == 4 else read_number(n)


def roman_to_int(token: str) -> int | None:
    """Return the value of a canonical Roman numeral (I..C), or None if it is not one."""
    if not token or any(c not in _ROMAN_VALUES for c in token):
        return None
    total = 0
    for i, c in enumerate(token):
        v = _ROMAN_VALUES[c]
        if i + 1 < len(token) and _ROMAN_VALUES[token[i + 1]] > v:
            total -= v
        else:
            total += v
    # Reject non-canonical spellings such as "IIII" or "VX" by writing the value back.
    if total <= 0 or int_to_roman(total) != token:
        return None
    return total


def int_to_roman(n: int) -> str:
    """Write 1..399 as a canonical Roman numeral."""
    table = ((100, "C"), (90, "XC"), (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"),
             (4, "IV"), (1, "I"))
    out = []
    for value, sym in table:
        while n >= value:
            out.append(sym)
            n -= value
    return "".join(out)
