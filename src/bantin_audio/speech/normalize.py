"""Turn Vietnamese news text into fully speakable words (spec vi-normalization.md, §0 order).

Each stage is a regex pass whose replacements are lowercase Vietnamese words, so a later stage
never mistakes an earlier stage's output for digits, codes or acronyms. The stages live in the
rules_* modules; this module fixes their order and holds the public API.
"""

from __future__ import annotations

import re

from ..errors import InputError
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

# Bounds (every rule's work is linear in the text; these keep the text itself sane).
# One text is one paragraph, title or notice: a million characters is some fifteen hours of
# speech, so anything longer is a pasting or extraction error, refused before any work.
MAX_TEXT_CHARS = 1_000_000
# No quantity, phone number or identifier of this domain has more than 30 digits in a row
# (citizen ID 12, tax code 10-14, bank account up to 19). A longer run is a paste error: read
# digit by digit it would be minutes of noise no listener can use, so the editor is told where
# it is instead.
MAX_DIGIT_RUN = 30
# A run of digits, or a thousands-dotted number, longer than that.
_DIGIT_RUN = re.compile(rf"[0-9]{{{MAX_DIGIT_RUN + 1},}}|"
                        rf"(?<![0-9])[0-9]{{1,3}}(?:\.[0-9]{{3}}){{{MAX_DIGIT_RUN // 3},}}")


def _dotted(n: int) -> str:
    """Write a count the Vietnamese way: 1.000.000."""
    return f"{n:,}".replace(",", ".")


def _check_bounds(text: str) -> None:
    """Raise InputError for a text too long to read or a digit run no listener could use."""
    if len(text) > MAX_TEXT_CHARS:
        raise InputError(
            f"Đoạn văn dài {_dotted(len(text))} ký tự, quá giới hạn {_dotted(MAX_TEXT_CHARS)} "
            "ký tự của một lần đọc",
            hint="Hãy chia văn bản thành nhiều đoạn hoặc nhiều bài",
        )
    run = _DIGIT_RUN.search(text)
    if run is not None:
        digits = run.group(0).replace(".", "")
        raise InputError(
            f"Văn bản có một số dài {_dotted(len(digits))} chữ số (bắt đầu bằng "
            f"“{digits[:12]}…”): không phải số lượng, số điện thoại hay mã số nên không đọc "
            "thành lời được",
            hint="Kiểm tra lại đoạn văn (có thể do lỗi sao chép), xóa hoặc tách dãy số này",
        )


def _normalize_one(text: str, lexicon: Lexicon, learned: Learned) -> str:
    if len(text) > MAX_TEXT_CHARS:
        _check_bounds(text)
    text = prepare(text)  # 1. NFC, tone marks, dashes, quotes, unspoken symbols
    _check_bounds(text)  #    after NFC and full-width digits, so every digit is counted
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
    """Return one standalone text as fully speakable Vietnamese words.

    Raises InputError (message in Vietnamese) for a text longer than MAX_TEXT_CHARS or a run
    of more than MAX_DIGIT_RUN digits; the work is otherwise linear in the text's length.
    """
    lex = lexicon if lexicon is not None else load_lexicon()
    return _normalize_one(text, lex, {})


def normalize_texts(texts: list[str], lexicon: Lexicon | None = None) -> list[str]:
    """Normalize the texts of one article in reading order; definitions carry forward."""
    lex = lexicon if lexicon is not None else load_lexicon()
    learned: Learned = {}
    return [_normalize_one(t, lex, learned) for t in texts]
