"""Abbreviations: the lexicon API and files, expansion classes, learned definitions (spec §9)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bantin_audio.errors import InputError
from bantin_audio.speech.lexicon import (
    Lexicon,
    LexiconEntry,
    load_lexicon,
    read_user_entries,
    write_user_entries,
)
from bantin_audio.speech.normalize import normalize_text, normalize_texts


def test_builtin_lexicon_has_each_kind_and_about_150_rows() -> None:
    lex = load_lexicon()
    assert len(lex) >= 150
    kinds = {e.kind for e in lex}
    assert kinds == {"expand", "spell", "word"}
    assert lex.lookup("UBND") == LexiconEntry("UBND", "ủy ban nhân dân", "expand")
    assert lex.lookup("OCOP").kind == "word"
    assert lex.lookup("FDI").kind == "spell"


def test_builtin_lexicon_is_cached() -> None:
    assert load_lexicon() is load_lexicon()


def test_missing_user_file_means_builtin_only(tmp_path: Path) -> None:
    lex = load_lexicon(tmp_path / "lexicon.tsv")
    assert lex.fingerprint == load_lexicon().fingerprint


def test_user_entries_override_and_extend(tmp_path: Path) -> None:
    path = tmp_path / "data" / "lexicon.tsv"
    write_user_entries(path, [LexiconEntry("HTXNN", "hợp tác xã nông nghiệp", "expand"),
                              LexiconEntry("UBND", "u bê nờ đê", "spell")])
    lex = load_lexicon(path)
    assert lex.lookup("HTXNN").spoken == "hợp tác xã nông nghiệp"
    assert lex.lookup("UBND").kind == "spell"
    assert lex.fingerprint != load_lexicon().fingerprint
    assert normalize_text("HTXNN Tân Phú", lex) == "Hợp tác xã nông nghiệp Tân Phú"


def test_an_edited_user_file_is_read_again(tmp_path: Path) -> None:
    path = tmp_path / "lexicon.tsv"
    write_user_entries(path, [LexiconEntry("XTNB", "xúc tiến nội bộ", "expand")])
    first = load_lexicon(path)
    assert load_lexicon(path) is first  # unchanged file: no re-read
    write_user_entries(path, [LexiconEntry("XTNB", "xúc tiến nông nghiệp", "expand"),
                              LexiconEntry("ABCD", "a bê xê đê", "spell")])
    second = load_lexicon(path)
    assert second.lookup("XTNB").spoken == "xúc tiến nông nghiệp"
    assert second.fingerprint != first.fingerprint


def test_write_then_read_round_trip_is_atomic(tmp_path: Path) -> None:
    path = tmp_path / "lexicon.tsv"
    entries = [LexiconEntry("BQLRPH", "ban quản lý rừng phòng hộ", "expand"),
               LexiconEntry("GIS", "gi ai ét", "word")]
    write_user_entries(path, entries)
    assert read_user_entries(path) == entries
    assert [p.name for p in tmp_path.iterdir()] == ["lexicon.tsv"]  # no temp file left


@pytest.mark.parametrize(("body", "line"), [
    ("UBND\tủy ban nhân dân\texpand\nXYZ\tthiếu cột\n", 2),
    ("# chú thích\n\nABC\tđọc\tshout\n", 3),
    ("ABC\t\texpand\n", 1),
    ("K3\tka 3\tspell\n", 1),
])
def test_bad_user_line_names_its_line(tmp_path: Path, body: str, line: int) -> None:
    path = tmp_path / "lexicon.tsv"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(InputError, match=f"dòng {line}"):
        load_lexicon(path)


def test_writing_an_invalid_entry_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError):
        write_user_entries(tmp_path / "lexicon.tsv", [LexiconEntry("AB", "a bê", "loud")])
    assert not (tmp_path / "lexicon.tsv").exists()


def test_lookup_is_case_insensitive_only_for_acronyms_and_words() -> None:
    lex = Lexicon([LexiconEntry("TU", "tỉnh ủy", "expand"),
                   LexiconEntry("COVID", "cô vít", "word")])
    assert normalize_text("Tu bổ đình làng", lex) == "Tu bổ đình làng"
    assert normalize_text("Covid kéo dài", lex) == "Cô vít kéo dài"


EXPANSIONS = [
    ("Chủ tịch UBND xã", "Chủ tịch ủy ban nhân dân xã"),
    ("Đại hội MTTQ huyện", "Đại hội mặt trận tổ quốc huyện"),
    ("HĐND&UBND huyện", "Hội đồng nhân dân và ủy ban nhân dân huyện"),
    ("phát triển KT-XH", "phát triển kinh tế - xã hội"),
    ("Sở NN&PTNT", "Sở nông nghiệp và phát triển nông thôn"),
    ("thu hút FDI", "thu hút ép đê i"),
    ("sản phẩm OCOP", "sản phẩm ô cốp"),
    ("hội nghị ASEAN", "hội nghị a xê an"),
    ("dịch COVID-19", "dịch cô vít mười chín"),
    ("tại TP. Vinh", "tại thành phố Vinh"),
    ("TX. Sa Pa", "Thị xã Sa Pa"),
    ("TT. Nông Cống", "Thị trấn Nông Cống"),
    ("TT Văn hóa huyện", "Trung tâm Văn hóa huyện"),
    ("BCH Quân sự tỉnh", "Ban chỉ huy Quân sự tỉnh"),
    ("BCH Hội Nông dân", "Ban chấp hành Hội Nông dân"),
    ("Đ/c Bí thư", "Đồng chí Bí thư"),
    ("gặp đ/c Lan", "gặp đồng chí Lan"),
    ("TTO - Sáng nay", "Sáng nay"),
    ("(Baoquangninh.vn) - Chiều 3/4", "Chiều ngày mùng ba tháng tư"),
    ("nóng 39oC", "nóng ba mươi chín độ xê"),
    ("trên đường ĐT.741", "trên đường tỉnh bảy trăm bốn mươi mốt"),
    ("Văn phòng HĐND-UBND", "Văn phòng hội đồng nhân dân - ủy ban nhân dân"),
    ("TT HĐND tỉnh", "Thường trực hội đồng nhân dân tỉnh"),
    ("Hội ND xã", "Hội nông dân xã"),
    ("Giám đốc Sở CT", "Giám đốc Sở công thương"),
    ("Sở TP tỉnh", "Sở tư pháp tỉnh"),
    ("giữ vững QP, AN", "giữ vững quốc phòng, an ninh"),
    ("chỉ số PAR INDEX", "chỉ số pa chỉ số"),
    ("pháp quyền XHCN", "pháp quyền xã hội chủ nghĩa"),
    ("Ban Thường vụ TP ủy", "Ban Thường vụ thành ủy"),
    ("tại H.Chợ Mới", "tại huyện Chợ Mới"),
    ("về P. Tân Phong", "về phường Tân Phong"),
    ("Tp. Cao Bằng", "Thành phố Cao Bằng"),
    ("Đồng chí A, TUV, Bí thư", "Đồng chí A, tỉnh ủy viên, Bí thư"),
]


@pytest.mark.parametrize(("text", "spoken"), EXPANSIONS)
def test_expansions(text: str, spoken: str) -> None:
    assert normalize_text(text) == spoken


def test_unknown_acronym_is_spelled_with_vietnamese_letter_names() -> None:
    assert normalize_text("dự án QKRV") == "dự án quy ca rờ vê"


def test_heading_in_capitals_is_read_as_words() -> None:
    assert normalize_text("KẾ HOẠCH TRIỂN KHAI NĂM HỌC MỚI") == "Kế hoạch triển khai năm học mới"
    assert normalize_text("HOA BAN NỞ") == "Hoa ban nở"
    assert normalize_text("UBND TỈNH AN GIANG") == "Ủy ban nhân dân tỉnh an giang"


def test_camel_case_names_are_left_as_words() -> None:
    assert normalize_text("xe VinFast") == "xe VinFast"


def test_definition_is_learned_and_parenthesis_dropped() -> None:
    out = normalize_text("Ban quản lý rừng phòng hộ (BQLRPH) đã họp. Sau đó BQLRPH báo cáo.")
    assert out == ("Ban quản lý rừng phòng hộ đã họp. Sau đó Ban quản lý rừng phòng hộ báo cáo.")


def test_definition_carries_to_later_texts_of_the_same_article() -> None:
    texts = ["Về chương trình chuyển đổi số (CĐS) của tỉnh", "Năm nay, CĐS đạt kết quả tốt."]
    out = normalize_texts(texts)
    assert out == ["Về chương trình chuyển đổi số của tỉnh",
                   "Năm nay, chuyển đổi số đạt kết quả tốt."]


def test_definition_does_not_leak_between_articles() -> None:
    normalize_texts(["trạm bơm xã (TBX) mới"])
    assert normalize_text("TBX hoạt động") == "Tê bê ích hoạt động"


def test_definition_with_ampersand_and_known_expansion() -> None:
    out = normalize_text("ngành Văn hóa và Thể thao (VH&TT) tỉnh")
    assert out == "ngành Văn hóa và Thể thao tỉnh"
    assert normalize_text("các khu công nghiệp (KCN) mới") == "các khu công nghiệp mới"


def test_non_definition_parentheses_stay() -> None:
    assert normalize_text("ba xã (Tân An, Tân Hòa)") == "ba xã (Tân An, Tân Hòa)"


def test_called_note_is_removed() -> None:
    out = normalize_text("Hội đồng thi (sau đây gọi tắt là HĐT) họp. HĐT kết luận.")
    assert out == "Hội đồng thi họp. Hội đồng thi kết luận."


def test_duplicated_legal_spell_out_is_read_once() -> None:
    assert normalize_text("trong 15 (mười lăm) ngày") == "trong mười lăm ngày"
    assert normalize_text("gồm 3 (Ba) thành viên") == "gồm ba thành viên"


ROMANS = [
    ("Quốc hội khóa XIV", "Quốc hội khóa mười bốn"),
    ("Đảng bộ khoá IX", "Đảng bộ khóa chín"),
    ("Đại hội lần thứ VI", "Đại hội lần thứ sáu"),
    ("Hội nghị lần thứ IV", "Hội nghị lần thứ tư"),
    ("lần thứ I", "lần thứ nhất"),
    ("Đại hội XII của Đảng", "Đại hội mười hai của Đảng"),
    ("từ thế kỷ XIX", "từ thế kỷ mười chín"),
    ("trong quý III", "trong quý ba"),
    ("Chương IV", "Chương bốn"),
    ("đô thị loại II", "đô thị loại hai"),
    ("Quân khu VII", "Quân khu bảy"),
]


@pytest.mark.parametrize(("text", "spoken"), ROMANS)
def test_roman_numerals_after_triggers(text: str, spoken: str) -> None:
    assert normalize_text(text) == spoken


def test_roman_looking_tokens_elsewhere_are_not_numbers() -> None:
    assert normalize_text("ông Lê Văn H. Ông nói") == "ông Lê Văn hát. Ông nói"
    assert normalize_text("ông Trần Văn V") == "ông Trần Văn vê"
    assert normalize_text("30 độ C") == "ba mươi độ xê"
    assert "mười" not in normalize_text("cỡ áo XL")


# ------------------------------------------------ duplicates and the domain dictionary


def test_builtin_file_has_each_term_once() -> None:
    from importlib import resources

    text = (resources.files("bantin_audio.speech") / "data" / "abbreviations.tsv").read_text(
        encoding="utf-8")
    terms = [line.split("\t")[0] for line in text.splitlines()
             if line.strip() and not line.startswith("#")]
    dupes = sorted({t for t in terms if terms.count(t) > 1})
    assert not dupes, f"duplicated terms in abbreviations.tsv: {dupes}"
    assert len(terms) >= 750


def test_duplicate_terms_are_rejected_naming_both_lines() -> None:
    from bantin_audio.speech.lexicon import parse_entries

    text = "# mine\nBCHQS\tban chỉ huy quân sự\texpand\nCSGT\tcảnh sát giao thông\texpand\n" \
           "BCHQS\tban chấp hành quân sự\texpand\n"
    with pytest.raises(InputError) as err:
        parse_entries(text, "lexicon.tsv")
    assert "dòng 4" in err.value.message and "dòng 2" in err.value.message
    assert "'BCHQS'" in err.value.message


def test_user_lexicon_with_a_duplicate_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "lexicon.tsv"
    path.write_text("PCTT\tphòng chống thiên tai\texpand\nPCTT\tphòng chống thiên tai\texpand\n",
                    encoding="utf-8")
    with pytest.raises(InputError, match="đã có ở dòng 1"):
        load_lexicon(path)
    with pytest.raises(InputError):
        write_user_entries(tmp_path / "other.tsv",
                           [LexiconEntry("XYZ", "ích i dét", "spell"),
                            LexiconEntry("XYZ", "ích", "spell")])
    assert not (tmp_path / "other.tsv").exists()


def test_every_builtin_expansion_is_spoken_not_spelled() -> None:
    from bantin_audio.speech.rules_senses import SENSES

    misses = []
    for entry in load_lexicon():
        if entry.kind != "expand" or entry.term in SENSES:
            continue
        out = normalize_text(f"Theo {entry.term} của tỉnh").casefold().replace(",", "")
        if entry.spoken.casefold().replace(",", "") not in out:
            misses.append((entry.term, out))
    assert not misses, misses[:10]


@pytest.mark.parametrize(("text", "reading"), [
    ("Chiến sĩ BĐBP phối hợp BCHQS huyện tuần tra.", "bộ đội biên phòng"),
    ("Thanh niên trúng tuyển NVQS năm nay đều khỏe mạnh.", "nghĩa vụ quân sự"),
    ("Lực lượng DQTT và QNDB huấn luyện SSCĐ.",
     "dân quân thường trực và quân nhân dự bị huấn luyện sẵn sàng chiến đấu"),
    ("CQCSĐT Công an huyện đã khởi tố vụ án theo BLHS.",
     "Cơ quan cảnh sát điều tra Công an huyện đã khởi tố vụ án theo bộ luật hình sự"),
    ("Phạt VPHC 3 trường hợp vi phạm TTATGT.", "vi phạm hành chính"),
    ("Bệnh nhân được chuyển lên BVĐKT để HSCC.",
     "bệnh viện đa khoa tỉnh để hồi sức cấp cứu"),
    ("Trẻ SDD giảm nhờ chương trình TCMR.", "suy dinh dưỡng"),
    ("VPĐKĐĐ cấp GCN cho 120 hộ sau khi đo vẽ BĐĐC.",
     "Văn phòng đăng ký đất đai cấp giấy chứng nhận"),
    ("Chi cục thuế nhắc NNT kê khai thuế GTGT và TNCN qua HĐĐT.",
     "người nộp thuế kê khai thuế giá trị gia tăng và thu nhập cá nhân qua hóa đơn điện tử"),
    ("Hộ kinh doanh được SGTVT hướng dẫn đăng ký tại TTĐK.", "sở giao thông vận tải"),
])
def test_domain_abbreviations_are_expanded(text: str, reading: str) -> None:
    assert reading in normalize_text(text)


def test_unknown_capitals_are_still_spelled_and_learned_terms_win() -> None:
    assert normalize_text("Mô hình QXZ mới") == "Mô hình quy ích dét mới"
    texts = ["Ban quản lý rừng phòng hộ (BQLRPH) họp.", "BQLRPH có 12 cán bộ."]
    assert normalize_texts(texts)[1].startswith("Ban quản lý rừng phòng hộ có")
