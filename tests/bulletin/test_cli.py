"""`bantin-audio bulletin` end to end: three project-written articles, the fake Google."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from mutagen.id3 import ID3

from bantin_audio.audio.loudness import measure_loudness
from bantin_audio.cli import main
from tests.bulletin.builds import ARTICLES, make_tone
from tests.fakes import FakeGoogle


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("BANTIN_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("BANTIN_BACKOFF_BASE", "0.01")
    monkeypatch.chdir(tmp_path)

    def invoke(*args: str) -> Result:
        return CliRunner(mix_stderr=False).invoke(main, ["bulletin", *args],
                                                  catch_exceptions=False)
    return invoke


def test_three_articles_to_a_broadcast_bulletin(run, fake_google: FakeGoogle,  # type: ignore[no-untyped-def]
                                                tmp_path: Path) -> None:
    result = run(*map(str, ARTICLES), "-o", "ban-tin.mp3", "--wav", "ban-tin.wav",
                 "--cue-sheet", "ban-tin.csv", "--cue-text", "ban-tin.txt",
                 "--station", "Đài truyền thanh xã Quang Thuận", "--date", "2022-10-25",
                 "--engine", "gtts", "--tempo", "0.9", "--target-minutes", "0.2")
    assert result.exit_code == 0, result.stderr
    for name in ("ban-tin.mp3", "ban-tin.wav", "ban-tin.csv", "ban-tin.txt"):
        assert (tmp_path / name).stat().st_size > 0
    assert sorted(p.name for p in tmp_path.iterdir()) == \
        ["ban-tin.csv", "ban-tin.mp3", "ban-tin.txt", "ban-tin.wav", "data"]
    # Google was asked for the intro, the announcements and the outro in words
    spoken = " ".join(fake_google.texts)
    assert "Tin thứ nhất" in spoken and "Tin thứ ba" in spoken
    assert "hai mươi lăm tháng mười" in spoken
    # the cue sheet goes to stdout; messages, loudness and the warning to stderr
    assert "Xã Quang Thuận thu hoạch lúa vụ mùa" in result.stdout
    reported = re.search(r"Đã ghi ban-tin\.mp3 \(.*độ lớn (-\d+,\d) LUFS", result.stderr)
    assert reported is not None, result.stderr
    assert float(reported.group(1).replace(",", ".")) == pytest.approx(-23.0, abs=0.3)
    assert "Cảnh báo: Bản tin dài" in result.stderr
    integrated, true_peak = measure_loudness(tmp_path / "ban-tin.mp3")
    assert integrated == pytest.approx(-23.0, abs=1.0) and true_peak <= -1.0
    with (tmp_path / "ban-tin.csv").open(encoding="utf-8-sig") as fh:
        assert [r["STT"] for r in csv.DictReader(fh)] == ["", "1", "2", "3", ""]
    assert len(ID3(tmp_path / "ban-tin.mp3").getall("CHAP")) == 3


def test_web_loudness_and_a_chime(run, fake_google: FakeGoogle,  # type: ignore[no-untyped-def]
                                  tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BANTIN_PROGRESS", "1")
    chime = make_tone(tmp_path / "nhac.wav", seconds=0.4)
    result = run(*map(str, ARTICLES[:2]), "-o", "web.mp3", "--loudness", "web",
                 "--chime", str(chime), "--engine", "gtts")
    assert result.exit_code == 0, result.stderr
    assert "Đang dựng bản tin" in result.stderr  # (click draws only the label off a tty)
    assert measure_loudness(tmp_path / "web.mp3").integrated == pytest.approx(-16.0, abs=1.0)


@pytest.mark.parametrize(("args", "message"), [
    (["--tempo", "1.3"], "Tốc độ đọc 1.3 nằm ngoài khoảng cho phép 0,8–1,2"),
    (["--chime", "khong-co.mp3"], "Không tìm thấy tệp nhạc chuyển tin"),
    (["--pause-between", "30"], "Khoảng lặng giữa các tin phải từ 0 đến 10 giây"),
])
def test_bad_options_exit_1_in_vietnamese_with_no_file(run, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                       args: list[str], message: str) -> None:
    result = run(str(ARTICLES[0]), "-o", "b.mp3", "--engine", "gtts", *args)
    assert result.exit_code == 1
    assert message in result.stderr
    assert not (tmp_path / "b.mp3").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".b.mp3")]


def test_unreadable_chime_file(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "hong.mp3").write_bytes(b"\xff\xfb\x90\x00" + b"hong" * 50)
    result = run(str(ARTICLES[0]), "-o", "b.mp3", "--chime", "hong.mp3")
    assert result.exit_code == 1
    assert "nhạc chuyển tin" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hong.mp3"]


def test_unknown_article_id(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = run(str(ARTICLES[0]), "4711", "-o", "b.mp3", "--engine", "gtts")
    assert result.exit_code == 1
    assert "Không tìm thấy bài viết có mã 4711" in result.stderr
    assert not (tmp_path / "b.mp3").exists()


def test_unknown_article_id_in_an_existing_store(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    store_module = pytest.importorskip("bantin_audio.store")
    store_module.Store(tmp_path / "data" / "bantin.sqlite3").close()
    result = run("4711", "-o", "b.mp3", "--engine", "gtts")
    assert result.exit_code == 1
    assert "Không tìm thấy bài viết có mã 4711" in result.stderr


def test_no_input_and_wrong_output(run) -> None:  # type: ignore[no-untyped-def]
    result = run("-o", "b.mp3")
    assert result.exit_code == 1 and "Bản tin chưa có bài viết nào" in result.stderr
    result = run(str(ARTICLES[0]), "-o", "b.wav")
    assert result.exit_code == 1 and "-o cần một tệp .mp3" in result.stderr


def test_an_article_id_from_the_web_store(run, fake_google: FakeGoogle,  # type: ignore[no-untyped-def]
                                          tmp_path: Path) -> None:
    store_module = pytest.importorskip("bantin_audio.store")
    from bantin_audio.config import Settings
    from bantin_audio.ingest import load_article
    from bantin_audio.speech.script import build_script

    article = load_article(str(ARTICLES[1]), Settings())
    store = store_module.Store(tmp_path / "data" / "bantin.sqlite3")
    try:
        article_id = store.articles.submit(article, build_script(article).segments).article.id
    finally:
        store.close()
    result = run(str(ARTICLES[0]), str(article_id), "-o", "b.mp3", "--engine", "gtts", "-q")
    assert result.exit_code == 0, result.stderr
    assert "  2  " in result.stdout and article.title in result.stdout
    assert any(t.startswith("Tin thứ hai: " + article.title[:10]) for t in fake_google.texts)


def test_google_failing_with_no_fallback_leaves_no_file(run, fake_google: FakeGoogle,  # type: ignore[no-untyped-def]
                                                        tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BANTIN_BACKOFF_MAX", "0.05")
    monkeypatch.setenv("BANTIN_RETRIES", "1")
    fake_google.mode = "500"
    result = run(*map(str, ARTICLES), "-o", "b.mp3", "--wav", "b.wav", "--cue-sheet", "b.csv",
                 "--engine", "gtts")
    assert result.exit_code == 1
    assert result.stderr.startswith("Lỗi: Không đọc được đoạn")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]
