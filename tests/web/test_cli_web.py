"""The service commands: add (with --wait) and serve."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from click.testing import CliRunner

from bantin_audio.cli import main
from bantin_audio.config import Settings
from bantin_audio.jobs import open_store
from tests.fakes import FakeGoogle
from tests.web.conftest import ARTICLE


def test_add_prints_id_and_page_url_and_waits(fake_google: FakeGoogle, tmp_path: Path) -> None:
    source = tmp_path / "bai.txt"
    source.write_text(ARTICLE, encoding="utf-8")
    data = tmp_path / "data"
    env = {"BANTIN_ENGINE": "gtts", "BANTIN_PORT": "8123"}
    result = CliRunner().invoke(main, ["add", str(source), "--data-dir", str(data)], env=env)
    assert result.exit_code == 0, result.output
    assert "Bài số 1: http://127.0.0.1:8123/bai/huyen-bach-thong-hoan-thanh-37-chi-tieu-1" \
        in result.output
    waited = CliRunner().invoke(main, ["add", str(source), "--data-dir", str(data), "--wait"],
                                env=env)
    assert waited.exit_code == 0, waited.output
    assert "Bài số 1" in waited.output and "Xong:" in waited.output
    store = open_store(Settings(data_dir=data))
    assert store.jobs.get(1).status == "done" and len(store.jobs.recent()) == 1


def _serve(tmp_path: Path, *args: str) -> tuple[subprocess.Popen[str], int, Path]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    exe = str(Path(sys.executable).with_name("bantin-audio"))
    errors = tmp_path / "stderr.txt"
    with errors.open("w") as err:
        proc = subprocess.Popen([exe, "serve", "--port", str(port), "--data-dir",
                                 str(tmp_path / "data"), "--workers", "0", *args],
                                stdout=subprocess.PIPE, stderr=err, text=True)
    return proc, port, errors


def _wait_for_page(port: int) -> dict[str, str]:
    deadline = time.monotonic() + 20
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as resp:
                assert resp.status == 200
                return dict(resp.headers)
        except OSError:
            assert time.monotonic() < deadline
            time.sleep(0.1)


def test_serve_runs_waitress_by_default_and_flask_with_dev(tmp_path: Path) -> None:
    for args, server in (((), "bantin-audio"), (("--dev",), "Werkzeug"),
                         (("--production",), "bantin-audio")):
        run = tmp_path / (args[0].strip("-") if args else "default")
        run.mkdir()
        proc, port, errors = _serve(run, *args)
        try:
            headers = _wait_for_page(port)
        finally:
            proc.terminate()
            proc.wait(timeout=10)
            proc.stdout.close()  # type: ignore[union-attr]
        assert headers["Server"].startswith(server), (args, headers["Server"])
        warned = "development server" in errors.read_text()
        assert warned == (args == ("--dev",)), errors.read_text()


def test_serve_prints_address_and_token(tmp_path: Path) -> None:
    proc, port, _ = _serve(tmp_path)
    try:
        lines = [proc.stdout.readline() for _ in range(3)]  # type: ignore[union-attr]
        assert lines[0].strip() == f"bantin-audio đang chạy tại http://127.0.0.1:{port}/"
        token = lines[2].split(": ", 1)[1].strip()
        assert lines[2].startswith("Mã quản trị: ") and len(token) >= 24
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as resp:
                    assert resp.status == 200
                    break
            except OSError:
                assert time.monotonic() < deadline
                time.sleep(0.1)
        stored = open_store(Settings(data_dir=tmp_path / "data")).settings.get("admin_token")
        assert stored == token
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        proc.stdout.close()  # type: ignore[union-attr]
