"""Bulletins built once per module from three short articles, against the fake Google."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
import responses

from bantin_audio.config import Settings
from bantin_audio.services import Services, build_services
from tests.bulletin.builds import Built, build
from tests.fakes import GOOGLE_URL, FakeGoogle


@pytest.fixture(scope="module")
def google_module() -> Iterator[FakeGoogle]:
    """The fake Google for a whole module (the shared fixture lives per test)."""
    fake = FakeGoogle()

    def callback(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        return fake.answer(request.body or "")

    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add_callback(responses.POST, GOOGLE_URL, callback=callback)
        yield fake


@pytest.fixture(scope="module")
def module_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings on a data dir shared by one module's builds (the clip cache is reused)."""
    return Settings(data_dir=tmp_path_factory.mktemp("data"), engine="gtts")


@pytest.fixture(scope="module")
def services(google_module: FakeGoogle, module_settings: Settings) -> Iterator[Services]:
    """Google-only services talking to the module's fake."""
    built = build_services(module_settings, "gtts")
    yield built
    built.pipeline.close()


@pytest.fixture(scope="module")
def broadcast(services: Services, tmp_path_factory: pytest.TempPathFactory) -> Built:
    """The fixture bulletin built for broadcast (EBU R128), 1.5 s between items."""
    return build(services, tmp_path_factory.mktemp("broadcast"))


