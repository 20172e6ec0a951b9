"""The `bantin-audio bulletin` command: several articles into one broadcast-ready programme."""

from __future__ import annotations

import logging
import re
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

import click

from .cli_support import ENGINE_CHOICE, check_writable, human_mb, progress_wanted, settings_from_env
from .config import Settings
from .errors import InputError, NotFound
from .model import Article

log = logging.getLogger(__name__)

def _decimal(value: float) -> str:
    return f"{value:.1f}".replace(".", ",")


def _article_by_id(article_id: int, settings: Settings) -> tuple[Article, int]:
    """Return the stored article with this id, or raise NotFound in Vietnamese."""
    message = f"Không tìm thấy bài viết có mã {article_id}"
    from .store import Store, database_path

    db = database_path(settings.data_dir)
    if not settings.database_url and not db.is_file():
        raise NotFound(message, f"chưa có kho bài viết {db}: đưa vào tệp hoặc địa chỉ URL, "
                                "hoặc chọn --data-dir của dịch vụ web")
    store = Store(settings.database)
    try:
        row = store.articles.get(article_id)
    except NotFound:
        raise NotFound(message, "xem mã bài viết trong trang quản trị") from None
    finally:
        store.close()
    return row.article, row.id


def _load_input(source: str, settings: Settings) -> tuple[Article, int | None]:
    from .ingest import load_article

    if re.fullmatch(r"\d+", source.strip()) and not Path(source).exists():
        return _article_by_id(int(source), settings)
    return load_article(source, settings), None


def bulletin_command(sources: tuple[str, ...], output: str, wav: str | None,
                     station: str | None, loudness: str, tempo: float, cue_sheet: str | None,
                     cue_text: str | None, stereo: bool, chime: str | None,
                     pause_between: float, target_minutes: float | None, engine: str,
                     date: str | None, read_date: bool, read_author: bool,
                     data_dir: str | None, quiet: bool) -> None:
    """Build the bulletin from `sources` and report what was written."""
    from .bulletin import (
        WORKDIR_PREFIX,
        Bulletin,
        BulletinItem,
        StationSettings,
        build_bulletin,
        bulletin_heading,
        clock,
        cue_sheet_text,
        human_duration,
        load_chime,
        validate_tempo,
    )
    from .jobs import settings_lexicon
    from .output_files import sweep_stale_dirs, sweep_stale_parts
    from .services import build_services

    settings = settings_from_env(engine=engine, data_dir=data_dir)
    # Cheap checks first, so a typo never costs a synthesis run.
    if not sources:
        raise InputError("Bản tin chưa có bài viết nào",
                         "đưa vào ít nhất một tệp, địa chỉ URL hoặc mã bài viết")
    validate_tempo(tempo)
    if not output.lower().endswith(".mp3"):
        raise InputError(f"-o cần một tệp .mp3: {output}", "dùng --wav TỆP.wav cho bản WAV")
    for path, what in ((output, "-o"), (wav, "--wav"), (cue_sheet, "--cue-sheet"),
                       (cue_text, "--cue-text")):
        if path:
            check_writable(path, what)
            sweep_stale_parts(Path(path))
    sweep_stale_dirs(Path(tempfile.gettempdir()), WORKDIR_PREFIX)
    if chime:
        load_chime(Path(chime))
    station_settings = StationSettings(
        tempo=tempo, pause_between_ms=round(pause_between * 1000), chime_path=chime,
        target_minutes=target_minutes, read_date=read_date, read_author=read_author)
    if station:
        station_settings.name = station
    items = [BulletinItem(*_load_input(source, settings)) for source in sources]
    bulletin = Bulletin(items=items, station=station_settings, date=date)

    services = build_services(settings)
    lexicon = settings_lexicon(settings)
    show_bar = progress_wanted(quiet, settings)
    bar: Any = None
    seen = {"synthesize": 0, "stitch": 0}
    # Speaking and stitching report from different threads (stitching follows the voice).
    lock = threading.Lock()

    def on_progress(p: Any) -> None:
        nonlocal bar
        if not show_bar or p.stage not in seen:
            return
        with lock:
            if bar is None:
                # Two halves: speaking the segments, and stitching them into the programme.
                bar = click.progressbar(length=2 * p.total, label="Đang dựng bản tin",
                                        file=sys.stderr, width=30)
                bar.__enter__()
            if p.done > seen[p.stage]:
                bar.update(p.done - seen[p.stage])
                seen[p.stage] = p.done

    try:
        result = build_bulletin(
            bulletin, services.pipeline, mp3_path=Path(output),
            wav_path=Path(wav) if wav else None,
            cue_csv_path=Path(cue_sheet) if cue_sheet else None,
            cue_text_path=Path(cue_text) if cue_text else None,
            loudness=loudness, stereo=stereo, lexicon=lexicon, progress=on_progress)
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
        services.pipeline.close()

    click.echo(cue_sheet_text(result.cues, heading=bulletin_heading(bulletin),
                              duration_ms=result.duration_ms), nl=False)
    offline = result.engines.get("espeak", 0)
    if offline and engine == "auto":
        total = sum(result.engines.values())
        click.echo(f"Lưu ý: không dùng được giọng Google cho {offline}/{total} đoạn; "
                   "các đoạn đó được đọc bằng giọng ngoại tuyến (eSpeak NG).", err=True)
    if result.warning is not None:
        click.echo(f"Cảnh báo: {result.warning.message}", err=True)
    for kind, path in result.files.items():
        report = result.loudness.get(kind)
        if report is None:
            click.echo(f"Đã ghi {path}.", err=True)
            continue
        size = human_mb(result.sizes[kind])
        click.echo(f"Đã ghi {path} ({human_duration(result.duration_ms)}, {size}; "
                   f"độ lớn {_decimal(report.output_integrated)} LUFS, "
                   f"đỉnh thực {'≤ ' if report.true_peak_bound else ''}"
                   f"{_decimal(report.output_true_peak)} dBTP).", err=True)
    log.info("bulletin built: %s, %s", clock(result.duration_ms), result.files)


def register(main: click.Group) -> None:
    """Add the `bulletin` command to the `bantin-audio` group."""

    @main.command(
        "bulletin",
        help="Dựng một bản tin phát thanh từ nhiều bài viết.\n\n"
             "Mỗi INPUT là tệp .txt/.html, địa chỉ http(s):// hoặc mã bài viết trong kho của "
             "dịch vụ web. Bản tin gồm lời giới thiệu, lời dẫn từng tin (\"Tin thứ nhất: …\"), "
             "nội dung các bài, khoảng chuyển giữa các tin và lời kết; âm thanh được chuẩn hóa "
             "độ lớn (EBU R128 cho phát thanh, -16 LUFS cho web).")
    @click.argument("sources", metavar="INPUT...", nargs=-1)
    @click.option("-o", "--output", required=True, metavar="TỆP.mp3",
                  help="Tệp MP3 sẽ ghi (CBR 128 kbps, 44,1 kHz).")
    @click.option("--wav", metavar="TỆP.wav", help="Ghi thêm bản WAV 48 kHz 16-bit.")
    @click.option("--station", metavar="TÊN",
                  help="Tên đài, ví dụ \"Đài truyền thanh xã Quang Thuận\".")
    @click.option("--loudness", type=click.Choice(["broadcast", "web"]), default="broadcast",
                  show_default=True,
                  help="broadcast: EBU R128 (-23 LUFS, đỉnh thực -1 dBTP); web: -16 LUFS.")
    @click.option("--tempo", type=float, default=1.0, show_default=True,
                  help="Tốc độ đọc từ 0,8 đến 1,2 (giữ nguyên cao độ), ví dụ 0.9 để đọc chậm.")
    @click.option("--cue-sheet", metavar="TỆP.csv",
                  help="Ghi bảng thời gian (STT, tiêu đề, bắt đầu, thời lượng) dạng CSV.")
    @click.option("--cue-text", metavar="TỆP.txt", help="Ghi bảng thời gian dạng văn bản để in.")
    @click.option("--stereo", is_flag=True, help="Ghi hai kênh (mặc định một kênh).")
    @click.option("--chime", metavar="TỆP",
                  help="Nhạc chuyển tin (WAV hoặc MP3) phát giữa các tin.")
    @click.option("--pause-between", type=float, default=1.5,
                  show_default=True, metavar="GIÂY",
                  help="Khoảng lặng giữa các tin khi không có nhạc chuyển tin.")
    @click.option("--target-minutes", type=float, metavar="PHÚT",
                  help="Độ dài mong muốn; cảnh báo khi bản tin dài hơn.")
    @click.option("--engine", type=ENGINE_CHOICE, envvar="BANTIN_ENGINE", default="auto",
                  show_default=True,
                  help="auto: Google, khi lỗi thì giọng ngoại tuyến; gtts: chỉ Google; "
                       "espeak: chỉ giọng ngoại tuyến.")
    @click.option("--date", metavar="NĂM-THÁNG-NGÀY",
                  help="Ngày đọc trong lời giới thiệu (mặc định hôm nay).")
    @click.option("--read-date/--no-read-date", default=False, show_default=True,
                  help="Đọc ngày đăng của từng tin.")
    @click.option("--read-author/--no-read-author", default=True, show_default=True,
                  help="Đọc tên tác giả ở cuối từng tin.")
    @click.option("--data-dir", envvar="BANTIN_DATA_DIR", metavar="THƯ_MỤC",
                  help="Thư mục dữ liệu (bộ nhớ đệm âm thanh, từ điển phát âm, kho bài viết).")
    @click.option("--quiet", "-q", is_flag=True, help="Không hiện thanh tiến trình.")
    def bulletin(**options: Any) -> None:
        bulletin_command(**options)
