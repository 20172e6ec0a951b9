"""The line classifier on its own: stamps, bylines, captions, titles in text dumps."""

from __future__ import annotations

import pytest

from bantin_audio.errors import ExtractionError
from bantin_audio.ingest import extract_article
from bantin_audio.ingest.lines import byline_author, is_caption, is_chrome, stamp_info
from bantin_audio.ingest.text import clean_line, strip_end_mark


@pytest.mark.parametrize("line, date", [
    ("Cập nhật: 19/11/2020", "2020-11-19"),
    ("• Cập nhật: 19/11/2020", "2020-11-19"),
    ("Ngày đăng bài: 29/12/2018 | Tác giả: Thanh Khoa", "2018-12-29"),
    ("Đăng ngày 18-03-2021 16:03", "2021-03-18"),
    ("Thứ 6, 25/11/2022 | 16:59:53", "2022-11-25"),
    ("• 15.4.2011 - 0:0", "2011-04-15"),
    ("21:27 27/06/2020", "2020-06-27"),
    ("05/01/2018", "2018-01-05"),
    ("Thứ bảy, 29/12/2018 08:15", "2018-12-29"),
    ("Ngày 12 tháng 3 năm 2024", "2024-03-12"),
])
def test_posting_stamps_give_the_date(line: str, date: str) -> None:
    is_stamp, found, _ = stamp_info(line)
    assert is_stamp and found == date


@pytest.mark.parametrize("line", [
    "Ngày 18/11, UBND huyện tổ chức phiên họp thường kỳ tháng 11 (lần 2).",
    "Sáng ngày 27 tháng 5 năm 2021, Thường trực HĐND huyện tổ chức phiên họp.",
    "Hội nghị sơ kết 6 tháng đầu năm 2020",
    "31/02/2020",
])
def test_body_lines_and_impossible_dates_are_not_stamps(line: str) -> None:
    is_stamp, date, _ = stamp_info(line)
    assert not (is_stamp and date)


def test_stamp_carries_the_author_field() -> None:
    assert stamp_info("Ngày đăng bài: 22/02/2019 | Tác giả: Thiện") == (True, "2019-02-22", "Thiện")


@pytest.mark.parametrize("line, author", [
    ("Thu Trang", "Thu Trang"),
    ("Nguồn tin: Sao Khuê", "Sao Khuê"),
    ("(CTV: Khánh Nguyễn)", "Khánh Nguyễn"),
    ("N.Đ", "N.Đ"),
    ("T.H.", "T.H"),
    ("MINH TUẤN", "MINH TUẤN"),
    ("Tin, ảnh: Hải Yến", "Hải Yến"),
    ("Thanh Hà (tổng hợp)", "Thanh Hà"),
])
def test_bylines(line: str, author: str) -> None:
    assert byline_author(line) == author


@pytest.mark.parametrize("line", [
    "(Ảnh: Thanh Khoa)",
    "Phú Ninh Đất và Người",
    "BẢN ĐỒ HÀNH CHÍNH",
    "Ý kiến bạn đọc",
    "Các đại biểu tham dự hội nghị",
    "Ngày 14/7, UBND huyện tổ chức họp.",
    "In",
    "A A A",
    "Email",
])
def test_not_bylines(line: str) -> None:
    assert byline_author(line) is None


@pytest.mark.parametrize("line, caption", [
    ("Quang cảnh cuộc họp (ảnh: Thanh Khoa)", True),
    ("Các đại biểu tham dự hội nghị", True),
    ("Đồng chí Bí thư Huyện ủy phát biểu tại hội nghị.", True),
    ("Lãnh đạo Phòng Văn hóa và Thông tin báo cáo kết quả hoạt động của đơn vị", True),
    ("Ngày hội diễn ra nhiều hoạt động vui chơi giải trí, bổ ích, như: bịt mắt đập bóng nước, "
     "đỗ nước vào chai, sút bóng vào cầu môn, giao lưu văn nghệ và nấu bữa cơm gia đình", False),
    ("Công tác xây dựng Đảng tiếp tục được chỉ đạo tăng cường, nhìn chung đạt kết quả,", False),
    ("Hội nghị đã hoàn thành chương trình đề ra với tinh thần trách nhiệm cao.", False),
    ("1. Về phát triển kinh tế", False),
    ("Đồng chí Nguyễn Văn An, Ủy viên Ban Thường vụ Tỉnh ủy, Trưởng Ban Tuyên giáo Tỉnh ủy trao "
     "Bằng khen cho các tập thể có thành tích xuất sắc", True),
    ("Cán bộ khuyến nông kiểm tra ruộng lúa tại xã Minh Đạo.", True),
    ("KẾT QUẢ NỔI BẬT", False),
    ("Xã Lạc Vệ về đích nông thôn mới kiểu mẫu (22/02/2023)", False),
])
def test_captions(line: str, caption: bool) -> None:
    assert is_caption(line) is caption


@pytest.mark.parametrize("line", [
    "PublishingPortal - Block_BanTin_Toolbar", "Tăng cỡ chữ Giảm cỡ chữ", "Xem cỡ chữ",
    "1228 Lượt xem", "• |", "• 644", "----------", "Loading...", "Phuninh.gov.vn",
    "Trang chủ Tin tức - Sự kiện", "Cổng thông tin - Giao tiếp điện tử",
])
def test_chrome_lines(line: str) -> None:
    assert is_chrome(line)


def test_text_without_title_keeps_every_body_line() -> None:
    text = ("Ngày 14/7, UBND huyện tổ chức họp Ủy ban nhân dân huyện tháng 7 năm 2022, "
            "đánh giá kết quả 6 tháng.\n"
            "Tại cuộc họp, các đại biểu đã nghe báo cáo chỉ đạo điều hành của UBND huyện.\n")
    article = extract_article(text)
    assert article.title is None
    assert article.lead.startswith("Ngày 14/7")
    assert len(article.paragraphs) == 1


def test_hard_wrapped_paragraphs_are_joined() -> None:
    text = ("Huyện Lạc Sơn tổng kết công tác khuyến học năm 2023\n\n"
            "Chiều 20/12, Hội Khuyến học huyện Lạc Sơn tổ chức hội nghị tổng kết công\n"
            "tác khuyến học, khuyến tài năm 2023 với sự tham dự của 120 đại biểu.\n")
    article = extract_article(text)
    assert article.lead == ("Chiều 20/12, Hội Khuyến học huyện Lạc Sơn tổ chức hội nghị tổng kết "
                            "công tác khuyến học, khuyến tài năm 2023 với sự tham dự của 120 "
                            "đại biểu.")


def test_chrome_only_text_is_an_extraction_error() -> None:
    with pytest.raises(ExtractionError):
        extract_article("Trang chủ\nTăng cỡ chữ Giảm cỡ chữ\n1228 Lượt xem\nXem thêm\n")


def test_clean_line_folds_space_and_removes_invisible_characters() -> None:
    decomposed = "Huye\u0323\u0302n  Ba\u0300\u200b Đi\u0300nh\u00a0\u00ad"
    assert clean_line(decomposed) == "Huyện Bà Đình"


def test_strip_end_mark() -> None:
    assert strip_end_mark("phát triển./.  ") == "phát triển."
    assert strip_end_mark("phát triển ./.") == "phát triển."
    assert strip_end_mark('nguồn phân bón hữu cơ"./.') == 'nguồn phân bón hữu cơ".'
    assert strip_end_mark("có đúng không?./.") == "có đúng không?"
    assert strip_end_mark("phát triển.") == "phát triển."


def test_event_date_in_the_body_never_dates_the_article() -> None:
    text = ("Xã Hòa Bình tổ chức ngày hội đại đoàn kết\n"
            "Xã Hòa Bình vừa tổ chức ngày hội đại đoàn kết toàn dân tộc tại nhà văn hóa thôn.\n"
            "Sáng ngày 18/11/2023, hơn 300 người dân đã dự ngày hội và các trò chơi dân gian.\n")
    assert extract_article(text).date is None


@pytest.mark.parametrize("line, author", [
    ("Thu Hà - TTVH huyện", "Thu Hà"),
    ("PHẠM HƯNG (Trạm Khuyến nông)", "PHẠM HƯNG"),
    ("Minh Anh, Trung tâm Văn hóa huyện", "Minh Anh"),
])
def test_bylines_with_affiliation(line: str, author: str) -> None:
    assert byline_author(line) == author


def test_caption_subject_with_title_is_not_a_byline() -> None:
    assert byline_author("Ông Trần Văn Phục- Phó Chủ tịch HĐND huyện phát biểu kết luận") is None


def test_question_headline_above_the_stamp_is_the_title() -> None:
    text = ("Vì sao nhiều diện tích lúa xuân ở Tiên Du bị vàng lá?\n"
            "Cập nhật lúc 08:30 ngày 12/02/2024\n"
            "Những ngày qua, hơn 150 ha lúa xuân tại các xã Minh Đạo, Cảnh Hưng bị vàng lá.\n")
    article = extract_article(text)
    assert article.title == "Vì sao nhiều diện tích lúa xuân ở Tiên Du bị vàng lá?"
    assert article.date == "2024-02-12"


def test_menu_words_inside_the_body_stay_as_a_subheading() -> None:
    text = ("Huyện Tiên Du tổng kết công tác năm 2023\n"
            "Sáng 11/2, huyện Tiên Du tổ chức hội nghị tổng kết công tác năm 2023, triển khai "
            "nhiệm vụ năm 2024.\n"
            "Văn bản chỉ đạo\n"
            "Huyện ủy ban hành 12 nghị quyết chuyên đề về phát triển kinh tế, xây dựng Đảng.\n"
            "Văn bản\n")
    article = extract_article(text)
    assert article.paragraphs == [
        "Văn bản chỉ đạo",
        "Huyện ủy ban hành 12 nghị quyết chuyên đề về phát triển kinh tế, xây dựng Đảng."]


def test_tag_lines_are_chrome() -> None:
    assert is_chrome("Tags: nông thôn mới, Tiên Du, Bắc Ninh, nâng cao, kiểu mẫu, thu nhập, "
                     "hộ nghèo, giảm nghèo")


def test_byline_under_the_headline() -> None:
    text = ("Huyện Tiên Du tổng kết công tác năm 2023\n"
            "Nguyễn Văn Hùng\n"
            "Cập nhật: 12/01/2024\n"
            "Sáng 11/1, huyện Tiên Du tổ chức hội nghị tổng kết công tác năm 2023, triển khai "
            "nhiệm vụ năm 2024.\n")
    article = extract_article(text)
    assert (article.author, article.date) == ("Nguyễn Văn Hùng", "2024-01-12")


def test_category_label_under_the_headline_is_not_a_byline() -> None:
    text = ("Huyện Tiên Du tổng kết công tác năm 2023\n"
            "Thời Sự\n"
            "Sáng 11/1, huyện Tiên Du tổ chức hội nghị tổng kết công tác năm 2023, triển khai "
            "nhiệm vụ năm 2024.\n")
    assert extract_article(text).author is None


def test_author_field_stops_before_the_date() -> None:
    assert stamp_info("Tác giả: Minh Anh - Ngày: 12/03/2024") == (True, "2024-03-12", "Minh Anh")
    assert stamp_info("Lượt xem: 1234 | Ngày đăng: 12/03/2024")[:2] == (True, "2024-03-12")


def test_office_byline_after_the_end_mark() -> None:
    text = ("Huyện Tiên Du tổng kết công tác năm 2023\n"
            "Sáng 11/1, huyện Tiên Du tổ chức hội nghị tổng kết công tác năm 2023, triển khai "
            "nhiệm vụ năm 2024./.\n"
            "Ban Tuyên giáo Huyện ủy\n")
    assert extract_article(text).author == "Ban Tuyên giáo Huyện ủy"


def test_stamps_in_the_related_list_do_not_date_the_article() -> None:
    text = ("Huyện Tiên Du tổng kết công tác năm 2023\n"
            "Sáng 11/1, huyện Tiên Du tổ chức hội nghị tổng kết công tác năm 2023, triển khai "
            "nhiệm vụ năm 2024.\n"
            "Các tin khác\n"
            "(12/12/2023)\n")
    assert extract_article(text).date is None


def test_category_line_with_the_date() -> None:
    text = ("Huyện Tiên Du tổng kết công tác năm 2023\n"
            "Chuyên mục: Tin tức | Ngày: 12/01/2024\n"
            "Sáng 11/1, huyện Tiên Du tổ chức hội nghị tổng kết công tác năm 2023, triển khai "
            "nhiệm vụ năm 2024.\n")
    assert extract_article(text).date == "2024-01-12"


def test_pasted_text_always_has_a_title() -> None:
    text = ("Xã Tân Lập ra mắt mô hình dân vận khéo.\n"
            "Chiều 3/4, xã Tân Lập ra mắt mô hình dân vận khéo với 40 hội viên nông dân.\n"
            "Mô hình giúp các hộ liên kết tiêu thụ 120 tấn rau an toàn mỗi năm.\n")
    pasted = extract_article(text, content_type="text/plain")
    assert pasted.title == "Xã Tân Lập ra mắt mô hình dân vận khéo"
    assert pasted.lead.startswith("Chiều 3/4")
    assert extract_article(text).title is None  # a dump of a print view: no headline
    single = extract_article(text.splitlines()[1], content_type="text/plain; charset=utf-8")
    assert single.title == "Chiều 3/4, xã Tân Lập ra mắt mô hình dân vận khéo…"


def test_related_web_part_name_ends_the_article() -> None:
    text = ("Huyện Tiên Du tổng kết công tác năm 2023\n"
            "Sáng 11/1, huyện Tiên Du tổ chức hội nghị tổng kết công tác năm 2023, triển khai "
            "nhiệm vụ năm 2024.\n"
            "PublishingPortal - Block_BanTin_TinKhac\n"
            "Xã Lạc Vệ về đích nông thôn mới kiểu mẫu năm 2023\n"
            "Huyện Tiên Du tổ chức hội thi nhà nông đua tài\n")
    article = extract_article(text)
    assert article.captions == [] and article.paragraphs == []


def test_pasted_short_notice_keeps_every_line() -> None:
    text = "Thông báo họp dân\nHọp dân lúc 8 giờ.\nĐề nghị bà con đến đúng giờ./.\nNguyễn Văn An\n"
    article = extract_article(text, content_type="text/plain")
    assert article.title == "Thông báo họp dân"
    assert article.lead == "Họp dân lúc 8 giờ."
    assert article.paragraphs == ["Đề nghị bà con đến đúng giờ."]
    assert article.author == "Nguyễn Văn An"


def test_pasted_text_with_portal_chrome_still_goes_through_the_classifier() -> None:
    text = ("PublishingPortal - Block_BanTin_Toolbar\n25/10/2022\nTăng cỡ chữ Giảm cỡ chữ\n"
            "Xã Quang Thuận ra quân làm đường giao thông nông thôn\n"
            "Sáng nay, hơn hai trăm đoàn viên và bà con xã Quang Thuận đã ra quân làm đường.\n")
    article = extract_article(text, content_type="text/plain")
    assert article.date == "2022-10-25"
    assert not any("Tăng cỡ chữ" in p for p in [article.lead or "", *article.paragraphs])
