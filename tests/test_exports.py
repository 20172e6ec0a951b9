"""Exports read by other programs, parsed back the way those programs read them."""

from __future__ import annotations

import csv
import html
import io

import webvtt

from bantin_audio.bulletin import CueEntry, cue_sheet_csv
from bantin_audio.exports import spreadsheet_csv, vtt_time
from bantin_audio.exports import webvtt as write_webvtt

HOSTILE_TEXTS = [
    "Giá <b>lúa</b> tăng & giảm",
    "Xã A --> xã B: <script>alert(1)</script>",
    "<c.yellow>Cảnh báo</c> &amp; <v Ông Ba>lời</v> 1 < 2 > 0",
    "Dòng một\nDòng hai\r\n\r\nDòng ba",
    "Ký tự\0lạ <i>nghiêng</i>",
    "&lt;đã mã hóa&gt;",
    "<00:00:05.000>thời điểm",
]


def test_webvtt_cue_text_reads_back_exactly_as_written() -> None:
    cues = [(i * 1000, i * 1000 + 900, text) for i, text in enumerate(HOSTILE_TEXTS)]
    parsed = webvtt.from_string(write_webvtt(cues))
    assert len(parsed.captions) == len(HOSTILE_TEXTS)
    for (start, end, text), caption in zip(cues, parsed.captions, strict=True):
        assert (caption.start, caption.end) == (vtt_time(start), vtt_time(end))
        # No cue tags survive (webvtt-py strips them from .text as a browser would not show
        # them); the character references decode back to the article's words.
        assert caption.text == caption.raw_text
        expected = " ".join(text.replace("\0", "\ufffd").split())
        assert html.unescape(caption.text) == expected


def test_webvtt_empty_cue_text_keeps_the_file_valid() -> None:
    parsed = webvtt.from_string(write_webvtt([(0, 500, "  \n "), (500, 900, "Hết")]))
    assert [c.text.strip() for c in parsed.captions] == ["", "Hết"]


def test_formula_leading_cells_are_neutralized() -> None:
    cells = ["=HYPERLINK(\"http://x\",\"bấm\")", "+84 912", "-5 độ", "@SUM(A1)", "\t=1+1",
             "\r=1", " =cmd|' /C calc'!A0", "＝1+1", "Tin bình thường", "2022-10-25"]
    rows = list(csv.reader(io.StringIO(spreadsheet_csv([[c, 7] for c in cells]), newline="")))
    for cell, (written, number) in zip(cells, rows, strict=True):
        assert number == "7"
        if cell == "Tin bình thường" or cell == "2022-10-25":
            assert written == cell
        else:
            assert written == "'" + cell
            assert not written.startswith(("=", "+", "-", "@", "\t", "\r"))


def test_cue_sheet_titles_cannot_run_as_formulas() -> None:
    cues = [CueEntry("intro", None, "", 0, 4000),
            CueEntry("item", 1, "=IMPORTXML(\"http://x\", \"//a\")", 4000, 60_000),
            CueEntry("item", 2, "-Thông báo lịch cắt điện", 64_000, 30_000),
            CueEntry("outro", None, "", 94_000, 3000)]
    rows = list(csv.DictReader(io.StringIO(cue_sheet_csv(cues))))
    assert [r["Tiêu đề"] for r in rows] == [
        "Lời giới thiệu", "'=IMPORTXML(\"http://x\", \"//a\")", "'-Thông báo lịch cắt điện",
        "Lời kết"]
    assert [r["Bắt đầu (ms)"] for r in rows] == ["0", "4000", "64000", "94000"]
