"""Which part of the shown text each spoken phrase reads.

A segment is spoken phrase by phrase (see chunks.split_phrases), but the spoken text is the
normalized one ("32 triệu đồng" is read "ba mươi hai triệu đồng"), so a phrase's characters are
not the characters on the page. Both texts keep the punctuation that ends sentences and clauses:
the breaks found in both (matched by kind and the word that follows) pin the two texts together,
and positions in between are carried over in proportion, snapped to the start of a word. When
the texts have breaks but none lines up, every phrase reads the whole segment: the page then
follows the reading paragraph by paragraph, never pointing at the wrong words.

Offsets in the shown text are counted in UTF-16 code units, as the browser counts them.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from difflib import SequenceMatcher

from .chunks import GOOGLE_MAX_CHARS, split_phrases

# Breaks both texts keep: a sentence end, then a clause end (the classes phrases are cut at).
_SENTENCE = re.compile(r"[.!?…]+[\"'”’)\]]*")
_CLAUSE = re.compile(r"(?:[.!?…]+|[;:,，]+)[\"'”’)\]]*(?=\s)")
_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"\w+")
MAX_TEXT = 20_000  # longer segments are followed as a whole (the cleaner never makes them)


@dataclass(frozen=True)
class PhraseSpan:
    """One spoken phrase: its spoken length and the shown text it reads (UTF-16 offsets)."""

    chars: int
    start: int
    end: int


def _marks(text: str) -> tuple[list[int], list[tuple[str, str]]]:
    """Return where each break ends, and what identifies it: its kind and the next word."""
    ends, keys = [], []
    for m in _CLAUSE.finditer(text):
        nxt = _WORD.search(text, m.end())
        ends.append(m.end())
        keys.append(("s" if _SENTENCE.fullmatch(m.group()) else "c",
                     nxt.group().casefold() if nxt else ""))
    return ends, keys


def _matched_marks(said: str, shown: str) -> tuple[list[int], list[int]]:
    """Return the breaks found in both texts, as positions in each (both ends included).

    A break is known by its kind and the word after it, which normalization seldom changes;
    an abbreviation's full stop ("TP.") or a number's break on one side only is skipped.
    """
    said_ends, said_keys = _marks(said)
    shown_ends, shown_keys = _marks(shown)
    matcher = SequenceMatcher(None, said_keys, shown_keys, autojunk=False)
    said_pts, shown_pts = [0], [0]
    for a, b, size in matcher.get_matching_blocks():
        for k in range(size):
            said_pts.append(said_ends[a + k])
            shown_pts.append(shown_ends[b + k])
    said_pts.append(len(said))
    shown_pts.append(len(shown))
    return said_pts, shown_pts


def _utf16(text: str, index: int) -> int:
    return len(text[:index].encode("utf-16-le")) // 2


def _snap(text: str, pos: int, low: int, high: int) -> int:
    """Return the start of the word nearest to `pos` within [low, high]."""
    if pos <= low or pos >= high:
        return min(max(pos, low), high)
    for step in range(0, high - low):
        for cand in (pos - step, pos + step):
            if low < cand < high and text[cand - 1].isspace() and not text[cand].isspace():
                return cand
    return pos


def phrase_spans(display: str, spoken: str, limit: int = GOOGLE_MAX_CHARS) -> list[PhraseSpan]:
    """Return the phrases of `spoken` as they are synthesized, each with its shown span."""
    shown = unicodedata.normalize("NFC", display)
    said = _SPACE.sub(" ", unicodedata.normalize("NFC", spoken)).strip()
    phrases = split_phrases(said, limit)
    if not phrases:
        return []
    whole = [PhraseSpan(len(p), 0, _utf16(display, len(display))) for p in phrases]
    if len(phrases) == 1 or len(shown) != len(display) or len(said) > MAX_TEXT:
        return whole
    # Where each phrase starts and ends in the spoken text (split_phrases keeps the characters).
    bounds, at = [], 0
    for p in phrases:
        start = said.find(p[:20], at)
        if start < 0:
            return whole
        bounds.append((start, start + len(p)))
        at = start + len(p)
    said_pts, shown_pts = _matched_marks(said, shown)
    if len(said_pts) < 3 and (_CLAUSE.search(said) or _CLAUSE.search(shown)):
        return whole  # the texts have breaks, but none in common: no telling where words are

    def carry(pos: int) -> int:
        for n in range(1, len(said_pts)):
            a, b = said_pts[n - 1], said_pts[n]
            if pos <= b:
                c, d = shown_pts[n - 1], shown_pts[n]
                if pos == b:
                    return d
                if pos == a:
                    return c
                return _snap(shown, c + round((pos - a) * (d - c) / max(1, b - a)), c, d)
        return len(shown)

    cuts = [0] + [carry(end) for _start, end in bounds[:-1]] + [len(shown)]
    out = []
    for n, p in enumerate(phrases):
        start, end = cuts[n], cuts[n + 1]
        while start < end and shown[start].isspace():
            start += 1
        while end > start and shown[end - 1].isspace():
            end -= 1
        if end <= start:
            return whole
        out.append(PhraseSpan(len(p), _utf16(shown, start), _utf16(shown, end)))
    return out
