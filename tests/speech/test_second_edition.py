"""Second-edition classes of the normalizer (spec §13): examples per class, then properties."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bantin_audio.speech.normalize import normalize_text
from tests.speech.vi_number_words import parse_vietnamese_number

FAST = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
_DIGIT_WORD = {"không": "0", "một": "1", "hai": "2", "ba": "3", "bốn": "4", "năm": "5",
               "sáu": "6", "bảy": "7", "tám": "8", "chín": "9"}


def _digits_back(words: str) -> str:
    """Map a digit-by-digit reading back to digits; fail on any other word."""
    out = []
    for w in re.findall(r"[^\W\d_]+", words):
        assert w in _DIGIT_WORD, f"{w!r} in {words!r} is not a digit word"
        out.append(_DIGIT_WORD[w])
    return "".join(out)


def _between(out: str, before: str, after: str) -> str:
    m = re.search(re.escape(before) + r"(.*?)" + re.escape(after), out)
    assert m, out
    return m.group(1)


# ------------------------------------------------------------------- phone numbers


@pytest.mark.parametrize(("text", "digits"), [
    ("Điện thoại trực ban (0208) 3.852.117 (giờ hành chính).", "02083852117"),
    ("gọi đến (024) 3942 5566 để đăng ký.", "02439425566"),
    ("Đường dây nóng của Sở: 0987-654-321 luôn mở.", "0987654321"),
    ("Ông Tuấn, di động 3.715.208 xin nghe máy.", "3715208"),
    ("Số máy lẻ 2.345.678 xin nghe máy.", "2345678"),
    ("Liên hệ 0203 3.712.445 xin nghe máy.", "02033712445"),
])
def test_phone_numbers_in_other_shapes_read_digit_by_digit(text: str, digits: str) -> None:
    out = normalize_text(text)
    spoken = re.search(r"((?:(?:không|một|hai|ba|bốn|năm|sáu|bảy|tám|chín),? )+"
                       r"(?:không|một|hai|ba|bốn|năm|sáu|bảy|tám|chín))", out)
    assert spoken and _digits_back(spoken.group(1)) == digits, out
    assert "triệu" not in out and "nghìn" not in out and "phẩy" not in out


def test_plus_84_is_cong_tam_tu_then_digits() -> None:
    out = normalize_text("Kiều bào gọi về số +84 915 246 810 hoặc (+84) 236 3822 199.")
    assert out.count("cộng tám tư") == 2
    first = _between(out, "cộng tám tư,", "hoặc")
    assert _digits_back(first) == "915246810"
    assert "trăm" not in out


# ------------------------------------------------------------------- identifiers


@pytest.mark.parametrize(("text", "digits"), [
    ("Bà Lò Thị Xuân, CCCD số 014186003927, thường trú tại bản Nà Sản.", "014186003927"),
    ("Doanh nghiệp có mã số thuế 4600123789 nộp tờ khai.", "4600123789"),
    ("Ủng hộ qua số tài khoản 1900 2233 4455 của Ủy ban.", "190022334455"),
    ("Mã hồ sơ: 000.00.12.H56-231115-0007 đã được tiếp nhận.", None),
    ("Khách hàng nhận mã 087654321099 qua tin nhắn.", "087654321099"),
])
def test_identifiers_are_digits_not_quantities(text: str, digits: str | None) -> None:
    out = normalize_text(text)
    assert "tỷ" not in out and "triệu" not in out and not re.search(r"\d", out), out
    if digits:
        run = re.search(r"((?:(?:không|một|hai|ba|bốn|năm|sáu|bảy|tám|chín),? ){8,}"
                        r"(?:không|một|hai|ba|bốn|năm|sáu|bảy|tám|chín))", out)
        assert run and _digits_back(run.group(1)) == digits, out


# ------------------------------------------------------------- e-mail and web addresses


def test_email_address_speaks_at_sign_dots_and_known_words() -> None:
    out = normalize_text("Góp ý xin gửi về vanphong@caobang.gov.vn trước ngày 5.")
    assert "văn phòng a còng cao bằng chấm giê o vê chấm vê nờ" in out
    assert "@" not in out and ".gov" not in out


def test_unknown_labels_are_spelled_and_digits_read_one_by_one() -> None:
    out = normalize_text("Liên hệ ttdl2023_hn@gmail.com.")
    assert "tê tê dê lờ hai không hai ba gạch dưới hát nờ a còng giê mờ a i lờ chấm xê o mờ" \
        in out


def test_web_address_with_path_reads_every_separator() -> None:
    out = normalize_text("Tra cứu tại https://congdan.tayninh.gov.vn/tra-cuu/ho-so và "
                         "www.baophutho.vn.")
    assert ("công dân chấm tây ninh chấm giê o vê chấm vê nờ xẹt tê rờ a gạch ngang xê u u "
            "xẹt hát o gạch ngang ét o") in out
    assert "http" not in out and "https" not in out
    assert "vê kép vê kép vê kép chấm báo phú thọ chấm vê nờ" in out


# ------------------------------------------------------------ context-dependent abbreviations


@pytest.mark.parametrize(("text", "reading"), [
    ("Bộ phận một cửa làm việc từ T2 đến T7, nghỉ CN.", "từ thứ hai đến thứ bảy, nghỉ chủ nhật"),
    ("Chợ phiên họp vào sáng CN hàng tuần.", "sáng chủ nhật hàng tuần"),
    ("Lớp học kéo dài 9h CN và tối T5.", "chín giờ chủ nhật và tối thứ năm"),
    ("Giờ mở cửa T2 - T6: 7h30 - 17h.", "thứ hai đến thứ sáu"),
    ("Cụm CN Tân Dân thu hút 12 dự án.", "Cụm công nghiệp Tân Dân"),
    ("Hội chợ mở cửa ngày 21/9 (CN) tại sân vận động.", "tháng chín (chủ nhật)"),
    ("Giảng viên CN. Hoàng Thu Trang hướng dẫn.", "Giảng viên cử nhân Hoàng Thu Trang"),
    ("Ngành CN chế biến tăng 9%.", "Ngành công nghiệp chế biến"),
])
def test_weekday_abbreviations_in_schedules(text: str, reading: str) -> None:
    assert reading in normalize_text(text)


# -------------------------------------------------------------------------- symbols


@pytest.mark.parametrize(("text", "reading"), [
    ("Hộ có thu nhập ≤ 1,5 triệu đồng", "nhỏ hơn hoặc bằng một phẩy năm triệu đồng"),
    ("trẻ ≥ 24 tháng tuổi", "lớn hơn hoặc bằng hai mươi tư tháng tuổi"),
    ("độ mặn > 4‰ và pH < 5", "lớn hơn"),
    ("nhiệt độ 26 ± 2°C", "hai mươi sáu cộng trừ hai độ xê"),
    ("thu hút ~ 3.000 lượt khách", "khoảng ba nghìn lượt khách"),
    ("kéo dài 5~7 ngày", "năm đến bảy ngày"),
    ("đạt ≈ 98%", "khoảng chín mươi tám phần trăm"),
    ("khung 2 × 3 m", "hai nhân ba mét"),
    ("tấm pin 1,2 x 2,4 m", "một phẩy hai nhân hai phẩy bốn mét"),
    ("1 USD = 25.400 đồng", "bằng hai mươi lăm nghìn bốn trăm đồng"),
    ("giá 12 $ một tấn", "mười hai đô la Mỹ một tấn"),
])
def test_symbols_are_spoken(text: str, reading: str) -> None:
    assert reading in normalize_text(text)


# ---------------------------------------------------------------- per-unit slash chains


@pytest.mark.parametrize(("text", "reading"), [
    ("thu 35.000đ/hộ/tháng", "ba mươi lăm nghìn đồng một hộ một tháng"),
    ("giá vé 10.000 đồng/xe/lượt", "mười nghìn đồng một xe một lượt"),
    ("phí 2.500đ/m2/tháng", "hai nghìn năm trăm đồng một mét vuông một tháng"),
    ("pha 20 ml/8 lít nước", "hai mươi mi li lít trên tám lít nước"),
    ("rắc 3 kg/sào", "ba ki lô gam một sào"),
])
def test_per_unit_chains_read_every_slash(text: str, reading: str) -> None:
    out = normalize_text(text)
    assert reading in out and "," not in out


# ---------------------------------------------------------------- formulas and scales


def test_fertilizer_formulas_are_numbers_in_order_never_a_range() -> None:
    out = normalize_text("Bón lót NPK 16-16-8, bón thúc NPK 30 - 9 - 9 hoặc 5-10-3.")
    assert "đến" not in out
    assert "mười sáu, mười sáu, tám" in out
    assert "ba mươi, chín, chín" in out
    assert "năm, mười, ba" in out


def test_map_scales_and_scores_with_a_colon() -> None:
    out = normalize_text("Bản đồ địa chính tỷ lệ 1:2.000 và 1:10.000; đội nhà thắng 2:1.")
    assert "một phần hai nghìn và một phần mười nghìn" in out
    assert "thắng hai - một" in out
    assert "giờ" not in out


# ------------------------------------------------------------------ numbers that are names


def test_scales_written_with_a_slash_and_standards_with_a_year() -> None:
    out = normalize_text("Trích lục tờ bản đồ tỷ lệ 1/1000; hệ thống ISO 14001:2015 được duy trì.")
    assert "tỷ lệ một phần một nghìn" in out and "tháng" not in out
    assert "mười bốn nghìn không trăm linh một, hai nghìn không trăm mười lăm" in out


def test_versions_and_eras_read_with_cham() -> None:
    out = normalize_text("Nền tảng Web 3.0, ứng dụng phiên bản 2.1.5 và nông nghiệp 4.0.")
    assert "Web ba chấm không" in out
    assert "phiên bản hai chấm một chấm năm" in out
    assert "nông nghiệp bốn chấm không" in out
    assert "phẩy" not in out


def test_licence_plates_read_series_letters_and_serial_digits() -> None:
    out = normalize_text("Xe ô tô BKS 98A-123.45 va chạm xe máy 29D1-068.91 và xe tải 34C-12345.")
    assert "chín mươi tám a, một hai ba chấm bốn năm" in out
    assert "hai mươi chín dê một, không sáu tám chấm chín một" in out
    assert "ba mươi tư xê, một hai ba bốn năm" in out
    assert "phẩy" not in out
    moto = normalize_text("Xe máy biển số 37-H1 572.06 bị tạm giữ.")
    assert "ba mươi bảy hát một, năm bảy hai chấm không sáu" in moto


# ------------------------------------------------------------------- letters as labels


@pytest.mark.parametrize(("text", "reading"), [
    ("theo điểm b khoản 3", "điểm bê khoản ba"),
    ("quy định tại điểm đ", "điểm đê"),
    ("thuộc nhóm C và loại D", "nhóm xê và loại dê"),
    ("ghi tại Phụ lục B", "Phụ lục bê"),
    ("thuốc nhóm V, vật liệu loại X", "nhóm vê, vật liệu loại ích"),
    ("đô thị loại V", "đô thị loại năm"),
    ("bổ sung vitamin A và vitamin D", "vi ta min a và vi ta min dê"),
    ("thiếu Vitamin B1", "Vi ta min bê một"),
])
def test_letters_used_as_labels_are_named(text: str, reading: str) -> None:
    assert reading in normalize_text(text)


def test_mid_line_list_labels_are_named_not_left_bare() -> None:
    out = normalize_text("Điều kiện gồm: a) có hộ khẩu; b) có đất; c) không nợ thuế.")
    assert "gồm: a, có hộ khẩu; bê, có đất; xê, không nợ thuế" in out
    assert ")" not in out
    kept = normalize_text("Tài liệu gồm: (d) bản đồ; A) sổ; lời khai (ông B) đã ký.")
    assert "gồm: dê, bản đồ; a, sổ; lời khai (ông bê) đã ký" in kept


def test_identifier_codes_with_letters_read_piece_by_piece() -> None:
    out = normalize_text("Mã hồ sơ: 000.00.21.H10-240305-0112 đã nhận.")
    assert ("không không không không không hai một hát một không, hai bốn không ba không năm, "
            "không một một hai") in out


# =========================================================================== properties

_DIG = st.text(alphabet="0123456789", min_size=1, max_size=1)


@st.composite
def _phone_written(draw: st.DrawFn) -> tuple[str, str]:
    """A phone number in one of the written shapes, and its digits."""
    area = "0" + draw(st.from_regex(r"[2-9][0-9]{1,2}", fullmatch=True))
    local = draw(st.from_regex(r"[2-9][0-9]{6}", fullmatch=True))
    mobile = "0" + draw(st.from_regex(r"[35789][0-9]{8}", fullmatch=True))
    shape = draw(st.integers(0, 4))
    if shape == 0:
        return f"({area}) {local[0]}.{local[1:4]}.{local[4:]}", area + local
    if shape == 1:
        return f"({area}) {local[:3]} {local[3:]}", area + local
    if shape == 2:
        return f"{mobile[:4]}-{mobile[4:7]}-{mobile[7:]}", mobile
    if shape == 3:
        cue = draw(st.sampled_from(["điện thoại", "ĐT:", "SĐT", "di động", "hotline",
                                    "Fax:", "liên hệ", "gọi"]))
        return f"{cue} {local[0]}.{local[1:4]}.{local[4:]}", local
    return f"+84 {mobile[1:4]} {mobile[4:7]} {mobile[7:]}", mobile[1:]


@FAST
@given(_phone_written(), st.sampled_from(["Xin liên hệ", "Mọi thông tin", "Người dân báo tin"]))
def test_every_phone_cued_number_reads_back_digit_by_digit(phone: tuple[str, str],
                                                           lead: str) -> None:
    written, digits = phone
    out = normalize_text(f"{lead} {written} để được giải đáp.")
    out = out.replace("cộng tám tư", "")
    got = re.findall(r"\b(?:không|một|hai|ba|bốn|năm|sáu|bảy|tám|chín)\b", out)
    assert "".join(_DIGIT_WORD[w] for w in got) == digits, out
    assert not re.search(r"trăm|nghìn|triệu|tỷ|phẩy|mươi|mười", out), out


@FAST
@given(st.from_regex(r"0[0-9]{8,20}", fullmatch=True),
       st.sampled_from(["", "CCCD ", "MST: ", "số tài khoản ", "mã định danh "]))
def test_identifiers_read_back_digit_by_digit(number: str, cue: str) -> None:
    out = normalize_text(f"Công dân có {cue}{number} đã đăng ký.")
    run = re.findall(r"\b(?:không|một|hai|ba|bốn|năm|sáu|bảy|tám|chín)\b", out)
    assert "".join(_DIGIT_WORD[w] for w in run) == number, out
    assert "tỷ" not in out


_LABEL = st.from_regex(r"[a-z][a-z0-9]{0,9}", fullmatch=True)


@FAST
@given(st.lists(_LABEL, min_size=1, max_size=3), st.lists(_LABEL, min_size=1, max_size=2),
       st.sampled_from(["vn", "gov.vn", "com", "org.vn", "edu.vn"]), st.booleans())
def test_no_at_sign_or_address_dot_survives(user: list[str], host: list[str], tld: str,
                                            web: bool) -> None:
    domain = ".".join(host) + "." + tld
    address = f"https://{domain}/{user[0]}" if web else ".".join(user) + "@" + domain
    out = normalize_text(f"Gửi ý kiến về {address} nhé.")
    assert "@" not in out and "/" not in out and not re.search(r"\w\.\w", out), out
    assert not re.search(r"\d", out)
    assert out.count("chấm") >= tld.count(".") + len(host), out
    assert web or "a còng" in out


_SYMBOLS = st.sampled_from(["≥", "≤", ">", "<", "±", "~", "≈", "×", "=", "$", "@", ">=", "<=",
                            "->", "=>", "«", "»"])


@FAST
@given(st.lists(st.one_of(_SYMBOLS, st.from_regex(r"[0-9]{1,4}(,[0-9])?", fullmatch=True),
                          st.sampled_from(["người", "tuổi", "độ", "ha", "x", "trẻ em"])),
                max_size=10).map(" ".join))
def test_no_symbol_survives(text: str) -> None:
    out = normalize_text(text)
    assert not re.search(r"[≥≤<>±~≈×=$@→«»]", out), (text, out)
    assert normalize_text(out) == out


_PER = st.sampled_from(["hộ", "tháng", "người", "năm", "lượt", "xe", "suất", "ngày", "m2", "kg",
                        "ha", "con", "khẩu"])


@FAST
@given(st.integers(1, 999), st.sampled_from(["đ", "đồng", "nghìn đồng", "kg", "tấn"]),
       st.lists(_PER, min_size=1, max_size=3, unique=True))
def test_every_slash_of_a_per_unit_chain_is_read(n: int, unit: str, pers: list[str]) -> None:
    text = f"mức {n}.000{unit}/" + "/".join(pers) if unit == "đ" else \
        f"mức {n}.000 {unit}/" + "/".join(pers)
    out = normalize_text(text)
    assert "/" not in out and "," not in out, out
    assert len(re.findall(r"\bmột\b", out)) >= len(pers), out


@FAST
@given(st.lists(st.integers(0, 60), min_size=3, max_size=4))
def test_formulas_never_read_as_ranges(values: list[int]) -> None:
    out = normalize_text("Bón lót NPK " + "-".join(map(str, values)) + " cho lúa.")
    assert "đến" not in out
    parts = _between(out, "nờ pê ca", "cho lúa").strip(" ,").split(",")
    assert [int(parse_vietnamese_number(p.strip())) for p in parts] == values, out


@FAST
@given(st.integers(100, 10**6))
def test_map_scales_read_back(n: int) -> None:
    written = f"{n:,}".replace(",", ".")
    out = normalize_text(f"Bản đồ tỷ lệ 1:{written} của xã.")
    assert int(parse_vietnamese_number(_between(out, "một phần", "của"))) == n, out


@FAST
@given(st.integers(1, 20), st.integers(0, 9), st.sampled_from(["phiên bản", "Web", "Xã hội"]))
def test_versions_never_read_as_decimals(major: int, minor: int, cue: str) -> None:
    out = normalize_text(f"Ra mắt {cue} {major}.{minor} tại hội thảo.")
    assert "phẩy" not in out and "chấm" in out and "tháng" not in out, out


@FAST
@given(st.integers(11, 99), st.from_regex(r"[A-HK-NP-Z]", fullmatch=True),
       st.from_regex(r"[0-9]{3}\.[0-9]{2}", fullmatch=True))
def test_licence_plate_serials_read_digit_by_digit(province: int, series: str,
                                                   serial: str) -> None:
    out = normalize_text(f"Xe mang biển {province}{series}-{serial} bị giữ.")
    tail = _between(out, ",", "bị giữ")
    assert _digits_back(tail.replace("chấm", " ")) == serial.replace(".", ""), out
    assert "phẩy" not in out


@FAST
@given(st.sampled_from(["điểm", "khoản", "nhóm", "loại", "phụ lục", "khối", "mục"]),
       st.from_regex(r"[b-df-hk-np-tv-zđBCDFGHKMNPQRSTĐ]", fullmatch=True))
def test_label_letters_are_named(cue: str, letter: str) -> None:
    out = normalize_text(f"Theo {cue} {letter} của quy định.")
    assert not re.search(rf"\b{re.escape(letter)}\b", out), out
