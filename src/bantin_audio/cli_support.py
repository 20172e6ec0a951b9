"""What the command modules share: settings, the engine choice, checks and formats."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import click

from .config import ENGINES, Settings
from .errors import BantinError, InputError
from .output_files import disk_error

log = logging.getLogger(__name__)

ENGINE_CHOICE = click.Choice(list(ENGINES))


def settings_from_env(**overrides: Any) -> Settings:
    """Return the settings from BANTIN_* variables with the command's options on top, and
    hand the process-wide ones down (the ffmpeg binary)."""
    from .audio.ffmpeg import configure_ffmpeg

    settings = Settings.from_env(**overrides)
    if settings.ffmpeg:  # else the one on PATH, or the bundled one
        configure_ffmpeg(settings.ffmpeg)
    return settings


def check_writable(path: str, what: str) -> None:
    """Refuse an output path that cannot be written, before any work is done."""
    target = Path(path)
    directory = target.parent if str(target.parent) else Path(".")
    if target.is_dir():
        raise InputError(f"{what} {path} là một thư mục", "hãy đặt tên tệp, ví dụ bai.mp3")
    if not directory.is_dir():
        raise InputError(f"Thư mục {directory} không tồn tại", f"tạo thư mục hoặc chọn {what} khác")
    if not os.access(directory, os.W_OK):
        raise InputError(f"Không có quyền ghi vào {directory}", f"chọn {what} khác")


def progress_wanted(quiet: bool, settings: Settings) -> bool:
    """Tell whether to draw a progress bar: on a terminal, or when BANTIN_PROGRESS=1."""
    return not quiet and (sys.stderr.isatty() or settings.progress)


def human_duration(ms: int) -> str:
    """Return a duration as listeners say it: "3 phút 12 giây"."""
    minutes, seconds = divmod(round(ms / 1000), 60)
    return f"{minutes} phút {seconds} giây" if minutes else f"{seconds} giây"


def human_mb(size: int) -> str:
    """Return a size in megabytes with a Vietnamese decimal comma: "1,5 MB"."""
    return f"{size / 1_000_000:.1f}".replace(".", ",") + " MB"


# -- failures and signals: one place turns them into a message and an exit status ------------


HELP_TEXT = "Hiện hướng dẫn này rồi thoát."


class ViCommand(click.Command):
    """A command whose --help option is described in Vietnamese."""

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = HELP_TEXT
        return option


class ViGroup(click.Group):
    """A command group whose own and whose commands' --help are described in Vietnamese."""

    command_class = ViCommand

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = HELP_TEXT
        return option


class Stopped(KeyboardInterrupt):
    """Raised in the main thread when SIGTERM, SIGINT or SIGHUP arrives, so cleanups run."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


STOP_SIGNALS = tuple(s for s in (getattr(signal, "SIGTERM", None), getattr(signal, "SIGINT", None),
                                 getattr(signal, "SIGHUP", None)) if s is not None)


@contextlib.contextmanager
def signals_stop_the_command() -> Iterator[None]:
    """Turn stop signals into `Stopped` while the command runs; later ones wait for cleanup."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    stopping = False

    def handler(signum: int, frame: Any) -> None:
        nonlocal stopping
        if stopping:  # a second signal must not cut short the cleanup of the first
            return
        stopping = True
        raise Stopped(signum)

    previous = {}
    for signum in STOP_SIGNALS:
        if signal.getsignal(signum) is signal.SIG_IGN:
            continue  # started with the signal ignored (nohup): keep it so
        previous[signum] = signal.signal(signum, handler)
    try:
        yield
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)


@dataclass(frozen=True)
class Failure:
    """What the user is told about a failed command, and the exit status."""

    message: str
    hint: str | None
    status: int


def describe_failure(exc: BaseException) -> Failure:
    """Return the message and exit status for whatever stopped a command."""
    if isinstance(exc, BantinError):
        return Failure(exc.message, exc.hint, 1)
    if isinstance(exc, Stopped | KeyboardInterrupt):
        signum = exc.signum if isinstance(exc, Stopped) else signal.SIGINT
        name = signal.Signals(signum).name
        return Failure(f"Đã dừng theo yêu cầu ({name}); các tệp đang ghi dở đã được xóa.", None,
                       128 + signum)
    if isinstance(exc, BrokenPipeError):
        return Failure("Đầu ra đã bị đóng trước khi ghi xong.", None, 1)
    if isinstance(exc, OSError):
        error = disk_error(exc)
        return Failure(error.message, f"{error.hint} (--data-dir, -o)", 1)
    if isinstance(exc, MemoryError):
        return Failure("Không đủ bộ nhớ để làm việc này.", "thử với dữ liệu nhỏ hơn", 1)
    log.debug("unexpected failure", exc_info=exc)
    return Failure(f"Lỗi không mong đợi ({type(exc).__name__}): {exc}",
                   "chạy lại với -vv để xem chi tiết và báo cho người quản trị", 1)


# -- JSON Lines on standard input: bounded lines, one clear error per bad line ----------------

MAX_JSONL_LINE_BYTES = 1 << 20  # 1 MiB: twice the longest article text the service takes


def jsonl_lines(stream: BinaryIO, limit: int = MAX_JSONL_LINE_BYTES
                ) -> Iterator[tuple[int, bytes | None]]:
    """Yield (line number, bytes) per line; None stands for a line over `limit`, skipped whole.

    Memory stays within `limit` whatever the input: an overlong line is read and dropped in
    pieces, and the lines after it are read as usual.
    """
    lineno = 0
    while True:
        line = stream.readline(limit + 1)
        if not line:
            return
        lineno += 1
        if len(line) > limit and not line.endswith(b"\n"):
            while True:
                rest = stream.readline(limit)
                if not rest or rest.endswith(b"\n"):
                    break
            yield lineno, None
            continue
        yield lineno, line


def check_text(text: str, what: str) -> str:
    """Return `text` if it is proper Unicode; text with lone surrogates is an InputError."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        bad = f"U+{ord(text[exc.start]):04X}"
        raise InputError(f"{what} có ký tự không hợp lệ ({bad}, nửa cặp UTF-16 đứng lẻ)",
                         "sửa hoặc bỏ ký tự đó (thường do sao chép biểu tượng cảm xúc bị lỗi)"
                         ) from None
    return text


def parse_jsonl_item(raw: bytes | None, lineno: int) -> dict[str, Any]:
    """Return the {"id", "input"} object of a JSONL line, or raise InputError naming the line."""
    where = f"Dòng {lineno}"
    if raw is None:
        raise InputError(f"{where} dài quá {MAX_JSONL_LINE_BYTES // (1 << 20)} MB, đã bỏ qua",
                         "chia văn bản thành nhiều dòng ngắn hơn")
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{where} không phải văn bản UTF-8 hợp lệ",
                         "lưu tệp đầu vào với mã hóa UTF-8") from None
    try:
        item = json.loads(line)
    except (ValueError, RecursionError):
        raise InputError(f"{where} không phải JSON hợp lệ",
                         'mỗi dòng là một đối tượng như {"id": 1, "input": "..."}') from None
    if not isinstance(item, dict) or "input" not in item:
        raise InputError(f"{where} thiếu trường 'input'",
                         'mỗi dòng là một đối tượng như {"id": 1, "input": "..."}')
    source = item["input"]
    if isinstance(source, bool) or not isinstance(source, str | int | float):
        raise InputError(f"{where}: trường 'input' phải là một chuỗi văn bản")
    item["input"] = check_text(str(source), f"{where}: trường 'input'")
    return item


def jsonl_item_id(raw: bytes | None) -> Any:
    """Return the "id" of a JSONL line if it can be read at all, else None."""
    if raw is None:
        return None
    try:
        item = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError):
        return None
    return item.get("id") if isinstance(item, dict) else None


def jsonl_dump(obj: dict[str, Any]) -> str:
    """Return one JSON line, keeping Vietnamese readable and odd characters escaped."""
    text = json.dumps(obj, ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate in an id is given back escaped
        text = json.dumps(obj, ensure_ascii=True)
    return text
