"""Document codes, phone numbers, roads and chainage, ratios and per-units (spec §4, §6, §7)."""

from __future__ import annotations

import pytest

from bantin_audio.speech.normalize import normalize_text

CODES = [
    ("theo Nghị định số 15/2020/NĐ-CP",
     "theo Nghị định số mười lăm trên hai nghìn không trăm hai mươi trên nghị định chính phủ"),
    ("Quyết định 2468/QĐ-UBND",
     "Quyết định hai nghìn bốn trăm sáu mươi tám trên quyết định ủy ban nhân dân"),
    ("Thông tư 09/2019/TT-BTC", "Thông tư chín trên hai nghìn không trăm mười chín trên thông tư "
     "bộ tài chính"),
    ("Nghị quyết 43-NQ/TW", "Nghị quyết bốn mươi ba nghị quyết trên trung ương"),
    ("Kết luận 21-KL/HU", "Kết luận hai mươi mốt kết luận trên huyện ủy"),
    ("Luật số 59/2020/QH14", "Luật số năm mươi chín trên hai nghìn không trăm hai mươi trên quốc "
     "hội mười bốn"),
    ("Nghị quyết 1111/NQ-UBTVQH14", "Nghị quyết một nghìn một trăm mười một trên nghị quyết ủy ban "
     "thường vụ quốc hội mười bốn"),
    ("Quyết định 12b/2015/QĐ-TTg", "Quyết định mười hai bê trên hai nghìn không trăm mười lăm trên "
     "quyết định thủ tướng"),
    ("văn bản 45/XYZ-UBND", "văn bản bốn mươi lăm trên ích i dài dét ủy ban nhân dân"),
]


@pytest.mark.parametrize(("text", "spoken"), CODES)
def test_document_codes(text: str, spoken: str) -> None:
    assert normalize_text(text) == spoken


def test_code_year_is_not_a_date() -> None:
    out = normalize_text("Thực hiện Nghị định 08/2022/NĐ-CP")
    assert "tháng tám" not in out
    assert "tám trên hai nghìn không trăm hai mươi hai" in out


def test_cp_outside_a_code_follows_context() -> None:
    assert normalize_text("Công ty CP Xi măng") == "Công ty cổ phần Xi măng"
    assert normalize_text("Văn phòng CP") == "Văn phòng chính phủ"


PHONES_ROADS = [
    ("Liên hệ 0987.654.321", "Liên hệ không chín tám bảy sáu năm bốn ba hai một"),
    ("số 0210 3852 117", "số không hai một không ba tám năm hai một một bảy"),
    ("Đường dây nóng: 1022.", "Đường dây nóng: một không hai hai."),
    ("gọi SĐT 0912345678", "gọi số điện thoại không chín một hai ba bốn năm sáu bảy tám"),
    ("tuyến QL2C và ĐT.314", "tuyến quốc lộ hai xê và đường tỉnh ba trăm mười bốn"),
    ("Quốc lộ 70B", "Quốc lộ bảy mươi bê"),
    ("tại Km15+200", "tại ki lô mét mười lăm cộng hai trăm"),
    ("đoạn Km3+100 - Km4+050", "đoạn ki lô mét ba cộng một trăm đến ki lô mét bốn cộng năm mươi"),
    ("cột Km 27", "cột ki lô mét hai mươi bảy"),
    ("số 5 Q.3, P. 7", "số năm quận ba, phường bảy"),
    ("gọi 114 khi cháy", "gọi một một bốn khi cháy"),
    ("các số 113/114/115", "các số một một ba, một một bốn, một một năm"),
    ("phản ánh qua 1022", "phản ánh qua một không hai hai"),
    ("tổng đài 1900 6868", "tổng đài một chín không không sáu tám sáu tám"),
]


@pytest.mark.parametrize(("text", "spoken"), PHONES_ROADS)
def test_phones_and_roads(text: str, spoken: str) -> None:
    assert normalize_text(text) == spoken


SLASHES = [
    ("có 14/17 xã", "có mười bốn trên mười bảy xã"),
    ("xếp thứ 12/63", "xếp thứ mười hai trên sáu mươi ba"),
    ("gần 2/3 diện tích", "gần hai phần ba diện tích"),
    ("khoảng 1/4 dân số", "khoảng một phần tư dân số"),
    ("trực 24/24 giờ", "trực hai mươi tư trên hai mươi tư giờ"),
    ("có 1.234/1.500 hộ", "có một nghìn hai trăm ba mươi tư trên một nghìn năm trăm hộ"),
    ("giải ngân 12,5/40 tỷ đồng", "giải ngân mười hai phẩy năm trên bốn mươi tỷ đồng"),
    ("giá 12.000 đồng/kg", "giá mười hai nghìn đồng một ki lô gam"),
    ("năng suất 58 tạ/ha", "năng suất năm mươi tám tạ một héc ta"),
    ("thu nhập 60 triệu đồng/người/năm", "thu nhập sáu mươi triệu đồng một người một năm"),
    ("lãi suất 0,5%/tháng", "lãi suất không phẩy năm phần trăm một tháng"),
    ("các xã/phường", "các xã, phường"),
    ("hỗ trợ 80 triệu đồng/mô hình", "hỗ trợ tám mươi triệu đồng một mô hình"),
    ("Ông/bà", "Ông, bà"),
    ("bình quân đất/đầu người", "bình quân đất trên đầu người"),
]


@pytest.mark.parametrize(("text", "spoken"), SLASHES)
def test_slashes(text: str, spoken: str) -> None:
    assert normalize_text(text) == spoken
