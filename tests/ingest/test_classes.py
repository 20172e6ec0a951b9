"""The kinds of page furniture real portals print around an article: posting stamps against
header clocks and counters, bylines and sources, captions with and without a final period,
and widgets. Each kind has example lines here and a property test over generated pages."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bantin_audio.ingest import extract_article
from bantin_audio.ingest.lines import (
    byline_author,
    is_caption,
    is_chrome,
    is_counter_line,
    is_credit_line,
    is_posting_stamp,
    source_author,
)

HEADLINE = "Huyện Quế Phong khánh thành cầu treo bản Na Chạng"
LEAD = ("Sáng 24/10, UBND huyện Quế Phong tổ chức lễ khánh thành và đưa vào sử dụng cầu treo "
        "bản Na Chạng, xã Hạnh Dịch, với tổng kinh phí hơn 3,2 tỷ đồng.")
PARA_1 = ("Cây cầu dài 86 m, rộng 1,5 m, tải trọng 0,5 tấn, được xây dựng từ nguồn vốn Chương "
          "trình mục tiêu quốc gia phát triển kinh tế - xã hội vùng đồng bào dân tộc thiểu số.")
PARA_2 = ("Trước đây, mỗi mùa mưa lũ, hơn 120 hộ dân bản Na Chạng phải đi đò hoặc lội suối để "
          "ra trung tâm xã, nhiều học sinh phải nghỉ học dài ngày vì nước dâng cao.")
PARA_3 = ("Phát biểu tại buổi lễ, lãnh đạo huyện đề nghị chính quyền xã và bà con bản Na Chạng "
          "giữ gìn, bảo quản công trình để cầu phục vụ lâu dài cho việc đi lại, sản xuất.")


def dump(*lines: str) -> str:
    return "\n".join(lines) + "\n"


def body_of(text: str) -> list[str]:
    article = extract_article(text)
    return [x for x in [article.lead, *article.paragraphs] if x]


# --- publication date ---------------------------------------------------------------------

@pytest.mark.parametrize("clock", [
    "Thứ 2, 01/12/2025, 08:15 [GMT+7]",
    "Hôm nay: Thứ Hai, ngày 01/12/2025",
    "01/12/2025 08:15:02",
])
def test_the_stamp_beside_the_title_wins_over_the_header_clock(clock: str) -> None:
    text = dump("Cổng thông tin điện tử huyện Quế Phong", clock, "Trang chủ", "Giới thiệu",
                "Tin tức - Sự kiện", "Văn bản", HEADLINE, "Thứ 5, 20/11/2025 | 10:02:11", LEAD,
                PARA_1)
    article = extract_article(text)
    assert (article.title, article.date) == (HEADLINE, "2025-11-20")


def test_a_header_clock_over_the_menu_is_not_the_date_even_near_the_title() -> None:
    text = dump("Thứ 2, 01/12/2025, 08:15 [GMT+7]", "Trang chủ", "Tin tức - Sự kiện", HEADLINE,
                LEAD, PARA_1)
    assert extract_article(text).date is None
    # A stamp with its time zone right under the headline is the article's own.
    text = dump(HEADLINE, "Thứ năm, 20/11/2025, 10:02 (GMT+7)", LEAD, PARA_1)
    assert extract_article(text).date == "2025-11-20"


def test_a_labelled_posting_stamp_wins_over_an_unlabelled_date() -> None:
    text = dump(HEADLINE, "20/11/2025", "Ngày đăng: 18/11/2025 07:30", LEAD, PARA_1)
    assert extract_article(text).date == "2025-11-18"
    text = dump(HEADLINE, "Cập nhật: 19/11/2025", LEAD, PARA_1, "Thứ 2, 01/12/2025")
    assert extract_article(text).date == "2025-11-19"


def test_a_view_counter_line_loses_to_any_stamp() -> None:
    text = dump(HEADLINE, "Thứ 5, 20/11/2025 | 10:02", "Lượt xem: 1.523 - 01/12/2025", LEAD,
                PARA_1)
    assert extract_article(text).date == "2025-11-20"
    text = dump(HEADLINE, "01/12/2025 | 1.523 lượt xem", LEAD, PARA_1, "20/11/2025")
    assert extract_article(text).date == "2025-11-20"
    # Alone beside the headline, the stamp on the counter line is the article's own.
    text = dump(HEADLINE, "20/11/2025 10:02 | 1.523 lượt xem", LEAD, PARA_1)
    assert extract_article(text).date == "2025-11-20"


@pytest.mark.parametrize("stats", [
    "Hôm nay: 01/12/2025 | Lượt truy cập: 1.234.567",
    "Đang truy cập: 25 - 01/12/2025",
])
def test_site_statistics_never_date_the_article(stats: str) -> None:
    assert extract_article(dump(HEADLINE, stats, LEAD, PARA_1)).date is None
    text = dump(HEADLINE, stats, "Cập nhật: 20/11/2025", LEAD, PARA_1)
    assert extract_article(text).date == "2025-11-20"


def test_the_posting_stamp_wins_over_the_update_stamp() -> None:
    text = dump(HEADLINE, "Cập nhật: 22/11/2025 16:40", "Ngày đăng: 20/11/2025 10:02", LEAD,
                PARA_1)
    assert extract_article(text).date == "2025-11-20"


def test_an_event_date_in_the_lead_never_beats_a_stamp() -> None:
    lead = "Sáng ngày 18/11/2025, xã Hạnh Dịch tổ chức ngày hội đại đoàn kết toàn dân tộc."
    assert extract_article(dump(HEADLINE, "Cập nhật: 20/11/2025", lead, PARA_1)).date \
        == "2025-11-20"
    assert extract_article(dump(HEADLINE, "20/11/2025", lead, PARA_1)).date == "2025-11-20"


def test_without_any_stamp_the_event_date_of_the_lead_dates_the_article() -> None:
    lead = "Sáng ngày 18/11/2025, xã Hạnh Dịch tổ chức ngày hội đại đoàn kết toàn dân tộc."
    assert extract_article(dump(HEADLINE, lead, PARA_1)).date == "2025-11-18"
    assert extract_article(dump(HEADLINE, LEAD, PARA_1)).date is None  # "24/10": no year


@pytest.mark.parametrize("line, posting, counter", [
    ("Ngày đăng: 20/11/2025", True, False),
    ("Cập nhật lúc 10:02 ngày 20/11/2025", True, False),
    ("Lượt xem: 1.523 | Ngày đăng: 20/11/2025", True, False),
    ("20/11/2025 | 1.523 lượt xem", False, True),
    ("Hôm nay: 01/12/2025 | Lượt truy cập: 1.234.567", False, True),
    ("Thứ 2, 01/12/2025, 08:15 [GMT+7]", False, False),
])
def test_stamp_labels(line: str, posting: bool, counter: bool) -> None:
    assert (is_posting_stamp(line), is_counter_line(line)) == (posting, counter)


# --- authors and sources -----------------------------------------------------------------

@pytest.mark.parametrize("line, author", [
    ("CTV: Minh Hà (Trung tâm Văn hóa - Thể thao huyện Quế Phong)", "Minh Hà"),
    ("PV: Lê Hằng (Đài Truyền thanh xã Hạnh Dịch)", "Lê Hằng"),
    ("Tin, ảnh: Quang Dũng - Trung tâm VHTT huyện", "Quang Dũng"),
    ("H.Lan", "H.Lan"),
    ("T.Hương - N.Minh", "T.Hương - N.Minh"),
    ("BBT", "BBT"),
    ("PV", "PV"),
    ("Nhóm PV", "Nhóm PV"),
    ("TTXVN", "TTXVN"),
])
def test_byline_shapes(line: str, author: str) -> None:
    assert byline_author(line) == author


@pytest.mark.parametrize("line, source", [
    ("Theo Báo Nghệ An điện tử", "Báo Nghệ An điện tử"),
    ("(Theo TTXVN)", "TTXVN"),
    ("Theo baonghean.vn", "baonghean.vn"),
    ("Nguồn: Đài Phát thanh và Truyền hình tỉnh", "Đài Phát thanh và Truyền hình tỉnh"),
    ("Theo kế hoạch, huyện khởi công thêm hai cầu treo", None),
    ("Theo ông Lô Văn Thành, cây cầu giúp bà con đi lại an toàn", None),
])
def test_source_attributions(line: str, source: str | None) -> None:
    assert source_author(line) == source


def test_a_source_is_the_author_only_when_nobody_signs() -> None:
    text = dump(HEADLINE, "Cập nhật: 25/10/2025", LEAD, PARA_1, "Theo Báo Nghệ An điện tử")
    assert extract_article(text).author == "Báo Nghệ An điện tử"
    text = dump(HEADLINE, "Cập nhật: 25/10/2025", LEAD, PARA_1, "Hải Yến",
                "Theo Báo Nghệ An điện tử")
    article = extract_article(text)
    assert article.author == "Hải Yến"
    assert "Theo Báo Nghệ An điện tử" not in article.paragraphs


def test_a_right_aligned_byline_after_a_run_of_spaces() -> None:
    text = dump(HEADLINE, LEAD, PARA_1, " " * 60 + "Lô Thị Hoa (Trạm Khuyến nông huyện)")
    article = extract_article(text)
    assert article.author == "Lô Thị Hoa"
    assert article.paragraphs == [PARA_1]


# --- captions ----------------------------------------------------------------------------

def test_a_caption_with_a_period_over_a_photo_credit_line() -> None:
    caption = "Bà con bản Na Chạng đi trên cầu treo mới trong ngày khánh thành."
    credit = "Ảnh: Văn Bình (Trung tâm Văn hóa - Thể thao huyện)"
    article = extract_article(dump(HEADLINE, LEAD, PARA_1, caption, credit, PARA_2))
    assert article.captions == [caption, credit]
    assert article.paragraphs == [PARA_1, PARA_2]


@pytest.mark.parametrize("line, credit", [
    ("Ảnh: Văn Bình (Trung tâm Văn hóa - Thể thao huyện)", True),
    ("(Ảnh: Hữu Nghĩa)", True),
    ("Ảnh: Lương Tuấn, Hải Yến", True),
    ("Ảnh: Tư liệu", True),
    ("Ảnh minh họa", True),
    ("Ảnh: Lãnh đạo huyện cắt băng khánh thành cầu treo", False),  # a caption, not a credit
    ("Ảnh hưởng của mưa lũ khiến 12 hộ phải di dời.", False),
])
def test_photo_credit_lines(line: str, credit: bool) -> None:
    assert is_credit_line(line) is credit


@pytest.mark.parametrize("credit", [(), ("Ảnh: Lương Tuấn",)])
def test_the_photo_over_the_lead_is_not_the_lead(credit: tuple[str, ...]) -> None:
    caption = "Người dân bản Na Chạng qua cầu treo mới."
    article = extract_article(dump(HEADLINE, "Ngày đăng: 25/10/2025", caption, *credit, LEAD,
                                   PARA_1))
    assert (article.lead, article.captions) == (LEAD, [caption, *credit])


def test_a_caption_opening_with_anh_does_not_make_the_lead_a_caption() -> None:
    caption = "Ảnh: Lãnh đạo huyện cắt băng khánh thành cầu treo"
    article = extract_article(dump(HEADLINE, "Ngày đăng: 25/10/2025", LEAD, caption, PARA_1))
    assert (article.lead, article.captions, article.paragraphs) == (LEAD, [caption], [PARA_1])


@pytest.mark.parametrize("caption", [
    "Người dân bản Na Chạng qua cầu treo mới.",
    "Học sinh xã Hạnh Dịch trên đường tới trường.",
    "Cầu treo bản Na Chạng nhìn từ trên cao.",
])
def test_a_photo_sentence_between_long_paragraphs_is_a_caption(caption: str) -> None:
    article = extract_article(dump(HEADLINE, LEAD, PARA_1, caption, PARA_2, PARA_3))
    assert caption in article.captions
    assert article.paragraphs == [PARA_1, PARA_2, PARA_3]


@pytest.mark.parametrize("line", [
    "Lãnh đạo huyện đã trao 50 suất quà cho các hộ nghèo.",
    "Hiện nay, toàn xã còn 36 hộ nghèo.",
    "Dự kiến công trình hoàn thành trong tháng 12.",
    "Bà Lương Thị Hiền cho biết: “Có cầu rồi, con cháu đi học không phải lo nữa”.",
])
def test_short_story_sentences_between_paragraphs_stay_in_the_body(line: str) -> None:
    article = extract_article(dump(HEADLINE, LEAD, PARA_1, line, PARA_2, PARA_3))
    assert line in article.paragraphs


@pytest.mark.parametrize("line", [
    "Ảnh: Văn Bình (Trung tâm Văn hóa - Thể thao huyện)",
    "Đại biểu cắt băng khánh thành cầu treo bản Na Chạng (ảnh: Hữu Nghĩa)",
    "Bà con qua cầu treo mới trong ngày khánh thành. Ảnh: Văn Bình",
    "Ảnh minh họa",
    "(Ảnh minh họa)",
])
def test_credit_shapes_are_captions(line: str) -> None:
    assert is_caption(line)


# --- widgets -----------------------------------------------------------------------------

@pytest.mark.parametrize("line", [
    "Còn lại 1000 ký tự", "Còn lại: 985 ký tự", "Nội dung bình luận phải có ít nhất 10 ký tự",
    "Bạn cần nhập tối thiểu 20 ký tự", "Gửi bình luận", "Vui lòng nhập họ tên",
    "Họ và tên (*)", "Mã xác nhận", "Đánh giá bài viết", "Rất hay Hay Bình thường",
    "(0 đánh giá)", "Bình chọn:", "1.523 lượt xem", "Số lượt xem: 42", "Đã xem: 1234",
    "Views: 120", "Switch to the desktop site", "Switch to mobile version", "Back to top",
    "Powered by WordPress", "Leave a comment", "Like 0 · Tweet · Chia sẻ",
    "Trưởng Ban biên tập: Ông Lô Văn Hùng - Phó Chủ tịch UBND huyện Quế Phong",
    "Thiết kế bởi Trung tâm Công nghệ thông tin và Truyền thông tỉnh",
])
def test_widget_strings_are_chrome(line: str) -> None:
    assert is_chrome(line)


@pytest.mark.parametrize("line", [
    "Toàn huyện có 1.523 hộ được hỗ trợ xây nhà ở trong năm 2025.",
    "Học sinh được hướng dẫn gõ văn bản tiếng Việt trên máy tính.",
    "Hay tin bão đổ bộ, bà con khẩn trương chằng chống nhà cửa.",
])
def test_body_sentences_with_widget_words_are_not_chrome(line: str) -> None:
    assert not is_chrome(line)


def test_comment_form_and_mobile_theme_are_not_read() -> None:
    text = dump(HEADLINE, "Cập nhật: 25/10/2025", LEAD, PARA_1, PARA_2, "Hải Yến",
                "Ý kiến bạn đọc", "Còn lại 1000 ký tự",
                "Nội dung bình luận phải có ít nhất 10 ký tự", "Gửi bình luận",
                "Switch to the desktop site")
    assert body_of(text) == [LEAD, PARA_1, PARA_2]


# --- properties over generated pages --------------------------------------------------------

SURNAMES = ["Nguyễn", "Lê", "Lô", "Vi", "Lương", "Hà", "Moong", "Kha"]
GIVEN = ["Văn Bình", "Thị Hoa", "Hải Yến", "Minh Hà", "Quang Dũng", "Thu Trang", "Hữu Nghĩa"]
ORGS = ["Trung tâm Văn hóa - Thể thao huyện", "Đài Truyền thanh xã Hạnh Dịch",
        "Trạm Khuyến nông huyện", "Phòng Văn hóa và Thông tin"]
PROVINCES = ["Nghệ An", "Lạng Sơn", "Hà Giang", "Yên Bái", "Sơn La"]

names = st.builds(lambda s, g: f"{s} {g}", st.sampled_from(SURNAMES), st.sampled_from(GIVEN))
short_names = st.sampled_from(GIVEN)
numbers = st.integers(min_value=1, max_value=99_999).map(lambda n: f"{n:,}".replace(",", "."))

widgets = st.one_of(
    st.integers(0, 2000).map(lambda n: f"Còn lại {n} ký tự"),
    st.integers(5, 50).map(lambda n: f"Nội dung bình luận phải có ít nhất {n} ký tự"),
    st.integers(5, 50).map(lambda n: f"Bạn cần nhập tối thiểu {n} ký tự"),
    numbers.map(lambda n: f"{n} lượt xem"),
    numbers.map(lambda n: f"Lượt xem: {n}"),
    numbers.map(lambda n: f"Số lượt đọc: {n}"),
    st.integers(0, 999).map(lambda n: f"Like {n} · Tweet · Chia sẻ"),
    st.integers(0, 99).map(lambda n: f"({n} đánh giá)"),
    st.sampled_from(["Gửi bình luận", "Switch to the desktop site", "Switch to mobile version",
                     "Back to top", "Rất hay Hay Bình thường", "Đánh giá bài viết",
                     "Vui lòng nhập họ tên", "Mã xác nhận", "Leave a comment"]),
)
bylines = st.one_of(
    st.builds(lambda r, n, o: f"{r}: {n} ({o})", st.sampled_from(["CTV", "PV", "BTV"]), names,
              st.sampled_from(ORGS)),
    st.builds(lambda k, n: " " * k + n, st.integers(30, 90), names),
    st.builds(lambda a, g: f"{a}.{g.split()[-1]}", st.sampled_from("HNTLMQ"), short_names),
    st.sampled_from(["BBT", "PV", "Nhóm PV", "TTXVN", "(PV)"]),
    st.sampled_from(PROVINCES).map(lambda p: f"Theo Báo {p} điện tử"),
)
credits = st.builds(lambda n, o: f"Ảnh: {n} ({o})", names, st.sampled_from(ORGS))
photo_sentences = st.builds(
    lambda who, what: f"{who} {what}.",
    st.sampled_from(["Người dân bản Na Chạng", "Học sinh xã Hạnh Dịch", "Lãnh đạo huyện",
                     "Đoàn viên thanh niên", "Bà con bản Piêng Cu"]),
    st.sampled_from(["qua cầu treo mới", "dự lễ khánh thành cầu treo",
                     "trồng cây xanh hai bên đường", "thu hoạch lúa trên ruộng bậc thang"]),
)
captions = st.one_of(
    st.tuples(photo_sentences, credits),
    st.tuples(photo_sentences),
)
BODY = [PARA_1, PARA_2, PARA_3]


clocks = st.builds(
    lambda wd, d, m, h, mi: f"Thứ {wd}, {d:02d}/{m:02d}/2025, {h:02d}:{mi:02d} [GMT+7]",
    st.integers(2, 7), st.integers(1, 28), st.integers(1, 12), st.integers(0, 23),
    st.integers(0, 59))
MENU = ["Trang chủ", "Giới thiệu", "Tin tức - Sự kiện", "Văn bản", "Hỏi đáp"]


@settings(max_examples=40, deadline=None)
@given(top=st.lists(widgets, max_size=2), tail=st.lists(widgets, min_size=1, max_size=4))
def test_no_widget_string_is_ever_body(top: list[str], tail: list[str]) -> None:
    text = dump(HEADLINE, "Cập nhật: 25/10/2025", *top, LEAD, *BODY, "Hải Yến", *tail)
    article = extract_article(text)
    assert [article.lead, *article.paragraphs] == [LEAD, *BODY]


@settings(max_examples=40, deadline=None)
@given(caption=captions, at=st.integers(0, 1))
def test_no_caption_is_ever_body(caption: tuple[str, ...], at: int) -> None:
    paras = list(BODY)
    paras[at + 1:at + 1] = list(caption)
    article = extract_article(dump(HEADLINE, "Cập nhật: 25/10/2025", LEAD, *paras))
    assert [article.lead, *article.paragraphs] == [LEAD, *BODY]
    assert article.captions == list(caption)


@settings(max_examples=40, deadline=None)
@given(byline=bylines, end_mark=st.booleans())
def test_no_byline_is_ever_body(byline: str, end_mark: bool) -> None:
    last = BODY[-1][:-1] + "./." if end_mark else BODY[-1]
    article = extract_article(dump(HEADLINE, "Cập nhật: 25/10/2025", LEAD, *BODY[:-1], last,
                                   byline))
    assert [article.lead, *article.paragraphs] == [LEAD, *BODY]
    assert article.author and article.author in byline


@settings(max_examples=40, deadline=None)
@given(clock=clocks, menu=st.lists(st.sampled_from(MENU), min_size=2, max_size=5),
       day=st.integers(1, 28))
def test_a_header_clock_never_dates_the_article(clock: str, menu: list[str], day: int) -> None:
    stamp = f"Thứ 5, {day:02d}/11/2025 | 10:02:11"
    text = dump("Cổng thông tin điện tử huyện Quế Phong", clock, *menu, HEADLINE, stamp, LEAD,
                *BODY)
    article = extract_article(text)
    assert (article.title, article.date) == (HEADLINE, f"2025-11-{day:02d}")


@settings(max_examples=60, deadline=None)
@given(top=st.lists(widgets, max_size=2), tail=st.lists(widgets, max_size=4), byline=bylines,
       caption=captions, at=st.integers(0, 1))
def test_no_widget_caption_or_byline_is_ever_body(top: list[str], tail: list[str], byline: str,
                                                  caption: tuple[str, ...], at: int) -> None:
    paras = list(BODY)
    paras[at + 1:at + 1] = list(caption)
    text = dump(HEADLINE, "Cập nhật: 25/10/2025", *top, LEAD, *paras, byline, *tail)
    article = extract_article(text)
    assert [article.lead, *article.paragraphs] == [LEAD, *BODY]
    assert list(caption) == article.captions
    assert article.author
