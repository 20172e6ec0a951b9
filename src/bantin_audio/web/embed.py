"""The player on the portal's own pages: lookup API, script embed, frame embed, oEmbed.

- `GET /api/lookup?url=` answers the article read from a portal address (JSON) or 404;
  CORS only for the registered sources' origins; cacheable.
- `/nhung.js` is the script embed (Shadow DOM compact player; its versioned URL is immutable).
- `/nhung/<id>` is the same player as a tiny page for CMSs that strip scripts; only the
  registered sources' origins may frame it (CSP frame-ancestors).
- `/oembed?url=&format=json` lets a CMS that speaks oEmbed embed the frame from a pasted link.

The service's strict CSP stays on every other page. Nothing here fetches a portal: an unknown
article of a registered portal is handed to the jobs and the lookup answers its progress.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Response, current_app, jsonify, render_template, request, url_for

from ..errors import InputError, NotFound
from ..jobs import ArticleSource, queue_source
from ..sources.canonical import canonical_url, host_of
from ..sources.config import SourceConfig
from ..store import ArticleRow, JobRow, SourceRow
from .common import (
    ENGINE_LABELS,
    article_json,
    by_kind,
    external_url,
    format_duration,
    format_size,
    media_url,
    state,
)
from .reader import shown_phrases

log = logging.getLogger(__name__)

FRAME_HEIGHT = 168
LOOKUP_MAX_AGE = 60  # seconds a finished article's lookup may be cached
LOOKUP_BUSY_MAX_AGE = 1  # while its audio is being made
SCRIPT_MAX_AGE = 3600  # the unversioned /nhung.js: portals paste a fixed line
SCRIPT_NAME = "nhung.js"


def blueprint() -> Blueprint:
    """Return the embed blueprint."""
    bp = Blueprint("embed", __name__)
    bp.add_url_rule("/api/lookup", "lookup", lookup, methods=["GET", "OPTIONS"])
    bp.add_url_rule("/nhung.js", "script", script)
    bp.add_url_rule("/nhung/<int:article_id>", "frame", frame)
    bp.add_url_rule("/oembed", "oembed", oembed)
    bp.after_app_request(_embed_headers)
    return bp


# -- registered origins -------------------------------------------------------------------

def registered_hosts() -> dict[str, SourceRow]:
    """Return the registered sources by each host their articles and pages may live on."""
    out: dict[str, SourceRow] = {}
    for row in state().store.sources.all():
        for host in [*row.hosts, host_of(row.base_url)]:
            if host:
                out.setdefault(host, row)
    return out


def _allowed_origin(origin: str | None) -> str | None:
    if not origin:
        return None
    try:
        parts = urlsplit(origin)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return origin if parts.hostname.lower() in registered_hosts() else None


def frame_ancestors() -> str:
    """Return the CSP frame-ancestors sources: the registered portals, any port."""
    hosts = sorted(registered_hosts())
    if not hosts:
        return "'none'"
    return " ".join(f"{scheme}://{h if ':' not in h else f'[{h}]'}:*"
                    for h in hosts for scheme in ("https", "http"))


# -- lookup -------------------------------------------------------------------------------

def embed_json(row: ArticleRow) -> dict[str, Any]:
    """Return the article JSON the player needs: audio, progress, paragraph timings, voice."""
    st = state()
    renditions = st.store.renditions.for_article(row.id)
    job = st.store.jobs.latest_for_article(row.id)
    data = article_json(row, renditions, job)
    mp3 = by_kind(renditions).get("mp3")
    segments = st.store.articles.segments(row.id)
    done = sum(1 for s in segments if s.status == "done")
    engines = sorted({s.engine for s in segments if s.status == "done" and s.engine})
    data.update({
        "progress": {"done": done, "total": len(segments)},
        "timings": [{"index": t["index"], "kind": t["kind"], "start_ms": t["start_ms"],
                     "end_ms": t["end_ms"], "text": t["text"],
                     "phrases": [{k: p[k] for k in ("start_ms", "end_ms", "from", "to")}
                                 for p in shown_phrases(t)]}
                    for t in (mp3.timings if mp3 else [])],
        "voice": [ENGINE_LABELS.get(e, e) for e in engines],
        "frame_url": external_url("embed.frame", article_id=row.id),
        "size_text": format_size(mp3.bytes) if mp3 else None,
        "duration_text": format_duration(mp3.duration_ms) if mp3 else None,
    })
    return data


def find_article(url: str) -> ArticleRow | None:
    """Return the public article read from a portal address (any spelling of it), or None."""
    store = state().store
    candidates = [url.strip()]
    try:
        candidates.insert(0, canonical_url(url))
    except InputError:
        pass
    for candidate in candidates:
        row = store.articles.by_url(candidate)
        if row is not None:
            return None if store.articles.hold_reason(row.id) else row
    return None


def lookup() -> Response:
    """Answer the article read from `?url=` (or `?id=`) as JSON, or 404."""
    if request.method == "OPTIONS":
        return Response(status=204)
    url = (request.args.get("url") or "").strip()
    row: ArticleRow | None = None
    if request.args.get("id", "").isdigit():
        try:
            row = state().store.articles.get(int(request.args["id"]))
        except NotFound:
            row = None
        if row is not None and state().store.articles.hold_reason(row.id):
            row = None
    elif url:
        if len(url) > 2000 or not url.lower().startswith(("http://", "https://")):
            raise InputError("Tham số url phải là một địa chỉ http(s)")
        row = find_article(url)
        if row is None:
            pending = client_import(url)
            if pending is not None:
                resp = jsonify(pending)
                resp.status_code = 202
                resp.headers["Cache-Control"] = "no-store"
                return resp
    else:
        raise InputError("Thiếu tham số url", "ví dụ /api/lookup?url=https://cong.gov.vn/bai")
    if row is None:
        resp = jsonify({"error": "khong_tim_thay", "message": "Chưa có bài này",
                        "status": 404})
        resp.status_code = 404
        resp.headers["Cache-Control"] = f"public, max-age={LOOKUP_MAX_AGE}"
        return resp
    data = embed_json(row)
    resp = jsonify(data)
    busy = data["status"] in ("queued", "running")
    resp.headers["Cache-Control"] = \
        f"public, max-age={LOOKUP_BUSY_MAX_AGE if busy else LOOKUP_MAX_AGE}"
    return resp


# -- client-side import -------------------------------------------------------------------

IMPORT_WINDOW_S = 600.0
IMPORTS_PER_SOURCE = 30  # new articles one portal's pages may queue per window
IMPORTS_PER_CLIENT = 10  # ...and one listener's address


@dataclass
class _Window:
    """A sliding window of recent events per key (in memory, per process)."""

    limit: int
    events: dict[str, deque[float]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def allow(self, key: str, now: float) -> bool:
        with self.lock:
            recent = self.events.setdefault(key, deque())
            while recent and now - recent[0] > IMPORT_WINDOW_S:
                recent.popleft()
            if len(recent) >= self.limit:
                return False
            recent.append(now)
            return True


def _limits() -> tuple[_Window, _Window]:
    ext = current_app.extensions
    if "bantin_import_limits" not in ext:
        ext["bantin_import_limits"] = (_Window(IMPORTS_PER_SOURCE), _Window(IMPORTS_PER_CLIENT))
    return ext["bantin_import_limits"]  # type: ignore[no-any-return]


def client_import(url: str) -> dict[str, Any] | None:
    """Queue an unknown article of a registered portal seen by a listener; its progress.

    Nothing is fetched here: the address is handed to the jobs, which fetch, clean, read and
    synthesize it. Unknown hosts, addresses the source leaves out, held articles and clients
    or portals over their rate get None (the player stays hidden).
    """
    st = state()
    origin = request.headers.get("Origin")
    if origin and _allowed_origin(origin) is None:
        return None  # only the portal's own pages (or no browser at all) may queue
    try:
        canonical = canonical_url(url)
    except InputError:
        return None
    if st.store.articles.by_url(canonical) or st.store.articles.by_url(url.strip()):
        return None  # read already, and held (withdrawn or waiting for approval)
    item = st.store.sources.item(canonical)
    if item is not None:
        if item.status != "queued" or item.job_id is None:
            return None  # known to the watcher: read, skipped, failed or withdrawn
        return _progress(st.store.jobs.get(item.job_id))
    source = registered_hosts().get(host_of(canonical))
    if source is None or source.paused:
        return None
    config = SourceConfig.from_dict(source.config)
    if not config.wants(canonical):
        return None
    now = time.monotonic()
    per_source, per_client = _limits()
    if not per_client.allow(request.remote_addr or "?", now) or \
            not per_source.allow(str(source.id), now):
        return None
    try:
        queued = queue_source(st.store, ArticleSource.from_url(canonical, st.settings), st.queue)
    except InputError:
        return None
    if config.approval == "editor":
        st.store.articles.hold_url(canonical, "awaiting_approval")
    st.store.sources.add_items(source.id, [(canonical, None, "queued")], time.time())
    st.store.sources.update_item(source.id, canonical, job_id=queued.job.id, next_check=None)
    log.info("lookup queued %s for source %s (job %d)", canonical, source.name, queued.job.id)
    return _progress(queued.job)


def _progress(job: JobRow) -> dict[str, Any] | None:
    if job.status == "failed":
        return None
    if job.article_id is not None:
        try:
            row = state().store.articles.get(job.article_id)
        except NotFound:
            return None
        return None if state().store.articles.hold_reason(row.id) else embed_json(row)
    return {"id": None, "status": job.status, "headline": None, "renditions": [],
            "timings": [], "progress": {"done": 0, "total": 0}, "job": job.to_dict()}


# -- script and frame ---------------------------------------------------------------------

def script() -> Response:
    """Serve the embed script: immutable when versioned (?v=), an hour otherwise."""
    resp = current_app.view_functions["static"](SCRIPT_NAME)
    assert isinstance(resp, Response)  # the static view always answers a Response
    return resp


def frame(article_id: int) -> str:
    """Show the compact player of one article as a tiny page (for an iframe)."""
    st = state()
    row = st.store.articles.get(article_id)
    if st.store.articles.hold_reason(row.id):
        raise NotFound("Bài viết này không còn được đăng")
    data = embed_json(row)
    mp3 = by_kind(st.store.renditions.for_article(row.id)).get("mp3")
    # JSON inside <script>: "<" escaped so no text of the article can close the element.
    inline = json.dumps(data, ensure_ascii=False).replace("<", "\\u003c") \
        .replace(">", "\\u003e").replace("&", "\\u0026")
    return render_template("embed_frame.html", row=row, data=inline, mp3=mp3,
                           media_url=media_url)


# -- oEmbed -------------------------------------------------------------------------------

def oembed() -> Response:
    """Answer oEmbed (JSON) for a reader page address or a portal article address."""
    url = (request.args.get("url") or "").strip()
    fmt = request.args.get("format", "json")
    if fmt != "json":
        resp = jsonify({"error": "chi_ho_tro_json", "message": "Chỉ hỗ trợ format=json",
                        "status": 501})
        resp.status_code = 501
        return resp
    if not url:
        raise InputError("Thiếu tham số url")
    row = _article_for_oembed(url)
    if row is None:
        raise NotFound("Không có bài viết ở địa chỉ này")
    src = external_url("embed.frame", article_id=row.id)
    title = row.article.headline
    width = _dimension("maxwidth", 640)
    html = (f'<iframe src="{src}" title="Nghe bài viết: {_attr(title)}" width="{width}" '
            f'height="{FRAME_HEIGHT}" style="border:0;max-width:100%" loading="lazy">'
            "</iframe>")
    resp = jsonify({"version": "1.0", "type": "rich", "provider_name": "Bản tin nghe",
                    "provider_url": external_url("reader.index"), "title": title,
                    "html": html, "width": width, "height": FRAME_HEIGHT, "cache_age": 3600})
    resp.headers["Cache-Control"] = "public, max-age=3600"
    return resp


def _dimension(name: str, default: int) -> int:
    raw = request.args.get(name, "")
    return max(200, min(int(raw), default)) if raw.isdigit() else default


def _attr(text: str) -> str:
    return (text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
            .replace(">", "&gt;"))


def _article_for_oembed(url: str) -> ArticleRow | None:
    store = state().store
    path = urlsplit(url).path
    prefix = url_for("reader.article", slug="x")[:-1]
    if path.startswith(prefix):
        try:
            return store.articles.get_by_slug(path[len(prefix):].strip("/"))
        except NotFound:
            return None
    return find_article(url)


# -- headers ------------------------------------------------------------------------------

def _embed_headers(resp: Response) -> Response:
    """CORS for the registered portals on the lookup and the script; framing for /nhung/."""
    endpoint = request.endpoint or ""
    if endpoint in ("embed.lookup", "embed.oembed"):
        origin = _allowed_origin(request.headers.get("Origin"))
        if origin is None and resp.status_code == 404 and request.headers.get("Origin"):
            # "Not here" tells nothing: any page may read it, so the player on an
            # unregistered portal hides quietly instead of filling the console with errors.
            origin = "*"
        if origin:
            resp.headers["Access-Control-Allow-Origin"] = origin
            resp.headers["Access-Control-Allow-Methods"] = "GET"
            resp.headers["Access-Control-Max-Age"] = "600"
        resp.vary.add("Origin")
    elif endpoint == "embed.script" or (endpoint == "static" and
                                        request.path.endswith("/" + SCRIPT_NAME)):
        resp.headers["Access-Control-Allow-Origin"] = "*"
        resp.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
        if not request.args.get("v") and resp.status_code in (200, 304):
            resp.headers["Cache-Control"] = f"public, max-age={SCRIPT_MAX_AGE}"
    elif endpoint == "embed.frame":
        resp.headers.pop("X-Frame-Options", None)
        csp = resp.headers.get("Content-Security-Policy", "")
        resp.headers["Content-Security-Policy"] = \
            csp.replace("frame-ancestors 'none'", f"frame-ancestors {frame_ancestors()}")
        resp.headers["Referrer-Policy"] = "no-referrer"
    elif endpoint == "media.audio":
        # The script embed plays audio from the portal's page: let it be fetched cross-site.
        resp.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return resp
