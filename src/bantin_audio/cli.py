"""The `bantin-audio` command: one client of the library, like the web app."""

from __future__ import annotations

import json
import logging
import sys
from typing import Any

import click

from .config import Settings
from .errors import BantinError

log = logging.getLogger(__name__)

ENGINE_CHOICE = click.Choice(["auto", "gtts", "espeak"])


class BantinGroup(click.Group):
    """Click group that turns every BantinError into one clear message and exit status 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BantinError as exc:
            click.echo(f"Lỗi: {exc.message}", err=True)
            if exc.hint:
                click.echo(f"Gợi ý: {exc.hint}", err=True)
            ctx.exit(1)
        except KeyboardInterrupt:
            click.echo("Đã dừng.", err=True)
            ctx.exit(130)


CONTEXT = {"help_option_names": ["-h", "--help"]}


@click.group(cls=BantinGroup, context_settings=CONTEXT,
             help="bantin-audio: đọc to tin tức của chính quyền địa phương bằng tiếng Việt.")
@click.version_option(package_name="bantin-audio", message="bantin-audio %(version)s")
@click.option("-v", "--verbose", count=True, help="In thêm nhật ký (lặp lại để chi tiết hơn).")
@click.pass_context
def main(ctx: click.Context, verbose: int) -> None:
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    ctx.ensure_object(dict)


def _settings(**overrides: Any) -> Settings:
    return Settings.from_env(**overrides)


@main.command(help="Làm sạch một bài viết và in các trường của nó.\n\n"
              "INPUT là tệp .txt, tệp .html, địa chỉ http(s):// hoặc - (đọc từ stdin).")
@click.argument("source", metavar="INPUT")
@click.option("--format", "fmt", type=click.Choice(["json", "text"]), default="json",
              show_default=True, help="Định dạng đầu ra.")
def clean(source: str, fmt: str) -> None:
    from .ingest import load_article

    article = load_article(source, _settings())
    if fmt == "json":
        click.echo(json.dumps(article.to_dict(), ensure_ascii=False, indent=2))
        return
    click.echo(article.title)
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
              "ghi các dòng {\"id\", \"output\"}.")
@click.argument("text", required=False)
@click.option("--jsonl", is_flag=True, help="Đọc và ghi JSON Lines qua stdin/stdout.")
def normalize(text: str | None, jsonl: bool) -> None:
    from .speech.lexicon import load_lexicon
    from .speech.normalize import normalize_text

    settings = _settings()
    lexicon = load_lexicon(settings.data_dir / "lexicon.tsv")
    if jsonl:
        for lineno, line in enumerate(sys.stdin, 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
                source = item["input"]
            except (ValueError, KeyError, TypeError) as exc:
                raise click.UsageError(f"Dòng {lineno} không phải JSON hợp lệ có trường 'input'") \
                    from exc
            out = {"id": item.get("id"), "output": normalize_text(str(source), lexicon)}
            click.echo(json.dumps(out, ensure_ascii=False))
        return
    if text is None:
        raise click.UsageError("Cần TEXT hoặc --jsonl")
    click.echo(normalize_text(text, lexicon))
