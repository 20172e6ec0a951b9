"""The portal commands: `sources add|list|remove` and `watch`, registered on the main group."""

from __future__ import annotations

import threading
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from .cli_support import ViGroup, settings_from_env
from .config import Settings

if TYPE_CHECKING:
    from .sources.watcher import Watcher


def _data_dir_option(f: click.decorators.FC) -> click.decorators.FC:
    return click.option("--data-dir", type=click.Path(path_type=Path, file_okay=False),
                        envvar="BANTIN_DATA_DIR",
                        help="Thư mục dữ liệu (cơ sở dữ liệu, âm thanh, bộ nhớ đệm).")(f)


@click.group(cls=ViGroup, help="Quản lý các cổng thông tin được theo dõi (nguồn).")
def sources() -> None:
    pass


@sources.command("add", help="Thêm một nguồn: tên, địa chỉ cổng thông tin và các địa chỉ tìm "
                 "bài (RSS/Atom, sitemap, trang danh sách).")
@click.argument("name")
@click.argument("base_url")
@click.option("--feed", "feeds", multiple=True, metavar="URL", help="Địa chỉ RSS/Atom.")
@click.option("--sitemap", "sitemaps", multiple=True, metavar="URL",
              help="Địa chỉ sitemap (kể cả sitemap tin tức).")
@click.option("--listing", "listings", multiple=True, metavar="URL",
              help="Trang danh sách bài (ví dụ chuyên mục \"Tin tức - Sự kiện\").")
@click.option("--host", "hosts", multiple=True, metavar="HOST",
              help="Máy chủ được phép cho bài viết (mặc định: máy chủ của BASE_URL).")
@click.option("--interval", type=int, metavar="GIÂY", help="Chu kỳ kiểm tra (mặc định 600).")
@click.option("--include", multiple=True, metavar="MẪU",
              help="Chỉ lấy địa chỉ khớp mẫu (dùng * và ?).")
@click.option("--exclude", multiple=True, metavar="MẪU", help="Bỏ địa chỉ khớp mẫu.")
@click.option("--approval", type=click.Choice(["auto", "editor"]), default="auto",
              show_default=True, help="auto: đăng ngay; editor: chờ biên tập viên duyệt.")
@click.option("--first", "first_take", type=int, metavar="N",
              help="Số bài mới nhất lấy ở lần kiểm tra đầu (mặc định 20).")
@click.option("--paused", is_flag=True, help="Thêm nhưng chưa theo dõi.")
@_data_dir_option
def add_source(name: str, base_url: str, feeds: tuple[str, ...], sitemaps: tuple[str, ...],
               listings: tuple[str, ...], hosts: tuple[str, ...], interval: int | None,
               include: tuple[str, ...], exclude: tuple[str, ...], approval: str,
               first_take: int | None, paused: bool, data_dir: Path | None) -> None:
    from .jobs import open_store
    from .sources.config import parse_source_config

    settings = settings_from_env(data_dir=data_dir)
    base, config = parse_source_config(
        base_url, feeds=feeds, sitemaps=sitemaps, listings=listings, hosts=hosts,
        poll_interval_s=interval, include=include, exclude=exclude, approval=approval,
        first_take=first_take, default_interval_s=settings.source_interval,
        default_first_take=settings.source_first_take)
    row = open_store(settings).sources.add(name.strip(), base, config.to_dict(), paused=paused)
    click.echo(f"Đã thêm nguồn {row.name} (số {row.id}): {row.base_url}")
    for kind, url in config.discovery():
        click.echo(f"  {_KINDS[kind]}: {url}")
    click.echo(f"  Kiểm tra mỗi {config.poll_interval_s} giây; lần đầu lấy "
               f"{config.first_take} bài mới nhất.")


_KINDS = {"feed": "RSS/Atom", "sitemap": "Sitemap", "listing": "Trang danh sách"}


def _when(ts: float | None) -> str:
    return datetime.fromtimestamp(ts).strftime("%d/%m/%Y %H:%M:%S") if ts else "chưa"


@sources.command("list", help="Liệt kê các nguồn với lần kiểm tra gần nhất và lỗi (nếu có).")
@_data_dir_option
def list_sources(data_dir: Path | None) -> None:
    from .jobs import open_store

    rows = open_store(settings_from_env(data_dir=data_dir)).sources.all()
    if not rows:
        click.echo("Chưa có nguồn nào. Thêm bằng: bantin-audio sources add TÊN ĐỊA_CHỈ "
                   "--feed URL")
        return
    for row in rows:
        state = "tạm dừng" if row.paused else "đang theo dõi"
        click.echo(f"{row.name}\t{row.base_url}\t{state}\t{row.articles_found} bài\t"
                   f"lần trước: {_when(row.last_poll_at)}\t"
                   f"lần sau: {'-' if row.paused else _when(row.next_poll_at)}")
        if row.last_error:
            click.echo(f"  Lỗi: {row.last_error}")


@sources.command("remove", help="Ngừng theo dõi một nguồn (bài và âm thanh đã có vẫn giữ).")
@click.argument("name")
@_data_dir_option
def remove_source(name: str, data_dir: Path | None) -> None:
    from .jobs import open_store

    store = open_store(settings_from_env(data_dir=data_dir))
    row = store.sources.get_by_name(name)
    store.sources.delete(row.id)
    click.echo(f"Đã xóa nguồn {row.name}; các bài đã đọc vẫn được giữ.")


@click.command(help="Theo dõi các nguồn: tìm bài mới, bài sửa và bài bị gỡ, rồi xếp vào hàng "
               "đợi tạo âm thanh.")
@click.option("--once", is_flag=True, help="Kiểm tra các nguồn đến hạn một lần rồi thoát.")
@_data_dir_option
def watch(once: bool, data_dir: Path | None) -> None:
    from .jobs import open_store
    from .sources.watcher import Watcher

    settings = settings_from_env(data_dir=data_dir)
    store = open_store(settings)
    queue = None
    if settings.queue_url:  # scaled mode: found articles go straight to the worker machines
        from .services import build_queue

        queue = build_queue(settings, store)
    watcher = Watcher(store, settings, queue=queue)
    if once:
        reports = watcher.run_once()
        if not reports:
            click.echo("Không có nguồn nào đến hạn kiểm tra.")
        for r in reports:
            click.echo(f"{r.source}: {r.found} địa chỉ, {r.new} mới, {r.imported} bài xếp vào "
                       f"hàng đợi, {r.changed} bài sửa, {r.withdrawn} bài bị gỡ, "
                       f"{r.failed} lỗi")
            if r.error:
                click.echo(f"  Lỗi: {r.error}", err=True)
        return
    _watch_forever(settings, watcher)


def _watch_forever(settings: Settings, watcher: Watcher) -> None:
    stop = threading.Event()
    click.echo(f"Đang theo dõi các nguồn trên {settings.data_dir} (Ctrl+C để dừng)")
    try:
        watcher.run_forever(stop)
    except KeyboardInterrupt:
        stop.set()


def register(main_group: click.Group) -> None:
    """Add the portal commands to the `bantin-audio` group."""
    main_group.add_command(sources)
    main_group.add_command(watch)
