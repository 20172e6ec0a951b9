"""ID3v2.3 tags and chapters (CHAP + CTOC), written with mutagen."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from mutagen.id3 import (
    CHAP,
    COMM,
    CTOC,
    ID3,
    TALB,
    TDRC,
    TIT2,
    TLAN,
    TPE1,
    WOAS,
    CTOCFlags,
    ID3NoHeaderError,
)

from ..errors import AudioError
from ..model import TimingEntry

KIND_LABELS = {
    "title": "Tiêu đề", "date": "Ngày đăng", "lead": "Sapo", "author": "Tác giả",
    "announcement": "Giới thiệu", "caption": "Chú thích ảnh",
}


def write_tags(path: Path, *, title: str, artist: str | None = None, album: str | None = None,
               date: str | None = None, comment: str | None = None,
               source_url: str | None = None,
               chapters: Sequence[TimingEntry] = ()) -> None:
    """Write ID3v2.3 tags and one chapter per timing entry into the MP3 at `path`."""
    try:
        try:
            tags = ID3(str(path))
        except ID3NoHeaderError:
            tags = ID3()
        tags.delete(str(path))
        tags = ID3()
        tags.add(TIT2(encoding=1, text=[title]))
        if artist:
            tags.add(TPE1(encoding=1, text=[artist]))
        if album:
            tags.add(TALB(encoding=1, text=[album]))
        if date:
            tags.add(TDRC(encoding=1, text=[date]))
        tags.add(TLAN(encoding=1, text=["vie"]))
        note = comment or (f"Nguồn: {source_url}" if source_url else None)
        if note:
            tags.add(COMM(encoding=1, lang="vie", desc="", text=[note]))
        if source_url:
            tags.add(WOAS(url=source_url))
        ids = []
        for n, entry in enumerate(chapters):
            cid = f"chp{n}"
            ids.append(cid)
            label = entry.text if entry.kind in ("title", "paragraph") else \
                KIND_LABELS.get(entry.kind, entry.text)
            tags.add(CHAP(element_id=cid, start_time=entry.start_ms, end_time=entry.end_ms,
                          start_offset=0xFFFFFFFF, end_offset=0xFFFFFFFF,
                          sub_frames=[TIT2(encoding=1, text=[_short(label)])]))
        if ids:
            tags.add(CTOC(element_id="toc", flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
                          child_element_ids=ids,
                          sub_frames=[TIT2(encoding=1, text=["Mục lục"])]))
        tags.save(str(path), v2_version=3)
    except (OSError, ValueError) as exc:
        raise AudioError(f"Không ghi được thẻ ID3: {exc}") from exc


def _short(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"
