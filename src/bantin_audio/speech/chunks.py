"""Cut spoken text into phrases of at most 100 characters at natural breaks.

Google's voice is asked one phrase at a time. gTTS would otherwise split long text with its own
tokenizer (at every comma, or mid-word), and each split is an audible break. We cut first, after
NFC normalization, preferring sentence ends, then `;` `:` `,`, then a space, never inside a word.
"""

from __future__ import annotations

import re
import unicodedata

GOOGLE_MAX_CHARS = 100

# Break classes in order of preference: the text may be cut right after these.
_SENTENCE_END = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s)")
_CLAUSE_END = re.compile(r"[;:]+(?=\s)")
_COMMA = re.compile(r"[,，]+(?=\s)")
_SPACE = re.compile(r"\s+")
_JOIN_WORD = re.compile(
    r"(?:và|hoặc|nhưng|để|của|cho|với|trong|theo|nhằm|từ|đến|tại|thì|mà|là|khi|nên|do|"
    r"bằng|về|trên|dưới|sau|trước|cùng|đồng thời)\b")
_HAS_WORD = re.compile(r"\w")


def split_phrases(text: str, limit: int = GOOGLE_MAX_CHARS) -> list[str]:
    """Return the phrases of `text`, each at most `limit` characters, cut at natural breaks."""
    text = _SPACE.sub(" ", unicodedata.normalize("NFC", text)).strip()
    if not text:
        return []
    phrases: list[str] = []
    _cut(text, limit, phrases)
    # A phrase of only punctuation cannot be spoken (gTTS asserts on it): fold it into a neighbour.
    merged: list[str] = []
    for phrase in phrases:
        if not _HAS_WORD.search(phrase) and merged and len(merged[-1]) + 1 + len(phrase) <= limit:
            merged[-1] = merged[-1] + " " + phrase
        elif _HAS_WORD.search(phrase):
            merged.append(phrase)
    return merged


def split_count_inside_clause(text: str, limit: int = GOOGLE_MAX_CHARS) -> int:
    """Count the cuts that had to fall at a plain space (inside a clause) for `text`."""
    phrases = split_phrases(text, limit)
    return sum(1 for p in phrases[:-1] if not re.search(r"[.!?…;:,，\"'”’)\]]$", p))


def _cut(text: str, limit: int, out: list[str]) -> None:
    while len(text) > limit:
        pos = _best_break(text, limit)
        head, text = text[:pos].strip(), text[pos:].strip()
        if head:
            out.append(head)
    if text:
        out.append(text)


def _best_break(text: str, limit: int) -> int:
    """Return the index to cut at: the last break of the best class within `limit`."""
    window = text[: limit + 1]
    for pattern in (_SENTENCE_END, _CLAUSE_END, _COMMA):
        ends = [m.end() for m in pattern.finditer(window) if m.end() <= limit]
        # Avoid a tiny head like "a," when a later break of a weaker class would balance better;
        # a head of at least a quarter of the limit keeps the number of requests low.
        good = [e for e in ends if e >= limit // 4]
        if good:
            return good[-1]
    spaces = [m.start() for m in _SPACE.finditer(window) if 0 < m.start() <= limit]
    if spaces:
        # Inside a long clause, a breath falls most naturally before a joining word
        # ("và", "của", "để", ...): prefer the last such space in the second half of the window.
        joins = [i for i in spaces if i >= limit // 2 and _JOIN_WORD.match(text, i + 1)]
        return joins[-1] if joins else spaces[-1]
    # One "word" longer than the limit (a URL, a long code): cut it where it must be cut.
    return limit
