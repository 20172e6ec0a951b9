"""The web service: reader pages, media, podcast feed, JSON API and admin, on one Flask app."""

from __future__ import annotations

import gzip
import hashlib
import logging
import mimetypes
import re
import secrets
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask, Response, abort, request
from flask.sessions import SecureCookieSessionInterface
from flask.typing import ResponseReturnValue
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from werkzeug.exceptions import RequestEntityTooLarge

from ..bulletin import CHIME_MAX_BYTES
from ..config import Settings
from ..errors import BantinError
from ..jobqueue import InProcessQueue, JobQueue
from ..jobs import media_dir, migrate_chimes, open_store
from ..media_store import MediaStore, open_media
from ..store import Store
from ..store.lexicon import LexiconRepository
from . import (
    admin,
    api,
    bulletins,
    embed,
    errors,
    feeds,
    media,
    offline,
    playlist,
    reader,
    reports,
    sources_admin,
)
from .auth import AuthThrottle
from .common import BoundedInt, register_template_helpers, reject_odd_paths

log = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
# Routes allowed a larger body than MAX_UPLOAD_BYTES; anything without a body gets 64 KB.
BODY_LIMITS = {"bulletin_admin.chime": CHIME_MAX_BYTES + 64 * 1024}
NO_BODY_BYTES = 64 * 1024
LARGEST_BODY = max(MAX_UPLOAD_BYTES, *BODY_LIMITS.values())
SUBMIT_LIMIT = "20 per minute"
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "media-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; "
       "frame-ancestors 'none'")
COMPRESSIBLE = ("text/", "application/json", "application/rss+xml", "application/xml",
                "application/javascript")


@dataclass
class WebState:
    """What the views share: settings, store, services, the worker wake-up and the token."""

    settings: Settings
    store: Store
    lexicon: LexiconRepository  # the editors' pronunciation lexicon, in the database
    admin_token: str
    wake: threading.Event = field(default_factory=threading.Event)  # in-process workers
    queue: JobQueue = field(default_factory=InProcessQueue)  # where queued jobs are announced
    services: Any = None
    media_root: Path = Path()
    media: MediaStore | None = None  # where finished audio lives (local directory or S3)
    page_cache: dict[Any, bytes] = field(default_factory=dict)  # rendered reader pages
    lock: threading.Lock = field(default_factory=threading.Lock)


def web_root() -> tuple[Path, Path]:
    """Return (templates, static) folders: the repo root in a checkout, _web/ in a wheel."""
    package = Path(__file__).resolve().parents[1]
    packaged = package / "_web"
    if (packaged / "templates").is_dir():
        return packaged / "templates", packaged / "static"
    root = package.parents[1]
    return root / "templates", root / "static"


def admin_token(store: Store, settings: Settings) -> str:
    """Return the admin token: BANTIN_API_TOKEN, else one generated and stored on first start."""
    if settings.api_token:
        return settings.api_token
    return store.settings.get_or_create("admin_token", lambda: secrets.token_urlsafe(24))


def create_app(settings: Settings, services: Any = None, *, store: Store | None = None,
               wake: threading.Event | None = None, queue: JobQueue | None = None) -> Flask:
    """Build the Flask app for `settings` (services are needed only by in-process workers)."""
    templates, static = web_root()
    app = Flask("bantin_audio.web", template_folder=str(templates), static_folder=None)
    app.url_map.converters["int"] = BoundedInt
    store = store or open_store(settings)
    media_store = open_media(settings)
    wake = wake or threading.Event()
    state = WebState(settings=settings, store=store, lexicon=store.lexicon,
                     admin_token=admin_token(store, settings), wake=wake,
                     queue=queue if queue is not None else InProcessQueue(wake),
                     services=services, media_root=media_dir(settings).resolve(),
                     media=media_store)
    try:  # chimes named by path in older data dirs, moved into the media store by content
        migrate_chimes(store, media_store)
    except BantinError as exc:  # the store is unreachable: the next start tries again
        log.warning("chimes named by path not moved yet: %s", exc)
    app.extensions["bantin"] = state
    app.extensions["bantin_auth_throttle"] = AuthThrottle()
    app.session_interface = ProxyAwareSessionInterface()
    app.config.update(
        SECRET_KEY=store.settings.get_or_create("session_secret"),
        MAX_CONTENT_LENGTH=MAX_UPLOAD_BYTES,
        MAX_FORM_MEMORY_SIZE=MAX_UPLOAD_BYTES,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_SECURE=bool(settings.public_url and
                                   settings.public_url.startswith("https://")),
        SESSION_COOKIE_NAME="bantin_phien",
        JSON_AS_ASCII=False,
        SUBMIT_LIMIT=SUBMIT_LIMIT,
    )
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.jinja_env.autoescape = True
    # Shared by every web node in the scaled mode; this process's memory otherwise.
    limiter = Limiter(get_remote_address, app=app, storage_uri=settings.limits_storage_uri,
                      headers_enabled=True, default_limits=[])
    register_template_helpers(app)
    app.before_request(_limit_body)
    app.before_request(reject_odd_paths)
    _register_static(app, static)
    app.register_blueprint(reader.blueprint())
    app.register_blueprint(media.blueprint())
    app.register_blueprint(feeds.blueprint())
    app.register_blueprint(playlist.blueprint())
    app.register_blueprint(offline.blueprint())
    app.register_blueprint(reports.public_blueprint(limiter))
    app.register_blueprint(reports.admin_blueprint())
    app.register_blueprint(api.blueprint(limiter))
    app.register_blueprint(admin.blueprint(limiter))
    app.register_blueprint(bulletins.admin_blueprint())
    app.register_blueprint(bulletins.public_blueprint())
    app.register_blueprint(sources_admin.blueprint())
    app.register_blueprint(embed.blueprint())
    errors.register(app)
    app.after_request(_finish_response)
    # Behind nginx every client would share one address (and one rate limit): trust the
    # X-Forwarded-* headers of that many proxies (Settings.trusted_proxies, 0 = none).
    hops = settings.trusted_proxies
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops,  # type: ignore[method-assign]
                                x_host=hops)
    return app


class ProxyAwareSessionInterface(SecureCookieSessionInterface):
    """Mark the cookie Secure whenever the request is HTTPS, as seen through trusted proxies."""

    def get_cookie_secure(self, app: Flask) -> bool:
        """Return True on HTTPS (X-Forwarded-Proto from a trusted proxy counts) or by config."""
        return bool(request.is_secure or app.config["SESSION_COOKIE_SECURE"])


def _limit_body() -> None:
    """Refuse a body larger than its route allows from its declared length, before reading it.

    A body sent without a length (chunked) is cut at the same limit while it is read.
    """
    if request.method in ("GET", "HEAD", "OPTIONS", "DELETE"):
        limit = NO_BODY_BYTES
    else:
        limit = BODY_LIMITS.get(request.endpoint or "", MAX_UPLOAD_BYTES)
    request.max_content_length = limit
    request.max_form_memory_size = limit
    length = request.content_length
    if length is not None and length > limit:
        raise RequestEntityTooLarge()


# One player, two shells: the player core followed by the reader page's or the embed's shell,
# served as one script in one function scope (nothing of it leaks into a portal's page).
BUNDLES = {"site.js": ("player.js", "reader.js"), "nhung.js": ("player.js", "embed.js")}


_COMMENT = re.compile(r"/\*.*?\*/|^[ \t]*//[^\n]*$", re.S | re.M)
_INDENT = re.compile(r"^[ \t]+|[ \t]+$", re.M)


def bundle(folder: Path, name: str) -> bytes:
    """Return a bundled script as served: its parts in order inside one function, without
    comments and indentation (the sources keep them; phones on 2G get the code alone)."""
    text = "\n".join((folder / part).read_text(encoding="utf-8") for part in BUNDLES[name])
    text = _INDENT.sub("", _COMMENT.sub("", text))
    lines = [line for line in text.splitlines() if line]
    return ("(function () {\n" + "\n".join(lines) + "\n})();\n").encode()


def _register_static(app: Flask, folder: Path) -> None:
    """Serve static files from memory, gzipped when asked, with long caching on versioned URLs."""
    cache: dict[str, tuple[bytes, bytes, str, str]] = {}
    lock = threading.Lock()

    def load(name: str) -> tuple[bytes, bytes, str, str]:
        with lock:
            if name not in cache:
                try:
                    path = (folder / name).resolve()
                    found = name in BUNDLES or (
                        folder.resolve() in path.parents and path.is_file())
                except (OSError, ValueError):  # a name no file system accepts
                    found = False
                if not found:
                    abort(404)
                data = bundle(folder, name) if name in BUNDLES else path.read_bytes()
                ctype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                if ctype.startswith("text/") or ctype == "application/javascript":
                    ctype += "; charset=utf-8"
                cache[name] = (data, gzip.compress(data, 9, mtime=0), ctype,
                               hashlib.sha256(data).hexdigest()[:16])
            return cache[name]

    def serve_static(filename: str) -> ResponseReturnValue:
        data, packed, ctype, etag = load(filename)
        use_gzip = "gzip" in request.headers.get("Accept-Encoding", "") and \
            len(packed) < len(data) and not ctype.startswith("image/png")
        resp = Response(packed if use_gzip else data, mimetype=ctype)
        if use_gzip:
            resp.headers["Content-Encoding"] = "gzip"
        resp.vary.add("Accept-Encoding")
        resp.set_etag(etag)
        resp.headers["Cache-Control"] = "public, max-age=31536000, immutable" \
            if request.args.get("v") else "no-cache"
        return resp.make_conditional(request)

    def asset_version(filename: str) -> str:
        return load(filename)[3]

    def asset_bytes(filename: str) -> bytes:
        return load(filename)[0]

    app.add_url_rule("/static/<path:filename>", "static", serve_static)
    app.extensions["bantin_asset_version"] = asset_version
    app.extensions["bantin_asset_bytes"] = asset_bytes  # a static file as served, from memory


def _finish_response(resp: Response) -> Response:
    """Add security headers, HTML/feed caching rules, ETags and gzip to every response."""
    headers = resp.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "same-origin"
    headers["X-Frame-Options"] = "DENY"
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    ctype = resp.mimetype or ""
    if resp.direct_passthrough or request.endpoint == "static":
        return resp
    if not ctype.startswith(COMPRESSIBLE):
        return resp
    if "Cache-Control" not in headers:
        private = request.path.startswith(("/quan-tri", "/api/jobs")) or \
            request.method != "GET"
        headers["Cache-Control"] = "no-store" if private else "no-cache"
    if request.method in ("GET", "HEAD") and resp.status_code == 200 and not resp.is_streamed:
        resp.add_etag(weak=True)
        resp.make_conditional(request)
    resp.vary.add("Accept-Encoding")
    if resp.status_code in (200, 400, 401, 403, 404, 409, 413, 422, 429, 500, 502) \
            and not resp.is_streamed and "gzip" in request.headers.get("Accept-Encoding", "") \
            and "Content-Encoding" not in headers:
        body = resp.get_data()
        if len(body) > 512:
            resp.set_data(gzip.compress(body, 6, mtime=0))
            headers["Content-Encoding"] = "gzip"
    return resp
