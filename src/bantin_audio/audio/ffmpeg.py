"""Find an ffmpeg binary: the system's when installed, else the one bundled by imageio-ffmpeg."""

from __future__ import annotations

import functools
import logging
import os
import shutil
import subprocess

from ..errors import AudioError

log = logging.getLogger(__name__)


@functools.cache
def find_ffmpeg() -> str:
    """Return the path of a working ffmpeg (BANTIN_FFMPEG, then PATH, then imageio-ffmpeg)."""
    candidate = os.environ.get("BANTIN_FFMPEG") or shutil.which("ffmpeg")
    if not candidate:
        try:
            import imageio_ffmpeg

            candidate = imageio_ffmpeg.get_ffmpeg_exe()
        except (ImportError, RuntimeError) as exc:
            raise AudioError("Không tìm thấy ffmpeg",
                             "cài gói imageio-ffmpeg (pip) hoặc ffmpeg (apt)") from exc
    log.debug("using ffmpeg at %s", candidate)
    return candidate


def run_ffmpeg(args: list[str], *, input_bytes: bytes | None = None, timeout: float = 600) -> bytes:
    """Run ffmpeg with `args`; return stdout, or raise AudioError with its last error lines."""
    cmd = [find_ffmpeg(), "-hide_banner", "-nostdin", "-loglevel", "error", *args]
    try:
        proc = subprocess.run(cmd, input=input_bytes, capture_output=True, timeout=timeout,
                              check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise AudioError(f"Không chạy được ffmpeg: {exc}") from exc
    if proc.returncode != 0:
        tail = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
        raise AudioError("ffmpeg báo lỗi: " + " | ".join(tail))
    return proc.stdout
