"""The `bantin-audio` command: one client of the library, like the web app."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Sequence
from typing import Any

import click

from .cli_bulletin import register as register_bulletin
from .cli_data import register as register_data
from .cli_media import register as register_media
from .cli_sources import register as register_sources
from .cli_support import (
    ENGINE_CHOICE,
    Failure,
    ViCommand,
    ViGroup,
    check_text,
    check_writable,
    describe_failure,
    human_duration,
    human_mb,
    jsonl_dump,
    jsonl_lines,
    parse_jsonl_item,
    progress_wanted,
    settings_from_env,
    signals_stop_the_command,
)
from .cli_support import jsonl_item_id as _item_id
from .cli_web import register as register_web
from .errors import BantinError, InputError

log = logging.getLogger(__name__)



class BantinGroup(ViGroup):
    """Click group that turns every BantinError into one clear message and exit status 1."""

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True,
             **extra: Any) -> Any:
        """Run the command; usage errors are explained in Vietnamese, exit status 2."""
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, **extra)
        try:
            result = super().main(args, prog_name, complete_var, False, **extra)
        except click.UsageError as exc:
            _print_usage_error(exc)
            sys.exit(2)
        except click.Abort:
            click.echo("Đã dừng.", err=True)
            sys.exit(1)
        except click.ClickException as exc:
            click.echo(f"Lỗi: {_vietnamese(exc.format_message())}", err=True)
            sys.exit(exc.exit_code)
        sys.exit(result if isinstance(result, int) else 0)

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        # Commands defined in other modules with plain @click.command get the same help text.
        if type(cmd) is click.Command:
            cmd.__class__ = ViCommand
        super().add_command(cmd, name)

    def invoke(self, ctx: click.Context) -> Any:
        # The one place where anything that stops a command becomes a message and a status:
        # our own errors, disk errors, signals (which first unwind, so temp files go) and bugs.
        with signals_stop_the_command():
            try:
                return super().invoke(ctx)
            except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
                raise
            except BaseException as exc:  # noqa: B036 - signals and bugs get a message too
                failure = describe_failure(exc)
        _report(failure)
        ctx.exit(failure.status)


def _report(failure: Failure) -> None:
    try:
        click.echo(f"Lỗi: {failure.message}" if failure.status == 1 else failure.message,
                   err=True)
        if failure.hint:
            click.echo(f"Gợi ý: {failure.hint}", err=True)
    except OSError:  # stderr itself is gone: the exit status still tells
        pass


# Click's own messages are English; the common ones, said in Vietnamese.
_USAGE_PHRASES = [
    (r"^Missing option (.+)\.$", r"Thiếu tùy chọn \1."),
    (r"^Missing argument (.+)\.$", r"Thiếu tham số \1."),
    (r"^No such option: (.+)$", r"Không có tùy chọn \1"),
    (r"^No such command (.+)\.$", r"Không có lệnh \1."),
    (r"^Got unexpected extra arguments? \((.+)\)$", r"Thừa tham số: \1"),
    (r"^Option (.+) requires an argument\.$", r"Tùy chọn \1 cần một giá trị."),
    (r"^Invalid value for (.+?): (.+)$", r"Giá trị không hợp lệ cho \1: \2"),
    (r"is not one of", "không thuộc"),
    (r"is not a valid (float|integer)", "không phải là số hợp lệ"),
    (r"is not in the range", "không nằm trong khoảng"),
    (r"does not exist", "không tồn tại"),
]


def _vietnamese(message: str) -> str:
    import re

    for pattern, repl in _USAGE_PHRASES:
        message = re.sub(pattern, repl, message)
    return message


def _print_usage_error(exc: click.UsageError) -> None:
    if exc.ctx is not None:
        usage = exc.ctx.get_usage().replace("Usage:", "Cách dùng:", 1)
        click.echo(usage, err=True)
        help_name = exc.ctx.command_path
        click.echo(f"Xem '{help_name} -h' để biết thêm.", err=True)
        click.echo(err=True)
    click.echo(f"Lỗi: {_vietnamese(exc.format_message())}", err=True)


CONTEXT = {"help_option_names": ["-h", "--help"]}


@click.group(cls=BantinGroup, context_settings=CONTEXT,
             help="bantin-audio: đọc to tin tức của chính quyền địa phương bằng tiếng Việt.")
@click.version_option(package_name="bantin-audio", message="bantin-audio %(version)s",
                      help="Hiện phiên bản rồi thoát.")
@click.option("-v", "--verbose", count=True, help="In thêm nhật ký (lặp lại để chi tiết hơn).")
@click.pass_context
def main(ctx: click.Context, verbose: int) -> None:
    # Quiet by default: what the listener needs is said by the command itself.
    level = logging.ERROR if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    ctx.ensure_object(dict)


@main.command(help="Làm sạch một bài viết và in các trường của nó.\n\n"
              "INPUT là tệp .txt, tệp .html, địa chỉ http(s):// hoặc - (đọc từ stdin).")
@click.argument("source", metavar="INPUT")
@click.option("--format", "fmt", type=click.Choice(["json", "text"]), default="json",
              show_default=True, help="Định dạng đầu ra.")
def clean(source: str, fmt: str) -> None:
    from .ingest import load_article

    article = load_article(source, settings_from_env())
    if fmt == "json":
        click.echo(json.dumps(article.to_dict(), ensure_ascii=False, indent=2))
        return
    click.echo(article.headline)
    meta = " · ".join(x for x in (article.date, article.author) if x)
    if meta:
        click.echo(meta)
    click.echo()
    if article.lead:
        click.echo(article.lead)
        click.echo()
    for para in article.paragraphs:
        click.echo(para)
        click.echo()
    for cap in article.captions:
        click.echo(f"[Ảnh] {cap}")
    if article.source_url:
        click.echo(f"Nguồn: {article.source_url}")


@main.command(help="In dạng đọc (chữ) của một đoạn văn bản tiếng Việt.\n\n"
              "Với --jsonl: đọc các dòng {\"id\", \"input\"} từ stdin, "
              "ghi các dòng {\"id\", \"output\"}; dòng lỗi được ghi "
              "{\"id\", \"output\": null, \"error\"} và mã thoát là 1.")
@click.argument("text", required=False)
@click.option("--jsonl", is_flag=True, help="Đọc và ghi JSON Lines qua stdin/stdout.")
@click.pass_context
def normalize(ctx: click.Context, text: str | None, jsonl: bool) -> None:
    from .jobs import settings_lexicon
    from .speech.normalize import normalize_text

    settings = settings_from_env()
    lexicon = settings_lexicon(settings)
    if jsonl:
        failed = total = 0
        for lineno, raw in jsonl_lines(click.get_binary_stream("stdin")):
            if raw is not None and not raw.strip():
                continue
            total += 1
            try:
                item = parse_jsonl_item(raw, lineno)
                spoken = _normalize_text_line(item["input"], lineno, lexicon)
                out = {"id": item.get("id"), "output": spoken}
            except BantinError as exc:
                failed += 1
                click.echo(f"Lỗi: {exc.message}", err=True)
                out = {"id": _item_id(raw), "output": None, "error": exc.message}
            click.echo(jsonl_dump(out))
        if failed:
            click.echo(f"{failed}/{total} dòng không chuẩn hóa được.", err=True)
            ctx.exit(1)
        return
    if text is None:
        raise click.UsageError("Cần TEXT hoặc --jsonl")
    check_text(text, "TEXT")
    click.echo(normalize_text(text, lexicon))


def _normalize_text_line(text: str, lineno: int, lexicon: Any) -> str:
    """Return one JSONL line's text normalized; any failure is an error of that line only."""
    from .speech.normalize import normalize_text

    try:
        return normalize_text(text, lexicon)
    except BantinError as exc:
        raise InputError(f"Dòng {lineno}: {exc.message}", exc.hint) from exc
    except Exception as exc:  # a bug on one line must not lose the lines after it
        log.debug("line %d could not be normalized", lineno, exc_info=exc)
        raise InputError(f"Dòng {lineno}: lỗi không mong đợi khi chuẩn hóa "
                         f"({type(exc).__name__})", "báo cho người quản trị") from exc


@main.command(help="Đọc một bài viết thành tệp âm thanh MP3.\n\n"
              "INPUT là tệp .txt, tệp .html, địa chỉ http(s):// hoặc - (đọc từ stdin).")
@click.argument("source", metavar="INPUT")
@click.option("-o", "--output", required=True, metavar="TỆP.mp3",
              help="Tệp âm thanh sẽ ghi (MP3; .webm cho Opus).")
@click.option("--engine", type=ENGINE_CHOICE, envvar="BANTIN_ENGINE", default="auto",
              show_default=True,
              help="auto: Google, khi lỗi thì giọng ngoại tuyến; gtts: chỉ Google; "
                   "espeak: chỉ giọng ngoại tuyến.")
@click.option("--timings", metavar="TỆP.json", help="Ghi bản đồ thời gian của từng đoạn.")
@click.option("--data-dir", envvar="BANTIN_DATA_DIR", metavar="THƯ_MỤC",
              help="Thư mục dữ liệu (bộ nhớ đệm âm thanh, từ điển phát âm).")
@click.option("--quiet", "-q", is_flag=True, help="Không hiện thanh tiến trình.")
def read(source: str, output: str, engine: str, timings: str | None, data_dir: str | None,
         quiet: bool) -> None:
    from pathlib import Path

    from .ingest import load_article
    from .jobs import settings_lexicon
    from .output_files import sweep_stale_parts, write_atomically
    from .services import build_services
    from .speech.script import build_script

    settings = settings_from_env(engine=engine, data_dir=data_dir)
    fmt = "webm" if output.lower().endswith(".webm") else "mp3"
    for path, what in ((output, "-o"), (timings, "--timings")):
        if path:
            check_writable(path, what)
            sweep_stale_parts(Path(path))
    article = load_article(source, settings)
    services = build_services(settings)
    script = build_script(article, settings, settings_lexicon(settings))
    total = len(script.segments)
    show_bar = progress_wanted(quiet, settings)
    bar: Any = click.progressbar(length=total, label="Đang đọc", file=sys.stderr,
                            show_pos=True, width=30) if show_bar else None
    seen = 0

    def on_progress(p: Any) -> None:
        nonlocal seen
        if bar is not None and p.stage == "synthesize" and p.done > seen:
            bar.update(p.done - seen)
            seen = p.done

    try:
        if bar is not None:
            bar.__enter__()
        program = services.pipeline.render(script, Path(output), on_progress, fmt=fmt)
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
        services.pipeline.close()
    if timings:
        data = json.dumps([t.to_dict() for t in program.timings], ensure_ascii=False, indent=2)
        write_atomically(Path(timings), lambda tmp: tmp.write_text(data, encoding="utf-8"))
    offline = program.engines.get("espeak", 0)
    if offline and engine == "auto":
        click.echo(f"Lưu ý: không dùng được giọng Google cho {offline}/{total} đoạn; "
                   "các đoạn đó được đọc bằng giọng ngoại tuyến (eSpeak NG).", err=True)
    click.echo(f"Đã ghi {output} ({human_duration(program.duration_ms)}, "
               f"{human_mb(program.bytes)}).", err=True)


register_web(main)
register_bulletin(main)
register_sources(main)
register_data(main)
register_media(main)
