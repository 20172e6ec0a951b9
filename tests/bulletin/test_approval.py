"""Approval: draft until an editor approves; any change afterwards returns it to draft."""

from __future__ import annotations

import datetime as dt

import pytest

from bantin_audio.bulletin import (
    APPROVED,
    DRAFT,
    Bulletin,
    add_item,
    approve,
    current_status,
    fingerprint,
    is_downloadable,
    move_item,
    remove_item,
    require_downloadable,
    update_settings,
)
from bantin_audio.errors import InputError, NotFound
from bantin_audio.model import Article
from tests.bulletin.builds import make_bulletin

NOW = dt.datetime(2026, 11, 30, 7, 0, tzinfo=dt.UTC)


def _approved() -> Bulletin:
    return approve(make_bulletin(), "Nguyễn Văn An", now=NOW)


def test_a_new_bulletin_is_a_draft_and_not_downloadable() -> None:
    bulletin = make_bulletin()
    assert current_status(bulletin) == DRAFT
    assert not is_downloadable(bulletin)
    with pytest.raises(NotFound, match="chưa được duyệt"):
        require_downloadable(bulletin)


def test_approval_records_who_and_when() -> None:
    bulletin = _approved()
    assert current_status(bulletin) == APPROVED
    assert bulletin.approved_by == "Nguyễn Văn An"
    assert bulletin.approved_at == "2026-11-30T07:00:00+00:00"
    assert is_downloadable(bulletin)
    require_downloadable(bulletin)
    assert is_downloadable(bulletin, fingerprint(bulletin))


@pytest.mark.parametrize("change", [
    lambda b: add_item(b, Article(title="Tin mới", paragraphs=["Nội dung."])),
    lambda b: remove_item(b, 0),
    lambda b: move_item(b, 0, 1),
    lambda b: move_item(b, 2, -1),
    lambda b: update_settings(b, tempo=0.9),
    lambda b: update_settings(b, name="Đài truyền thanh xã Khác"),
    lambda b: update_settings(b, date="2022-10-26"),
], ids=["add", "remove", "down", "up", "tempo", "station", "date"])
def test_any_change_after_approval_returns_to_draft(change) -> None:  # type: ignore[no-untyped-def]
    bulletin = _approved()
    change(bulletin)
    assert bulletin.status == DRAFT
    assert (bulletin.approved_by, bulletin.approved_at) == (None, None)
    assert not is_downloadable(bulletin)


def test_an_edit_in_place_also_counts_as_a_change() -> None:
    bulletin = _approved()
    bulletin.items[1].article.paragraphs.append("Một đoạn thêm sau khi duyệt.")
    assert current_status(bulletin) == DRAFT
    assert bulletin.status == DRAFT and bulletin.approved_by is None


def test_a_build_of_other_content_is_not_offered() -> None:
    bulletin = make_bulletin()
    old_build = fingerprint(bulletin)
    update_settings(bulletin, tempo=1.1)
    approve(bulletin, "Biên tập viên", now=NOW)
    assert is_downloadable(bulletin)
    assert not is_downloadable(bulletin, old_build)


def test_approval_needs_an_editor_and_a_buildable_bulletin() -> None:
    with pytest.raises(InputError, match="biên tập viên"):
        approve(make_bulletin(), "  ")
    with pytest.raises(InputError, match="chưa có bài viết"):
        approve(Bulletin(), "An")
    with pytest.raises(InputError, match="Tốc độ đọc"):
        approve(make_bulletin(tempo=1.5), "An")


def test_moves_and_settings_are_checked() -> None:
    bulletin = make_bulletin()
    with pytest.raises(InputError, match="đầu hoặc cuối"):
        move_item(bulletin, 0, -1)
    with pytest.raises(InputError, match="thứ 9"):
        remove_item(bulletin, 8)
    with pytest.raises(InputError, match="không_có"):
        update_settings(bulletin, không_có=1)
    titles = [i.article.title for i in bulletin.items]
    move_item(bulletin, 0, 1)
    assert [i.article.title for i in bulletin.items] == [titles[1], titles[0], titles[2]]


def test_persisted_shape_round_trips_with_its_approval() -> None:
    bulletin = make_bulletin()
    bulletin.id = 7
    bulletin.items[0].article_id = 12
    approve(bulletin, "Nguyễn Văn An", now=NOW)
    again = Bulletin.from_dict(bulletin.to_dict())
    assert again == bulletin
    assert current_status(again) == APPROVED
