"""The line classifier on its own: stamps, bylines, captions, titles in text dumps."""

from __future__ import annotations

import pytest

from bantin_audio.errors import ExtractionError
from bantin_audio.ingest import extract_article
from bantin_audio.ingest.lines import byline_author, is_caption, is_chrome, stamp_info
from bantin_audio.ingest.text import clean_line, strip_end_mark


@pytest.mark.parametrize("line, date", [
    ("Cập nhật: 08/04/2023", "2023-04-08"),
    ("• Cập nhật: 08/04/2023", "2023-04-08"),
    ("Ngày đăng bài: 30/01/2022 | Tác giả: Hồng Nhung", "2022-01-30"),
    ("Đăng ngày 07-05-2024 09:41", "2024-05-07"),
    ("Thứ 6, 11/10/2024 | 15:08:27", "2024-10-11"),
    ("• 3.9.2012 - 0:0", "2012-09-03"),
    ("16:45 09/10/2024", "2024-10-09"),
    ("17/08/2024", "2024-08-17"),
    ("Thứ bảy, 15/06/2024 07:40", "2024-06-15"),
    ("Ngày 21 tháng 9 năm 2023", "2023-09-21"),
])
def test_posting_stamps_give_the_date(line: str, date: str) -> None:
    is_stamp, found, _ = stamp_info(line)
    assert is_stamp and found == date


@pytest.mark.parametrize("line", [
    "Ngày 5/6, Hội Nông dân xã tổ chức tập huấn kỹ thuật nuôi ong lấy mật.",
    "Chiều ngày 9 tháng 10 năm 2024, Ban Thường vụ Đảng ủy xã họp thường kỳ.",
    "Lễ phát động Tết trồng cây năm 2025",
    "30/02/2023",
])
def test_body_lines_and_impossible_dates_are_not_stamps(line: str) -> None:
    is_stamp, date, _ = stamp_info(line)
    assert not (is_stamp and date)


def test_stamp_carries_the_author_field() -> None:
    assert stamp_info("Ngày đăng bài: 14/06/2023 | Tác giả: Quý") == (True, "2023-06-14", "Quý")


@pytest.mark.parametrize("line, author", [
    ("Khánh Linh", "Khánh Linh"),
    ("Nguồn tin: Hồng Vân", "Hồng Vân"),
    ("(CTV: Bảo Ngọc)", "Bảo Ngọc"),
    ("V.Q", "V.Q"),
    ("T.H.", "T.H"),
    ("MINH TUẤN", "MINH TUẤN"),
    ("Tin, ảnh: Hải Yến", "Hải Yến"),
    ("Thanh Hà (tổng hợp)", "Thanh Hà"),
])
def test_bylines(line: str, author: str) -> None:
    assert byline_author(line) == author


@pytest.mark.parametrize("line", [
    "(Ảnh: Hữu Nghĩa)",
    "Quế Phong Đất và Người",
    "BẢN ĐỒ QUY HOẠCH",
    "Ý kiến độc giả",
    "Các đại biểu dự lễ khánh thành cầu treo",
    "Ngày 3/8, UBND xã tổ chức họp dân.",
    "In",
    "A A A",
    "Email",
])
def test_not_bylines(line: str) -> None:
    assert byline_author(line) is None


@pytest.mark.parametrize("line, caption", [
    ("Quang cảnh buổi lễ (ảnh: Hữu Nghĩa)", True),
    ("Các đại biểu dự lễ khánh thành cầu treo", True),
    ("Đồng chí Bí thư Huyện ủy phát biểu tại hội nghị.", True),
    ("Lãnh đạo Trạm Khuyến nông báo cáo kết quả sản xuất vụ mùa của các xã", True),
    ("Hội thi có nhiều phần thi hấp dẫn, sôi nổi, như: gói bánh chưng, cắm hoa nghệ thuật, "
     "kéo co, đẩy gậy, ném còn, thi hát dân ca và trình diễn trang phục dân tộc", False),
    ("Công tác dân vận ở cơ sở được duy trì thường xuyên, bám sát đời sống nhân dân,", False),
    ("Buổi tập huấn đã hoàn thành nội dung đề ra với sự tham gia tích cực của học viên.", False),
    ("2. Về công tác an sinh xã hội", False),
    ("Đồng chí Lô Văn Hùng, Ủy viên Ban Thường vụ Huyện ủy, Trưởng Ban Dân vận Huyện ủy trao "
     "Giấy khen cho các hộ sản xuất kinh doanh giỏi", True),
    ("Cán bộ khuyến nông kiểm tra vườn cam tại xã Châu Kim.", True),
    ("NHỮNG CON SỐ ẤN TƯỢNG", False),
    ("Xã Châu Kim ra mắt tổ hợp tác nuôi cá lồng (14/05/2024)", False),
])
def test_captions(line: str, caption: bool) -> None:
    assert is_caption(line) is caption


@pytest.mark.parametrize("line", [
    "PublishingPortal - Block_BanTin_CongCu", "Giảm cỡ chữ | Tăng cỡ chữ", "Kích thước chữ",
    "3476 Lượt xem", "• ||", "• 2.981", "==========", "Đang tải...", "Quephong.nghean.gov.vn",
    "Trang chủ | Thông báo", "Cổng thông tin điện tử Quế Phong",
])
def test_chrome_lines(line: str) -> None:
    assert is_chrome(line)


def test_text_without_title_keeps_every_body_line() -> None:
    text = ("Ngày 3/8, Đảng ủy xã Châu Kim tổ chức hội nghị sơ kết công tác tháng 7 năm 2024, "
            "triển khai nhiệm vụ tháng 8.\n"
            "Tại hội nghị, các đại biểu đã thảo luận giải pháp thu hoạch cam đúng thời vụ.\n")
    article = extract_article(text)
    assert article.title is None
    assert article.lead.startswith("Ngày 3/8")
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
        extract_article("Trang chủ\nGiảm cỡ chữ | Tăng cỡ chữ\n3476 Lượt xem\nXem thêm\n")


def test_clean_line_folds_space_and_removes_invisible_characters() -> None:
    decomposed = "Huye\u0323\u0302n  Ba\u0300\u200b Đi\u0300nh\u00a0\u00ad"
    assert clean_line(decomposed) == "Huyện Bà Đình"


def test_strip_end_mark() -> None:
    assert strip_end_mark("phát triển./.  ") == "phát triển."
    assert strip_end_mark("phát triển ./.") == "phát triển."
    assert strip_end_mark('nguồn phân bón hữu cơ"./.') == 'nguồn phân bón hữu cơ".'
    assert strip_end_mark("có đúng không?./.") == "có đúng không?"
    assert strip_end_mark("phát triển.") == "phát triển."
    assert strip_end_mark("hộ nghèo./. ./.") == "hộ nghèo."  # the mark pasted twice


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
    assert byline_author("Bà Lô Thị Hằng- Phó Chủ tịch UBND xã phát biểu bế mạc") is None


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
