"""Text exports read by other programs: WebVTT captions (browsers) and CSV (spreadsheets).

Article text is untrusted: in a caption `<`, `&` and tags would be interpreted by the
browser's WebVTT parser (text lost or restyled), and in a spreadsheet a cell starting with `=`,
`+`, `-` or `@` is run as a formula. Every export of such text goes through this module.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

# Cells that spreadsheet programs treat as formulas (OWASP's list, plus LF and the full-width
# forms some locales of Excel accept as well).
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def vtt_time(ms: int) -> str:
    """Return a WebVTT timestamp: HH:MM:SS.mmm."""
    hours, rest = divmod(max(0, int(ms)), 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}"


def vtt_cue_text(text: str) -> str:
    """Return `text` as one line of WebVTT cue text that a browser shows exactly as written."""
    # A line break would end the cue; NUL is not allowed in a WebVTT file.
    line = " ".join(text.replace("\0", "\ufffd").split())
    # Escaping '>' also takes care of the '-->' that would otherwise read as a timing line.
    return line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def webvtt(cues: Iterable[tuple[int, int, str]]) -> str:
    """Return a WebVTT file of numbered cues (start ms, end ms, text)."""
    lines = ["WEBVTT", ""]
    for n, (start_ms, end_ms, text) in enumerate(cues, 1):
        lines += [str(n), f"{vtt_time(start_ms)} --> {vtt_time(end_ms)}",
                  vtt_cue_text(text) or "\u00a0", ""]
    return "\n".join(lines)


def spreadsheet_cell(value: object) -> object:
    """Return `value` safe for a spreadsheet: text that would run as a formula gets a quote."""
    if isinstance(value, str) and value.lstrip(" ").startswith(FORMULA_LEADS):
        return "'" + value
    return value


def spreadsheet_csv(rows: Iterable[Sequence[object]]) -> str:
    """Return `rows` as CSV text with every cell made safe for spreadsheet programs."""
    buf = io.StringIO()
    # RFC 4180 line ends: the writer then quotes any cell holding a CR or an LF, which a
    # "\n" terminator would leave bare (a stray CR splits the row for every reader).
    writer = csv.writer(buf, lineterminator="\r\n")
    for row in rows:
        writer.writerow([spreadsheet_cell(cell) for cell in row])
    return buf.getvalue()
