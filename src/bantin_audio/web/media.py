"""Audio files under content-addressed names: Range, HEAD, strong ETags, immutable caching.

A name is the hash of the file's bytes, so a file never changes under its name. With the local
media store, small files are answered from memory (a bounded cache that can never be stale),
larger ones with send_file; either way: 206 for one range, 416 outside the file, If-Range,
304, never gzip. With object storage, the address answers with a redirect to the object
(presigned, or under BANTIN_MEDIA_PUBLIC_URL); the browser sends its Range header again there
and the object store answers 206 with the object's own immutable Cache-Control.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from pathlib import Path
from urllib.parse import quote

from flask import Blueprint, Response, request, send_file

from ..errors import NotFound
from ..jobs import download_name
from .common import MIME_TYPES, media, state

NAME = re.compile(r"^([0-9a-f]{32})\.(mp3|webm)$")
MEMORY_FILE_MAX = 8 * 1024 * 1024  # larger files stream from disk
MEMORY_TOTAL_MAX = 64 * 1024 * 1024
IMMUTABLE = "public, max-age=31536000, immutable"


class _FileCache:
    """Bytes of recently served audio files, least recently used dropped first."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.size = 0
        self.files: OrderedDict[str, bytes] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, path: Path) -> bytes | None:
        """Return the file's bytes (reading it once), or None when it is too big to keep."""
        key = path.name
        with self.lock:
            data = self.files.get(key)
            if data is not None:
                self.files.move_to_end(key)
                return data
        try:
            if path.stat().st_size > MEMORY_FILE_MAX:
                return None
            data = path.read_bytes()
        except FileNotFoundError:
            raise NotFound("Không có tệp âm thanh này",
                           "tệp có thể đã được thay bằng bản mới") from None
        with self.lock:
            if key not in self.files:
                self.files[key] = data
                self.size += len(data)
                while self.size > self.limit and len(self.files) > 1:
                    _, old = self.files.popitem(last=False)
                    self.size -= len(old)
        return data


_cache = _FileCache(MEMORY_TOTAL_MAX)


def blueprint() -> Blueprint:
    """Return the media blueprint."""
    bp = Blueprint("media", __name__)
    bp.add_url_rule("/am-thanh/<name>", "audio", audio)
    return bp


def audio(name: str) -> Response:
    """Send one audio file (a download with ?tai=1), never compressed."""
    match = NAME.match(name)
    if match is None:
        raise NotFound("Không có tệp âm thanh này")
    download = None
    if request.args.get("tai"):
        rendition = state().store.renditions.by_path(name)
        title = state().store.articles.get(rendition.article_id).article.headline \
            if rendition else "bantin"
        download = content_disposition(*download_name(title,
                                                      rendition.kind if rendition else "mp3"))
    # The name matched [0-9a-f]{32}.(mp3|webm): no separator or dot-dot can reach the file.
    path = media().local_path(name)
    if path is None:
        return redirect_media(name, download)
    resp = send_media(path, MIME_TYPES[match.group(2)], match.group(1))
    if download:
        resp.headers["Content-Disposition"] = download
    return resp


def redirect_media(key: str, download: str | None = None) -> Response:
    """Answer with a redirect to the object (a download carries its file name).

    A presigned address is good for BANTIN_MEDIA_URL_TTL seconds: the redirect is cached by
    the browser for half of that, so it keeps asking the same address (and hits its cache of
    the object's bytes). An address under BANTIN_MEDIA_PUBLIC_URL never changes: the
    redirect is cached like the object, for a year.
    """
    st = state()
    target = media(st).url(key, download=download)
    resp = Response(status=302)
    resp.headers["Location"] = target
    if st.settings.media_public_url and download is None:
        resp.headers["Cache-Control"] = IMMUTABLE
    else:
        resp.headers["Cache-Control"] = f"private, max-age={st.settings.media_url_ttl // 2}"
    return resp


def send_media(path: Path, mime: str, digest: str) -> Response:
    """Send a content-addressed file: Range, If-Range, 304, immutable caching, never gzip."""
    data = _cache.get(path)
    resp = _from_disk(path, mime, digest) if data is None else _from_memory(data, mime, digest)
    resp.headers["Cache-Control"] = IMMUTABLE
    resp.headers["Accept-Ranges"] = "bytes"
    return resp


def content_disposition(fallback: str, pretty: str) -> str:
    """Return an attachment header with an ASCII name and the Vietnamese one (RFC 6266)."""
    return (f'attachment; filename="{fallback}"; '
            f"filename*=UTF-8''{quote(pretty, safe='')}")


def _from_disk(path: Path, mime: str, digest: str) -> Response:
    resp = send_file(path, mimetype=mime, conditional=True, etag=digest, max_age=31_536_000)
    return resp  # type: ignore[no-any-return]


def _from_memory(data: bytes, mime: str, digest: str) -> Response:
    etag = f'"{digest}"'
    total = len(data)
    resp = Response(mimetype=mime)
    resp.direct_passthrough = True  # audio is never compressed or re-tagged after this
    resp.headers["ETag"] = etag
    if_range = request.headers.get("If-Range")
    rng = request.range if if_range is None or if_range.strip() == etag else None
    if rng is not None and len(rng.ranges) == 1:
        span = rng.range_for_length(total)
        if span is None:
            resp.status_code = 416
            resp.headers["Content-Range"] = f"bytes */{total}"
            return resp
        start, stop = span
        resp.status_code = 206
        resp.headers["Content-Range"] = f"bytes {start}-{stop - 1}/{total}"
        resp.set_data(data[start:stop])
        return resp
    if request.if_none_match.contains(digest):
        resp.status_code = 304
        return resp
    resp.set_data(data)
    return resp
