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
    TRUNG_TAM_NEXT,
    Learned,
    next_words,
    prev_words,
)
from .rules_letters import LETTER_NAMES, VIET_MARKED_CAPS, is_plain_syllable, spell_letters

# ------------------------------------------------ 3-4. definitions and duplicated spell-outs

_DEFINITION = re.compile(
    r"\s*\(\s*(?:(?:sau đây |dưới đây )?(?:gọi|viết) tắt(?: là)?\s*:?\s*)?"
    r"([A-ZĐ][A-Za-zĐđ0-9&.\-]*[A-ZĐ0-9a-z])\s*\)"
)
_DEF_PHRASE = re.compile(r"(?:gọi|viết) tắt")
_CALLED = re.compile(
    r"\s*\(\s*(?:sau đây |dưới đây )?(?:được )?(?:gọi|viết) tắt(?: là)?\s*:?\s*([^()]{1,40}?)\s*\)"
)
_SPELLOUT = re.compile(r"(\d[\d.,]*)\s*\(\s*([^\W\d_][^()\d]{0,60}?)\s*\)")


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
        before = text[:m.start()]
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
            words = _initials_match(name, text[:m.start()])
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


_DEPARTMENTS = {"CT": "công thương", "TP": "tư pháp", "TC": "tài chính", "NV": "nội vụ",
                "XD": "xây dựng", "YT": "y tế", "GD": "giáo dục", "NN": "nông nghiệp",
                "KH": "kế hoạch", "VH": "văn hóa", "TT": "thông tin", "KT": "kinh tế"}


def _contextual(token: str, s: str, start: int, end: int) -> str | None:
    """Choose the reading of an ambiguous abbreviation from its neighbours (spec §9.1)."""
    if token in _DEPARTMENTS:
        prev = prev_words(s, start, 1)
        if prev and prev[-1] in ("sở", "bộ", "phòng", "ngành"):
            # "Sở CT" is the trade department, "Sở TP" justice: not chỉ thị, thành phố.
            return _DEPARTMENTS[token]
    if token == "CP":
        prev = prev_words(s, start, 2)
        if prev[-2:] == ["công", "ty"] or (prev and prev[-1] in ("ctcp",)):
            return "cổ phần"
        return None
    if token == "TT":
        nxt = next_words(s, end, 1)
        if re.match(r"\s+(?:HĐND|UBND|Huyện ủy|Tỉnh ủy|Thành ủy|Đảng ủy|MTTQ)", s[end:end + 12]):
            return "thường trực"
        after = s[end:end + 3]
        if after.startswith("."):
            return "thị trấn"
        if nxt and nxt[0] not in TRUNG_TAM_NEXT and re.match(r"\s+[A-ZĐÀ-Ỹ]", after):
            return "thị trấn"
        return "trung tâm"
    if token == "BCH":
        following = s[end:end + 24].lower()
        if re.match(r"\s*(quân sự|phòng|pctt|bộ đội|biên phòng)", following):
            return "ban chỉ huy"
        return None
    if token == "CN":
        prev = prev_words(s, start, 4)
        if "thứ" in prev or "ngày" in prev:
            return "chủ nhật"
        return None
    if token == "ND":
        prev = prev_words(s, start, 1)
        return "nông dân" if prev and prev[-1] == "hội" else "nhân dân"
    if token == "HS":
        prev = prev_words(s, start, 1)
        if prev and prev[-1] in ("nộp", "nhận", "quyết", "trả", "lý", "xử"):
            return "hồ sơ"
    return None


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


def read_abbreviations(text: str, lexicon: Lexicon, learned: Learned) -> str:
    """Expand, spell or read acronyms via the lexicon, context and learned terms."""
    pattern, terms = _phrase_rule(lexicon)
    if pattern is not None:
        text = pattern.sub(lambda m: terms[m.group(0)], text)
    def lookup(token: str) -> str | None:
        if token in learned:
            return learned[token]
        entry = lexicon.exact(token)
        if entry is None:
            entry = lexicon.lookup(token)
            # Case-insensitive hits only for acronyms or read-as-word names (Covid, Ocop):
            # "Tu" in "Tu bổ" must not become "tỉnh ủy".
            if entry is not None and not (_is_acronym_like(token) or entry.kind == "word"):
                entry = None
        return entry.spoken if entry else None

    def heading_word(w: str) -> bool:
        if not (w.isupper() and len(w) > 1):
            return False
        if any(c in VIET_MARKED_CAPS for c in w):
            return True
        return is_plain_syllable(w)

    def heading(s: str, start: int, end: int) -> bool:
        # A capitalised heading: a neighbour is itself an all-caps Vietnamese word.
        before = re.findall(r"[^\W\d_]+", _CLAUSE_BREAK.split(s[max(0, start - 30):start])[-1])
        after = re.findall(r"[^\W\d_]+", _CLAUSE_BREAK.split(s[end:end + 30])[0])
        return any(heading_word(w) for w in before[-1:] + after[:1])

    def read_part(part: str, s: str, start: int, end: int) -> str:
        if not part:
            return ""
        spoken = _contextual(part, s, start, end) or lookup(part)
        if spoken is not None:
            return spoken
        if not _is_acronym_like(part):
            return part
        if any(c in VIET_MARKED_CAPS for c in part):
            return part.lower()
        if part.isupper() and is_plain_syllable(part) and heading(s, start, end):
            return part.lower()
        if len(part) == 1 and LETTER_NAMES.get(part) == part.lower():
            return part  # a vowel is its own name: keep "A" as written (stable output)
        return spell_letters(part)

    def repl(m: re.Match[str]) -> str:
        token, dash, digits = m.group(1), m.group(2), m.group(3)
        s = m.string
        # Most matches are ordinary capitalised words: leave them at once.
        if digits is None and token[1:].islower() and token not in learned:
            if len(token) > 1 or token not in LETTER_NAMES:
                # A capitalised word matches only an entry written exactly so (Tp) or a
                # read-as-word entry in any case (Covid, Ocop).
                entry = lexicon.exact(token)
                if entry is None:
                    entry = lexicon.lookup(token)
                    if entry is None or entry.kind != "word" or len(token) < 3:
                        return token
        if (digits is None and len(token) > 1 and token.isupper() and is_plain_syllable(token)
                and heading(s, m.start(), m.end())):
            # "TỈNH AN GIANG": a capitalised heading word, even if it looks like "AN" (an ninh).
            low = token.lower()
            return low[0].upper() + low[1:] if _at_sentence_start(s, m.start()) else low
        whole = token + (dash or "") + (digits or "") if digits else token
        spoken = lookup(whole) if digits else None
        if spoken is None:
            spoken = _contextual(token, s, m.start(), m.end()) or lookup(token)
            if spoken is None:
                if re.search(r"[&.\-/,]", token):
                    pieces = re.split(r"([&.\-/,])", token)
                    out = []
                    for p in pieces:
                        if p == "&":
                            out.append(" và ")
                        elif p == "-":
                            out.append(" - ")
                        elif p in ("/", ","):
                            out.append(", ")
                        elif p == ".":
                            out.append(" ")
                        else:
                            out.append(read_part(p, s, m.start(), m.end()))
                    spoken = "".join(out)
                elif len(token) == 1:
                    # A lone capital (initial, "khối D"): say its name; "Y tế" is a word.
                    nxt = next_words(s, m.end(), 1)
                    if token == "Y" and nxt and nxt[0] in _Y_WORDS:
                        spoken = "y"
                    elif token in ADDRESS_NAMES and _is_address_abbreviation(s, m.start(),
                                                                              m.end()):
                        spoken = ADDRESS_NAMES[token] + "\x00"
                    else:
                        spoken = LETTER_NAMES.get(token, token.lower())
                        if spoken == token.lower():
                            # Vowels are their own names: keep "A" as written (stable output).
                            spoken = token
                else:
                    spoken = read_part(token, s, m.start(), m.end())
            if digits:
                spoken += " " + read_integer_string(digits)
        # "TP. Hà Giang", "TX. Sơn Tây": the abbreviation dot is not a sentence end.
        if token in ("TP", "Tp", "TX", "TT") and re.match(r"\.\s*[A-ZĐÀ-Ỹ]", s[m.end():]):
            spoken += "\x00"
        if spoken[:1].islower() and _at_sentence_start(s, m.start()):
            spoken = spoken[0].upper() + spoken[1:]
        return spoken

    text = _ACRONYM.sub(repl, text)
    text = re.sub(r"\x00\.", "", text).replace("\x00", "")
    return _AMP.sub(" và ", text)
