"""Each spoken phrase is pinned to the shown words it reads."""

from __future__ import annotations

from bantin_audio.speech.chunks import split_phrases
from bantin_audio.speech.normalize import normalize_text
from bantin_audio.speech.phrases import phrase_spans

SHOWN = ("Từ đầu nhiệm kỳ đến nay, cấp ủy, chính quyền các cấp trên địa bàn xã đã tập trung "
         "lãnh đạo, chỉ đạo, triển khai nhiều biện pháp đồng bộ, hiệu quả nhằm đẩy nhanh tiến độ. "
         "Năm 2025, xã có 14 sản phẩm OCOP đạt 3 sao; thu nhập bình quân đầu người đạt 48,5 triệu "
         "đồng/năm, tăng 9% so với năm 2023. Theo UBND xã, TP. Thái Nguyên hỗ trợ thêm.")


def _texts(shown: str) -> list[str]:
    spoken = normalize_text(shown)
    return [shown[p.start:p.end] for p in phrase_spans(shown, spoken)]


def test_phrases_cover_the_shown_text_in_order() -> None:
    spoken = normalize_text(SHOWN)
    spans = phrase_spans(SHOWN, spoken)
    assert len(spans) == len(split_phrases(spoken)) > 3
    assert [s.chars for s in spans] == [len(p) for p in split_phrases(spoken)]
    assert spans[0].start == 0 and spans[-1].end == len(SHOWN)
    for a, b in zip(spans, spans[1:], strict=False):
        assert a.end < b.start <= a.end + 1  # no overlap, at most the space between them
    texts = _texts(SHOWN)
    assert texts[2] == "Năm 2025, xã có 14 sản phẩm OCOP đạt 3 sao;"  # numbers read out
    assert texts[-1] == "Theo UBND xã, TP. Thái Nguyên hỗ trợ thêm."  # "TP." is no sentence end
    assert all(t == t.strip() and t for t in texts)


def test_a_cut_inside_a_clause_falls_at_a_word_start() -> None:
    shown = ("Ủy ban nhân dân xã đề nghị các hộ gia đình trên địa bàn thôn Bản Pjạc khẩn trương "
             "hoàn thiện hồ sơ đăng ký cấp giấy chứng nhận quyền sử dụng đất trước ngày 30 tháng 6")
    texts = _texts(shown)
    assert len(texts) == 2
    assert " ".join(texts) == shown
    assert all(shown.startswith(t) or f" {t}" in shown for t in texts)


def test_unalignable_text_reads_as_one_whole_segment() -> None:
    shown = "Một câu dài. " * 12
    spoken = "một đoạn được viết lại hoàn toàn khác không còn dấu câu nào " * 3
    spans = phrase_spans(shown.strip(), spoken)
    assert len(spans) > 1
    assert {(s.start, s.end) for s in spans} == {(0, len(shown.strip()))}


def test_offsets_count_utf16_units_like_the_browser() -> None:
    shown = ("Chương trình 🎉 khai mạc lúc 8 giờ, tại nhà văn hóa thôn, có đông đảo bà con "
             "tham dự, cùng đại biểu các xã lân cận và khách mời từ thành phố.")
    spans = phrase_spans(shown, normalize_text(shown))
    assert len(spans) == 2
    units = shown.encode("utf-16-le")
    second = units[2 * spans[1].start:2 * spans[1].end].decode("utf-16-le")
    assert second.startswith("có") or second.startswith("cùng") or second.startswith("tại")
    assert spans[-1].end == len(units) // 2


def test_short_and_empty_segments() -> None:
    assert phrase_spans("", "") == []
    [one] = phrase_spans("Huyện Bạch Thông", "Huyện Bạch Thông")
    assert (one.start, one.end) == (0, 16)
