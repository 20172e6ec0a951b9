"""The media command: `media push` copies the data dir's audio into the configured store."""

from __future__ import annotations

import tempfile
from pathlib import Path

import click

from .cli_support import ViGroup, settings_from_env
from .errors import InputError


@click.group(cls=ViGroup, help="Kho tệp âm thanh (thư mục dữ liệu hoặc kho đối tượng S3).")
def media() -> None:
    pass


@media.command("push", help="Chép các tệp âm thanh trong thư mục dữ liệu (media/) lên kho "
               "đối tượng của BANTIN_MEDIA_URL; tệp đã có thì bỏ qua, chạy lại được.")
@click.option("--data-dir", type=click.Path(path_type=Path, file_okay=False),
              envvar="BANTIN_DATA_DIR",
              help="Thư mục dữ liệu (cơ sở dữ liệu, âm thanh, bộ nhớ đệm).")
def push(data_dir: Path | None) -> None:
    from .jobs import migrate_chimes, open_store
    from .media_store import LocalMediaStore, copy_media, media_dir, open_media

    settings = settings_from_env(data_dir=data_dir)
    if not settings.media_url:
        raise InputError("Chưa đặt BANTIN_MEDIA_URL",
                         "đặt BANTIN_MEDIA_URL=s3://tên-bucket/tiền-tố và khóa truy cập")
    local = media_dir(settings)
    if not local.is_dir():
        raise InputError(f"Không có thư mục âm thanh {local}", "kiểm tra --data-dir")
    target = open_media(settings)
    with tempfile.TemporaryDirectory(prefix="bantin-media-") as tmp:
        copied, skipped = copy_media(LocalMediaStore(local), target, Path(tmp))
    click.echo(f"Đã chép {copied} tệp lên {settings.media_url} ({skipped} tệp đã có).")
    moved = migrate_chimes(open_store(settings), target)
    if moved:
        click.echo(f"Đã chuyển nhạc chuyển tin của {moved} bản tin sang kho tệp.")


def register(main: click.Group) -> None:
    """Add the media command to the main group."""
    main.add_command(media)
