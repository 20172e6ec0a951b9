"""From a cleaned article to the script read aloud."""

from __future__ import annotations

import re

import pytest

from bantin_audio.config import Settings
from bantin_audio.errors import ExtractionError
from bantin_audio.model import Article
from bantin_audio.speech.script import build_script, date_line

ARTICLE = Article(
    title="Xã Yên Phong đạt 9/19 tiêu chí",
    date="2024-03-05",
    lead="Năm 2024, xã huy động 12,5 tỷ đồng.",
    paragraphs=["Trong công tác giải phóng mặt bằng (GPMB), xã đã vận động 120 hộ.",
                "Công tác GPMB hoàn thành trước ngày 30/6/2024./."],
    captions=["Toàn cảnh hội nghị (ảnh: Minh Hà)."],
    author="Minh Hà",
)


def test_segments_in_reading_order_with_pauses() -> None:
    script = build_script(ARTICLE, Settings(pause_title_ms=700, pause_paragraph_ms=450))
    assert [s.kind for s in script.segments] == ["title", "date", "lead", "paragraph",
                                                 "paragraph", "author"]
    assert [s.index for s in script.segments] == list(range(6))
    assert script.segments[0].pause_ms == 700
    assert script.segments[2].pause_ms == 450
    assert script.segments[-1].pause_ms == 0


def test_display_keeps_the_original_and_spoken_has_no_digits() -> None:
    script = build_script(ARTICLE)
    assert script.segments[0].display == ARTICLE.title
    assert script.segments[1].display == "Ngày 5/3/2024"
    for seg in script.segments:
        assert not re.search(r"\d", seg.spoken), seg.spoken


def test_captions_are_not_read() -> None:
    script = build_script(ARTICLE)
    assert not any("Toàn cảnh" in s.spoken or "Toàn cảnh" in s.display for s in script.segments)


def test_definitions_carry_across_paragraphs() -> None:
    script = build_script(ARTICLE)
    second = script.segments[4].spoken
    assert "giải phóng mặt bằng" in second
    assert "GPMB" not in second


def test_article_without_body_cannot_be_read() -> None:
    with pytest.raises(ExtractionError):
        build_script(Article(title="Chỉ có tiêu đề", author="A"))


def test_date_line_drops_leading_zeros() -> None:
    assert date_line("2022-10-05") == "Ngày 5/10/2022"


def test_article_without_headline_is_read_and_named_by_its_opening_words() -> None:
    article = Article(title=None, paragraphs=["Sáng nay, bà con thôn Nà Pài họp bàn làm đường.",
                                              "Cuộc họp kết thúc lúc mười giờ."])
    script = build_script(article)
    assert [s.kind for s in script.segments] == ["paragraph", "paragraph"]
    assert script.title == "Sáng nay, bà con thôn Nà Pài họp bàn làm đường."


def test_a_headline_made_of_the_opening_words_is_not_read_twice() -> None:
    text = "Họp dân lúc tám giờ sáng mai tại nhà văn hóa thôn Nà Pài để bàn việc làm đường."
    article = Article(title="Họp dân lúc tám giờ sáng mai tại nhà văn hóa thôn…", lead=text)
    assert [s.kind for s in build_script(article).segments] == ["lead"]
    same = Article(title=text, lead=text)
    assert [s.kind for s in build_script(same).segments] == ["lead"]
