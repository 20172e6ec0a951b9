"""The passes of the line classifier, one at a time, on a small page written for the test."""

from __future__ import annotations

from bantin_audio.ingest.lines import (
    Layout,
    Line,
    Parts,
    assemble,
    body_roles,
    choose_date,
    choose_lead,
    choose_title,
    classify,
    find_extent,
    head_roles,
    scan_kinds,
)

PAGE = [
    "Cổng thông tin điện tử huyện Tương Dương",     # 0 site name (text)
    "Thứ 2, 01/12/2025, 08:15 [GMT+7]",             # 1 header clock (stamp)
    "Trang chủ",                                    # 2 menu (weak chrome)
    "Tin tức - Sự kiện",                            # 3 menu (weak chrome)
    "Văn bản",                                      # 4 menu (weak chrome)
    "Tương Dương mở lớp dạy nghề dệt thổ cẩm",      # 5 title
    "Thứ 4, 19/11/2025 | 09:12",                    # 6 posting stamp
    "Lượt xem: 842",                                # 7 counter (stamp without a date)
    "Nguyễn Thu Hà",                                # 8 byline under the title
    ("Sáng 18/11, Trung tâm Giáo dục nghề nghiệp huyện Tương Dương khai giảng lớp dạy nghề "
     "dệt thổ cẩm cho 30 phụ nữ dân tộc Thái ở xã Yên Na."),                      # 9 lead
    ("Lớp học kéo dài hai tháng, học viên được hỗ trợ tiền ăn, tiền đi lại và được cấp "
     "chứng chỉ sơ cấp nghề khi hoàn thành khóa học."),                          # 10
    "Học viên thực hành trên khung dệt.",                                        # 11 caption
    "Ảnh: Lương Tuấn (Trung tâm Văn hóa - Thể thao huyện)",                      # 12 credit
    ("Sản phẩm của học viên sẽ được hợp tác xã dệt thổ cẩm Yên Na bao tiêu, giúp chị em có "
     "thêm thu nhập ổn định./."),                                                # 13 last paragraph
    "Theo Báo Nghệ An điện tử",                                                  # 14 source
    "Tin liên quan",                                                             # 15 related
    "Yên Na đón 2.000 lượt khách du lịch cộng đồng (12/11/2025)",                # 16
]
LINES = [Line(t) for t in PAGE]


def layout_through_title() -> Layout:
    layout = scan_kinds(LINES)
    layout.lead = choose_lead(LINES, layout.kinds)
    layout.title = choose_title(LINES, layout)
    return layout


def test_pass_1_kinds_and_stamps() -> None:
    layout = scan_kinds(LINES)
    assert layout.kinds[:9] == ["text", "meta", "weak", "weak", "weak", "text", "meta", "meta",
                                "text"]
    assert layout.kinds[15] == "related"
    assert layout.stamp_dates == [(1, "2025-12-01"), (6, "2025-11-19")]
    assert layout.posting == set()


def test_pass_2_lead_and_title_next_to_the_posting_stamp() -> None:
    layout = layout_through_title()
    assert (layout.lead, layout.title) == (9, 5)


def test_pass_3_head_byline_extent_and_body_roles() -> None:
    layout = layout_through_title()
    roles = ["boilerplate"] * len(LINES)
    assert head_roles(LINES, layout, roles) == "Nguyễn Thu Hà"
    assert roles[8] == "author"
    layout.stop, layout.last_prose = find_extent(LINES, layout)
    assert (layout.stop, layout.last_prose) == (15, 13)
    assert body_roles(LINES, layout, roles) == (None, "Báo Nghệ An điện tử")
    assert roles[9:15] == ["lead", "paragraph", "caption", "caption", "paragraph", "author"]


def test_pass_4_date_and_fields() -> None:
    layout = layout_through_title()
    layout.stop = 15
    assert choose_date(LINES, layout) == ("2025-11-19", "stamp")
    roles = ["boilerplate"] * 9 + ["lead", "paragraph", "caption", "caption", "paragraph"]
    parts = Parts()
    assemble(LINES, roles + ["author", "boilerplate", "boilerplate"], parts)
    assert parts.lead is not None and parts.lead.startswith("Sáng 18/11")
    assert parts.paragraphs[-1].endswith("ổn định.")  # the end mark is dropped
    assert parts.captions == [PAGE[11], PAGE[12]]


def test_classify_prefers_the_signed_byline_to_the_source() -> None:
    parts = classify(LINES)
    assert (parts.title, parts.date, parts.author) == (PAGE[5], "2025-11-19", "Nguyễn Thu Hà")
    assert parts.date_source == "stamp"
