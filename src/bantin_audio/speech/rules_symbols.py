"""Comparison and arithmetic symbols, `@`, `~` and arrows: spoken, never dropped (spec §13.3)."""

from __future__ import annotations

import re

# Longest forms first, so ">=" is one symbol and "->" an arrow, not "-" and ">".
_WORDS = {
    "≥": "lớn hơn hoặc bằng", "⩾": "lớn hơn hoặc bằng", "≧": "lớn hơn hoặc bằng",
    ">=": "lớn hơn hoặc bằng", "≤": "nhỏ hơn hoặc bằng", "⩽": "nhỏ hơn hoặc bằng",
    "≦": "nhỏ hơn hoặc bằng", "<=": "nhỏ hơn hoặc bằng", ">": "lớn hơn", "<": "nhỏ hơn",
    "±": "cộng trừ", "+/-": "cộng trừ", "≠": "khác", "÷": "chia", "×": "nhân", "=": "bằng",
    "≈": "khoảng", "@": "a còng",
}
# Arrows and doubled signs are layout ("=>", "-->", "<<"), heard as a pause.
_PAUSES = ("→", "⇒", "←", "⇐", "=>", "->", "<-", "<<", ">>", "«", "»")
_SYMBOL = re.compile(
    r"-{1,2}>|={2,}>?|<-{1,2}|<<|>>|\+/-|[<>]=|[≥⩾≧≤⩽≦><±≠÷×=≈@→⇒←⇐«»]"
)
_MARKUP = re.compile(r"</?[A-Za-z][A-Za-z0-9]{0,9}(?:\s[^<>]{0,80})?/?>")
_NUMBER_BEFORE = re.compile(r"\d\s*\Z")
# "~ 12.000 người" is "khoảng", "5~7 ngày" a range; a tilde elsewhere is decoration.
_TILDE = re.compile(r"(\d\s*)?~+(\s*)(?=(\d|[+-]\d)?)")
# "3 x 4 m": a spaced letter x between numbers is a multiplication sign.
_UNDERSCORES = re.compile(r"_+")
_TIMES_X = re.compile(r"(?<=\d)\s+[xX]\s+(?=\d)")


def _symbol(m: re.Match[str]) -> str:
    sym = m.group(0)
    if sym in _PAUSES or sym.endswith(">") and sym not in (">", ">=") or sym.startswith("<-"):
        return ", "
    if sym.startswith("=="):
        return ", "  # "=====" is a rule drawn with signs
    return " " + _WORDS[sym] + " "


def _tilde(m: re.Match[str]) -> str:
    if m.group(1) and m.group(3):
        return m.group(1) + " đến "
    if m.group(3):
        return (m.group(1) or "") + " khoảng "
    return (m.group(1) or "") + " "


def read_symbols(text: str) -> str:
    """Say ≥ ≤ > < ± ≈ × = @ and ~ in words; arrows and HTML leftovers become pauses."""
    if "<" in text and ">" in text:
        text = _MARKUP.sub(" ", text)
    if "~" in text:
        text = _TILDE.sub(_tilde, text)
    if "_" in text:
        text = _UNDERSCORES.sub(" ", text)  # "______" is a blank to fill in, not speech
    if " x " in text or " X " in text:
        text = _TIMES_X.sub(" nhân ", text)
    return _SYMBOL.sub(_symbol, text)


__all__ = ["read_symbols"]
