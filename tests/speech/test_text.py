"""Units, currency, percentages, ranges, negatives, punctuation and article furniture."""

from __future__ import annotations

import pytest

from bantin_audio.speech.normalize import normalize_text, normalize_texts

QUANTITIES = [
    ("rộng 12,5 ha", "rộng mười hai phẩy năm héc ta"),
    ("dài 3km", "dài ba ki lô mét"),
    ("cao 2,4m", "cao hai phẩy bốn mét"),
    ("150 m2 sàn", "một trăm năm mươi mét vuông sàn"),
    ("300 m³ nước", "ba trăm mét khối nước"),
    ("mật độ 210 người/km²", "mật độ hai trăm mười người một ki lô mét vuông"),
    ("bón 40 kg phân", "bón bốn mươi ki lô gam phân"),
    ("chạy 60 km/h", "chạy sáu mươi ki lô mét một giờ"),
    ("công suất 50 MW", "công suất năm mươi mê ga oát"),
    ("giá 2.100 đ/kWh", "giá hai nghìn một trăm đồng một ki lô oát giờ"),
    ("nhiệt độ 35°C", "nhiệt độ ba mươi lăm độ xê"),
    ("nghiêng 30°", "nghiêng ba mươi độ"),
    ("rét -3 độ C", "rét âm ba độ xê"),
    ("giảm (-2,15%)", "giảm (âm hai phẩy mười lăm phần trăm)"),
    ("đạt 7,5%", "đạt bảy phẩy năm phần trăm"),
    ("tăng 3-4,5%", "tăng ba đến bốn phẩy năm phần trăm"),
    ("tăng 8%-10%", "tăng tám phần trăm đến mười phần trăm"),
    ("giá 15.000 - 18.000 đồng", "giá mười lăm nghìn đến mười tám nghìn đồng"),
    ("hơn 300 triệu USD", "hơn ba trăm triệu đô la Mỹ"),
    ("1.200.000 VNĐ", "một triệu hai trăm nghìn đồng"),
    ("lương 7 tr.đ", "lương bảy triệu đồng"),
    ("khoảng $20 tỷ", "khoảng hai mươi tỷ đô la Mỹ"),
    ("giá 30 €", "giá ba mươi ơ rô"),
    ("mưa 70-120mm", "mưa bảy mươi đến một trăm hai mươi mi li mét"),
    ("vốn 1,2 tỷ - 1,5 tỷ đồng", "vốn một phẩy hai tỷ đến một phẩy năm tỷ đồng"),
    ("đội thắng với tỷ số 3 - 1", "đội thắng với tỷ số ba - một"),
    ("học sinh lớp 10A2", "học sinh lớp mười a hai"),
    ("virus H5N1", "virus hát năm nờ một"),
    ("đội tuyển U19", "đội tuyển U mười chín"),
    ("ảnh cỡ 3x4", "ảnh cỡ ba nhân bốn"),
    ("giai đoạn 2026-2030", "giai đoạn hai nghìn không trăm hai mươi sáu đến hai nghìn không "
     "trăm ba mươi"),
    ("từ 16 - dưới 60 tuổi", "từ mười sáu đến dưới sáu mươi tuổi"),
    ("xe 16 chỗ - loại mới", "xe mười sáu chỗ - loại mới"),
    ("a m và g", "a m và g"),
    ("cách mạng công nghiệp 4.0", "cách mạng công nghiệp bốn chấm không"),
]


@pytest.mark.parametrize(("text", "spoken"), QUANTITIES)
def test_quantities(text: str, spoken: str) -> None:
    assert normalize_text(text) == spoken


FURNITURE = [
    ("Hội nghị kết thúc tốt đẹp./.", "Hội nghị kết thúc tốt đẹp."),
    ("- Tăng cường tuyên truyền;", "Tăng cường tuyên truyền;"),
    ("+ Rà soát hộ nghèo", "Rà soát hộ nghèo"),
    ("• Cập nhật thông tin", "Cập nhật thông tin"),
    ("3. Giải pháp chủ yếu", "Giải pháp chủ yếu"),
    ("b) Về xây dựng Đảng", "Về xây dựng Đảng"),
    ("II. NHIỆM VỤ TRỌNG TÂM", "Nhiệm vụ trọng tâm"),
    ("TTO - Sáng 3/4, tỉnh họp.", "Sáng ngày mùng ba tháng tư, tỉnh họp."),
    ("Đoàn đã về thăm (TTXVN)", "Đoàn đã về thăm"),
    ("kinh tế-xã hội, Bắc – Nam", "kinh tế-xã hội, Bắc - Nam"),
    ("Thật bất ngờ… nhưng vui", "Thật bất ngờ... nhưng vui"),
    ("rau, củ, quả v.v... đều tăng", "rau, củ, quả vân vân đều tăng"),
    ("hoa, quả v.v, đều tăng", "hoa, quả vân vân, đều tăng"),
    # inside an address "v.v" is two labels, never "vân vân"
    ("Gửi về a@v.v.gov.vn nhé.", "Gửi về a a còng vê chấm vê chấm giê o vê chấm vê nờ nhé."),
    ("Gửi về v.v@a.vn nhé.", "Gửi về vê chấm vê a còng a chấm vê nờ nhé."),
    ("Sở KH&ĐT và Sở Tài chính & Kế hoạch", "Sở kế hoạch và đầu tư và Sở Tài chính và Kế hoạch"),
]


@pytest.mark.parametrize(("text", "spoken"), FURNITURE)
def test_furniture_and_punctuation(text: str, spoken: str) -> None:
    assert normalize_text(text) == spoken


def test_pause_punctuation_is_kept() -> None:
    out = normalize_text("Năm 2023, huyện có 5 xã; 2 thị trấn: tốt! Vậy sao?")
    assert out == ("Năm hai nghìn không trăm hai mươi ba, huyện có năm xã; hai thị trấn: tốt! "
                   "Vậy sao?")


def test_tone_marks_follow_one_style() -> None:
    assert normalize_text("hoà bình, thuỷ lợi, quý I") == "hòa bình, thủy lợi, quý một"


def test_texts_keep_their_count_and_order() -> None:
    assert normalize_texts(["Tin 1", "", "Tin 3"]) == ["Tin một", "", "Tin ba"]
