"""PublishingPortal pages and their text dumps, against the project's own golden fixtures."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bantin_audio.errors import ExtractionError, InputError
from bantin_audio.ingest import extract_article, load_article
from bantin_audio.ingest.dom import parse_html
from bantin_audio.ingest.portal import find_web_parts
from tests.ingest.conftest import FIXTURES, expected_for

CHROME = ["PublishingPortal", "Block_BanTin", "Tăng cỡ chữ", "Giảm cỡ chữ", "In bài viết",
          "Gửi email", "Xem thêm", "Các tin khác", "Chia sẻ", "Quay lại", "Lượt truy cập",
          "Trang chủ", "CHUYÊN MỤC", "Cơ quan chủ quản"]

GOLDEN = sorted(p for p in FIXTURES.iterdir()
                if p.suffix in (".txt", ".html") and not p.name.endswith(".expected.json"))


@pytest.mark.parametrize("path", GOLDEN, ids=lambda p: p.name)
def test_fixture_comes_out_as_expected(path: Path, settings) -> None:
    article = load_article(str(path), settings)
    assert article.to_dict() == expected_for(path)


@pytest.mark.parametrize("path", GOLDEN, ids=lambda p: p.name)
def test_no_chrome_is_read_aloud(path: Path, settings) -> None:
    article = load_article(str(path), settings)
    spoken = "\n".join([article.title or "", article.lead or "", *article.paragraphs])
    for word in CHROME:
        assert word not in spoken


def test_related_news_titles_are_dropped(settings) -> None:
    article = load_article(str(FIXTURES / "portal_page.html"), settings)
    body = " ".join(article.paragraphs)
    assert "khuyến nông năm 2023" not in body
    assert all("khuyến nông năm 2023" not in c for c in article.captions)


def test_captions_are_kept_apart_with_their_credit(settings) -> None:
    article = load_article(str(FIXTURES / "portal_page.html"), settings)
    assert article.captions[0].endswith("(ảnh: Minh Hà)")
    assert not any("Đoàn viên thanh niên xã Yên Phú" in p for p in article.paragraphs)


def test_toolbar_date_wins_over_dates_in_the_body(settings) -> None:
    article = load_article(str(FIXTURES / "portal_page.html"), settings)
    assert article.date == "2024-03-14"  # the body mentions 13/3 and 30/6/2024


def test_end_mark_is_removed(settings) -> None:
    article = load_article(str(FIXTURES / "portal_dump.txt"), settings)
    assert not any(p.endswith("./.") for p in article.paragraphs)


def test_web_part_hidden_title_and_hidden_fields_are_not_text() -> None:
    html = (FIXTURES / "portal_page.html").read_text(encoding="utf-8")
    article = extract_article(html)
    dump = json.dumps(article.to_dict(), ensure_ascii=False)
    assert "__VIEWSTATE" not in dump and "wEPDw" not in dump
    assert "_spPageContextInfo" not in dump


def test_portal_page_without_view_data_falls_back_to_scoring() -> None:
    html = (FIXTURES / "portal_page.html").read_text(encoding="utf-8")
    html = html.replace("Block_BanTin_ViewData", "Block_BanTin_Khac")
    article = extract_article(html)
    assert article.title == "Yên Hòa ra quân làm đường giao thông nông thôn năm 2024"
    assert len(article.paragraphs) >= 5


def test_portal_page_with_empty_article_is_an_extraction_error() -> None:
    html = """<html><body><div class="ms-webpart-chrome"><div class="ms-webpart-chrome-title">
    <span title="PublishingPortal - Block_BanTin_ViewData">x</span></div>
    <div class="ms-WPBody"><div class="bantin-chitiet"></div></div></div>
    <ul><li><a href="/">Trang chủ</a></li></ul></body></html>"""
    with pytest.raises(ExtractionError):
        extract_article(html)


def test_stdin_source_reads_bytes(monkeypatch: pytest.MonkeyPatch, settings) -> None:
    import io
    import sys

    data = (FIXTURES / "plain_pasted.txt").read_bytes()

    class FakeStdin:
        buffer = io.BytesIO(data)

    monkeypatch.setattr(sys, "stdin", FakeStdin())
    article = load_article("-", settings)
    assert article.title == expected_for(FIXTURES / "plain_pasted.txt")["title"]


@pytest.mark.parametrize("content", [b"", b"   \n\t\n", "\u200b\ufeff".encode()])
def test_empty_input_is_an_input_error(tmp_path: Path, settings, content: bytes) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(content)
    with pytest.raises(InputError):
        load_article(str(path), settings)


def test_binary_file_is_an_input_error(tmp_path: Path, settings) -> None:
    path = tmp_path / "photo.html"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    with pytest.raises(InputError):
        load_article(str(path), settings)


def test_missing_file_and_directory_are_input_errors(tmp_path: Path, settings) -> None:
    with pytest.raises(InputError):
        load_article(str(tmp_path / "khong-co.txt"), settings)
    with pytest.raises(InputError):
        load_article(str(tmp_path), settings)


def test_cli_clean_prints_the_json_contract(settings) -> None:
    from click.testing import CliRunner

    from bantin_audio.cli import main

    result = CliRunner().invoke(main, ["clean", str(FIXTURES / "portal_dump.txt")])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == expected_for(FIXTURES / "portal_dump.txt")


def test_portal_column_inside_an_unclosed_menu_wrapper_is_read() -> None:
    # A left menu whose closing tag is missing wraps the article column: a portal page keeps
    # such furniture in its tree, since its column is chosen only after parsing.
    html = (FIXTURES / "portal_page.html").read_text(encoding="utf-8")
    closed = '</ul>\n  </div>\n  <div class="pp-center">'
    assert closed in html
    broken = html.replace(closed, '</ul>\n  <div class="pp-center">', 1)
    article = extract_article(broken)
    assert article.title == "Yên Hòa ra quân làm đường giao thông nông thôn năm 2024"
    assert article.author == "Minh Hà"
    assert len(article.paragraphs) >= 5


def test_web_part_named_only_in_its_visible_title_text() -> None:
    html = (FIXTURES / "portal_page.html").read_text(encoding="utf-8")
    named = re.sub(r'\stitle="[^"]*Block_[^"]*"', "", html)
    assert not re.search(r'title="[^"]*Block_', named) and "Block_BanTin_ViewData" in named
    parts = find_web_parts(parse_html(named))
    assert [name for name, _ in parts] == ["BanTin_Toolbar", "BanTin_ViewData", "BanTin_TinKhac"]
    assert all("ms-webpart-chrome" in (part.get("class") or "") for _, part in parts)
    article = extract_article(named)
    assert article.title == "Yên Hòa ra quân làm đường giao thông nông thôn năm 2024"
    assert article.date == "2024-03-14"
