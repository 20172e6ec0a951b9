"""The database commands: `migrate`, `copy-data` and `lexicon import|export`, registered on
the main group."""

from __future__ import annotations

from pathlib import Path

import click

from .cli_support import ViGroup, settings_from_env
from .jobqueue import PRIORITY_NORMAL

DATA_DIR_HELP = "Thư mục dữ liệu (nơi có cơ sở dữ liệu nhúng bantin.sqlite3)."
DATABASE_HELP = ("Địa chỉ cơ sở dữ liệu, ví dụ postgresql://bantin:mat-khau@may-chu/bantin "
                 "(mặc định: tệp SQLite trong thư mục dữ liệu).")


@click.command("migrate", help="Nâng lược đồ cơ sở dữ liệu lên bản mới nhất "
               "(an toàn khi chạy lại; dịch vụ cũng tự làm khi khởi động).")
@click.option("--data-dir", type=click.Path(path_type=Path, file_okay=False),
              envvar="BANTIN_DATA_DIR", help=DATA_DIR_HELP)
@click.option("--database-url", envvar="BANTIN_DATABASE_URL", metavar="URL", help=DATABASE_HELP)
def migrate(data_dir: Path | None, database_url: str | None) -> None:
    from .database import redact
    from .store import Store

    settings = settings_from_env(data_dir=data_dir, database_url=database_url)
    store = Store(settings.database, migrate=False)
    try:
        before = store.migrate()
        after = store.revision()
    finally:
        store.dispose()
    click.echo(f"Cơ sở dữ liệu: {redact(settings.database)}")
    if before == after:
        click.echo(f"Lược đồ đã ở bản mới nhất: {after}.")
    else:
        click.echo(f"Đã nâng lược đồ: {before or 'trống'} → {after}.")


@click.command("copy-data", help="Chép toàn bộ dữ liệu sang một cơ sở dữ liệu khác, trống "
               "(ví dụ từ tệp SQLite nhúng sang PostgreSQL). Hãy dừng dịch vụ trước khi chép.")
@click.option("--to", "target", required=True, metavar="URL",
              help="Cơ sở dữ liệu đích (phải trống), ví dụ postgresql://bantin@may-chu/bantin.")
@click.option("--from", "source", metavar="URL", envvar="BANTIN_DATABASE_URL",
              help="Cơ sở dữ liệu nguồn (mặc định: tệp SQLite trong thư mục dữ liệu).")
@click.option("--data-dir", type=click.Path(path_type=Path, file_okay=False),
              envvar="BANTIN_DATA_DIR", help=DATA_DIR_HELP)
def copy_data_command(target: str, source: str | None, data_dir: Path | None) -> None:
    from .database import redact
    from .database.copy import copy_data

    settings = settings_from_env(data_dir=data_dir, database_url=source)
    click.echo(f"Chép {redact(settings.database)} → {redact(target)}", err=True)
    counts = copy_data(settings.database, target,
                       lambda table, rows: click.echo(f"  {table}: {rows} dòng", err=True))
    click.echo(f"Đã chép {sum(counts.values())} dòng ({len(counts)} bảng); số dòng hai bên "
               "khớp nhau. Đặt BANTIN_DATABASE_URL bằng địa chỉ đích rồi khởi động lại dịch vụ.")


@click.group("lexicon", cls=ViGroup, help="Từ điển phát âm của biên tập viên (lưu trong cơ sở "
             "dữ liệu, dùng chung cho mọi máy).")
def lexicon_group() -> None:
    pass


@lexicon_group.command("export", help="Ghi từ điển ra tệp TSV (từ viết, cách đọc, kiểu đọc).")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False),
              metavar="TỆP.tsv", help="Tệp sẽ ghi (mặc định: in ra màn hình).")
@click.option("--data-dir", type=click.Path(path_type=Path, file_okay=False),
              envvar="BANTIN_DATA_DIR", help=DATA_DIR_HELP)
def lexicon_export(output: Path | None, data_dir: Path | None) -> None:
    from .jobs import open_store
    from .output_files import write_atomically

    settings = settings_from_env(data_dir=data_dir)
    store = open_store(settings)
    try:
        text = store.lexicon.export_tsv()
    finally:
        store.dispose()
    if output is None:
        click.echo(text, nl=False)
        return
    write_atomically(output, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    click.echo(f"Đã ghi {len(text.splitlines()) - 1} mục vào {output}.", err=True)


@lexicon_group.command("import", help="Đưa các mục của một tệp TSV vào từ điển (cùng định dạng "
                       "với lexicon export). Tệp có một dòng sai thì không mục nào được ghi.")
@click.argument("source", type=click.Path(path_type=Path, dir_okay=False, exists=True),
                metavar="TỆP.tsv")
@click.option("--replace", is_flag=True, help="Xóa các mục không có trong tệp.")
@click.option("--data-dir", type=click.Path(path_type=Path, file_okay=False),
              envvar="BANTIN_DATA_DIR", help=DATA_DIR_HELP)
def lexicon_import(source: Path, replace: bool, data_dir: Path | None) -> None:
    from .jobs import open_store
    from .services import build_queue
    from .speech.lexicon import read_user_entries

    settings = settings_from_env(data_dir=data_dir)
    entries = read_user_entries(source)  # the whole file is checked before anything is written
    store = open_store(settings)
    try:
        written = store.lexicon.import_entries(
            ((e.term, e.spoken, e.kind) for e in entries), replace=replace, who=source.name)
        job = store.jobs.queue_lexicon_rebuild()
        if settings.queue_url:
            build_queue(settings, store).enqueue(job.id, PRIORITY_NORMAL)
    finally:
        store.dispose()
    click.echo(f"Đã ghi {written} mục vào từ điển; các bài viết sẽ được soạn lại theo từ điển "
               f"(công việc số {job.id}).")


def register(main_group: click.Group) -> None:
    """Add the database commands to the `bantin-audio` group."""
    main_group.add_command(migrate)
    main_group.add_command(copy_data_command)
    main_group.add_command(lexicon_group)
