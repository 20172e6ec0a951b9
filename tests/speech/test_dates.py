"""Dates, quarters and times, and how d/m, d-m and d.m are told apart (spec §3, §6.1)."""

from __future__ import annotations

import pytest

from bantin_audio.speech.normalize import normalize_text

DATES = [
    ("Hạn chót là 30/6/2025.", "Hạn chót là ngày ba mươi tháng sáu năm hai nghìn không trăm hai "
     "mươi lăm."),
    ("ngày 05/4/2023", "ngày mùng năm tháng tư năm hai nghìn không trăm hai mươi ba"),
    ("Hội nghị ngày 19-12-2022", "Hội nghị ngày mười chín tháng mười hai năm hai nghìn không trăm "
     "hai mươi hai"),
    ("Trưa 2-9, đoàn về", "Trưa ngày mùng hai tháng chín, đoàn về"),
    ("Ngày 14.2 khai mạc", "Ngày mười bốn tháng hai khai mạc"),
    ("Tối qua 16/11, mưa lớn", "Tối qua ngày mười sáu tháng mười một, mưa lớn"),
    ("Lễ hội mở (15/3)", "Lễ hội mở (ngày mười lăm tháng ba)"),
    ("Thái Bình (VOV 3/5) Mưa đá", "Thái Bình (vê ô vê ngày mùng ba tháng năm) Mưa đá"),
    ("hết tháng 9/2023", "hết tháng chín năm hai nghìn không trăm hai mươi ba"),
    ("từ tháng 11-2019", "từ tháng mười một năm hai nghìn không trăm mười chín"),
    ("kế hoạch (12/2026)", "kế hoạch (tháng mười hai năm hai nghìn không trăm hai mươi sáu)"),
    ("trong quý II/2024", "trong quý hai năm hai nghìn không trăm hai mươi tư"),
    ("quý 3/2021", "quý ba năm hai nghìn không trăm hai mươi mốt"),
    ("ngày 3 tháng 4 năm 2022", "ngày ba tháng tư năm hai nghìn không trăm hai mươi hai"),
    ("tháng 01 và tháng 12", "tháng một và tháng mười hai"),
    ("tháng 5 năm 2021", "tháng năm năm hai nghìn không trăm hai mươi mốt"),
    ("từ ngày 2 - 8.5", "từ ngày mùng hai đến ngày mùng tám tháng năm"),
    ("Từ ngày 21 - 25/12/2023", "Từ ngày hai mươi mốt đến ngày hai mươi lăm tháng mười hai năm hai "
     "nghìn không trăm hai mươi ba"),
    ("rằm 15/8 âm lịch", "rằm ngày mười lăm tháng tám âm lịch"),
    ("Chủ nhật 9/6 nghỉ", "Chủ nhật ngày mùng chín tháng sáu nghỉ"),
    ("mừng Quốc khánh 2/9", "mừng Quốc khánh ngày mùng hai tháng chín"),
    ("nghỉ dịp 30/4 - 1/5", "nghỉ dịp ngày ba mươi tháng tư đến ngày mùng một tháng năm"),
    ("(2/9/1945 - 2/9/2025)", "(ngày mùng hai tháng chín năm một nghìn chín trăm bốn mươi lăm đến "
     "ngày mùng hai tháng chín năm hai nghìn không trăm hai mươi lăm)"),
    ("ngày chủ nhật 8/6", "ngày chủ nhật mùng tám tháng sáu"),
    ("từ ngày 3/10 đến 17/10", "từ ngày mùng ba tháng mười đến ngày mười bảy tháng mười"),
    ("ngày 6 và 7/12", "ngày sáu và ngày mùng bảy tháng mười hai"),
    ("có hiệu lực từ 1/7", "có hiệu lực từ ngày mùng một tháng bảy"),
    ("họp hai ngày (18 - 19/12)", "họp hai ngày (ngày mười tám đến ngày mười chín tháng mười hai)"),
    ("từ 3 - 5/9 diễn ra", "từ ngày mùng ba đến ngày mùng năm tháng chín diễn ra"),
    ("nộp trước 15/9.", "nộp trước ngày mười lăm tháng chín."),
]


@pytest.mark.parametrize(("text", "spoken"), DATES)
def test_dates(text: str, spoken: str) -> None:
    assert normalize_text(text) == spoken


NOT_DATES = [
    # A counted noun after d/m makes it a ratio; "-" with no date cue is a range.
    ("có 9/12 xã về đích", "có chín trên mười hai xã về đích"),
    ("trẻ từ 6-10 tuổi", "trẻ từ sáu đến mười tuổi"),
    ("tăng 3.5 lần", "tăng ba phẩy năm lần"),
    ("đạt 31/31 chỉ tiêu", "đạt ba mươi mốt trên ba mươi mốt chỉ tiêu"),
    ("ngày 40/2", "ngày bốn mươi trên hai"),
    ("tăng từ 1/3 lên 1/2 số hộ", "tăng từ một phần ba lên một phần hai số hộ"),
    ("từ 2/5 số xã", "từ hai phần năm số xã"),
]


@pytest.mark.parametrize(("text", "spoken"), NOT_DATES)
def test_not_dates(text: str, spoken: str) -> None:
    assert normalize_text(text) == spoken


TIMES = [
    ("lúc 9h15", "lúc chín giờ mười lăm phút"),
    ("từ 13h30' đến 17h00'", "từ mười ba giờ ba mươi phút đến mười bảy giờ"),
    ("khai mạc 07h00", "khai mạc bảy giờ"),
    ("20:05 tối", "hai mươi giờ năm phút tối"),
    ("10 giờ 00 phút", "mười giờ"),
    ("16h45: Đoàn về", "mười sáu giờ bốn mươi lăm phút: Đoàn về"),
    ("kéo dài 48h", "kéo dài bốn mươi tám giờ"),
    ("mở cửa 7h30 - 11h", "mở cửa bảy giờ ba mươi phút đến mười một giờ"),
    ("từ 13 giờ - 17 giờ", "từ mười ba giờ đến mười bảy giờ"),
]


@pytest.mark.parametrize(("text", "spoken"), TIMES)
def test_times(text: str, spoken: str) -> None:
    assert normalize_text(text) == spoken


def test_month_four_is_tu_and_both_nam_are_spoken() -> None:
    out = normalize_text("từ tháng 4/2020 đến tháng 5/2022")
    assert "tháng tư năm" in out
    assert "tháng bốn" not in out
    assert "tháng năm năm hai nghìn" in out
