"""Turn Vietnamese news text into fully speakable words (spec vi-normalization.md, §0 order).

Each stage is a regex pass whose replacements are lowercase Vietnamese words, so a later stage
never mistakes an earlier stage's output for digits, codes or acronyms. The stages live in the
rules_* modules; this module fixes their order and holds the public API.
"""

from __future__ import annotations

import re

from .lexicon import Lexicon, load_lexicon
from .rules_abbrev import drop_spellouts, learn_definitions, read_abbreviations
from .rules_codes import read_codes, read_phones_roads
from .rules_contacts import read_contacts
from .rules_context import Learned
from .rules_dates import read_dates, read_times
from .rules_letters import read_labels
from .rules_names import read_names
from .rules_quantities import (
    read_plain_numbers,
    read_quantities,
    read_romans,
    read_slashes,
)
from .rules_symbols import read_symbols
from .rules_text import clean, prepare, strip_furniture
from .rules_web import read_addresses

_DIGIT = re.compile(r"[0-9]")


def _normalize_one(text: str, lexicon: Lexicon, learned: Learned) -> str:
    text = prepare(text)  # 1. NFC, tone marks, dashes, quotes, unspoken symbols
    text = strip_furniture(text, lexicon)  # 2. ./., bullets, list numbers, source tags
    text = read_addresses(text)  #    e-mail and web addresses, before "." and "/" mean more
    text = read_symbols(text)  #    ≥ ≤ ± × = @ ~ in words
    text = learn_definitions(text, lexicon, learned)  # 3. "giải phóng mặt bằng (GPMB)"
    text = drop_spellouts(text)  # 4. "10 (mười) ngày"
    has_digits = _DIGIT.search(text) is not None
    if has_digits:
        text = read_codes(text, lexicon)  # 5. 07/2021/NĐ-CP before a date rule sees 07/2021
        text = read_contacts(text)  # 6. phones of every shape, identifiers, licence plates
        text = read_names(text)  #    versions, formulas, map scales
        text = read_phones_roads(text)  #    phones, hotlines, Km1229+600, QL1A
        text = read_dates(text)  # 7. dates, spans, quarters, months
        text = read_times(text)  #    14h30, 14:45
    text = read_slashes(text)  # 8. ratios, fractions, per-units, word/word
    text = read_quantities(text)  # 9. ranges, negatives, %, units, currency
    text = read_labels(text)  #    "điểm c", "nhóm B", a mid-line "a)"
    text = read_romans(text)  # 10. Roman numerals after trigger words
    text = read_abbreviations(text, lexicon, learned)  # 11. lexicon, context, spelled fallback
    if has_digits:
        text = read_plain_numbers(text, lexicon)  # 12. ordinals, letter-digit codes, numbers
    return clean(text)  # 13. no digit left, pauses kept, spaces tidy


def normalize_text(text: str, lexicon: Lexicon | None = None) -> str:
    """Return one standalone text as fully speakable Vietnamese words."""
    lex = lexicon if lexicon is not None else load_lexicon()
    return _normalize_one(text, lex, {})


def normalize_texts(texts: list[str], lexicon: Lexicon | None = None) -> list[str]:
    """Normalize the texts of one article in reading order; definitions carry forward."""
    lex = lexicon if lexicon is not None else load_lexicon()
    learned: Learned = {}
    return [_normalize_one(t, lex, learned) for t in texts]
