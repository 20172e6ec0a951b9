"""The phrase cutter that decides what each Google request carries."""

from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from bantin_audio.speech.chunks import split_count_inside_clause, split_phrases

PARAGRAPH = (
    "Từ đầu nhiệm kỳ đến nay, cấp ủy, chính quyền các cấp trên địa bàn huyện đã tập trung lãnh "
    "đạo, chỉ đạo, triển khai nhiều biện pháp đồng bộ. Đến nay, huyện ủy đã ban hành năm nghị "
    "quyết chuyên đề; các đoàn thể huyện cũng đã xây dựng kế hoạch, chương trình hành động."
)


def test_short_text_is_one_phrase() -> None:
    assert split_phrases("Bản tin sáng nay.") == ["Bản tin sáng nay."]


def test_phrases_fit_the_limit_and_keep_every_word_in_order() -> None:
    phrases = split_phrases(PARAGRAPH)
    assert all(len(p) <= 100 for p in phrases)
    assert " ".join(phrases).split() == PARAGRAPH.split()


def test_prefers_sentence_end_then_clause_then_comma() -> None:
    phrases = split_phrases(PARAGRAPH)
    assert any(p.endswith("đồng bộ.") for p in phrases)  # the sentence end is a cut
    assert any(p.endswith(";") for p in phrases)
    assert split_count_inside_clause(PARAGRAPH) == 0


def test_cuts_at_a_space_only_when_a_clause_is_too_long() -> None:
    long_clause = " ".join(["nông thôn mới"] * 12)  # 155 characters, no punctuation
    phrases = split_phrases(long_clause)
    assert len(phrases) == 2
    assert all(len(p) <= 100 for p in phrases)
    assert split_count_inside_clause(long_clause) == 1


def test_decomposed_input_is_composed_first() -> None:
    decomposed = unicodedata.normalize("NFD", "Nghị quyết đại hội Đảng bộ huyện")
    assert split_phrases(decomposed) == ["Nghị quyết đại hội Đảng bộ huyện"]


def test_punctuation_only_pieces_never_stand_alone() -> None:
    phrases = split_phrases("Kết thúc bản tin ./.  …")
    assert phrases and all(any(ch.isalnum() for ch in p) for p in phrases)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from("aăâđêôơưáàảãạ ,.;:!?-\n"), max_size=600),
       st.integers(min_value=10, max_value=120))
def test_any_text_respects_the_limit_and_never_splits_words(text: str, limit: int) -> None:
    phrases = split_phrases(text, limit)
    assert all(len(p) <= limit for p in phrases)
    words = [w for w in unicodedata.normalize("NFC", text).split() if any(c.isalnum() for c in w)]
    got = [w for w in " ".join(phrases).split() if any(c.isalnum() for c in w)]
    if all(len(w) <= limit for w in words):
        assert got == words  # no word was cut in two


def test_inside_a_long_clause_the_cut_falls_before_a_joining_word() -> None:
    clause = ("cấp ủy chính quyền các cấp trên địa bàn huyện tập trung lãnh đạo chỉ đạo quyết liệt "
              "và huy động sức mạnh của cả hệ thống chính trị trong thực hiện nhiệm vụ")
    first, *rest = split_phrases(clause)
    assert rest
    assert rest[0].split()[0] in {"và", "của", "trong"}
    assert len(first) >= 50
