"""Abbreviations: inline definitions, spell-outs and the lexicon pass (spec §0 steps 3, 4, 11)."""

from __future__ import annotations

import re

from .lexicon import Lexicon
from .numbers import (
    read_integer_string,
)
from .rules_codes import (
    ADDRESS_NAMES,
)
from .rules_context import (
    NUMBER_WORDS,
    SKIPPABLE_IN_DEFINITION,
    Learned,
    next_words,
)
from .rules_letters import LETTER_NAMES, VIET_MARKED_CAPS, is_plain_syllable, spell_letters
from .rules_senses import choose_sense, name_follows

# ------------------------------------------------ 3-4. definitions and duplicated spell-outs

_DEFINITION = re.compile(
    r"\s*\(\s*(?:(?:sau đây |dưới đây )?(?:gọi|viết) tắt(?: là)?\s*:?\s*)?"
    r"([A-ZĐ][A-Za-zĐđ0-9&.\-]*[A-ZĐ0-9a-z])\s*\)"
)
_DEF_PHRASE = re.compile(r"(?:gọi|viết) tắt")
_CALLED = re.compile(
    r"\s*\(\s*(?:sau đây |dưới đây )?(?:được )?(?:gọi|viết) tắt(?: là)?\s*:?\s*([^()]{1,40}?)\s*\)"
)
_SPELLOUT = re.compile(r"(?<![\d.,])(\d[\d.,]*)\s*\(\s*([^\W\d_][^()\d]{0,60}?)\s*\)")


def _initials_match(acronym: str, before: str) -> str | None:
    """Return the words before an "(ACR)" whose initials spell ACR, or None."""
    symbols = []
    for c in acronym:
        if c == "&":
            symbols.append("&")
        elif c.isalpha():
            symbols.append(c.casefold())
    if len(symbols) < 2:
        return None
    words = re.findall(r"[^\W_]+|&", before[-240:])
    i, j = len(symbols) - 1, len(words) - 1
    while i >= 0 and j >= 0:
        w = words[j].casefold()
        sym = symbols[i]
        if sym == "&":
            i -= 1
            if w in ("và", "&"):
                j -= 1
            continue
        if w[0] == sym:
            i -= 1
            j -= 1
            continue
        if w in SKIPPABLE_IN_DEFINITION and j < len(words) - 1:
            j -= 1
            continue
        return None
    if i >= 0:
        return None
    return " ".join(words[j + 1:])


def learn_definitions(text: str, lexicon: Lexicon, learned: Learned) -> str:
    """Register "words (ACR)" definitions for the article and drop the parenthesis."""
    def repl(m: re.Match[str]) -> str:
        acronym = m.group(1)
        if sum(1 for c in acronym if c.isupper()) < 2:
            return m.group(0)
        # Only the last words can be the definition: a bounded window keeps long texts linear.
        before = text[max(0, m.start() - 240):m.start()]
        words = _initials_match(acronym, before)
        if words:
            learned[acronym] = words.replace("&", "và")
            return ""
        known = learned.get(acronym)
        if known is None:
            entry = lexicon.lookup(acronym)
            known = entry.spoken if entry else None
        tail = re.sub(r"\W+", " ", before[-120:]).casefold().strip()
        if known and tail.endswith(re.sub(r"\W+", " ", known).casefold().strip()):
            return ""
        if _DEF_PHRASE.search(m.group(0)):
            return ""
        return m.group(0)

    def called(m: re.Match[str]) -> str:
        # "(sau đây gọi tắt là UBND xã)" is a note to the reader: never spoken.
        name = m.group(1)
        if re.fullmatch(r"[A-ZĐ][A-Za-zĐđ&\-]*[A-ZĐ]", name) and name not in learned:
            words = _initials_match(name, text[max(0, m.start() - 240):m.start()])
            if words:
                learned[name] = words.replace("&", "và")
        return ""

    if "tắt" in text:
        text = _CALLED.sub(called, text)
    if "(" not in text:
        return text
    return _DEFINITION.sub(repl, text)


def drop_spellouts(text: str) -> str:
    """Keep one reading of "10 (mười) ngày": drop the spelled-out parenthesis."""
    def repl(m: re.Match[str]) -> str:
        words = m.group(2).casefold().split()
        if words and all(w.strip(",") in NUMBER_WORDS for w in words):
            return m.group(1)
        return m.group(0)

    return _SPELLOUT.sub(repl, text)


# ------------------------------------------------------------------ 11. abbreviations

_CAP = "[A-ZĐ" + "".join(sorted(VIET_MARKED_CAPS)) + "]"
_ACRONYM = re.compile(
    r"(?<![\w])(" + _CAP + r"[^\W\d_]*(?:(?:[&.\-/]|,(?=" + _CAP + r"))" + _CAP
    + r"[^\W\d_]*)*)(?:(-?)(\d+))?(?![\w])"
)
_AMP = re.compile(r"\s*&\s*")
_Y_WORDS = {"tế", "học", "dược", "sĩ", "khoa", "bác", "đức", "lý", "sinh", "án"}


def _is_acronym_like(token: str) -> bool:
    """Return True for ACRONYM, TTg, ThS-style tokens; False for Words and CamelCase names."""
    uppers = sum(1 for c in token if c.isupper())
    lowers = sum(1 for c in token if c.islower())
    if uppers == 0:
        return False
    if uppers == 1:
        return len(token) == 1
    return lowers <= 1 or token in ("ThS", "TTr", "TTg")


def _at_sentence_start(s: str, pos: int) -> bool:
    """Return True if only quotes, brackets or spaces separate pos from a sentence start."""
    head = s[max(0, pos - 12):pos].rstrip(" \"'“‘([-")
    if not head:
        return pos <= 12 or s[max(0, pos - 13)] in ".!?\n"
    return head[-1] in ".!?\n"


def _is_address_abbreviation(s: str, start: int, end: int) -> bool:
    """Return True for "H. Bạch Thông" (huyện), not for the initial in "Nguyễn Văn H. Ông"."""
    if not re.match(r"\.\s*[A-ZĐÀ-Ỹ]", s[end:end + 3]):
        return False
    before = re.findall(r"[^\W\d_]+", _CLAUSE_BREAK.split(s[max(0, start - 20):start])[-1])
    return not before or not before[-1][:1].isupper()


_CLAUSE_BREAK = re.compile(r"[,.;:!?()\[\]\n]")
_PHRASES: dict[str, tuple[re.Pattern[str] | None, dict[str, str]]] = {}


def _phrase_rule(lexicon: Lexicon) -> tuple[re.Pattern[str] | None, dict[str, str]]:
    """Return a regex for the lexicon's multi-word terms ("PAR INDEX"), cached per content."""
    key = lexicon.fingerprint
    rule = _PHRASES.get(key)
    if rule is None:
        terms = {e.term: e.spoken for e in lexicon if " " in e.term}
        pattern = None
        if terms:
            alt = "|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True))
            pattern = re.compile(r"(?<![\w])(?:" + alt + r")(?![\w])")
        rule = (pattern, terms)
        if len(_PHRASES) > 32:
            _PHRASES.clear()
        _PHRASES[key] = rule
    return rule


def _heading_word(w: str) -> bool:
    """Return True for an all-caps Vietnamese word of a heading (VIỆC, HỌP, BAN)."""
    if not (w.isupper() and len(w) > 1):
        return False
    return any(c in VIET_MARKED_CAPS for c in w) or is_plain_syllable(w)


def _in_heading(s: str, start: int, end: int) -> bool:
    """Return True if a neighbour of s[start:end] is itself an all-caps Vietnamese word."""
    before = re.findall(r"[^\W\d_]+", _CLAUSE_BREAK.split(s[max(0, start - 30):start])[-1])
    after = re.findall(r"[^\W\d_]+", _CLAUSE_BREAK.split(s[end:end + 30])[0])
    return any(_heading_word(w) for w in before[-1:] + after[:1])


_JOINERS = {"&": " và ", "-": " - ", "/": ", ", ",": ", ", ".": " "}
_JOINER_RE = re.compile(r"([&.\-/,])")
# After these, the abbreviation dot is not a sentence end: "TP. Hà Giang", "TX. Sơn Tây";
# after a title, neither when a full name follows: "TS. Nguyễn Văn An", "CN. Lê Thị Hoa".
_PLACE_DOT = {"TP", "Tp", "TX", "TT"}
_TITLE_DOT = {"CN", "TS", "ThS", "BS", "KS", "GS", "PGS", "LS", "NSND", "NSƯT", "NGƯT", "NGND"}

# "T2-T6", "T2 - CN": a span of weekdays in a schedule.
_WEEKDAY_SPAN = re.compile(r"\b(T[2-7])\s*-\s*(T[2-7]|CN)\b")
_MARK = "\x00"  # "this reading ate the abbreviation's dot"; removed with the dot at the end


class _AbbreviationReader:
    """Reads each acronym-shaped token of one text (spec §9, §13.7).

    Order of authority for a token: context (rules_senses.SENSES), then a definition learned
    from the article, then the lexicon (user file over built-in), then the fallbacks: a
    heading word is lowercased, a lone letter named, anything else spelled letter by letter.
    """

    def __init__(self, lexicon: Lexicon, learned: Learned) -> None:
        self.lexicon = lexicon
        self.learned = learned

    def lookup(self, token: str) -> str | None:
        """Return the learned or lexicon reading of a token, or None."""
        if token in self.learned:
            return self.learned[token]
        entry = self.lexicon.exact(token)
        if entry is None:
            entry = self.lexicon.lookup(token)
            # Case-insensitive hits only for acronyms or read-as-word names (Covid, Ocop):
            # "Tu" in "Tu bổ" must not become "tỉnh ủy".
            if entry is not None and not (_is_acronym_like(token) or entry.kind == "word"):
                entry = None
        return entry.spoken if entry else None

    def is_plain_word(self, token: str) -> bool:
        """Return True for a capitalised ordinary word that no entry claims ("Hà", "Ban")."""
        if not token[1:].islower() or token in self.learned:
            return False
        if len(token) == 1 and token in LETTER_NAMES:
            return False
        # A capitalised word matches only an entry written exactly so (Tp) or a read-as-word
        # entry in any case (Covid, Ocop).
        if self.lexicon.exact(token) is not None:
            return False
        entry = self.lexicon.lookup(token)
        return entry is None or entry.kind != "word" or len(token) < 3

    def read_part(self, part: str, s: str, start: int, end: int) -> str:
        """Read one piece of a compound token (KT-XH, HĐND&UBND) or a whole plain token."""
        if not part:
            return ""
        spoken = choose_sense(part, s, start, end) or self.lookup(part)
        if spoken is not None:
            return spoken
        if not _is_acronym_like(part):
            return part
        if any(c in VIET_MARKED_CAPS for c in part):
            return part.lower()
        if part.isupper() and is_plain_syllable(part) and _in_heading(s, start, end):
            return part.lower()
        if len(part) == 1 and LETTER_NAMES.get(part) == part.lower():
            return part  # a vowel is its own name: keep "A" as written (stable output)
        return spell_letters(part)

    def read_compound(self, token: str, s: str, start: int, end: int) -> str:
        """Read "KT-XH", "HĐND&UBND", "CB,CC,VC": each piece, with its joiner as a word."""
        return "".join(_JOINERS[p] if p in _JOINERS else self.read_part(p, s, start, end)
                       for p in _JOINER_RE.split(token))

    def read_letter(self, token: str, s: str, start: int, end: int) -> str:
        """Read a lone capital: an initial or label by its name, "H." as huyện, "Y tế"."""
        nxt = next_words(s, end, 1)
        if token == "Y" and nxt and nxt[0] in _Y_WORDS:
            return "y"
        if token in ADDRESS_NAMES and _is_address_abbreviation(s, start, end):
            return ADDRESS_NAMES[token] + _MARK
        spoken = LETTER_NAMES.get(token, token.lower())
        # Vowels are their own names: keep "A" as written (stable output).
        return token if spoken == token.lower() else spoken

    def read_token(self, token: str, digits: str, dash: str, s: str, start: int,
                   end: int) -> str:
        """Return the reading of one acronym-shaped token with its glued number, if any."""
        spoken = None
        if digits:
            whole = token + dash + digits
            spoken = choose_sense(whole, s, start, end) or self.lookup(whole)
            if spoken is not None:
                return spoken
        spoken = choose_sense(token, s, start, end) or self.lookup(token)
        if spoken is None:
            if _JOINER_RE.search(token):
                spoken = self.read_compound(token, s, start, end)
            elif len(token) == 1:
                spoken = self.read_letter(token, s, start, end)
            else:
                spoken = self.read_part(token, s, start, end)
        if digits:
            spoken += " " + read_integer_string(digits)
        return spoken

    def __call__(self, m: re.Match[str]) -> str:
        token, dash, digits = m.group(1), m.group(2) or "", m.group(3) or ""
        s, start, end = m.string, m.start(), m.end()
        # Most matches are ordinary capitalised words: leave them at once.
        if not digits and self.is_plain_word(token):
            return token
        if (not digits and len(token) > 1 and token.isupper() and is_plain_syllable(token)
                and _in_heading(s, start, end)):
            # "TỈNH AN GIANG": a capitalised heading word, even if it looks like "AN" (an ninh).
            low = token.lower()
            return low[0].upper() + low[1:] if _at_sentence_start(s, start) else low
        spoken = self.read_token(token, digits, dash, s, start, end)
        if (token in _PLACE_DOT and re.match(r"\.\s*[A-ZĐÀ-Ỹ]", s[end:end + 3])) or (
                token in _TITLE_DOT and name_follows(s, end)):
            spoken += _MARK
        if spoken[:1].islower() and _at_sentence_start(s, start):
            spoken = spoken[0].upper() + spoken[1:]
        return spoken


def read_abbreviations(text: str, lexicon: Lexicon, learned: Learned) -> str:
    """Expand, spell or read acronyms via context, learned terms and the lexicon."""
    pattern, terms = _phrase_rule(lexicon)
    if pattern is not None:
        text = pattern.sub(lambda m: terms[m.group(0)], text)
    if "-" in text:
        text = _WEEKDAY_SPAN.sub(r"\1 đến \2", text)
    text = _ACRONYM.sub(_AbbreviationReader(lexicon, learned), text)
    text = text.replace(_MARK + ".", "").replace(_MARK, "")
    return _AMP.sub(" và ", text)
