"""Which reading an ambiguous abbreviation takes, chosen by its neighbours (spec §9.1, §13.7).

SENSES is the table an editor reads and extends: for each written form, the readings in the
order they are tried. A reading applies when every condition given on its row holds; a row
without conditions is the default. A form whose rows all fail falls back to the lexicon.

Conditions (all optional):
  before       one of these words (lowercase) is among the last `span` words before the term
  phrase       the words right before the term are exactly these
  before_text  a regex that must match the text right before the term (searched at its end)
  after        a regex that must match the text right after the term
  not_next     the first word after the term is not one of these
  name_after   a dot and a full name follow: "CN. Lê Thị Hoa"
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .rules_context import TRUNG_TAM_NEXT, next_words, prev_words


@dataclass(frozen=True)
class Sense:
    """One reading of an abbreviation and the context in which it applies."""

    reading: str
    before: frozenset[str] = frozenset()
    span: int = 1
    phrase: tuple[str, ...] = ()
    before_text: str = ""
    after: str = ""
    not_next: frozenset[str] = frozenset()
    name_after: bool = False
    _compiled: dict[str, re.Pattern[str]] = field(default_factory=dict, compare=False,
                                                  repr=False)

    def _re(self, pattern: str) -> re.Pattern[str]:
        rx = self._compiled.get(pattern)
        if rx is None:
            rx = self._compiled[pattern] = re.compile(pattern)
        return rx

    def applies(self, s: str, start: int, end: int) -> bool:
        """Return True if this reading fits the term at s[start:end]."""
        if self.before:
            prev = prev_words(s, start, self.span)
            if not self.before.intersection(prev):
                return False
        if self.phrase and prev_words(s, start, len(self.phrase)) != list(self.phrase):
            return False
        if self.before_text and not self._re(self.before_text + r"\Z").search(
                s[max(0, start - 40):start]):
            return False
        if self.after and not self._re(self.after).match(s, end, min(len(s), end + 40)):
            return False
        if self.name_after and not name_follows(s, end):
            return False
        if self.not_next:
            nxt = next_words(s, end, 1)
            if nxt and nxt[0] in self.not_next:
                return False
        return True


_NAME_AFTER_DOT = re.compile(r"\.\s*([^\W\d_]+)\s+([^\W\d_]+)")


def name_follows(s: str, end: int) -> bool:
    """Return True if a dot and two capitalised words ("TS. Nguyễn Văn…") follow position end."""
    m = _NAME_AFTER_DOT.match(s, end, end + 40)
    return m is not None and m.group(1)[0].isupper() and m.group(2)[0].isupper()


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# "sáng CN", "8h CN" (already "tám giờ" here), "thứ Bảy, CN", "T7 và CN".
_WEEK_BEFORE = _words("sáng chiều tối trưa đêm ngày các mỗi vào hàng từ đến giờ phút tới sang "
                      "nghỉ")
_WEEKDAY_TEXT = r"(?:\bT[2-7]|\bCN|\b[Tt]hứ [^\W\d_]+|\b[Cc]hủ nhật)\s*(?:,|-|đến|và|hoặc|tới)?\s*"
# A weekday a few words earlier in the same clause: "từ T2 đến T7, nghỉ CN".
_WEEKDAY_NEAR = (r"(?:\bT[2-7]\b|\b[Tt]hứ (?:[Hh]ai|[Bb]a|[Tt]ư|[Nn]ăm|[Ss]áu|[Bb]ảy)\b)"
                 r"[^.;:\n]{0,30}")
_WEEKDAY_NEXT = r"\s*(?:,|-|đến|và|hoặc|tới)\s*(?:T[2-7]|CN)\b"
_DEPARTMENT_BEFORE = _words("sở bộ phòng ngành")


def _weekday(n: str) -> list[Sense]:
    """"T2"…"T7" in a schedule are weekdays; elsewhere (tầng, tháng, tổ) they are spelled."""
    reading = "thứ " + n
    return [Sense(reading, before=_WEEK_BEFORE), Sense(reading, before_text=_WEEKDAY_TEXT),
            Sense(reading, after=_WEEKDAY_NEXT), Sense(reading, after=r"\s+hàng tuần\b")]


SENSES: dict[str, list[Sense]] = {
    "CP": [Sense("cổ phần", phrase=("công", "ty")), Sense("cổ phần", before=_words("ctcp"))],
    "TT": [
        Sense("thông tin", before=_DEPARTMENT_BEFORE),
        Sense("thường trực",
              after=r"\s+(?:HĐND|UBND|Huyện ủy|Tỉnh ủy|Thành ủy|Đảng ủy|MTTQ)"),
        Sense("thị trấn", after=r"\."),
        Sense("thị trấn", after=r"\s+[A-ZĐÀ-Ỹ]", not_next=frozenset(TRUNG_TAM_NEXT)),
        Sense("trung tâm"),
    ],
    "BCH": [Sense("ban chỉ huy",
                  after=r"(?i)\s*(?:quân sự|phòng|pctt|bộ đội|biên phòng)")],
    "CN": [
        Sense("công nghiệp", before=_words("khu cụm ngành kcn")),
        Sense("chủ nhật", before=_WEEK_BEFORE),
        Sense("chủ nhật", before=_words("thứ ngày"), span=4),
        Sense("chủ nhật", before_text=_WEEKDAY_TEXT),
        Sense("chủ nhật", before_text=_WEEKDAY_NEAR),
        Sense("chủ nhật", after=r"\s*(?:,\s*)?(?:ngày\b|mùng\b|tuần\b|hàng tuần\b|này\b|tới\b)"),
        # "ngày 15/6 (CN)": already read as "… tháng sáu (CN)".
        Sense("chủ nhật", before_text=r"\btháng [^\W\d_]+(?: [^\W\d_]+){0,6}\s*[(,]\s*"),
        # A degree: "CN. Nguyễn Văn A", "thạc sĩ, CN kinh tế".
        Sense("cử nhân", name_after=True),
        Sense("cử nhân", before=_words("bằng thạc tiến sĩ sư"), span=2),
    ],
    "ND": [Sense("nông dân", before=_words("hội")), Sense("nhân dân")],
    "HS": [Sense("hồ sơ", before=_words("nộp nhận quyết trả lý xử"))],
    **{f"T{n}": _weekday(word) for n, word in
       ((2, "hai"), (3, "ba"), (4, "tư"), (5, "năm"), (6, "sáu"), (7, "bảy"))},
}

# "Sở CT" is the trade department, "Sở TP" justice: not chỉ thị, thành phố.
_DEPARTMENTS = {"CT": "công thương", "TP": "tư pháp", "TC": "tài chính", "NV": "nội vụ",
                "XD": "xây dựng", "YT": "y tế", "GD": "giáo dục", "NN": "nông nghiệp",
                "KH": "kế hoạch", "VH": "văn hóa", "KT": "kinh tế"}
for _term, _reading in _DEPARTMENTS.items():
    SENSES.setdefault(_term, []).insert(0, Sense(_reading, before=_DEPARTMENT_BEFORE))


def choose_sense(term: str, s: str, start: int, end: int) -> str | None:
    """Return the reading of `term` at s[start:end] chosen by context, or None (use lexicon)."""
    for sense in SENSES.get(term, ()):
        if sense.applies(s, start, end):
            return sense.reading
    return None
