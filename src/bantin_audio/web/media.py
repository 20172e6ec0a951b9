"""Audio files under content-addressed names: Range, HEAD, strong ETags, immutable caching."""

from __future__ import annotations

import re
from urllib.parse import quote

from flask import Blueprint, Response, request, send_file

from ..errors import NotFound
from ..jobs import download_name
from .common import MIME_TYPES, state

NAME = re.compile(r"^([0-9a-f]{32})\.(mp3|webm)$")


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
    # The name matched [0-9a-f]{32}.(mp3|webm): no separator or dot-dot can reach this join.
    path = state().media_root / name
    if not path.is_file():
        raise NotFound("Không có tệp âm thanh này", "tệp có thể đã được thay bằng bản mới")
    resp = send_file(path, mimetype=MIME_TYPES[match.group(2)], conditional=True,
                     etag=match.group(1), max_age=31_536_000)
    resp.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    resp.headers["Accept-Ranges"] = "bytes"
    if request.args.get("tai"):
        rendition = state().store.rendition_by_path(name)
        title = state().store.get_article(rendition.article_id).article.headline \
            if rendition else "bantin"
        fallback, pretty = download_name(title, rendition.kind if rendition else "mp3")
        resp.headers["Content-Disposition"] = (
            f'attachment; filename="{fallback}"; '
            f"filename*=UTF-8''{quote(pretty, safe='')}")
    return resp
