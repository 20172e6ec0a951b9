"""Turn Vietnamese news text into fully speakable words (spec vi-normalization.md, §0 order).

Each stage is a regex pass whose replacements are lowercase Vietnamese words, so a later stage
never mistakes an earlier stage's output for digits, codes or acronyms.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from importlib import resources

from .lexicon import Lexicon, load_lexicon, parse_entries
from .numbers import (
    read_decimal,
    read_digits,
    read_integer_string,
    read_month,
    read_number,
    read_ordinal,
    roman_to_int,
)
from .rules_letters import LETTER_NAMES, VIET_MARKED_CAPS, is_plain_syllable, spell_letters

Learned = dict[str, str]

# Number tokens, Vietnamese style: dot = thousands, comma = decimal (spec §2.1).
_NUM = r"\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+,\d+|\d+\.\d{1,2}(?![\d])|\d+"

# ---------------------------------------------------------------------------------- data


@lru_cache(maxsize=1)
def _code_parts() -> dict[str, str]:
    """Return the document-code part table (NĐ, CP, QĐ, ...), read once."""
    text = (resources.files("bantin_audio.speech") / "data" / "code_parts.tsv").read_text(
        encoding="utf-8")
    return {e.term: e.spoken for e in parse_entries(text, "code_parts.tsv")}


_UNITS = {
    "ha": "héc ta", "m": "mét", "m2": "mét vuông", "m²": "mét vuông", "m3": "mét khối",
    "m³": "mét khối", "km": "ki lô mét", "Km": "ki lô mét", "km2": "ki lô mét vuông",
    "km²": "ki lô mét vuông", "cm": "xen ti mét", "mm": "mi li mét", "kg": "ki lô gam",
    "g": "gam", "mg": "mi li gam", "l": "lít", "ml": "mi li lít", "kW": "ki lô oát",
    "MW": "mê ga oát", "GW": "gi ga oát", "kWh": "ki lô oát giờ", "MWh": "mê ga oát giờ",
    "kV": "ki lô vôn", "km/h": "ki lô mét một giờ", "m/s": "mét một giây", "°C": "độ xê",
    "USD": "đô la Mỹ", "VNĐ": "đồng", "VND": "đồng", "đ": "đồng", "tr.đ": "triệu đồng",
    "trđ": "triệu đồng", "ng.đ": "nghìn đồng", "€": "ơ rô", "EUR": "ơ rô",
}
# Words that may follow "/" as "per ..." (spec §4 rule 3): "đồng/kg", "triệu đồng/người/năm".
_PER_WORDS = {
    "người", "hộ", "năm", "tháng", "ngày", "tuần", "quý", "giờ", "phút", "giây", "lượt", "lần",
    "ca", "vụ", "con", "cây", "chiếc", "suất", "khẩu", "lao", "học", "xã", "h", "ngày đêm",
    "tấn", "tạ", "lít", "bao", "thùng", "hộp", "gói", "cái", "m", "kg", "ha", "km",
}
_UNIT_ALT = "|".join(sorted((re.escape(u) for u in _UNITS), key=len, reverse=True))
_PER_ALT = "|".join(sorted((re.escape(u) for u in _PER_WORDS | set(_UNITS)), key=len,
                           reverse=True))
_NUMBER_WORDS = {
    "không", "một", "mốt", "hai", "ba", "bốn", "tư", "năm", "lăm", "sáu", "bảy", "tám", "chín",
    "mười", "mươi", "trăm", "linh", "lẻ", "nghìn", "ngàn", "triệu", "tỷ", "tỉ", "chục", "phẩy",
    "nửa", "rưỡi", "vạn",
}
# A "d/m" or "d-m" is a date after these words (spec §3.2).
_DATE_CUES = {"ngày", "sáng", "chiều", "tối", "trưa", "đêm", "hôm", "mùng", "mồng", "khuya",
              "rạng", "hạn", "khánh", "dịp", "lễ"}
_DATE_CUES_SOFT = {"nay", "qua", "mai", "sớm", "muộn"}
_WEEKDAYS = {"hai", "ba", "tư", "năm", "sáu", "bảy", "nhật"}
# First words of counted nouns: "18/32 trường" is a ratio, read "trên" (spec §4 rule 4).
_COUNTED = {
    "tiêu", "xã", "hộ", "trường", "đại", "chỉ", "tỉnh", "địa", "huyện", "thôn", "bản", "đơn",
    "phường", "thị", "học", "người", "lớp", "sản", "dự", "cơ", "doanh", "hợp", "trạm", "phiếu",
    "nhiệm", "ý", "công", "tuyến", "điểm", "thành", "bệnh", "ca", "lượt", "cán", "đảng", "chi",
    "tổ", "khu", "làng", "ấp", "buôn", "xóm", "cụm", "ngành", "nội", "vụ", "cuộc", "thủ", "văn",
    "câu", "bài", "đội", "nhóm", "cử", "quận", "phòng", "sở", "ban", "mô", "mục", "hồ", "thí",
    "trận", "ngày", "tháng", "năm", "giải", "huy", "hạng", "mẫu", "nước", "quốc", "lãnh",
    "tập", "gia", "chương", "tiết", "bộ",
}
_RATIO_PREV = {"đạt", "có", "thứ", "được", "là", "xếp", "hạng", "số", "ngõ", "ngách", "hẻm",
               "kiệt", "nhà"}
_SOURCE_TAGS = {"TTO", "PLO", "VOV", "VTV", "TTXVN", "VNA", "QĐND", "NLĐO", "SGGP", "GDVN",
                "VTC", "ANTĐ", "HNM", "TN", "TP", "ND", "NLĐ", "CAND", "VOH", "VTC News",
                "Chinhphu.vn", "VnExpress", "Dân trí", "Báo ảnh", "baochinhphu.vn"}
_SKIPPABLE_IN_DEFINITION = {"và", "của", "các", "những", "cho", "về", "với", "trong", "-", "&"}
# Nouns that follow "TT" when it means "trung tâm" rather than "thị trấn".
_TRUNG_TAM_NEXT = {"y", "văn", "dịch", "hành", "giáo", "phát", "kiểm", "khuyến", "truyền",
                   "công", "thông", "chính", "điều", "hội", "bảo", "nước", "quan", "kỹ",
                   "huấn", "giám", "thương", "đào", "xúc", "phục", "nghiên", "trợ"}

_ROMAN_TRIGGERS = (
    r"khóa|khoá|đại hội(?: đại biểu)?(?: đảng bộ| đảng| đoàn| hội)?(?: [^\W\d_]+)?|"
    r"hội nghị(?: trung ương| ban chấp hành trung ương)?|thế kỷ|thế kỉ|quý|chương|phần|mục|"
    r"phụ lục|khu vực|vùng|quân khu|quân đoàn|giai đoạn|đợt|hạng|loại|cấp độ|cấp|kỳ họp|"
    r"kì họp|lần|tập|bậc|nhóm|điều|khối"
)

# ------------------------------------------------------------------------ small helpers

_WORD_RE = re.compile(r"[^\W_]+")


def _prev_words(s: str, pos: int, n: int = 2) -> list[str]:
    """Return the last n words before pos, lowercased (punctuation ignored)."""
    return [w.lower() for w in _WORD_RE.findall(s[max(0, pos - 60):pos])[-n:]]


def _next_words(s: str, pos: int, n: int = 1) -> list[str]:
    """Return the first n words after pos, lowercased."""
    return [w.lower() for w in _WORD_RE.findall(s[pos:pos + 60])[:n]]


def _read_num(token: str) -> str:
    """Read one number token (thousands dots, decimal comma, or an English-style decimal)."""
    if "," in token:
        whole, frac = token.split(",", 1)
        return read_decimal(whole.replace(".", ""), frac)
    if "." in token:
        if re.fullmatch(r"\d{1,3}(?:\.\d{3})+", token):
            return read_integer_string(token)
        whole, frac = token.split(".", 1)
        return read_decimal(whole, frac)
    return read_integer_string(token)


def _letter_name(c: str) -> str:
    """Return the letter name of one letter (lowercase letters too: 30a -> a)."""
    return LETTER_NAMES.get(c.upper(), c.lower())


# -------------------------------------------------------------- 1. Unicode and typography

_TONE_FIX = {"oà": "òa", "oá": "óa", "oả": "ỏa", "oã": "õa", "oạ": "ọa", "oè": "òe",
             "oé": "óe", "oẻ": "ỏe", "oẽ": "õe", "oẹ": "ọe", "uỳ": "ùy", "uý": "úy",
             "uỷ": "ủy", "uỹ": "ũy", "uỵ": "ụy"}
_TONE_FIX.update({k[0].upper() + k[1:]: v[0].upper() + v[1:] for k, v in list(_TONE_FIX.items())})
# "qu" is one consonant, so "quý" keeps its mark where it is (never "qúy").
_TONE_RE = re.compile(r"(?<![qQ])(" + "|".join(_TONE_FIX) + r")(?![^\W\d_])")
_CHAR_MAP = str.maketrans({
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-",
    "\u2212": "-", "\u2018": "'", "\u2019": "'", "\u2032": "'", "\u00b4": "'", "\u00a0": " ",
    "\u2009": " ", "\u202f": " ", "\u2007": " ", "\u3000": " ", "\u200b": None, "\u200c": None,
    "\u200d": None, "\ufeff": None, "\u00ad": None, "\t": " ", "\u2044": "/", "\u2215": "/",
    **{chr(0xFF10 + i): str(i) for i in range(10)},
})


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_UNSPOKEN = re.compile(r"[_\\|^~`{}#<>=@•·●▪◦►✓]+")


def _prepare(text: str) -> str:
    text = unicodedata.normalize("NFC", text).translate(_CHAR_MAP)
    text = text.replace("…", "...").replace("\r\n", "\n").replace("\r", "\n")
    # Control characters carry no speech and upset engines.
    text = _CONTROL.sub("", text)
    # Symbols that are never spoken go first, so no later stage sees a token glued to them.
    text = _UNSPOKEN.sub(" ", text)
    return _TONE_RE.sub(lambda m: _TONE_FIX[m.group(1)], text)


# --------------------------------------------------------------- 2. article furniture

_END_MARK = re.compile(r"\s*\.?/\.(?=\s|$)")
_BULLET = re.compile(
    r"(?m)^[ \t]*(?:[-+•*●▪◦·►✓]+(?=[ \t]*[^\d\s])|\d{1,2}(?:\.\d{1,2})*[.)](?=[ \t])|"
    r"[a-zđ]\)(?=[ \t])|[IVX]{1,5}\.(?=[ \t]))[ \t]*"
)
# "H.Bạch Thông", "TP.Vinh": the abbreviation dot glued to a place name.
_GLUED_PLACE = re.compile(r"\b(TP|Tp|TX|TT|H|Q|P)\.(?=[A-ZĐÀ-Ỹ][a-zà-ỹđ])")
_LEAD_TAG = re.compile(r"^\s*\(?([A-ZĐ][A-Za-zĐ.]{1,15})\)?\s*-\s+")
_TRAIL_TAG = re.compile(r"\s*\(([A-ZĐ][\w.]{1,15}(?: [A-Z][\w]*)?)\)\s*\.?\s*$")


def _is_source_tag(whole: str, name: str, lexicon: Lexicon) -> bool:
    """Return True for a leading news-source tag: "TTO -", "(PLO)-", "(Baonghean.vn) -"."""
    if name in _SOURCE_TAGS or name.lower().endswith((".vn", ".com", ".net")):
        return True
    if whole.lstrip().startswith("(") and ")" in whole:
        return True
    # A bare all-caps tag that is no known abbreviation (TTO, PLO, NLĐO).
    return name.isupper() and 2 <= len(name) <= 6 and lexicon.lookup(name) is None


def _strip_furniture(text: str, lexicon: Lexicon) -> str:
    text = _END_MARK.sub(".", text)
    text = _GLUED_PLACE.sub(r"\1. ", text)
    text = _BULLET.sub("", text)
    m = _LEAD_TAG.match(text)
    if m and _is_source_tag(m.group(0), m.group(1), lexicon):
        text = text[m.end():]
    m = _TRAIL_TAG.search(text)
    if m and m.group(1) in _SOURCE_TAGS:
        text = text[:m.start()].rstrip() + ("." if not text[:m.start()].rstrip().endswith(
            (".", "!", "?")) and m.group(0).rstrip().endswith(".") else "")
    return text


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
        if w in _SKIPPABLE_IN_DEFINITION and j < len(words) - 1:
            j -= 1
            continue
        return None
    if i >= 0:
        return None
    return " ".join(words[j + 1:])


def _learn_definitions(text: str, lexicon: Lexicon, learned: Learned) -> str:
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


def _drop_spellouts(text: str) -> str:
    def repl(m: re.Match[str]) -> str:
        words = m.group(2).casefold().split()
        if words and all(w.strip(",") in _NUMBER_WORDS for w in words):
            return m.group(1)
        return m.group(0)

    return _SPELLOUT.sub(repl, text)


# ------------------------------------------------------------------ 5. document codes

_PART = r"[A-ZĐ][A-Za-zĐđ]*\d*"
_CODE = re.compile(
    r"(?<![\w/.,])(\d{1,5})([a-zđ]?)(?:/(\d{4}))?/(" + _PART + r"(?:[-/&]" + _PART + r")*)"
    r"(?![\w/])"
)
_PARTY_CODE = re.compile(
    r"(?<![\w/.,])(\d{1,5})([a-zđ]?)-(" + _PART + r")/(" + _PART + r"(?:[-/]" + _PART + r")*)"
    r"(?![\w/])"
)


def _read_code_part(part: str, lexicon: Lexicon) -> str:
    m = re.fullmatch(r"([^\W\d_]+)(\d*)", part)
    if not m:
        return spell_letters(part)
    letters, digits = m.groups()
    table = _code_parts()
    spoken = table.get(letters)
    if spoken is None:
        entry = lexicon.exact(letters)
        spoken = entry.spoken if entry else spell_letters(letters)
    if digits:
        spoken += " " + read_integer_string(digits)
    return spoken


def _read_code_suffix(suffix: str, lexicon: Lexicon) -> str:
    out = []
    for token in re.split(r"([-/&])", suffix):
        if token == "/":
            out.append("trên")
        elif token == "&":
            out.append("và")
        elif token == "-" or not token:
            continue
        else:
            out.append(_read_code_part(token, lexicon))
    return " ".join(out)


def _code_number(num: str, letter: str) -> str:
    spoken = read_integer_string(num)
    return spoken + (" " + _letter_name(letter) if letter else "")


def _read_codes(text: str, lexicon: Lexicon) -> str:
    if "/" not in text:
        return text

    def code(m: re.Match[str]) -> str:
        parts = [_code_number(m.group(1), m.group(2))]
        if m.group(3):
            parts += ["trên", read_number(int(m.group(3)))]
        parts += ["trên", _read_code_suffix(m.group(4), lexicon)]
        return " ".join(parts)

    def party(m: re.Match[str]) -> str:
        return " ".join([_code_number(m.group(1), m.group(2)),
                         _read_code_part(m.group(3), lexicon), "trên",
                         _read_code_suffix(m.group(4), lexicon)])

    text = _PARTY_CODE.sub(party, text)
    return _CODE.sub(code, text)


# --------------------------------------------------- 6. phones, chainage, roads

_PHONE = re.compile(
    r"(?<![\w.,])(0\d{2,3}(?:[. ]\d{3,4}){1,2}|0\d{8,10}|\d{3,4}\.\d{4,})(?!\w|[.,]\d)"
)
_PHONE_CUE = re.compile(
    r"(?i)\b(đường dây nóng|hotline|điện thoại|sđt|đt(?=\s*:)|fax|tổng đài|số máy)"
    r"(\s*:?\s*(?:số\s*)?)(\d[\d. ]{1,14}\d)(?!\d|[.,]\d)"
)
# Service numbers are dialled, so they are read digit by digit (spec §6.2).
_HOTLINE = re.compile(r"(?<![\w.,])(?:1900|1800)[. ]?\d{3,4}(?:[. ]?\d{2,4})?(?![\w]|[.,]\d)")
_EMERGENCY = re.compile(r"(?i)(\b(?:gọi(?: số| đến| tới)?|số máy|tổng đài|số khẩn cấp)\s+)"
                        r"(11[1-5]|1022|1080)(?![\w]|[.,]\d)")
# "113/114/115": the emergency numbers listed together, not a ratio.
_EMERGENCY_LIST = re.compile(r"(?<![\w/.,])11[1-5](?:/11[1-5])+(?![\w/])")
_KM_BEFORE = re.compile(r"\bKm\s?(?=\d)")
# "Q.1", "P.12", "H. 3": district, ward in addresses; "4.0" (công nghiệp 4.0) is a version.
_ADDRESS_UNIT = re.compile(r"(?<![\w.])([QPH])\.\s?(\d{1,2})(?!\d|[.,]\d)")
_ADDRESS_NAMES = {"Q": "quận", "P": "phường", "H": "huyện"}
_VERSION = re.compile(r"(?<![\w.,])([1-9])\.0(?![\d.,]|\s?%)")
_CHAINAGE = re.compile(r"\b[Kk]m\s?(\d+)\s?\+\s?(\d+)(\s*-\s*(?=[Kk]m\s?\d))?")
_ROAD = re.compile(
    r"\b(QL|ĐT|TL|ĐH|ĐX|ĐS|ĐCT|CT)\.?\s?(\d+)([A-Z]?)(?![\w])"
)
_ROAD_WORD = re.compile(
    r"(?i:\b(quốc lộ|tỉnh lộ|đường tỉnh|đường huyện|hương lộ|cao tốc|đường|tuyến|số))"
    r"\s+(\d+)([A-Z])(?![\w])"
)
_ROAD_NAMES = {"QL": "quốc lộ", "ĐT": "đường tỉnh", "TL": "tỉnh lộ", "ĐH": "đường huyện",
               "ĐX": "đường xã", "ĐS": "đường sắt", "ĐCT": "đường cao tốc", "CT": "cao tốc"}


def _read_phones_roads(text: str) -> str:
    text = _PHONE_CUE.sub(lambda m: m.group(1) + m.group(2) + read_digits(m.group(3)), text)
    text = _HOTLINE.sub(lambda m: read_digits(m.group(0)), text)
    text = _EMERGENCY_LIST.sub(
        lambda m: ", ".join(read_digits(x) for x in m.group(0).split("/")), text)
    text = _EMERGENCY.sub(lambda m: m.group(1) + read_digits(m.group(2)), text)
    text = _PHONE.sub(lambda m: read_digits(m.group(1)), text)
    text = _CHAINAGE.sub(
        lambda m: f"ki lô mét {read_number(int(m.group(1)))} cộng {read_number(int(m.group(2)))}"
        + (" đến " if m.group(3) else ""), text)
    def road(m: re.Match[str]) -> str:
        name = _ROAD_NAMES[m.group(1)]
        prev = _prev_words(text, m.start(), 1)
        if prev and name.startswith(prev[-1] + " "):
            # "đường ĐT.293": the text already says "đường".
            name = name[len(prev[-1]) + 1:]
        parts = [name, read_integer_string(m.group(2))]
        if m.group(3):
            parts.append(_letter_name(m.group(3)))
        return " ".join(parts)

    text = _ROAD.sub(road, text)
    text = _KM_BEFORE.sub("ki lô mét ", text)
    text = _ADDRESS_UNIT.sub(lambda m: _ADDRESS_NAMES[m.group(1)] + " " + m.group(2), text)
    text = _VERSION.sub(lambda m: read_number(int(m.group(1))) + " chấm không", text)
    return _ROAD_WORD.sub(
        lambda m: f"{m.group(1)} {read_integer_string(m.group(2))} {_letter_name(m.group(3))}",
        text)


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


def _has_date_cue(s: str, start: int, end: int) -> bool:
    prev = _prev_words(s, start, 3)
    if prev and prev[-1] in _DATE_CUES:
        return True
    if len(prev) >= 2 and prev[-1] in _DATE_CUES_SOFT and prev[-2] in _DATE_CUES:
        return True
    if len(prev) >= 2 and prev[-2] == "thứ" and prev[-1] in _WEEKDAYS:
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
    nxt = _next_words(s, end, 2)
    return nxt[:2] == ["âm", "lịch"] or (bool(nxt) and nxt[0] in ("al", "âl"))


def _read_dates(text: str) -> str:
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
        prev = _prev_words(text, m.start(), 3)
        if not prev or prev[-1] not in ("ngày", "mùng", "mồng"):
            return m.group(0)
        first = ("mùng " if d1 <= 10 and prev[-1] == "ngày" else "") + read_number(d1)
        return first + " đến " + _date_words(d2, mo, y, [])

    def full(m: re.Match[str]) -> str:
        d, mo, y = int(m.group(1)), int(m.group(3)), int(m.group(4))
        if not (_valid_dm(d, mo) and _valid_year(y)):
            return m.group(0)
        return _date_words(d, mo, m.group(4), _prev_words(text, m.start(), 3))

    def month_year(m: re.Match[str]) -> str:
        mo, y = int(m.group(2)), int(m.group(3))
        if not (1 <= mo <= 12 and _valid_year(y)):
            return m.group(0)
        return f"{m.group(1)} {read_month(mo)} năm {read_number(y)}"

    def bare_month_year(m: re.Match[str]) -> str:
        mo, y = int(m.group(1)), int(m.group(2))
        if not (1 <= mo <= 12 and 1900 <= y <= 2100):
            return m.group(0)
        prev = _prev_words(text, m.start(), 1)
        lead = "" if prev and prev[-1] == "tháng" else "tháng "
        return f"{lead}{read_month(mo)} năm {read_number(y)}"

    def day_month(m: re.Match[str]) -> str:
        d, mo = int(m.group(1)), int(m.group(3))
        if not _valid_dm(d, mo) or not _has_date_cue(text, m.start(), m.end()):
            return m.group(0)
        return _date_words(d, mo, None, _prev_words(text, m.start(), 3))

    if "quý" in text or "Quý" in text or "QUÝ" in text:
        text = _QUARTER.sub(quarter, text)
    if "-" in text:
        # "(28/8/1945 - 28/8/2022)", "30/4 - 1/5": a span between two dates reads "đến".
        text = _DATE_SPAN.sub(date_span, text)
    text = _DAY_RANGE.sub(day_range, text)
    text = _FULL_DATE.sub(full, text)
    text = _MONTH_YEAR.sub(month_year, text)
    text = _BARE_MONTH_YEAR.sub(bare_month_year, text)
    text = _DAY_MONTH.sub(day_month, text)
    text = _MONTH.sub(
        lambda m: f"{m.group(1)} {read_month(int(m.group(2)))}"
        if 1 <= int(m.group(2)) <= 12 else m.group(0), text)
    return text


def _read_times(text: str) -> str:
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


# ------------------------------------------------------ 8. slashes: ratios and per-units

_RATIO_SIDE = r"\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:,\d+)?"
_RATIO = re.compile(r"(?<![\w.,/])(" + _RATIO_SIDE + r")/(" + _RATIO_SIDE + r")(?![\w/]|[.,]\d)")
_PER = re.compile(r"(?<=[^\W_%])/(" + _PER_ALT + r")(?![^\W_])")
_COMRADE = re.compile(r"(?<![\w/])[Đđ]/[Cc](?![\w])")
_WORD_SLASH = re.compile(r"(?<=[^\W\d_])/(?=[^\W\d_])")


def _read_slashes(text: str) -> str:
    if "/" not in text:
        return text

    def ratio(m: re.Match[str]) -> str:
        prev = _prev_words(text, m.start(), 1)
        nxt = _next_words(text, m.end(), 1)
        left, right = _read_num(m.group(1)), _read_num(m.group(2))
        plain = m.group(1).isdigit() and m.group(2).isdigit()
        if not plain or (prev and prev[-1] in _RATIO_PREV) or (nxt and nxt[0] in _COUNTED):
            return f"{left} trên {right}"
        a, b = int(m.group(1)), int(m.group(2))
        if 0 < a < b <= 10:
            return f"{left} phần {'tư' if b == 4 else right}"
        return f"{left} trên {right}"

    def word_slash(m: re.Match[str]) -> str:
        s = m.string
        i = m.start()
        left = re.search(r"[^\W_]+$", s[max(0, i - 30):i])
        right = re.match(r"[^\W_]+", s[i + 1:i + 31])
        lw = left.group(0) if left else ""
        rw = right.group(0) if right else ""
        # Acronym pairs (HIV/AIDS, BTC/BNN) are left to the abbreviation stage.
        if lw[-1:].isupper() and rw[:1].isupper():
            return "/"
        if rw.lower() == "đầu":
            return " trên "
        return ", "

    text = _COMRADE.sub(lambda m: "Đồng chí" if m.group(0)[0] == "Đ" else "đồng chí", text)
    text = _RATIO.sub(ratio, text)
    text = _PER.sub(lambda m: " một " + _UNITS.get(m.group(1), "giờ" if m.group(1) == "h"
                                                    else m.group(1)), text)
    return _WORD_SLASH.sub(word_slash, text)


# --------------------------------------- 9. units, currency, percent, ranges, negatives

_RANGE = re.compile(
    r"(?<![\w.,])(" + _NUM + r")(\s*%|\s+(?:nghìn|ngàn|triệu|tỷ|tỉ)(?:\s+đồng)?)?(\s*-\s*)"
    r"((?:dưới|trên|hơn|gần)\s+)?(?=(?:" + _NUM
    + r")(?![\d-]|[.,]\d))"
)
_SCORE_CUES = re.compile(r"\b(?:tỷ số|tỉ số|thắng|thua|hòa|gỡ)\b")
_NEGATIVE = re.compile(r"(?:(?<=^)|(?<=[\s(:\[]))-(?=\d)")
_PERCENT = re.compile(r"\s*%((?:/(?:" + _PER_ALT + r"))*)(?![^\W_])")
_UNIT = re.compile(r"(?<![^\W\d_])(" + _UNIT_ALT + r")((?:/(?:" + _PER_ALT + r"))*)(?![^\W_²³])")
# "35°C", "35 độ C", and "35oC" (a letter o typed for the degree sign).
_DEGREE_C = re.compile(r"(?:°\s?C|\bđộ\s+C|(?<=\d)\s?oC)(?![\w])")
_DOLLAR = re.compile(r"\$\s?(" + _NUM + r")(\s*(?:nghìn|ngàn|triệu|tỷ|tỉ))?")
_DOLLAR_AFTER = re.compile(r"(?<=\d)\s?\$")
_NUM_WORD_TAIL = re.compile(r"(?:\d|(?<![^\W_])(?:" + "|".join(_NUMBER_WORDS) + r"))\s*$")


def _per_chain(chain: str) -> str:
    out = []
    for unit in chain.split("/")[1:]:
        out.append("một " + _UNITS.get(unit, "giờ" if unit == "h" else unit))
    return (" " + " ".join(out)) if out else ""


def _read_quantities(text: str) -> str:
    def range_(m: re.Match[str]) -> str:
        # "kỳ họp thứ 21 - 22" is still a range; only a score ("tỷ số 2 - 0") keeps its dash.
        prev = " ".join(_prev_words(text, m.start(), 3))
        if _SCORE_CUES.search(prev) and not m.group(2):
            return m.group(1) + " - "
        middle = m.group(2) or ""
        if middle.strip() == "%":
            middle = " phần trăm"
        return m.group(1) + middle + " đến " + (m.group(4) or "")

    def negative(m: re.Match[str]) -> str:
        head = text[:m.start()].rstrip()
        if head and (head[-1].isdigit() or head[-1] == "%"):
            return m.group(0)
        return "âm "

    def unit(m: re.Match[str]) -> str:
        head = text[max(0, m.start() - 20):m.start()]
        u = m.group(1)
        if len(u) == 1 and not head.rstrip()[-1:].isdigit():
            # A one-letter unit needs digits right before it ("5 m", never "năm m", "%l").
            return m.group(0)
        if not _NUM_WORD_TAIL.search(head) or head.rstrip().endswith("phần trăm"):
            # Without a number before it, "m" or "g" is just a letter; "km/h" still reads.
            return m.group(0)
        return " " + _UNITS[u] + _per_chain(m.group(2))

    if "-" in text:
        text = _RANGE.sub(range_, text)
        text = _NEGATIVE.sub(negative, text)
    if "$" in text:
        text = _DOLLAR.sub(lambda m: f"{m.group(1)}{m.group(2) or ''} đô la Mỹ", text)
        text = _DOLLAR_AFTER.sub(" đô la Mỹ", text)
    text = _DEGREE_C.sub(" độ xê", text)
    if "%" in text:
        text = _PERCENT.sub(lambda m: " phần trăm" + _per_chain(m.group(1)), text)
    return _UNIT.sub(unit, text)


# ------------------------------------------------------------------ 10. Roman numerals

_ROMAN = re.compile(
    r"(?i:\b(" + _ROMAN_TRIGGERS + r"))(\s+)((?i:thứ)\s+)?([IVXL]+)(?![\w])"
)


def _read_romans(text: str) -> str:
    def repl(m: re.Match[str]) -> str:
        value = roman_to_int(m.group(4))
        if value is None or value > 50 or m.group(4) in ("L",):
            return m.group(0)
        if m.group(3):
            return m.group(1) + m.group(2) + m.group(3) + read_ordinal(value)
        return m.group(1) + m.group(2) + read_number(value)

    return _ROMAN.sub(repl, text)


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


def _contextual(token: str, s: str, start: int, end: int) -> str | None:
    """Choose the reading of an ambiguous abbreviation from its neighbours (spec §9.1)."""
    if token == "CP":
        prev = _prev_words(s, start, 2)
        if prev[-2:] == ["công", "ty"] or (prev and prev[-1] in ("ctcp",)):
            return "cổ phần"
        return None
    if token == "TT":
        nxt = _next_words(s, end, 1)
        if re.match(r"\s+(?:HĐND|UBND|Huyện ủy|Tỉnh ủy|Thành ủy|Đảng ủy|MTTQ)", s[end:end + 12]):
            return "thường trực"
        after = s[end:end + 3]
        if after.startswith("."):
            return "thị trấn"
        if nxt and nxt[0] not in _TRUNG_TAM_NEXT and re.match(r"\s+[A-ZĐÀ-Ỹ]", after):
            return "thị trấn"
        return "trung tâm"
    if token == "BCH":
        following = s[end:end + 24].lower()
        if re.match(r"\s*(quân sự|phòng|pctt|bộ đội|biên phòng)", following):
            return "ban chỉ huy"
        return None
    if token == "CN":
        prev = _prev_words(s, start, 4)
        if "thứ" in prev or "ngày" in prev:
            return "chủ nhật"
        return None
    if token == "ND":
        prev = _prev_words(s, start, 1)
        return "nông dân" if prev and prev[-1] == "hội" else "nhân dân"
    if token == "HS":
        prev = _prev_words(s, start, 1)
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


def _read_abbreviations(text: str, lexicon: Lexicon, learned: Learned) -> str:
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
        if (digits is None and token.isupper() and is_plain_syllable(token)
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
                    nxt = _next_words(s, m.end(), 1)
                    if token == "Y" and nxt and nxt[0] in _Y_WORDS:
                        spoken = "y"
                    elif token in _ADDRESS_NAMES and _is_address_abbreviation(s, m.start(),
                                                                              m.end()):
                        spoken = _ADDRESS_NAMES[token] + "\x00"
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


# ------------------------------------------------------------------ 12. plain numbers

_GLUED_LETTER = re.compile(r"(?<![\w.,])(\d+)([A-Za-zĐđ])(?![\w])")
_PLAIN_NUM = re.compile(r"(?<![\d])(" + _NUM + r")")


_ALNUM = re.compile(r"(?<![\w.,])(?=[^\W_]*[0-9])(?=[^\W_]*[^\W\d_])[^\W_]+(?![\w])")
_ALNUM_PIECE = re.compile(r"[0-9]+|[^\W\d_]+")


def _read_plain_numbers(text: str, lexicon: Lexicon) -> str:
    def glued(m: re.Match[str]) -> str:
        return read_integer_string(m.group(1)) + " " + _letter_name(m.group(2))

    def plain(m: re.Match[str]) -> str:
        token = m.group(1)
        if token.isdigit():
            prev = _prev_words(text, m.start(), 1)
            if prev and prev[-1] == "thứ" and len(token) <= 3:
                return read_ordinal(int(token))
        return _read_num(token)

    text = _GLUED_LETTER.sub(glued, text)
    text = _ALNUM.sub(lambda m: _read_alnum(m.group(0), lexicon), text)
    return _PLAIN_NUM.sub(plain, text)


def _read_alnum(token: str, lexicon: Lexicon) -> str:
    """Read a code-like token mixing letters and digits: 12A1, H5N1, 3B2, 2x3."""
    pieces = _ALNUM_PIECE.findall(token)
    out = []
    for i, piece in enumerate(pieces):
        if piece.isascii() and piece.isdigit():
            out.append(read_integer_string(piece))
        elif piece == "x" and 0 < i < len(pieces) - 1:
            out.append("nhân")
        else:
            entry = lexicon.exact(piece)
            out.append(entry.spoken if entry else spell_letters(piece))
    return " ".join(out)


# ------------------------------------------------------------------ 13. clean-up

_SPACES = re.compile(r"[ \t]+")
_SPACE_BEFORE_PUNCT = re.compile(r" +([,.;:!?)\]])")
_SPACE_AFTER_OPEN = re.compile(r"([(\[]) +")
_EMPTY_PARENS = re.compile(r"\(\s*\)|\[\s*\]")
_DOUBLE_COMMA = re.compile(r",(?:\s*,)+")
_COMMA_DOT = re.compile(r",\s*(?=[.;:!?])")
_LEFTOVER_DIGITS = re.compile(r"[0-9]+")
_LINE_LEAD = re.compile(r"^[,;:.\-\s]+")
# "14h30 - 16h": by clean-up time both sides are words, so a time span reads "đến".
_TIME_RANGE = re.compile(r"\b(giờ|phút)\s*-\s*(?=(?:(?:" + "|".join(sorted(_NUMBER_WORDS))
                         + r")\s+){1,6}giờ\b)")
_STRAY = re.compile(r"[/*+•]+")
_STRAY_READING = {"/": ", ", "+": " cộng "}


def _clean(text: str) -> str:
    text = text.replace("%", " phần trăm ")
    # Again at the end: a heading lowercased late ("OÀ" -> "oà") must follow the same style.
    text = _TONE_RE.sub(lambda m: _TONE_FIX[m.group(1)], text)
    # A slash left between spaced words ("Nông nghiệp / Thủy sản") is a pause.
    text = _STRAY.sub(lambda m: _STRAY_READING.get(m.group(0)[0], " "), text)
    text = _LEFTOVER_DIGITS.sub(lambda m: " " + read_digits(m.group(0)) + " ", text)
    if "giờ" in text:
        text = _TIME_RANGE.sub(lambda m: m.group(1) + " đến ", text)
    lines = []
    for line in text.split("\n"):
        line = _SPACES.sub(" ", line)
        while True:
            stripped = _EMPTY_PARENS.sub("", line)
            if stripped == line:
                break
            line = stripped
        line = _SPACE_AFTER_OPEN.sub(r"\1", line)
        line = _SPACE_BEFORE_PUNCT.sub(r"\1", line)
        line = _DOUBLE_COMMA.sub(",", line)
        line = _COMMA_DOT.sub("", line)
        line = _SPACES.sub(" ", line).strip()
        # A line may not open with a pause, a dash or a list mark (left over from bullets,
        # removed tags, or "I ." that only became "I." here).
        line = _LINE_LEAD.sub("", _BULLET.sub("", _LINE_LEAD.sub("", line)))
        lines.append(line)
    return "\n".join(lines).strip()


# ------------------------------------------------------------------ public API


def _normalize_one(text: str, lexicon: Lexicon, learned: Learned) -> str:
    text = _prepare(text)
    text = _strip_furniture(text, lexicon)
    text = _learn_definitions(text, lexicon, learned)
    text = _drop_spellouts(text)
    text = _read_codes(text, lexicon)
    text = _read_phones_roads(text)
    text = _read_dates(text)
    text = _read_times(text)
    text = _read_slashes(text)
    text = _read_quantities(text)
    text = _read_romans(text)
    text = _read_abbreviations(text, lexicon, learned)
    text = _read_plain_numbers(text, lexicon)
    return _clean(text)


def normalize_text(text: str, lexicon: Lexicon | None = None) -> str:
    """Return one standalone text as fully speakable Vietnamese words."""
    lex = lexicon if lexicon is not None else load_lexicon()
    return _normalize_one(text, lex, {})


def normalize_texts(texts: list[str], lexicon: Lexicon | None = None) -> list[str]:
    """Normalize the texts of one article in reading order; definitions carry forward."""
    lex = lexicon if lexicon is not None else load_lexicon()
    learned: Learned = {}
    return [_normalize_one(t, lex, learned) for t in texts]
