"""What the command modules share: settings, the engine choice, checks and formats."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

from .config import ENGINES, Settings
from .errors import InputError

ENGINE_CHOICE = click.Choice(list(ENGINES))


def settings_from_env(**overrides: Any) -> Settings:
    """Return the settings from BANTIN_* variables with the command's options on top."""
    return Settings.from_env(**overrides)


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


def progress_wanted(quiet: bool) -> bool:
    """Tell whether to draw a progress bar: on a terminal, or when BANTIN_PROGRESS=1."""
    return not quiet and (sys.stderr.isatty() or os.environ.get("BANTIN_PROGRESS") == "1")


def human_duration(ms: int) -> str:
    """Return a duration as listeners say it: "3 phút 12 giây"."""
    minutes, seconds = divmod(round(ms / 1000), 60)
    return f"{minutes} phút {seconds} giây" if minutes else f"{seconds} giây"


def human_mb(size: int) -> str:
    """Return a size in megabytes with a Vietnamese decimal comma: "1,5 MB"."""
    return f"{size / 1_000_000:.1f}".replace(".", ",") + " MB"
