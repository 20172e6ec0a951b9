"""What the web views share: the app state, formatting in Vietnamese, URLs and JSON shapes."""

from __future__ import annotations

import hmac
import json
import secrets
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flask import Flask, current_app, request, session, url_for
from werkzeug.routing import IntegerConverter

from ..errors import BantinError, InputError
from ..media_store import MediaStore
from ..store import ArticleRow, JobRow, RenditionRow, SegmentRow
from .auth import check_token, session_open

if TYPE_CHECKING:
    from . import WebState

ENGINE_LABELS = {
    "google": "Google (giọng trực tuyến)",
    "espeak": "eSpeak NG (giọng ngoại tuyến)",
}
KIND_LABELS = {"mp3": "MP3", "webm": "WebM Opus", "broadcast": "MP3 phát thanh (128 kbps)"}
MIME_TYPES = {"mp3": "audio/mpeg", "webm": "audio/webm"}
STATUS_LABELS = {"queued": "Đang chờ", "running": "Đang tạo âm thanh", "done": "Hoàn tất",
                 "failed": "Lỗi"}
STAGE_LABELS = {"fetch": "Đang tải và làm sạch bài", "synthesize": "Đang tạo âm thanh",
                "build": "Đang dựng bản tin"}
SOURCE_LABELS = {"url": "Địa chỉ", "html": "Tệp HTML", "text": "Văn bản dán vào"}


class Unauthorized(BantinError):
    """The request needs the admin token."""

    http_status = 401
    code = "can_dang_nhap"


class Forbidden(BantinError):
    """The request was refused (e.g. a form without its CSRF token)."""

    http_status = 403
    code = "bi_tu_choi"


class BoundedInt(IntegerConverter):
    """The `int` URL converter, bounded to what SQLite stores (a larger id is simply 404)."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:  # noqa: A002
        kwargs.setdefault("max", 2**63 - 1)
        super().__init__(map, *args, **kwargs)


def reject_odd_paths() -> None:
    """Refuse a path carrying NUL or other control characters before any view sees it."""
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in request.path):
        raise InputError("Địa chỉ chứa ký tự không hợp lệ", "kiểm tra lại đường dẫn")


def read_json() -> Any:
    """Parse the request body as JSON, turning every malformed body into an InputError.

    Covers what Flask's parser lets through as a 500: nesting deep enough to exhaust the
    recursion limit, and lone surrogates (\\ud800) that no database or file can store.
    """
    example = 'ví dụ {"text": "Tiêu đề\\n\\nĐoạn 1"}'
    try:
        payload = json.loads(request.get_data(cache=True).decode("utf-8"))
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        raise InputError("Thân yêu cầu phải là JSON hợp lệ (UTF-8)", example) from exc
    _check_text(payload, 0)
    return payload


def _check_text(value: Any, depth: int) -> None:
    if depth > 32:
        raise InputError("JSON lồng nhau quá sâu", "tối đa 32 tầng")
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise InputError("Văn bản chứa ký tự không hợp lệ (nửa cặp UTF-16)",
                             "kiểm tra lại văn bản gửi lên") from exc
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_text(key, depth + 1)
            _check_text(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _check_text(item, depth + 1)


def state() -> WebState:
    """Return the current app's shared state."""
    return current_app.extensions["bantin"]  # type: ignore[no-any-return]


def format_size(num_bytes: int) -> str:
    """Return a size the Vietnamese way, e.g. "0,3 MB"."""
    mb = max(num_bytes / 1_000_000, 0.1)
    return f"{mb:.1f}".replace(".", ",") + " MB"


def format_duration(ms: int) -> str:
    """Return a spoken-style duration, e.g. "3 phút 20 giây"."""
    total = max(0, round(ms / 1000))
    minutes, seconds = divmod(total, 60)
    hours, minutes = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(f"{hours} giờ")
    if minutes:
        parts.append(f"{minutes} phút")
    if seconds or not parts:
        parts.append(f"{seconds} giây")
    return " ".join(parts)


def clock_text(ms: int) -> str:
    """Return a duration as the player's clock shows it ("3:20", "1:02:05"), rounded as the
    spoken duration is, so the server's first paint and the script's clock agree."""
    total = max(0, round(ms / 1000))
    hours, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


def format_date(iso: str | None) -> str:
    """Return 25/10/2022 for 2022-10-25 (or the input when it is not an ISO date)."""
    if not iso:
        return ""
    try:
        year, month, day = iso[:10].split("-")
        return f"{int(day):02d}/{int(month):02d}/{year}"
    except ValueError:
        return iso


def media_url(rendition: RenditionRow, *, download: bool = False,
              external: bool = False) -> str:
    """Return the content-addressed URL of a rendition."""
    if download:
        return url_for("media.audio", name=rendition.path, tai=1, _external=external)
    return url_for("media.audio", name=rendition.path, _external=external)


def external_url(endpoint: str, **values: Any) -> str:
    """Return an absolute URL, on BANTIN_PUBLIC_URL when it is set."""
    base = state().settings.public_url
    if base:
        return base.rstrip("/") + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


def by_kind(renditions: list[RenditionRow]) -> dict[str, RenditionRow]:
    """Return renditions keyed by kind."""
    return {r.kind: r for r in renditions}


def article_status(job: JobRow | None) -> str:
    """Return the article's status: its latest job's status (done when it never had one)."""
    return job.status if job is not None else "done"


def article_json(row: ArticleRow, renditions: list[RenditionRow],
                 job: JobRow | None) -> dict[str, Any]:
    """Return the API shape of an article."""
    data = row.article.to_dict()
    data.update({
        "id": row.id,
        "slug": row.slug,
        "headline": row.article.headline,
        "status": article_status(job),
        "page_url": external_url("reader.article", slug=row.slug),
        "renditions": [{"kind": r.kind, "url": external_url("media.audio", name=r.path),
                        "bytes": r.bytes, "duration_s": round(r.duration_ms / 1000, 2),
                        "complete": r.complete, "segments": r.segments_done}
                       for r in sorted(renditions, key=lambda r: r.kind != "webm")],
        "timings_url": external_url("reader.timings", slug=row.slug),
        "captions_url": external_url("reader.captions", slug=row.slug),
        "job": job.to_dict() if job is not None else None,
    })
    return data


def voice_summary(segments: list[SegmentRow]) -> dict[str, Any]:
    """Return which engines spoke an article and which segments fell back or failed."""
    engines: dict[str, int] = {}
    fallback, failed = [], []
    for s in segments:
        if s.status == "done" and s.engine:
            engines[s.engine] = engines.get(s.engine, 0) + 1
            if s.fallback_reason:
                fallback.append(s)
        elif s.status == "failed":
            failed.append(s)
    return {"engines": [ENGINE_LABELS.get(e, e) for e in sorted(engines, key=lambda e: engines[e],
                                                                reverse=True)],
            "fallback": fallback, "failed": failed}


# -- admin sign-in, bearer tokens and CSRF ---------------------------------------------------

def token_matches(given: str | None) -> bool:
    """Compare a presented token with the admin token (constant time, wrong ones throttled)."""
    return check_token(given, state().admin_token)


def bearer_ok() -> bool:
    """Return whether the request carries the admin token as a bearer token."""
    auth = request.headers.get("Authorization", "")
    return auth.startswith("Bearer ") and token_matches(auth[7:].strip())


def signed_in() -> bool:
    """Return whether this browser's sign-in session is still open."""
    st = state()
    return session_open(st.store, st.admin_token)


def csrf_token() -> str:
    """Return this session's CSRF token, creating it the first time."""
    token = session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(24)
        session["csrf"] = token
    return str(token)


def check_csrf() -> None:
    """Refuse a form POST whose CSRF token is missing or wrong."""
    sent = request.form.get("csrf_token", "")
    expected = session.get("csrf", "")
    if not sent or not expected or not hmac.compare_digest(str(sent), str(expected)):
        raise Forbidden("Biểu mẫu đã hết hạn hoặc không hợp lệ",
                        "tải lại trang rồi gửi lại")


def require_editor() -> None:
    """Refuse a request without an open sign-in, then a form POST without its CSRF token.

    The session cookie alone is checked first, so an anonymous upload is refused before its
    body is read or parsed.
    """
    if not signed_in():
        raise Unauthorized("Cần đăng nhập bằng mã quản trị", "mở trang Quản trị để đăng nhập")
    if request.method == "POST":
        check_csrf()


def register_template_helpers(app: Flask) -> None:
    """Make the formatting helpers and asset URLs available in templates."""

    def asset(name: str) -> str:
        version = app.extensions["bantin_asset_version"](name)
        return url_for("static", filename=name, v=version)

    app.jinja_env.filters["clock"] = clock_text
    app.jinja_env.globals.update(
        asset=asset, format_size=format_size, format_duration=format_duration,
        format_date=format_date, csrf_token=csrf_token, signed_in=signed_in,
        ENGINE_LABELS=ENGINE_LABELS, KIND_LABELS=KIND_LABELS, STATUS_LABELS=STATUS_LABELS,
        STAGE_LABELS=STAGE_LABELS, SOURCE_LABELS=SOURCE_LABELS,
        MIME_TYPES=MIME_TYPES,
    )


def media(st: WebState | None = None) -> MediaStore:
    """Return the media store of the app (local directory or object storage)."""
    found = (st or state()).media
    assert found is not None, "create_app sets the media store"
    return found


# -- the news in a row -------------------------------------------------------------------------

ROW_SIZE = 100
VIETNAM_UTC_OFFSET_S = 7 * 3600


@dataclass
class Listenable:
    """An article whose whole audio is ready, as the playlist and "Nghe tiếp" list it."""

    row: ArticleRow
    mp3: RenditionRow

    def day(self) -> str:
        """Return its day (YYYY-MM-DD): the publication date, else the day it was added,
        in Vietnam's time."""
        if self.row.article.date and len(self.row.article.date) >= 10:
            return self.row.article.date[:10]
        stamp = time.gmtime(self.row.created_at + VIETNAM_UTC_OFFSET_S)
        return time.strftime("%Y-%m-%d", stamp)


def listenable_articles(limit: int = ROW_SIZE) -> list[Listenable]:
    """Return the latest articles whose audio is complete, newest first (at most `limit`)."""
    st = state()
    rows = st.store.articles.recent(limit=limit)
    renditions = st.store.renditions.for_articles([r.id for r in rows])
    found = []
    for row in rows:
        mp3 = by_kind(renditions[row.id]).get("mp3")
        if mp3 is not None and mp3.complete:
            found.append(Listenable(row, mp3))
    return found


def vietnam_today(now: float | None = None) -> str:
    """Return today's date in Vietnam (UTC+7) as YYYY-MM-DD."""
    stamp = time.gmtime((time.time() if now is None else now) + VIETNAM_UTC_OFFSET_S)
    return time.strftime("%Y-%m-%d", stamp)
