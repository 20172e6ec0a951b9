"""Output files written whole or not at all, and what a disk error means to the user.

Every file bantin-audio hands to someone (an MP3, a WAV, a cue sheet, a timing map) is first
written to a temp file beside its target, named `.<name>.<pid>.<random>.part`, and renamed
into place only once it is complete. A failure or a signal removes the temp file; a process
killed outright (SIGKILL, power cut) leaves it behind, and the next run writing to the same
place removes the ones whose process is gone (`sweep_stale_parts`).
"""

from __future__ import annotations

import errno
import logging
import os
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .errors import AudioError, BantinError, InputError

log = logging.getLogger(__name__)

PART_SUFFIX = ".part"
# A temp file from before pids were in the names is stale once it is this old.
UNOWNED_PART_AGE_S = 3600
# Below this much free space, a failed write is taken to be the disk filling up.
DISK_FULL_BYTES = 1 << 20

_DISK_ERRORS = {
    errno.ENOSPC: ("ổ đĩa đã đầy", "giải phóng chỗ trống trên ổ đĩa hoặc chọn thư mục khác"),
    errno.EDQUOT: ("đã hết hạn mức dung lượng trên ổ đĩa",
                   "giải phóng chỗ trống hoặc chọn thư mục khác"),
    errno.EROFS: ("ổ đĩa chỉ cho đọc, không cho ghi", "chọn thư mục trên một ổ đĩa ghi được"),
    errno.EACCES: ("không có quyền ghi", "kiểm tra quyền của thư mục hoặc chọn thư mục khác"),
    errno.EPERM: ("không được phép ghi", "kiểm tra quyền của thư mục hoặc chọn thư mục khác"),
    errno.EFBIG: ("tệp vượt quá kích thước cho phép",
                  "kiểm tra giới hạn kích thước tệp của hệ thống hoặc chọn ổ đĩa khác"),
    errno.EIO: ("lỗi đọc/ghi của ổ đĩa", "kiểm tra ổ đĩa"),
}


def disk_error(exc: OSError, path: Path | str | None = None) -> AudioError:
    """Return the user's view of an OSError met while reading or writing `path`."""
    where = path if path is not None else exc.filename
    reason, hint = _DISK_ERRORS.get(exc.errno or 0, (None, None))
    if reason is None:
        reason = exc.strerror or str(exc)
        hint = "kiểm tra đường dẫn và ổ đĩa rồi thử lại"
    message = f"Không ghi được {where}: {reason}" if where else f"Không ghi được tệp: {reason}"
    return AudioError(message, hint)


def disk_full_error(path: Path) -> AudioError:
    """Return the error for a write into `path` that failed because its disk is full."""
    return disk_error(OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)), path)


def is_disk_full(directory: Path) -> bool:
    """Tell whether the disk holding `directory` has (almost) no free space left."""
    try:
        return shutil.disk_usage(directory).free < DISK_FULL_BYTES
    except OSError:
        return False


def temp_beside(target: Path) -> Path:
    """Create an empty temp file beside `target` for this process; return its path."""
    directory = target.parent if str(target.parent) else Path(".")
    if not directory.is_dir():
        raise InputError(f"Thư mục {directory} không tồn tại", "tạo thư mục hoặc chọn tệp khác")
    try:
        fd, name = tempfile.mkstemp(dir=directory, prefix=f".{target.name}.{os.getpid()}.",
                                    suffix=PART_SUFFIX)
    except OSError as exc:
        raise disk_error(exc, target) from exc
    os.close(fd)
    return Path(name)


def write_atomically(out_path: Path, produce: Callable[[Path], Any]) -> None:
    """Call `produce(tmp_path)` for a temp file beside `out_path`, then rename it into place."""
    out_path = Path(out_path)
    tmp = temp_beside(out_path)
    try:
        produce(tmp)
        os.replace(tmp, out_path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise disk_error(exc, out_path) from exc
    except BantinError as exc:
        # A tool writing the file (ffmpeg) fails with its own words when the disk fills.
        full = is_disk_full(tmp.parent)
        tmp.unlink(missing_ok=True)
        if full:
            raise disk_full_error(out_path) from exc
        raise
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


class StagedOutputs:
    """Temp files beside several targets, renamed into place together once all are written."""

    def __init__(self) -> None:
        self.files: list[tuple[Path, Path]] = []

    def temp_for(self, target: Path) -> Path:
        """Return a new temp file that `commit` will rename to `target`."""
        tmp = temp_beside(Path(target))
        self.files.append((tmp, Path(target)))
        return tmp

    def commit(self) -> None:
        """Rename every temp file into place; a stop signal waits until all are renamed."""
        try:
            with signals_held():
                for tmp, target in self.files:
                    os.replace(tmp, target)
        except OSError as exc:
            raise disk_error(exc) from exc
        finally:
            self.discard()

    def discard(self) -> None:
        """Remove the temp files not yet renamed."""
        for tmp, _ in self.files:
            tmp.unlink(missing_ok=True)
        self.files = []

    def abandon(self, exc: BaseException) -> BantinError | None:
        """Remove the temp files after `exc`; return a clearer error to raise instead, if any."""
        full = isinstance(exc, BantinError | OSError) and any(
            is_disk_full(tmp.parent) for tmp, _ in self.files)
        where = self.files[0][1].parent if self.files else None
        self.discard()
        if full and where is not None:
            return disk_full_error(where)
        if isinstance(exc, OSError):
            return disk_error(exc)
        return None


HELD_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP")
                     if hasattr(signal, name))


@contextmanager
def signals_held() -> Iterator[None]:
    """Hold SIGINT, SIGTERM and SIGHUP until the block ends, then act on them as before.

    Python runs signal handlers in the main thread between two bytecodes, so a stop signal
    arriving between two renames could leave some outputs renamed and the others removed. In
    the main thread each handler is swapped for one that only notes the signal; when the block
    ends the handlers are put back and the noted signals raised again, so they do exactly what
    they would have done (an exception, the default termination), just after the renames. A
    signal that was ignored stays ignored. In other threads handlers run elsewhere anyway.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    noted: list[int] = []
    previous: dict[int, Any] = {}
    for sig in HELD_SIGNALS:
        handler = signal.getsignal(sig)
        if handler is signal.SIG_IGN or handler is None:
            continue  # ignored, or set outside Python: left alone
        previous[sig] = signal.signal(sig, lambda signum, _frame: noted.append(signum))
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        for sig in dict.fromkeys(noted):
            signal.raise_signal(sig)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


def owner_pid(name: str, prefix: str) -> int | None:
    """Return the pid in a temp name `<prefix><pid>.<random><suffix>`, or None."""
    rest = name[len(prefix):]
    pid, dot, _ = rest.partition(".")
    return int(pid) if dot and pid.isdigit() else None


def is_stale(path: Path, prefix: str) -> bool:
    """Tell whether a temp file or directory was left by a process that is gone."""
    pid = owner_pid(path.name, prefix)
    if pid is not None:
        return pid != os.getpid() and not _pid_alive(pid)
    try:
        return time.time() - path.stat().st_mtime > UNOWNED_PART_AGE_S
    except OSError:
        return False


def sweep_stale_parts(target: Path) -> int:
    """Remove temp files of `target` left by killed processes; return how many went."""
    target = Path(target)
    directory = target.parent if str(target.parent) else Path(".")
    prefix = f".{target.name}."
    removed = 0
    try:
        candidates = [p for p in directory.glob(f"{glob_escape(prefix)}*{PART_SUFFIX}")
                      if p.is_file()]
    except OSError:
        return 0
    for path in candidates:
        if is_stale(path, prefix):
            try:
                path.unlink()
                removed += 1
            except OSError as exc:
                log.info("could not remove stale %s: %s", path, exc)
    if removed:
        log.info("removed %d unfinished file(s) of %s left by a stopped run", removed, target)
    return removed


def sweep_stale_dirs(parent: Path, prefix: str) -> int:
    """Remove work directories `<prefix><pid>.*` under `parent` whose process is gone."""
    removed = 0
    try:
        candidates = [p for p in Path(parent).glob(f"{glob_escape(prefix)}*") if p.is_dir()]
    except OSError:
        return 0
    for path in candidates:
        if owner_pid(path.name, prefix) is not None and is_stale(path, prefix):
            shutil.rmtree(path, ignore_errors=True)
            removed += 1
    return removed


def glob_escape(text: str) -> str:
    """Return `text` with glob wildcards made literal."""
    import glob

    return glob.escape(text)
