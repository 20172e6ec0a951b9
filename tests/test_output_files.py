"""Several outputs renamed together: a stop signal during the renames cannot split them."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

# A real signal, sent by the process to itself right after the first rename: where a user's
# Ctrl-C or a service manager's SIGTERM could land.
_COMMIT = """
import os, signal, sys, time
from pathlib import Path
from bantin_audio.output_files import StagedOutputs

signum, mode, out = int(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
if mode == "default":
    signal.signal(signum, signal.SIG_DFL)  # the process ends at once, as a plain program
elif mode == "raise":
    signal.signal(signum, signal.default_int_handler)  # an exception, as the CLI's handler
else:
    signal.signal(signum, signal.SIG_IGN)
staging = StagedOutputs()
for name in ("ban-tin.mp3", "ban-tin.wav", "ban-tin.csv"):
    staging.temp_for(out / name).write_text(name)
real = os.replace

def replace(src, dst):
    real(src, dst)
    if Path(dst).name == "ban-tin.mp3":
        os.kill(os.getpid(), signum)
        time.sleep(0.2)  # delivered by now: a handler would have run

os.replace = replace
staging.commit()
print("committed", flush=True)
"""


@pytest.mark.parametrize(("signum", "mode"), [(signal.SIGTERM, "default"),
                                              (signal.SIGINT, "raise"),
                                              (signal.SIGHUP, "default")],
                         ids=["TERM-default", "INT-exception", "HUP-default"])
def test_a_stop_signal_during_the_renames_waits_for_all_of_them(
        tmp_path: Path, signum: int, mode: str) -> None:
    proc = subprocess.run([sys.executable, "-c", _COMMIT, str(int(signum)), mode,
                           str(tmp_path)], capture_output=True, text=True, timeout=60)
    # every output renamed, no temp file left, and the signal still stopped the program
    assert sorted(p.name for p in tmp_path.iterdir()) == \
        ["ban-tin.csv", "ban-tin.mp3", "ban-tin.wav"], proc.stderr
    assert "committed" not in proc.stdout
    if mode == "default":
        assert proc.returncode == -signum
    else:
        assert "KeyboardInterrupt" in proc.stderr


def test_an_ignored_signal_stays_ignored(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-c", _COMMIT, str(int(signal.SIGTERM)), "ignore",
                           str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and "committed" in proc.stdout, proc.stderr
    assert len(list(tmp_path.iterdir())) == 3
