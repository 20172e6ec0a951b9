"""Bytes to text: BOMs, declared charsets, <meta> charsets, detection, Windows-1258, NFC."""

from __future__ import annotations

import codecs
import logging
import re
import unicodedata

from ..errors import InputError

log = logging.getLogger(__name__)

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:\-]+)""", re.I)
_MAGIC = (b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"PK\x03\x04", b"\x1f\x8b",
          b"ID3", b"RIFF", b"OggS", b"\x7fELF", b"MZ", b"BZh", b"\xfd7zXZ", b"Rar!")
# Letters only Vietnamese uses: a decoding that yields many of them is probably the right one.
_VI_LETTERS = set("ăâđêôơưĂÂĐÊÔƠƯ") | set(
    "àáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ"
)


def looks_binary(data: bytes) -> bool:
    """Tell whether the bytes are a binary file (image, PDF, archive) rather than text."""
    head = data[:4096]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    if head.startswith(_MAGIC):
        return True
    if b"\x00" in head:
        return True
    controls = sum(1 for b in head if b < 9 or 13 < b < 32)
    return controls > max(8, len(head) // 50)


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name.strip().strip("\"'")).name
    except LookupError:
        return None


def charset_from_content_type(content_type: str | None) -> str | None:
    """Return the codec named by a Content-Type header's charset parameter, if Python knows it."""
    if not content_type:
        return None
    m = re.search(r"charset\s*=\s*[\"']?([\w.:\-]+)", content_type, re.I)
    return _codec(m.group(1)) if m else None


def _vi_score(text: str) -> float:
    if not text:
        return 0.0
    nfc = unicodedata.normalize("NFC", text)
    letters = sum(1 for c in nfc if c.isalpha())
    bad = nfc.count("\ufffd") * 5
    vi = sum(1 for c in nfc if c in _VI_LETTERS)
    return (vi - bad) / max(letters, 1)


def decode_bytes(data: bytes, content_type: str | None = None) -> tuple[str, str]:
    """Decode page or file bytes to NFC text; return (text, encoding used)."""
    if looks_binary(data):
        raise InputError("Dữ liệu là tệp nhị phân, không phải văn bản hay trang HTML",
                         "hãy đưa vào tệp .txt, .html hoặc địa chỉ bài viết")
    for bom, enc in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                     (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return _finish(data.decode(enc, errors="replace")), enc
    candidates: list[str] = []
    declared = charset_from_content_type(content_type)
    if declared:
        candidates.append(declared)
    m = _META_CHARSET.search(data[:8192])
    meta = _codec(m.group(1).decode("ascii", "ignore")) if m else None
    if meta:
        candidates.append(meta)
    for enc in candidates:
        # A page declared as Latin-1 or cp1252 is often really UTF-8 or cp1258: check below.
        if enc in ("latin-1", "iso8859-1", "cp1252", "ascii"):
            continue
        try:
            return _finish(data.decode(enc)), enc
        except (UnicodeDecodeError, LookupError):
            log.info("declared charset %s does not decode the data", enc)
    try:
        return _finish(data.decode("utf-8")), "utf-8"
    except UnicodeDecodeError:
        pass
    options: list[tuple[float, str, str]] = []
    cp1258 = data.decode("cp1258", errors="replace")
    options.append((_vi_score(cp1258), "cp1258", cp1258))
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(data[:200_000]).best()
        if best is not None and best.encoding:
            guess = data.decode(best.encoding, errors="replace")
            options.append((_vi_score(guess) + 0.001, best.encoding, guess))
    except (LookupError, ValueError, RuntimeError) as exc:  # detection is best effort
        log.info("charset detection failed: %s", exc)
    for enc in candidates:
        options.append((_vi_score(data.decode(enc, errors="replace")) + 0.002, enc,
                        data.decode(enc, errors="replace")))
    options.sort(key=lambda o: o[0], reverse=True)
    _, enc, text = options[0]
    return _finish(text), enc


def _finish(text: str) -> str:
    return unicodedata.normalize("NFC", text)
