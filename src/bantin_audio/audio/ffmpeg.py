"""Find an ffmpeg binary: the system's when installed, else the one bundled by imageio-ffmpeg."""

from __future__ import annotations

import functools
import logging
import shutil
import subprocess

from ..errors import AudioError

log = logging.getLogger(__name__)


_configured: str | None = None  # Settings.ffmpeg, handed down by the entry points


def configure_ffmpeg(path: str | None) -> None:
    """Use this ffmpeg binary from now on (`Settings.ffmpeg`, i.e. BANTIN_FFMPEG); None goes
    back to the one on PATH, else the bundled one. Called by the entry points."""
    global _configured
    if path != _configured:
        _configured = path
        find_ffmpeg.cache_clear()


@functools.cache
def find_ffmpeg() -> str:
    """Return the path of ffmpeg: the configured one, then PATH, then imageio-ffmpeg's."""
    candidate = _configured or shutil.which("ffmpeg")
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
