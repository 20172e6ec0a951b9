"""Fixtures for the watcher: the fake portal on 127.0.0.2 and a store on a temp dir."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from bantin_audio.config import Settings
from bantin_audio.jobs import Worker, open_store
from bantin_audio.services import build_services
from bantin_audio.sources.config import parse_source_config
from bantin_audio.sources.polite import PoliteFetcher
from bantin_audio.sources.watcher import Watcher
from bantin_audio.store import SourceRow, Store
from tests.fakeportal import LISTING, FakePortal
from tests.fakes import FakeGoogle


class Clock:
    """A clock the test moves forward (the watcher's notion of now)."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move time forward."""
        self.now += seconds


@pytest.fixture
def portal() -> Iterator[FakePortal]:
    """The fake portal, serving on 127.0.0.2."""
    with FakePortal() as p:
        yield p


@pytest.fixture
def watch_settings(settings: Settings) -> Settings:
    """Settings that let the watcher reach the loopback portal, with quick timeouts."""
    return settings.replace(private_fetch_hosts="127.0.0.2", fetch_read_timeout=3.0,
                            fetch_connect_timeout=2.0, engine="gtts", retries=1)


@pytest.fixture
def worker(fake_google: FakeGoogle, store: Store, watch_settings: Settings) -> Iterator[Worker]:
    """A worker on the store (fetch, clean, synthesize against the fake Google), run by tests."""
    services = build_services(watch_settings)
    yield Worker(store, services.pipeline, watch_settings, build_extras=False)
    services.pipeline.close()


@pytest.fixture
def store(watch_settings: Settings) -> Store:
    """The service store on a temp dir."""
    return open_store(watch_settings)


@pytest.fixture
def clock() -> Clock:
    """The watcher's clock."""
    return Clock()


@pytest.fixture
def watcher(store: Store, watch_settings: Settings, clock: Clock) -> Watcher:
    """A watcher on the store, run synchronously by the tests."""
    return Watcher(store, watch_settings, clock=clock,
                   fetcher=PoliteFetcher(watch_settings, min_gap_s=0.0))


@pytest.fixture
def add_source(store: Store, portal: FakePortal) -> Callable[..., SourceRow]:
    """Register the fake portal as a source (by its feed unless told otherwise)."""

    def add(name: str = "yen-hoa", *, feed: bool = True, sitemap: bool = False,
            listing: bool = False, **options: Any) -> SourceRow:
        base, config = parse_source_config(
            portal.url, feeds=[portal.url + "/rss.xml"] if feed else [],
            sitemaps=[portal.url + "/sitemap.xml"] if sitemap else [],
            listings=[portal.url + LISTING] if listing else [], **options)
        return store.sources.add(name, base, config.to_dict())

    return add
