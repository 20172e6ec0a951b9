"""Property-based checks: totality, no digits left, idempotence, numbers read back exactly."""

from __future__ import annotations

import re
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bantin_audio.speech.normalize import normalize_text
from bantin_audio.speech.numbers import read_number
from tests.speech.vi_number_words import NotANumber, parse_vietnamese_number

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Pieces of the kind of text the normalizer meets, so random sentences reach its rules.
_PIECES = st.sampled_from([
    "UBND", "HĐND", "GPMB", "(GPMB)", "giải phóng mặt bằng", "OCOP", "KT-XH", "TP.", "Hà Nội",
    "ngày", "tháng", "năm", "quý", "khóa", "lần thứ", "thứ", "XV", "IV", "I", "số", "Nghị định",
    "/", "-", "–", ".", ",", ";", ":", "(", ")", "%", "&", "./.", "+", "Km", "ha", "km", "m2",
    "đồng/kg", "tỉnh/thành", "xã", "trường", "tiêu chí", "sáng", "chiều", "h", "giờ", "'",
    "NĐ-CP", "QĐ-UBND", "NQ/TW", "USD", "°C", "độ C", "$", "\n", "- ", "• ", "ABC", "XYZW",
    "Covid-19", "mười", "(mười)", "07", "2021", "10/1/2020", "18/32", "32,29", "1.250.000",
    # second edition: contacts, addresses, symbols, schedules, formulas, labels
    "(0236)", "3.556.201", "+84", "SĐT", "CCCD", "0012345678901", "ab@xa.gov.vn", "www.so.vn",
    "https://a.vn/b-c", "≥", "≤", ">", "<", "±", "~", "≈", "×", "=", "T2", "T7", "CN", "NPK",
    "20-20-15", "1:25.000", "tỷ lệ", "Web", "2.0", "36B-456.78", "điểm", "c", "nhóm", "B", "a)",
    "đ/hộ/tháng", "g/10", "lít",
])
_NUMBERISH = st.from_regex(r"-?[0-9]{1,13}([.,/:h-][0-9]{1,4}){0,3}%?", fullmatch=True)
_DOMAIN_TEXT = st.lists(st.one_of(_PIECES, _NUMBERISH), max_size=12).map(" ".join)


@FAST
@given(st.text(max_size=200))
def test_any_unicode_input_returns_text_without_ascii_digits(text: str) -> None:
    out = normalize_text(text)
    assert isinstance(out, str)
    assert not re.search(r"[0-9]", out)


@FAST
@given(_DOMAIN_TEXT)
def test_domain_text_leaves_no_digit(text: str) -> None:
    assert not re.search(r"[0-9]", normalize_text(text))


@FAST
@given(_DOMAIN_TEXT)
def test_normalizing_twice_equals_once(text: str) -> None:
    once = normalize_text(text)
    assert normalize_text(once) == once


_VI_WORDS = st.sampled_from([
    "Ủy", "ban", "nhân", "dân", "huyện", "Bạch", "Thông", "họp", "ngày", "đạt", "trường", "xã",
    "HỌP", "PHIÊN", "THƯỜNG", "KỲ", "VỀ", "VIỆC", "Đảng", "bộ", "lần", "thứ", "khóa", "quý",
])
_ACRONYMS = st.from_regex(r"[A-ZĐ]{1,5}", fullmatch=True)
_SENTENCE = st.lists(st.one_of(_VI_WORDS, _ACRONYMS, _NUMBERISH, _PIECES), max_size=14).map(
    lambda words: " ".join(words))


@FAST
@given(_SENTENCE)
def test_normalizing_twice_equals_once_on_mixed_sentences(text: str) -> None:
    once = normalize_text(text)
    assert normalize_text(once) == once


@FAST
@given(st.integers(min_value=0, max_value=10**12))
def test_every_integer_reads_back(n: int) -> None:
    assert parse_vietnamese_number(read_number(n)) == n


@FAST
@given(st.integers(min_value=0, max_value=10**12))
def test_integers_written_with_thousand_dots_read_back(n: int) -> None:
    written = f"{n:,}".replace(",", ".")
    assert parse_vietnamese_number(normalize_text(written)) == n


@FAST
@given(st.integers(min_value=0, max_value=10**9), st.integers(min_value=1, max_value=3),
       st.data())
def test_decimals_with_up_to_three_places_read_back(whole: int, places: int,
                                                    data: st.DataObject) -> None:
    frac = data.draw(st.integers(min_value=0, max_value=10**places - 1))
    frac_digits = f"{frac:0{places}d}"
    written = f"{whole},{frac_digits}"
    assert parse_vietnamese_number(normalize_text(written)) == Decimal(f"{whole}.{frac_digits}")


@FAST
@given(st.integers(min_value=1, max_value=10**6))
def test_negative_numbers_read_back(n: int) -> None:
    assert parse_vietnamese_number(normalize_text(f"-{n}")) == -n


def test_parser_rejects_forbidden_readings() -> None:
    # The helper must be able to fail, or the read-back tests above prove nothing.
    for wrong in ("mười mốt", "hai mươi năm", "một trăm linh lăm", "hai nghìn hai mươi",
                  "một triệu không nghìn không trăm linh một", "mười tư"):
        try:
            parse_vietnamese_number(wrong)
        except NotANumber:
            continue
        raise AssertionError(f"parser accepted {wrong!r}")
