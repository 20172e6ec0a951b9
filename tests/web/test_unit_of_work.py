"""The unit of work on SQLite and PostgreSQL: writes of several repositories commit together or
not at all, and a unit inside a unit is a savepoint."""

from __future__ import annotations

import pytest

from bantin_audio.errors import InputError
from bantin_audio.model import Article, Segment
from bantin_audio.store import Store


def _article(title: str, url: str) -> Article:
    return Article(title=title, paragraphs=["Xã họp dân bàn làm đường.", "Dân góp công."],
                   source_url=url)


def _segments(title: str) -> list[Segment]:
    return [Segment(0, "title", title, title.lower()),
            Segment(1, "paragraph", "Xã họp dân.", "xã họp dân.")]


def _counts(store: Store) -> tuple[int, int, int, int]:
    """Articles, segments of the first, jobs, sources: as another connection sees them."""
    articles = store.articles.recent(include_held=True)
    segments = len(store.articles.segments(articles[0].id)) if articles else 0
    return len(articles), segments, len(store.jobs.recent()), len(store.sources.all())


def test_a_unit_commits_the_writes_of_several_repositories_together(db_url: str) -> None:
    store, other = Store(db_url), Store(db_url, migrate=False)
    with store.unit() as uow:
        assert uow.articles is store.articles and uow.sources is store.sources
        submitted = uow.articles.submit(_article("Tin xã", "https://xa.vn/1"), _segments("Tin xã"))
        uow.sources.add("Xã Ea Tul", "https://xa.vn/", {"feeds": ["https://xa.vn/rss"]})
        # Inside the unit this connection sees its writes; another sees none of them yet.
        assert store.jobs.get(submitted.job.id).status == "queued"
        assert _counts(other) == (0, 0, 0, 0)
    assert _counts(other) == (1, 2, 1, 1)
    store.dispose()
    other.dispose()


def test_an_error_inside_a_unit_leaves_no_write_of_any_repository(db_url: str) -> None:
    store, other = Store(db_url), Store(db_url, migrate=False)
    store.sources.add("Huyện", "https://huyen.vn/", {})
    with pytest.raises(InputError), store.unit() as uow:
        uow.articles.submit(_article("Tin huyện", "https://huyen.vn/1"), _segments("Tin huyện"))
        uow.settings.get_or_create("admin_token", lambda: "khoa")
        uow.sources.add("Huyện", "https://huyen.vn/khac", {})  # the name is taken: InputError
    assert _counts(other) == (0, 0, 0, 1)
    assert other.settings.get("admin_token") is None
    # The connection is usable again, outside any unit: each call is its own transaction.
    store.articles.submit(_article("Tin huyện", "https://huyen.vn/1"), _segments("Tin huyện"))
    assert _counts(other) == (1, 2, 1, 1)
    store.dispose()
    other.dispose()


def test_a_database_error_inside_a_unit_rolls_back_the_other_repositories(db_url: str) -> None:
    store, other = Store(db_url), Store(db_url, migrate=False)
    with pytest.raises(Exception, match="(?i)unique|duplicate"), store.unit() as uow:
        uow.articles.submit(_article("Tin một", "https://xa.vn/1"), _segments("Tin một"))
        uow.connection.execute("INSERT INTO settings(key, value) VALUES ('k', 'a')")
        uow.connection.execute("INSERT INTO settings(key, value) VALUES ('k', 'b')")
    assert _counts(other) == (0, 0, 0, 0) and other.settings.get("k") is None
    store.dispose()
    other.dispose()


def test_a_unit_inside_a_unit_is_a_savepoint(db_url: str) -> None:
    store, other = Store(db_url), Store(db_url, migrate=False)
    with store.unit() as outer:
        outer.articles.submit(_article("Tin giữ lại", "https://xa.vn/1"), _segments("Tin"))
        with pytest.raises(RuntimeError), store.unit() as inner:
            inner.sources.add("Nguồn bỏ đi", "https://xa.vn/", {})
            inner.settings.get_or_create("admin_token", lambda: "bo-di")
            raise RuntimeError("inner block fails")
        with store.unit() as inner:  # a nested unit that succeeds is kept by the outer one
            inner.settings.get_or_create("station", lambda: "dai-xa")
        assert store.sources.all() == []  # undone at once, inside the outer unit
        assert _counts(other) == (0, 0, 0, 0)
    assert _counts(other) == (1, 2, 1, 0)
    assert other.settings.get("admin_token") is None and other.settings.get("station") == "dai-xa"

    # An error leaving the outer unit undoes the inner units that succeeded too.
    with pytest.raises(RuntimeError), store.unit() as outer:
        with store.unit() as inner:
            inner.sources.add("Nguồn hai", "https://xa.vn/", {})
        outer.articles.submit(_article("Tin hai", "https://xa.vn/2"), _segments("Tin hai"))
        raise RuntimeError("outer block fails")
    assert _counts(other) == (1, 2, 1, 0)
    store.dispose()
    other.dispose()


def test_a_cross_aggregate_operation_is_atomic_on_its_own(db_url: str) -> None:
    """Deleting an article removes its renditions' rows with it, and a failed delete none."""
    from bantin_audio.errors import NotFound
    from bantin_audio.store import RenditionRow

    store = Store(db_url)
    row = store.articles.submit(_article("Tin", "https://xa.vn/1"), _segments("Tin")).article
    store.renditions.put(RenditionRow(article_id=row.id, kind="mp3", path="a/1.mp3", bytes=1,
                                      duration_ms=1, content_hash="h", complete=True))
    with pytest.raises(NotFound), store.unit() as uow:
        assert uow.articles.delete(row.id) == ["a/1.mp3"]
        uow.articles.delete(row.id + 1000)  # no such article: the first delete is undone too
    assert store.articles.get(row.id).id == row.id
    assert [r.path for r in store.renditions.for_article(row.id)] == ["a/1.mp3"]
    assert store.articles.delete(row.id) == ["a/1.mp3"]
    assert store.renditions.media_paths() == set() and store.jobs.recent() == []
    store.dispose()
