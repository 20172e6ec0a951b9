"""End to end through the `bantin-audio` command: article in, complete tagged MP3 out."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from mutagen.id3 import ID3
from mutagen.mp3 import MP3

from bantin_audio.audio.stitch import probe_duration_ms
from bantin_audio.cli import main
from tests.fakes import FakeGoogle

FIXTURES = Path(__file__).parent / "fixtures"
SAMPLE = FIXTURES / "portal-sample.html"
CAPTION = "Tuyến đường liên thôn mới được cứng hóa"
CHROME = ["Tăng cỡ chữ", "PublishingPortal", "Xem thêm", "Tin khác", "In bài viết",
          "Lượt truy cập"]


@pytest.fixture
def run(settings, monkeypatch):  # type: ignore[no-untyped-def]
    """Run the CLI in-process (so the fake Google applies) with the test's data dir."""
    monkeypatch.setenv("BANTIN_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("BANTIN_BACKOFF_BASE", "0.01")
    monkeypatch.setenv("BANTIN_BACKOFF_MAX", "0.05")
    monkeypatch.delenv("BANTIN_ENGINE", raising=False)

    def invoke(*args: str, input: str | bytes | None = None):  # type: ignore[no-untyped-def]
        # gTTS 2.5 pins click < 8.2, where stderr is captured apart only with mix_stderr=False.
        runner = CliRunner(mix_stderr=False)
        return runner.invoke(main, list(args), input=input, catch_exceptions=False)

    return invoke


def test_read_writes_complete_tagged_mp3_with_timings(run, fake_google: FakeGoogle,
                                                      tmp_path: Path) -> None:
    out, timings = tmp_path / "bai.mp3", tmp_path / "bai.json"
    result = run("read", str(SAMPLE), "-o", str(out), "--timings", str(timings))
    assert result.exit_code == 0, result.output
    entries = json.loads(timings.read_text(encoding="utf-8"))
    assert [e["kind"] for e in entries] == ["title", "date", "lead", "paragraph", "paragraph",
                                            "paragraph", "author"]
    assert [e["index"] for e in entries] == list(range(7))
    assert {e["engine"] for e in entries} == {"google"}
    assert entries[0]["text"] == "Xã Yên Phong hoàn thành 9 tiêu chí nông thôn mới năm 2024"
    assert set(entries[0]) == {"index", "kind", "text", "start_ms", "end_ms", "engine",
                                "phrases"}
    # the decoded audio is as long as the timing map says
    assert abs(probe_duration_ms(out) - entries[-1]["end_ms"]) < 200
    info = MP3(out)
    assert info.info.bitrate == 32000 and info.info.channels == 1
    tags = ID3(out)
    assert str(tags["TIT2"]) == entries[0]["text"]
    assert str(tags["TPE1"]) == "Minh Hà"
    assert len(tags.getall("CHAP")) == 7
    # what Google was asked to say: spoken Vietnamese, no captions, no chrome, no digits
    said = " ".join(fake_google.texts)
    assert CAPTION not in said
    assert not any(c in said for c in CHROME)
    assert not re.search(r"\d", said)
    assert "mười hai phẩy năm tỷ đồng" in said
    assert all(len(t) <= 100 for t in fake_google.texts)
    assert "Đã ghi" in result.stderr


def test_no_internet_still_gives_the_whole_file_and_says_so_once(run, fake_google: FakeGoogle,
                                                                 tmp_path: Path) -> None:
    fake_google.mode = "connection"
    out, timings = tmp_path / "bai.mp3", tmp_path / "t.json"
    result = run("read", str(SAMPLE), "-o", str(out), "--timings", str(timings))
    assert result.exit_code == 0, result.output
    entries = json.loads(timings.read_text(encoding="utf-8"))
    assert len(entries) == 7 and {e["engine"] for e in entries} == {"espeak"}
    assert result.stderr.count("giọng ngoại tuyến") == 1
    assert abs(probe_duration_ms(out) - entries[-1]["end_ms"]) < 200


def test_google_reply_without_audio_falls_back(run, fake_google: FakeGoogle,
                                               tmp_path: Path) -> None:
    fake_google.mode = "noaudio"
    out, timings = tmp_path / "bai.mp3", tmp_path / "t.json"
    assert run("read", str(SAMPLE), "-o", str(out), "--timings", str(timings)).exit_code == 0
    assert {e["engine"] for e in json.loads(timings.read_text())} == {"espeak"}


def test_failure_midway_leaves_no_partial_file(run, fake_google: FakeGoogle,
                                               tmp_path: Path) -> None:
    fake_google.mode = "500"
    fake_google.ok_first = 4  # the first segments are spoken, then Google fails for good
    out, timings = tmp_path / "bai.mp3", tmp_path / "t.json"
    result = run("read", str(SAMPLE), "-o", str(out), "--timings", str(timings),
                 "--engine", "gtts")
    assert result.exit_code == 1
    assert "Lỗi:" in result.stderr
    assert not out.exists() and not timings.exists()
    assert list(tmp_path.iterdir()) == [tmp_path / "data"]
    assert fake_google.requests > 4


def test_engine_from_environment(run, fake_google: FakeGoogle, tmp_path: Path,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BANTIN_ENGINE", "espeak")
    out = tmp_path / "bai.mp3"
    assert run("read", str(SAMPLE), "-o", str(out)).exit_code == 0
    assert fake_google.requests == 0 and out.stat().st_size > 1000


def test_stdin_input_and_progress_bar(run, fake_google: FakeGoogle, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BANTIN_PROGRESS", "1")
    text = ("Bản tin sáng thứ Hai\n\nSáng nay, UBND xã tổ chức họp dân về kế hoạch năm 2025.\n\n"
            "Cuộc họp có 120 hộ dân tham dự.\n")
    out = tmp_path / "bai.mp3"
    result = run("read", "-", "-o", str(out), input=text.encode())
    assert result.exit_code == 0, result.output
    assert "Đang đọc" in result.stderr
    assert "Bản tin sáng thứ Hai" in fake_google.texts  # the first line is the title


@pytest.mark.parametrize(("content", "message"), [
    (b"", "trống"),
    (bytes(range(256)) * 20, None),
    (b"<html><body><nav><a href='/'>Trang ch\xe1\xbb\xa7</a></nav></body></html>", None),
])
def test_bad_input_is_a_clear_error_without_output(run, fake_google: FakeGoogle, tmp_path: Path,
                                                   content: bytes, message: str | None) -> None:
    src = tmp_path / "bad.html"
    src.write_bytes(content)
    out = tmp_path / "bai.mp3"
    result = run("read", str(src), "-o", str(out))
    assert result.exit_code == 1
    assert result.stderr.startswith("Lỗi:")
    if message:
        assert message in result.stderr.lower()
    assert "Traceback" not in result.output
    assert not out.exists()
    assert fake_google.requests == 0


def test_unwritable_output_fails_before_any_request(run, fake_google: FakeGoogle,
                                                    tmp_path: Path) -> None:
    result = run("read", str(SAMPLE), "-o", str(tmp_path / "no-such-dir" / "bai.mp3"))
    assert result.exit_code == 1
    assert "không tồn tại" in result.stderr
    assert fake_google.requests == 0


def test_unreachable_url_is_a_clear_error(run, tmp_path: Path) -> None:
    result = run("read", "http://127.0.0.1:9/bai", "-o", str(tmp_path / "bai.mp3"))
    assert result.exit_code == 1
    assert result.stderr.startswith("Lỗi:")
    assert not (tmp_path / "bai.mp3").exists()


def test_missing_file_and_usage_errors(run, tmp_path: Path) -> None:
    result = run("read", str(tmp_path / "nope.txt"), "-o", str(tmp_path / "bai.mp3"))
    assert result.exit_code == 1
    assert run("read", str(SAMPLE)).exit_code == 2  # -o is required
    assert run("read", str(SAMPLE), "-o", "x.mp3", "--engine", "nope").exit_code == 2


def test_clean_json_has_exactly_the_contract_keys(run) -> None:
    result = run("clean", str(SAMPLE), "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert set(data) == {"title", "date", "lead", "paragraphs", "captions", "author",
                         "source_url"}
    assert data["date"] == "2024-03-14"
    assert data["author"] == "Minh Hà"
    assert len(data["paragraphs"]) == 3
    assert data["captions"] and CAPTION in data["captions"][0]


def test_clean_text_is_readable(run) -> None:
    result = run("clean", str(SAMPLE), "--format", "text")
    assert result.exit_code == 0
    title = "Xã Yên Phong hoàn thành 9 tiêu chí nông thôn mới năm 2024"
    assert result.stdout.splitlines()[0] == title
    assert "Tăng cỡ chữ" not in result.stdout


def test_normalize_text_and_jsonl(run) -> None:
    result = run("normalize", "Năm 2024 có 15 xã.")
    assert result.exit_code == 0
    assert not re.search(r"\d", result.stdout)
    lines = '{"id": "a", "input": "Có 21 hộ."}\n{"id": 7, "input": "Ngày 5/1/2024."}\n'
    result = run("normalize", "--jsonl", input=lines)
    assert result.exit_code == 0
    out = [json.loads(x) for x in result.stdout.splitlines()]
    assert [o["id"] for o in out] == ["a", 7]
    assert out[0]["output"] == "Có hai mươi mốt hộ."
    bad = run("normalize", "--jsonl", input="not json\n")
    assert bad.exit_code == 1 and "Dòng 1 không phải JSON hợp lệ" in bad.stderr
    assert json.loads(bad.stdout) == {"id": None, "output": None,
                                      "error": "Dòng 1 không phải JSON hợp lệ"}


def test_usage_errors_are_explained_in_vietnamese(run) -> None:
    result = run("read", str(SAMPLE))
    assert result.exit_code == 2
    assert "Cách dùng: " in result.stderr and " read [OPTIONS] INPUT" in result.stderr
    assert "Thiếu tùy chọn '-o' / '--output'." in result.stderr
    result = run("read", str(SAMPLE), "-o", "x.mp3", "--engine", "nope")
    assert "Giá trị không hợp lệ cho '--engine'" in result.stderr
    assert "Usage:" not in result.stderr and "Error:" not in result.stderr


def test_help_is_in_vietnamese(run) -> None:
    result = run("--help")
    assert result.exit_code == 0
    assert "Hiện hướng dẫn này rồi thoát." in result.stdout
    for command in ("read", "clean", "normalize", "serve", "add", "worker", "bulletin"):
        sub = run(command, "--help")
        assert sub.exit_code == 0
        assert "Show this message" not in sub.stdout, command
