"""The command under bad input, full disks and signals: a clear message, no partial file.

Every case runs the installed `bantin-audio` in a subprocess, as a user or a station's script
would, so real standard streams, real signals and real disks are in play.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.bulletin.builds import ARTICLES
from tests.fakegoogle_proxy import FakeGoogleProxy, proxy_env

BANTIN = str(Path(sys.executable).with_name("bantin-audio"))
SAMPLE = Path(__file__).parent / "fixtures" / "portal-sample.html"


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BANTIN_")}
    env.update(BANTIN_DATA_DIR=str(tmp_path / "data"), TMPDIR=str(_tmpdir(tmp_path)),
               BANTIN_BACKOFF_BASE="0.01", BANTIN_BACKOFF_MAX="0.05", **extra)
    return env


def _tmpdir(tmp_path: Path) -> Path:
    path = tmp_path / "tmp"
    path.mkdir(exist_ok=True)
    return path


def _run(args: list[str], env: dict[str, str], *, stdin: bytes = b"", timeout: float = 120,
         preexec: object = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([BANTIN, *args], input=stdin, capture_output=True, env=env,
                          timeout=timeout, check=False, preexec_fn=preexec)  # type: ignore[arg-type]


def _clean_failure(proc: subprocess.CompletedProcess[bytes], status: int = 1) -> str:
    err = proc.stderr.decode("utf-8")
    assert proc.returncode == status, err
    assert "Traceback" not in err and "Error:" not in err, err
    return err


def _leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name != "data")


# -- normalize --jsonl ------------------------------------------------------------------------

def test_jsonl_answers_every_line_and_names_each_bad_one(tmp_path: Path) -> None:
    lines = [
        b'{"id": "a", "input": "C\\u00f3 21 h\\u1ed9."}',
        b'{"id": "b", "input": "N\\u0103m 2024 \\ud800 xong"}',  # a lone surrogate
        b'{"id": "\\udfff", "input": "Ng\\u00e0y 5/1"}',  # one in the id, given back escaped
        b'{"id": "c", "input": "' + b"9" * (10 * 1024 * 1024) + b'"}',  # 10 MB on one line
        b"[" * 100_000,  # nested past any parser's depth
        b"\xff\xfe kh\xf4ng ph\xe1\xba\xa3i UTF-8",
        b"not json",
        b'["input"]',
        b'{"id": "d", "input": null}',
        "{\"id\": \"e\", \"input\": \"Có 3 xã.\"}".encode(),
    ]
    started = time.monotonic()
    proc = _run(["normalize", "--jsonl"], _env(tmp_path), stdin=b"\n".join(lines) + b"\n")
    elapsed = time.monotonic() - started
    err = _clean_failure(proc)
    out = [json.loads(line) for line in proc.stdout.decode("utf-8").splitlines()]
    assert len(out) == len(lines)  # one answer per line, in order
    assert out[0] == {"id": "a", "output": "Có hai mươi mốt hộ."}
    assert out[2] == {"id": "\udfff", "output": "Ngày mùng năm tháng một"}
    assert out[-1] == {"id": "e", "output": "Có ba xã."}
    bad = [n for n, o in enumerate(out, 1) if o["output"] is None]
    assert bad == [2, 4, 5, 6, 7, 8, 9]
    assert out[1]["id"] == "b" and "U+D800" in out[1]["error"]
    assert "dài quá 1 MB" in out[3]["error"]
    for n in bad:
        assert out[n - 1]["error"].startswith(f"Dòng {n}")
        assert f"Lỗi: Dòng {n}" in err
    assert "7/10 dòng không chuẩn hóa được" in err
    assert elapsed < 60  # generous on a loaded machine; a hang would take minutes


def test_text_argument_that_is_not_unicode_is_an_input_error(tmp_path: Path) -> None:
    proc = subprocess.run([os.fsencode(BANTIN), b"normalize", b"Gi\xe1 l\xfaa"],
                          capture_output=True, env=_env(tmp_path), timeout=60, check=False)
    err = _clean_failure(proc)
    assert "TEXT có ký tự không hợp lệ" in err


# -- full and read-only disks -----------------------------------------------------------------

@contextlib.contextmanager
def _small_disk(path: Path, size: str, *, readonly: bool = False) -> Iterator[bool]:
    """Mount a tmpfs of `size` at `path` when running as root; yield whether it is mounted."""
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        yield False
        return
    options = f"size={size}" + (",ro" if readonly else "")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)],
                             capture_output=True, check=False).returncode == 0
    try:
        yield mounted
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(path)], capture_output=True, check=False)


def _limit_file_size(limit: int) -> object:
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes fail with EFBIG instead
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def test_output_disk_filling_midway_leaves_nothing(tmp_path: Path) -> None:
    out_dir = tmp_path / "out"
    env = _env(tmp_path, BANTIN_ENGINE="espeak")
    with _small_disk(out_dir, "48k") as mounted:
        if mounted:
            proc = _run(["read", str(SAMPLE), "-o", str(out_dir / "bai.mp3")], env)
            err = _clean_failure(proc)
            assert f"Không ghi được {out_dir / 'bai.mp3'}: ổ đĩa đã đầy" in err
        else:
            # Not root: the same fault through a file size limit on the process.
            (tmp_path / "data").mkdir()
            _run(["read", str(SAMPLE), "-o", str(tmp_path / "warm.mp3")], env)  # fill the cache
            (tmp_path / "warm.mp3").unlink()
            proc = _run(["read", str(SAMPLE), "-o", str(out_dir / "bai.mp3")], env,
                        preexec=_limit_file_size(48 * 1024))
            _clean_failure(proc)
        assert list(out_dir.iterdir()) == []


@pytest.mark.parametrize("readonly", [False, True], ids=["full", "read-only"])
def test_clip_cache_that_cannot_be_written_is_a_clear_error(tmp_path: Path,
                                                            readonly: bool) -> None:
    data = tmp_path / "data"
    with _small_disk(data, "24k", readonly=readonly) as mounted:
        if not mounted:
            pytest.skip("needs root to mount a small tmpfs for the data dir")
        proc = _run(["read", str(SAMPLE), "-o", str(tmp_path / "bai.mp3")],
                    _env(tmp_path, BANTIN_ENGINE="espeak"))
        err = _clean_failure(proc)
        assert ("ổ đĩa chỉ cho đọc" if readonly else "ổ đĩa đã đầy") in err
        assert "--data-dir" in err
        assert not (tmp_path / "bai.mp3").exists()
        assert not list(tmp_path.glob(".bai.mp3.*"))


# -- signals ----------------------------------------------------------------------------------

def _wait_for(predicate: object, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        assert proc.poll() is None, proc.communicate()[1].decode()
        assert time.monotonic() < deadline, "the command never got there"
        time.sleep(0.02)


# A shell script's `cmd &` starts a program with SIGINT ignored, and nohup with SIGHUP ignored;
# the command rightly keeps such a signal ignored. The signal tests therefore set the stop
# signals' state themselves, as a terminal leaves it, whatever state pytest was started in.
_EXEC_WITH_SIGNALS = (
    "import os, signal, sys\n"
    "ignored = {int(s) for s in sys.argv[1].split(',') if s}\n"
    "for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):\n"
    "    signal.signal(s, signal.SIG_IGN if s in ignored else signal.SIG_DFL)\n"
    "os.execv(sys.argv[2], sys.argv[2:])\n")


def _start(args: list[str], env: dict[str, str], *,
           ignored: tuple[int, ...] = ()) -> subprocess.Popen[bytes]:
    """Start the command with the stop signals at their default, except those `ignored`."""
    return subprocess.Popen([sys.executable, "-c", _EXEC_WITH_SIGNALS,
                             ",".join(str(int(s)) for s in ignored), BANTIN, *args],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _bulletin_args(out: Path) -> list[str]:
    return ["bulletin", *map(str, ARTICLES), "-o", str(out / "ban-tin.mp3"),
            "--wav", str(out / "ban-tin.wav"), "--cue-sheet", str(out / "ban-tin.csv")]


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["TERM", "INT"])
def test_signal_mid_build_removes_every_unfinished_file(tmp_path: Path, signum: int) -> None:
    out = tmp_path / "out"
    out.mkdir()
    with FakeGoogleProxy() as proxy:
        proxy.fake.delay = 0.3  # slow enough that the build is caught half way
        env = proxy_env(proxy.url, _env(tmp_path, BANTIN_ENGINE="gtts",
                                        BANTIN_CONCURRENCY="1"))
        proc = _start(_bulletin_args(out), env)
        try:
            _wait_for(lambda: len(list(out.glob("*.part"))) == 3 and proxy.fake.texts, proc)
            assert list(_tmpdir(tmp_path).glob("bantin-bulletin-*"))  # the programme's WAV
            proc.send_signal(signum)
            _, stderr = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    err = stderr.decode("utf-8")
    assert proc.returncode == 128 + signum, err
    assert f"Đã dừng theo yêu cầu ({signal.Signals(signum).name})" in err
    assert "Traceback" not in err
    assert list(out.iterdir()) == []
    assert list(_tmpdir(tmp_path).iterdir()) == []


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGHUP], ids=["INT", "HUP"])
def test_a_signal_ignored_at_start_does_not_stop_the_build(tmp_path: Path, signum: int) -> None:
    # `cmd &` in a station's script (SIGINT) or nohup (SIGHUP): the build must go on.
    out = tmp_path / "out"
    out.mkdir()
    proc = _start(_bulletin_args(out), _env(tmp_path, BANTIN_ENGINE="espeak"), ignored=(signum,))
    try:
        _wait_for(lambda: len(list(out.glob("*.part"))) == 3
                  and list(_tmpdir(tmp_path).glob("bantin-bulletin-*")), proc)
        proc.send_signal(signum)
        _, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    err = stderr.decode("utf-8")
    assert proc.returncode == 0, err
    assert sorted(p.name for p in out.iterdir()) == ["ban-tin.csv", "ban-tin.mp3", "ban-tin.wav"]
    assert list(_tmpdir(tmp_path).iterdir()) == []


def test_sigterm_while_reading_an_article_leaves_no_file(tmp_path: Path) -> None:
    with FakeGoogleProxy() as proxy:
        proxy.fake.delay = 0.3
        env = proxy_env(proxy.url, _env(tmp_path, BANTIN_ENGINE="gtts", BANTIN_CONCURRENCY="1"))
        proc = _start(["read", str(SAMPLE), "-o", str(tmp_path / "bai.mp3"),
                       "--timings", str(tmp_path / "bai.json")], env)
        try:
            _wait_for(lambda: len(proxy.fake.texts) >= 2, proc)
            proc.terminate()
            _, stderr = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    err = stderr.decode("utf-8")
    assert proc.returncode == 128 + signal.SIGTERM, err
    assert "Đã dừng theo yêu cầu (SIGTERM)" in err and "Traceback" not in err
    assert _leftovers(tmp_path) == ["tmp"]
    assert list(_tmpdir(tmp_path).iterdir()) == []


def test_files_left_by_a_killed_run_are_removed_by_the_next(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    env = _env(tmp_path, BANTIN_ENGINE="espeak")
    proc = subprocess.Popen([BANTIN, *_bulletin_args(out)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _wait_for(lambda: len(list(out.glob("*.part"))) == 3
                  and list(_tmpdir(tmp_path).glob("bantin-bulletin-*")), proc)
    finally:
        proc.kill()  # SIGKILL: nothing of ours runs
        proc.communicate()
    left = sorted(p.name for p in out.glob("*.part"))
    assert len(left) == 3 and list(_tmpdir(tmp_path).glob("bantin-bulletin-*"))
    # A temp file of a run still going (this test's own pid) is not touched.
    alive = out / f".ban-tin.mp3.{os.getpid()}.inuse.part"
    alive.write_bytes(b"x")
    proc2 = _run(["bulletin", str(ARTICLES[0]), "-o", str(out / "ban-tin.mp3"),
                  "--wav", str(out / "ban-tin.wav"), "--cue-sheet", str(out / "ban-tin.csv")],
                 env)
    assert proc2.returncode == 0, proc2.stderr.decode()
    assert sorted(p.name for p in out.iterdir()) == [
        alive.name, "ban-tin.csv", "ban-tin.mp3", "ban-tin.wav"]
    assert list(_tmpdir(tmp_path).iterdir()) == []
