"""A Google that accepts connections and never answers: the first audio does not wait for it."""

from __future__ import annotations

from typing import Any

import pytest

from bantin_audio.config import Settings
from bantin_audio.jobs import Worker, open_store, submit_article
from bantin_audio.model import Article
from bantin_audio.services import build_services
from tests.fakegoogle_proxy import FakeGoogleProxy
from tests.fakes import FakeGoogle

PARAS = ["Sau hai năm, huyện đã đạt nhiều kết quả tích cực.",
         "Toàn huyện có hai mươi ba sản phẩm được xếp hạng.",
         "Thu nhập bình quân đầu người tăng đều qua các năm."]


class _Watched(Worker):
    """The real worker; notes what each published rendition held and what Google had done."""

    published: list[dict[str, Any]]

    def _publish(self, job: Any, article: Any, clips: Any, *, complete: bool,
                 quick: bool = False) -> None:
        google = self.pipeline.engines[0]
        self.published.append({"engines": [c.engine for c in clips],
                               "google_failures": google.failed_requests,
                               "answered": self.fake.answered})
        super()._publish(job, article, clips, complete=complete, quick=quick)


def test_a_hanging_google_does_not_delay_the_first_audio(
        settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeGoogle(mode="timeout")
    with FakeGoogleProxy(fake) as proxy:
        proxy._server.timeout_sleep = 30  # accepts, then says nothing
        for key in ("NO_PROXY", "no_proxy"):
            monkeypatch.delenv(key, raising=False)
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        monkeypatch.setenv("https_proxy", proxy.url)
        cfg = settings.replace(gtts_timeout=1.5, retries=1, first_audio_s=0.3)
        services = build_services(cfg)
        store = open_store(cfg)
        worker = _Watched(store, services.pipeline, cfg, build_extras=False)
        worker.published = []
        worker.fake = fake  # type: ignore[attr-defined]
        result = submit_article(store, Article(title="Huyện hoàn thành các chỉ tiêu",
                                               paragraphs=PARAS), cfg)
        assert worker.run_until_idle() == 1
        services.pipeline.close()
    first = worker.published[0]
    # The first file (title and first paragraph) was out before any Google request had even
    # timed out: the offline voice read it.
    assert first["google_failures"] == 0 and first["answered"] == 0
    assert first["engines"] and set(first["engines"]) == {"espeak"}
    assert fake.requests >= 1  # Google was asked, and kept the requests hanging
    # Google never answered: the article was read offline, every paragraph
    segs = store.articles.segments(result.article.id)
    assert {s.engine for s in segs} == {"espeak"} and all(s.status == "done" for s in segs)
    assert store.jobs.get(result.job.id).status == "done"
