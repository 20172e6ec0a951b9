"""`bantin-audio sources add|list|remove` and `watch --once` (names kept stable for scripts)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from bantin_audio.cli import main
from bantin_audio.config import Settings
from bantin_audio.jobs import open_store
from tests.fakeportal import LISTING, FakePortal, sample_article


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("BANTIN_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("BANTIN_PRIVATE_FETCH_HOSTS", "127.0.0.2")

    def invoke(*args: str) -> tuple[int, str]:
        result = CliRunner().invoke(main, list(args), catch_exceptions=False)
        return result.exit_code, result.output

    return invoke


def test_sources_add_list_watch_remove(run, portal: FakePortal, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    portal.publish(**sample_article(1))
    code, out = run("sources", "add", "yen-hoa", portal.url, "--feed", portal.url + "/rss.xml",
                    "--listing", portal.url + LISTING, "--sitemap", portal.url + "/sitemap.xml")
    assert code == 0, out
    assert "Đã thêm nguồn yen-hoa" in out and "Trang danh sách" in out
    code, out = run("sources", "add", "yen-hoa", portal.url, "--feed", portal.url + "/rss.xml")
    assert code == 1 and "Đã có nguồn" in out
    code, out = run("sources", "add", "thieu", portal.url)
    assert code == 1 and "ít nhất một địa chỉ" in out
    code, out = run("watch", "--once")
    assert code == 0, out
    assert "yen-hoa: 1 địa chỉ, 1 mới, 1 bài xếp vào hàng đợi" in out
    code, out = run("sources", "list")
    assert code == 0 and "yen-hoa" in out and "đang theo dõi" in out and "Lỗi" not in out
    code, out = run("watch", "--once")
    assert "Không có nguồn nào đến hạn" in out
    code, out = run("sources", "remove", "yen-hoa")
    assert code == 0 and "Đã xóa nguồn yen-hoa" in out
    code, out = run("sources", "remove", "yen-hoa")
    assert code == 1 and "Không có nguồn" in out
    store = open_store(Settings(data_dir=tmp_path / "data"))
    assert store.sources.all() == []
    [job] = store.jobs.recent()  # the article waits for a worker: `bantin-audio worker`
    assert job.source_url == portal.url + "/pages/tin-tuc-su-kien/bai-viet-101.aspx"
