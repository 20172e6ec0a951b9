"""Shared word lists and context helpers for the normalizer rules."""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

from .lexicon import parse_entries
from .numbers import (
    read_decimal,
    read_integer_string,
)
from .rules_letters import LETTER_NAMES

Learned = dict[str, str]

# Number tokens, Vietnamese style: dot = thousands, comma = decimal (spec §2.1).
NUM = r"\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+,\d+|\d+\.\d{1,2}(?![\d])|\d+"

# ---------------------------------------------------------------------------------- data


@lru_cache(maxsize=1)
def code_parts() -> dict[str, str]:
    """Return the document-code part table (NĐ, CP, QĐ, ...), read once."""
    text = (resources.files("bantin_audio.speech") / "data" / "code_parts.tsv").read_text(
        encoding="utf-8")
    return {e.term: e.spoken for e in parse_entries(text, "code_parts.tsv")}


UNITS = {
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
UNIT_ALT = "|".join(sorted((re.escape(u) for u in UNITS), key=len, reverse=True))
PER_ALT = "|".join(sorted((re.escape(u) for u in _PER_WORDS | set(UNITS)), key=len,
                           reverse=True))
NUMBER_WORDS = {
    "không", "một", "mốt", "hai", "ba", "bốn", "tư", "năm", "lăm", "sáu", "bảy", "tám", "chín",
    "mười", "mươi", "trăm", "linh", "lẻ", "nghìn", "ngàn", "triệu", "tỷ", "tỉ", "chục", "phẩy",
    "nửa", "rưỡi", "vạn",
}
# A "d/m" or "d-m" is a date after these words (spec §3.2).
DATE_CUES = {"ngày", "sáng", "chiều", "tối", "trưa", "đêm", "hôm", "mùng", "mồng", "khuya",
              "rạng", "hạn", "khánh", "dịp", "lễ"}
DATE_CUES_SOFT = {"nay", "qua", "mai", "sớm", "muộn"}
WEEKDAYS = {"hai", "ba", "tư", "năm", "sáu", "bảy", "nhật"}
# First words of counted nouns: "18/32 trường" is a ratio, read "trên" (spec §4 rule 4).
COUNTED = {
    "tiêu", "xã", "hộ", "trường", "đại", "chỉ", "tỉnh", "địa", "huyện", "thôn", "bản", "đơn",
    "phường", "thị", "học", "người", "lớp", "sản", "dự", "cơ", "doanh", "hợp", "trạm", "phiếu",
    "nhiệm", "ý", "công", "tuyến", "điểm", "thành", "bệnh", "ca", "lượt", "cán", "đảng", "chi",
    "tổ", "khu", "làng", "ấp", "buôn", "xóm", "cụm", "ngành", "nội", "vụ", "cuộc", "thủ", "văn",
    "câu", "bài", "đội", "nhóm", "cử", "quận", "phòng", "sở", "ban", "mô", "mục", "hồ", "thí",
    "trận", "ngày", "tháng", "năm", "giải", "huy", "hạng", "mẫu", "nước", "quốc", "lãnh",
    "tập", "gia", "chương", "tiết", "bộ",
}
RATIO_PREV = {"đạt", "có", "thứ", "được", "là", "xếp", "hạng", "số", "ngõ", "ngách", "hẻm",
               "kiệt", "nhà"}
SOURCE_TAGS = {"TTO", "PLO", "VOV", "VTV", "TTXVN", "VNA", "QĐND", "NLĐO", "SGGP", "GDVN",
                "VTC", "ANTĐ", "HNM", "TN", "TP", "ND", "NLĐ", "CAND", "VOH", "VTC News",
                "Chinhphu.vn", "VnExpress", "Dân trí", "Báo ảnh", "baochinhphu.vn"}
SKIPPABLE_IN_DEFINITION = {"và", "của", "các", "những", "cho", "về", "với", "trong", "-", "&"}
# Nouns that follow "TT" when it means "trung tâm" rather than "thị trấn".
TRUNG_TAM_NEXT = {"y", "văn", "dịch", "hành", "giáo", "phát", "kiểm", "khuyến", "truyền",
                   "công", "thông", "chính", "điều", "hội", "bảo", "nước", "quan", "kỹ",
                   "huấn", "giám", "thương", "đào", "xúc", "phục", "nghiên", "trợ"}

ROMAN_TRIGGERS = (
    r"khóa|khoá|đại hội(?: đại biểu)?(?: đảng bộ| đảng| đoàn| hội)?(?: [^\W\d_]+)?|"
    r"hội nghị(?: trung ương| ban chấp hành trung ương)?|thế kỷ|thế kỉ|quý|chương|phần|mục|"
    r"phụ lục|khu vực|vùng|quân khu|quân đoàn|giai đoạn|đợt|hạng|loại|cấp độ|cấp|kỳ họp|"
    r"kì họp|lần|tập|bậc|nhóm|điều|khối"
)


# ------------------------------------------------------------------------ small helpers

_WORD_RE = re.compile(r"[^\W_]+")


def prev_words(s: str, pos: int, n: int = 2) -> list[str]:
    """Return the last n words before pos, lowercased (punctuation ignored)."""
    return [w.lower() for w in _WORD_RE.findall(s[max(0, pos - 60):pos])[-n:]]


def next_words(s: str, pos: int, n: int = 1) -> list[str]:
    """Return the first n words after pos, lowercased."""
    return [w.lower() for w in _WORD_RE.findall(s[pos:pos + 60])[:n]]


def mentions(low: str, keys: tuple[str, ...]) -> bool:
    """Return True if the lowercased text contains any key: a cheap gate before a costly rule."""
    return any(k in low for k in keys)


def read_num(token: str) -> str:
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


def letter_name(c: str) -> str:
    """Return the letter name of one letter (lowercase letters too: 30a -> a)."""
    return LETTER_NAMES.get(c.upper(), c.lower())
