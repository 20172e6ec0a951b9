"""Cardinals, decimals, digit strings, ordinals and Roman numerals (spec §1, §2, §6.3, §8)."""

from __future__ import annotations

import pytest

from bantin_audio.speech.normalize import normalize_text
from bantin_audio.speech.numbers import (
    int_to_roman,
    read_decimal,
    read_digits,
    read_number,
    read_ordinal,
    roman_to_int,
)

CARDINALS = [
    (0, "không"),
    (7, "bảy"),
    (10, "mười"),
    (11, "mười một"),
    (14, "mười bốn"),
    (15, "mười lăm"),
    (20, "hai mươi"),
    (31, "ba mươi mốt"),
    (44, "bốn mươi tư"),
    (55, "năm mươi lăm"),
    (90, "chín mươi"),
    (100, "một trăm"),
    (102, "một trăm linh hai"),
    (105, "một trăm linh năm"),
    (110, "một trăm mười"),
    (215, "hai trăm mười lăm"),
    (1000, "một nghìn"),
    (1009, "một nghìn không trăm linh chín"),
    (1050, "một nghìn không trăm năm mươi"),
    (1996, "một nghìn chín trăm chín mươi sáu"),
    (2000, "hai nghìn"),
    (2019, "hai nghìn không trăm mười chín"),
    (2024, "hai nghìn không trăm hai mươi tư"),
    (7013, "bảy nghìn không trăm mười ba"),
    (40_000, "bốn mươi nghìn"),
    (305_000, "ba trăm linh năm nghìn"),
    (4_000_600, "bốn triệu sáu trăm"),
    (9_000_002, "chín triệu không trăm linh hai"),
    (3_000_000_000, "ba tỷ"),
    (7_004_000_000, "bảy tỷ không trăm linh bốn triệu"),
    (1_000_000_000_000, "một nghìn tỷ"),
    (-8, "âm tám"),
]


@pytest.mark.parametrize(("n", "words"), CARDINALS)
def test_cardinal(n: int, words: str) -> None:
    assert read_number(n) == words


@pytest.mark.parametrize(("n", "forbidden"), [
    (11, "mốt"), (14, "tư"), (105, "lăm"), (25, "mươi năm"), (2020, "lẻ"),
    (1_000_001, "không nghìn"),
])
def test_forbidden_forms_never_appear(n: int, forbidden: str) -> None:
    assert forbidden not in read_number(n)


@pytest.mark.parametrize(("whole", "frac", "words"), [
    ("27", "35", "hai mươi bảy phẩy ba mươi lăm"),
    ("8", "04", "tám phẩy không bốn"),
    ("0", "5", "không phẩy năm"),
    ("0", "007", "không phẩy không không bảy"),
    ("3", "250", "ba phẩy hai trăm năm mươi"),
    ("41", "", "bốn mươi mốt"),
])
def test_decimal(whole: str, frac: str, words: str) -> None:
    assert read_decimal(whole, frac) == words


def test_digits_keep_leading_zeros() -> None:
    assert read_digits("0209") == "không hai không chín"


@pytest.mark.parametrize(("n", "words"), [(1, "nhất"), (4, "tư"), (2, "hai"), (14, "mười bốn"),
                                          (24, "hai mươi tư")])
def test_ordinal(n: int, words: str) -> None:
    assert read_ordinal(n) == words


@pytest.mark.parametrize(("token", "value"), [("I", 1), ("IV", 4), ("IX", 9), ("XIV", 14),
                                              ("XVIII", 18), ("XL", 40), ("XXI", 21)])
def test_roman_values(token: str, value: int) -> None:
    assert roman_to_int(token) == value
    assert int_to_roman(value) == token


@pytest.mark.parametrize("token", ["IIII", "VX", "IL", "ABC", "", "VV"])
def test_non_canonical_roman_rejected(token: str) -> None:
    assert roman_to_int(token) is None


@pytest.mark.parametrize(("text", "spoken"), [
    ("Kho có 4.250.000 tấn", "Kho có bốn triệu hai trăm năm mươi nghìn tấn"),
    ("vốn 2,075 tỷ USD", "vốn hai phẩy không bảy mươi lăm tỷ đô la Mỹ"),
    ("đạt 8.420,5 tỷ đồng", "đạt tám nghìn bốn trăm hai mươi phẩy năm tỷ đồng"),
    ("có 06 hồ sơ và 09 ý kiến", "có sáu hồ sơ và chín ý kiến"),
    ("tăng 2.5 lần", "tăng hai phẩy năm lần"),
    ("từ năm 2005", "từ năm hai nghìn không trăm linh năm"),
    ("hạng 4 sao", "hạng bốn sao"),
    ("giải thứ 4 và thứ 1", "giải thứ tư và thứ nhất"),
    ("Kỳ họp thứ 21 - kỳ họp chuyên đề", "Kỳ họp thứ hai mươi mốt - kỳ họp chuyên đề"),
])
def test_numbers_in_text(text: str, spoken: str) -> None:
    assert normalize_text(text) == spoken
