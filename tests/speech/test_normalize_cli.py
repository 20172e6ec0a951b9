"""`bantin-audio normalize` reads the editors' lexicon of the data dir (an old lexicon.tsv
is imported into its database once)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from click.testing import CliRunner

from bantin_audio.cli import main


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("BANTIN_DATA_DIR", str(tmp_path))
    return tmp_path


def test_normalize_text_argument(data_dir: Path) -> None:
    result = CliRunner().invoke(main, ["normalize", "UBND xã có 12/15 thôn đạt chuẩn./."])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "Ủy ban nhân dân xã có mười hai trên mười lăm thôn đạt chuẩn."


def test_normalize_jsonl_uses_the_user_lexicon(data_dir: Path) -> None:
    (data_dir / "lexicon.tsv").write_text("BQLRPH\tban quản lý rừng phòng hộ\texpand\n",
                                          encoding="utf-8")
    lines = [{"id": "a", "input": "BQLRPH họp ngày 3/2"}, {"id": "b", "input": "Năm 2025"}]
    stdin = "".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines)
    result = CliRunner().invoke(main, ["normalize", "--jsonl"], input=stdin)
    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in result.output.splitlines()]
    assert out == [
        {"id": "a", "output": "Ban quản lý rừng phòng hộ họp ngày mùng ba tháng hai"},
        {"id": "b", "output": "Năm hai nghìn không trăm hai mươi lăm"},
    ]


def test_an_old_lexicon_file_is_imported_and_its_bad_lines_reported(
        data_dir: Path, caplog: pytest.LogCaptureFixture) -> None:
    old = "XYZ chỉ một cột\nBQLRPH\tban quản lý rừng phòng hộ\texpand\n"
    (data_dir / "lexicon.tsv").write_text(old, encoding="utf-8")
    with caplog.at_level(logging.ERROR):
        result = CliRunner().invoke(main, ["normalize", "BQLRPH họp"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "Ban quản lý rừng phòng hộ họp"
    assert any("line 1 not imported" in r.getMessage() for r in caplog.records)
    assert (data_dir / "lexicon.tsv").read_text(encoding="utf-8") == old  # kept as it was
