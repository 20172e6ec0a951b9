"""Bulletins on the web: compose, preview, build and approve (/quan-tri/ban-tin), and the
public list, pages, downloads and podcast feed of approved bulletins (/ban-tin)."""

from __future__ import annotations

import hashlib
import re
import tempfile
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Response,
    flash,
    get_flashed_messages,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue

from ..bulletin import (
    APPROVED,
    TEMPO_MAX,
    TEMPO_MIN,
    Block,
    Bulletin,
    CueEntry,
    add_item,
    approve,
    bulletin_date,
    bulletin_heading,
    clock,
    compose,
    current_status,
    fingerprint,
    is_downloadable,
    load_chime,
    move_item,
    overrun,
    remove_item,
    update_settings,
    validate_bulletin,
)
from ..errors import BantinError, InputError, NotFound
from ..jobqueue import PRIORITY_NORMAL
from ..jobs import download_name
from ..media_store import BULLETIN_PREFIX, CHIME_PREFIX
from ..store import BulletinBuildRow, BulletinRow, JobRow
from .common import external_url, media, require_editor, state
from .feeds import FEED_SIZE, _hms, _pub_date
from .media import content_disposition, redirect_media, send_media

FILE_NAME = re.compile(r"^([0-9a-f]{32})\.(mp3|wav|csv|txt)$")
FILE_TYPES = {"mp3": "audio/mpeg", "wav": "audio/wav", "csv": "text/csv; charset=utf-8",
              "txt": "text/plain; charset=utf-8"}
STATION_FIELDS = ("name", "intro_template", "announcement_template", "outro", "read_date",
                  "read_author", "pause_between_ms", "target_minutes", "tempo")
TEMPOS = [round(TEMPO_MIN + 0.05 * n, 2) for n in range(int((TEMPO_MAX - TEMPO_MIN) / 0.05) + 1)]
SYLLABLES_PER_SECOND = 3.6  # a Vietnamese voice at normal speed, for the estimate only
STAGE_LABELS = {"queued": "Đang chờ dựng", "running": "Đang dựng", "done": "Đã dựng xong",
                "failed": "Dựng lỗi"}
MOVES = {"len": -1, "xuong": 1}


def admin_blueprint() -> Blueprint:
    """Return the bulletin admin pages (same sign-in and CSRF rules as /quan-tri)."""
    bp = Blueprint("bulletin_admin", __name__, url_prefix="/quan-tri/ban-tin")
    bp.before_request(require_editor)  # body limits are the app's
    bp.add_url_rule("", "index", admin_index)
    bp.add_url_rule("/tao", "create", create, methods=["POST"])
    bp.add_url_rule("/<int:bid>", "edit", edit)
    bp.add_url_rule("/<int:bid>/cai-dat", "settings", save_settings, methods=["POST"])
    bp.add_url_rule("/<int:bid>/them-bai", "add", add, methods=["POST"])
    bp.add_url_rule("/<int:bid>/muc/<int:article_id>/<action>", "item", item,
                    methods=["POST"])
    bp.add_url_rule("/<int:bid>/nhac", "chime", chime, methods=["POST"])
    bp.add_url_rule("/<int:bid>/dung", "build", build, methods=["POST"])
    bp.add_url_rule("/<int:bid>/tien-do.json", "progress", progress)
    bp.add_url_rule("/<int:bid>/duyet", "approve", approve_view, methods=["POST"])
    bp.add_url_rule("/<int:bid>/xoa", "delete", delete, methods=["POST"])
    bp.add_url_rule("/<int:bid>/tep/<name>", "file", admin_file)
    return bp


def public_blueprint() -> Blueprint:
    """Return the public bulletin pages: approved bulletins only."""
    bp = Blueprint("bulletins", __name__, url_prefix="/ban-tin")
    bp.add_url_rule("", "index", public_index)
    bp.add_url_rule("/feed.xml", "feed", feed)
    bp.add_url_rule("/<int:bid>", "page", public_page)
    bp.add_url_rule("/<int:bid>/tep/<name>", "file", public_file)
    return bp


# -- loading and saving -------------------------------------------------------------------

def _load(bid: int) -> tuple[BulletinRow, Bulletin]:
    row = state().store.bulletins.get(bid)
    return row, Bulletin.from_dict(row.data)


def _save(bulletin: Bulletin) -> None:
    state().store.bulletins.save(bulletin.to_dict())


def _wants_json() -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _done(bid: int, message: str, *, anchor: str | None = None,
          category: str = "ok") -> ResponseReturnValue:
    """Answer a form: JSON for the page's script, else flash and go back (no-JS path)."""
    if _wants_json():
        return jsonify({"ok": category == "ok", "message": message})
    flash(message, category)
    return redirect(url_for("bulletin_admin.edit", bid=bid, _anchor=anchor), 303)


def _failed(bid: int, exc: BantinError, what: str) -> ResponseReturnValue:
    message = f"{what}: {exc.message}" + (f" ({exc.hint})" if exc.hint else "")
    if _wants_json():
        resp = jsonify({"ok": False, "message": message})
        resp.status_code = exc.http_status
        return resp
    return _done(bid, message, category="error")


# -- admin: list and create ---------------------------------------------------------------

def admin_index() -> str:
    """List the bulletins with their status and last build."""
    st = state()
    entries = []
    for row, build in st.store.bulletins.recent_with_builds(limit=200):
        bulletin = Bulletin.from_dict(row.data)
        entries.append({"row": row, "b": bulletin, "heading": bulletin_heading(bulletin),
                        "status": current_status(bulletin), "build": build})
    return render_template("admin_bulletins.html", entries=entries,
                           today=datetime.now(UTC).date().isoformat(),
                           messages=get_flashed_messages(with_categories=True))


def create() -> ResponseReturnValue:
    """Start a bulletin from the station's saved settings."""
    st = state()
    station = {k: v for k, v in st.store.bulletins.defaults().items() if k != "chime_path"}
    bulletin = Bulletin.from_dict({"station": station})
    title = " ".join(request.form.get("title", "").split()) or None
    date = request.form.get("date", "").strip() or None
    try:
        update_settings(bulletin, title=title, date=date)
        bulletin_date(bulletin)
    except BantinError as exc:
        flash(f"Chưa tạo được bản tin: {exc.message}", "error")
        return redirect(url_for("bulletin_admin.index"), 303)
    saved = st.store.bulletins.save(bulletin.to_dict())
    flash("Đã tạo bản tin mới. Thêm bài viết rồi dựng bản tin.", "ok")
    return redirect(url_for("bulletin_admin.edit", bid=saved.id), 303)


def delete(bid: int) -> ResponseReturnValue:
    """Delete a bulletin with its builds."""
    _, bulletin = _load(bid)
    state().store.bulletins.delete(bid)
    flash(f"Đã xóa bản tin “{bulletin_heading(bulletin)}”.", "ok")
    return redirect(url_for("bulletin_admin.index"), 303)


# -- admin: the compose page --------------------------------------------------------------

def edit(bid: int) -> str:
    """Show the compose page: settings, items, chime, preview, build and approval."""
    st = state()
    row, bulletin = _load(bid)
    was = bulletin.status
    status = current_status(bulletin)
    reverted = was == APPROVED and status != APPROVED
    if reverted:  # an article was edited in place since the approval
        _save(bulletin)
    build = st.store.bulletins.latest_build(bid)
    job = st.store.jobs.latest_for_bulletin(bid)
    current = fingerprint(bulletin)
    in_bulletin = {i.article_id for i in bulletin.items}
    candidates = [a for a in st.store.articles.recent(limit=200) if a.id not in in_bulletin]
    return render_template(
        "admin_bulletin.html", row=row, b=bulletin, heading=bulletin_heading(bulletin),
        status=status, reverted=reverted, build=build, job=job,
        build_current=build is not None and build.fingerprint == current,
        preview=_preview(bulletin), candidates=candidates, tempos=TEMPOS,
        chime_name=Path(bulletin.station.chime_path).name if bulletin.station.chime_path
        else None, progress=_progress_data(job, build, current),
        files=_file_list(build, admin=True) if build else [],
        messages=get_flashed_messages(with_categories=True))


def _estimate_ms(block: Block, tempo: float) -> int:
    syllables = sum(len(s.spoken.split()) for s in block.script.segments)
    pauses = sum(s.pause_ms for s in block.script.segments)
    return round((syllables / SYLLABLES_PER_SECOND * 1000 + pauses) / tempo)


def _preview(bulletin: Bulletin) -> dict[str, Any]:
    """Return what will be read, an estimated length and the over-length warning."""
    st = state()
    from ..speech.lexicon import shared_lexicon

    try:
        blocks = compose(bulletin, st.settings, shared_lexicon(st.lexicon))
    except BantinError as exc:
        return {"error": exc.message + (f" ({exc.hint})" if exc.hint else "")}
    station = bulletin.station
    gap = station.pause_between_ms if not station.chime_path else 2000
    cues, start = [], 0
    for block in blocks:
        length = _estimate_ms(block, station.tempo)
        cues.append(CueEntry(block.kind, block.number, block.title, start, length))
        start += length + gap
    duration = max(0, start - gap)
    warning = overrun(cues, duration, station.target_minutes)
    return {"blocks": blocks, "cues": cues, "duration_ms": duration,
            "warning": warning.message if warning else None}


def _form_station() -> dict[str, Any]:
    form = request.form

    def number(name: str, label: str) -> float | None:
        raw = form.get(name, "").strip().replace(",", ".")
        if not raw:
            return None
        try:
            return float(raw)
        except ValueError:
            raise InputError(f"{label} phải là một số, ví dụ 1,5") from None

    pause = number("pause_between", "Khoảng lặng giữa các tin")
    tempo = number("tempo", "Tốc độ đọc")
    changes: dict[str, Any] = {
        "name": " ".join(form.get("name", "").split()) or "Đài truyền thanh",
        "intro_template": form.get("intro_template", "").strip(),
        "announcement_template": form.get("announcement_template", "").strip(),
        "outro": " ".join(form.get("outro", "").split()),
        "read_date": form.get("read_date") == "1",
        "read_author": form.get("read_author") == "1",
        "pause_between_ms": round((pause if pause is not None else 1.5) * 1000),
        "target_minutes": number("target_minutes", "Độ dài mục tiêu"),
        "tempo": tempo if tempo is not None else 1.0,
    }
    for key, label in (("intro_template", "Lời giới thiệu"),
                       ("announcement_template", "Lời dẫn mỗi tin"), ("outro", "Lời kết")):
        if not changes[key]:
            raise InputError(f"{label} không được để trống")
    return changes


def save_settings(bid: int) -> ResponseReturnValue:
    """Save the title, date and station settings (remembered for the station's next ones)."""
    _, bulletin = _load(bid)
    try:
        changes = _form_station()
        title = " ".join(request.form.get("title", "").split()) or None
        date = request.form.get("date", "").strip() or None
        update_settings(bulletin, title=title, date=date, **changes)
        _check_settings(bulletin)
    except BantinError as exc:
        return _failed(bid, exc, "Chưa lưu thiết lập")
    _save(bulletin)
    defaults = {k: getattr(bulletin.station, k) for k in STATION_FIELDS}
    state().store.bulletins.set_defaults(defaults)
    return _done(bid, "Đã lưu thiết lập. Bản tin trở về bản nháp.", anchor="thiet-lap")


def _check_settings(bulletin: Bulletin) -> None:
    """Validate the settings (even of a bulletin that has no items yet)."""
    from ..bulletin import BulletinItem
    from ..model import Article

    probe = Bulletin.from_dict(bulletin.to_dict())
    probe.items = [BulletinItem(Article(title="x", paragraphs=["x"]))]
    validate_bulletin(probe)
    compose(probe, state().settings)  # the templates' placeholders


def add(bid: int) -> ResponseReturnValue:
    """Append an article from the store."""
    st = state()
    _, bulletin = _load(bid)
    try:
        try:
            article_id = int(request.form.get("article_id", ""))
        except ValueError:
            raise InputError("Chưa chọn bài viết", "chọn một bài trong danh sách") from None
        if any(i.article_id == article_id for i in bulletin.items):
            raise InputError("Bài viết này đã có trong bản tin")
        row = st.store.articles.get(article_id)
    except BantinError as exc:
        return _failed(bid, exc, "Chưa thêm được bài")
    add_item(bulletin, row.article, row.id)
    _save(bulletin)
    return _done(bid, f"Đã thêm “{row.article.headline}” vào vị trí {len(bulletin.items)}.",
                 anchor=f"muc-{row.id}")


def item(bid: int, article_id: int, action: str) -> ResponseReturnValue:
    """Move an item up or down, or remove it."""
    _, bulletin = _load(bid)
    index = next((n for n, i in enumerate(bulletin.items) if i.article_id == article_id), None)
    try:
        if index is None:
            raise NotFound("Bài viết này không có trong bản tin", "tải lại trang")
        title = bulletin.items[index].article.headline
        if action == "bo":
            remove_item(bulletin, index)
            message, anchor = f"Đã bỏ “{title}” khỏi bản tin.", "danh-sach"
        elif action in MOVES:
            move_item(bulletin, index, MOVES[action])
            where = "lên" if action == "len" else "xuống"
            message = f"Đã chuyển “{title}” {where} vị trí {index + MOVES[action] + 1}."
            anchor = f"muc-{article_id}"
        else:
            raise NotFound("Không có thao tác này")
    except BantinError as exc:
        return _failed(bid, exc, "Chưa thay đổi được")
    _save(bulletin)
    return _done(bid, message, anchor=anchor)


def chime(bid: int) -> ResponseReturnValue:
    """Upload a chime (checked by decoding it), or stop using one."""
    st = state()
    _, bulletin = _load(bid)
    if request.form.get("bo_nhac"):
        update_settings(bulletin, chime_path=None)
        _save(bulletin)
        return _done(bid, "Đã bỏ nhạc chuyển tin; giữa các tin là khoảng lặng.", anchor="nhac")
    upload = request.files.get("nhac")
    try:
        if upload is None or not upload.filename:
            raise InputError("Chưa chọn tệp nhạc chuyển tin", "chọn một tệp WAV hoặc MP3")
        try:
            data = upload.read()
        finally:
            upload.close()  # a large upload is spooled to a temporary file
        key = _store_chime(data, upload.filename)
    except BantinError as exc:
        return _failed(bid, exc, "Chưa dùng được nhạc chuyển tin")
    update_settings(bulletin, chime_path=key)
    _save(bulletin)
    defaults = st.store.bulletins.defaults()
    defaults["chime_path"] = key
    st.store.bulletins.set_defaults(defaults)
    return _done(bid, f"Đã tải lên nhạc chuyển tin “{upload.filename}”.", anchor="nhac")


def _store_chime(data: bytes, filename: str) -> str:
    """Check an uploaded chime decodes, keep it in the media store by content; return its key.

    The key (`nhac-chuyen-tin/<sha256>.<ext>`) is what a bulletin names: any worker fetches the
    chime by it, and the bulletin's fingerprint reads the content hash from it.
    """
    ext = "wav" if data[:4] == b"RIFF" else "mp3"
    key = f"{CHIME_PREFIX}{hashlib.sha256(data).hexdigest()}.{ext}"
    with tempfile.TemporaryDirectory(prefix="bantin-nhac-") as tmp:
        candidate = Path(tmp) / f"upload.{ext}"
        candidate.write_bytes(data)
        try:
            load_chime(candidate)
        except InputError as exc:
            exc.message = exc.message.replace(str(candidate), f"“{filename}”")
            raise
        store = media()
        if not store.exists(key):
            store.put_file(key, candidate, move=True)
    return key


def build(bid: int) -> ResponseReturnValue:
    """Queue a build of the bulletin (the worker reports progress)."""
    st = state()
    _, bulletin = _load(bid)
    try:
        validate_bulletin(bulletin)
    except BantinError as exc:
        return _failed(bid, exc, "Chưa dựng được")
    job = st.store.jobs.queue_bulletin_build(bid)
    st.queue.enqueue(job.id, PRIORITY_NORMAL)
    return _done(bid, f"Đã xếp lịch dựng bản tin (công việc số {job.id}).", anchor="dung")


def _progress_data(job: JobRow | None, build: BulletinBuildRow | None,
                   current: str) -> dict[str, Any]:
    if job is None:
        return {"status": None, "text": "Chưa dựng lần nào.", "busy": False}
    text = STAGE_LABELS[job.status]
    if job.status in ("queued", "running") and job.total:
        text += f": {round(100 * job.done / job.total)}%"
    if job.status == "failed" and job.error:
        text += f": {job.error}"
    if job.status == "done" and build is not None and build.fingerprint != current:
        text += " (nội dung đã thay đổi sau lần dựng này: cần dựng lại)"
    return {"status": job.status, "text": text, "busy": job.status in ("queued", "running"),
            "done": job.done, "total": job.total, "error": job.error}


def progress(bid: int) -> Response:
    """Return the build progress for the page's script."""
    st = state()
    _, bulletin = _load(bid)
    data = _progress_data(st.store.jobs.latest_for_bulletin(bid),
                          st.store.bulletins.latest_build(bid), fingerprint(bulletin))
    return jsonify(data)


def approve_view(bid: int) -> ResponseReturnValue:
    """Approve the bulletin as built now, recording who and when."""
    st = state()
    _, bulletin = _load(bid)
    build = st.store.bulletins.latest_build(bid)
    try:
        if build is None or build.fingerprint != fingerprint(bulletin):
            raise InputError("Cần dựng bản tin với nội dung hiện tại trước khi duyệt",
                             "bấm “Dựng bản tin”, nghe thử rồi duyệt")
        approve(bulletin, request.form.get("editor", ""))
    except BantinError as exc:
        return _failed(bid, exc, "Chưa duyệt được")
    _save(bulletin)
    return _done(bid, f"Đã duyệt bản tin (người duyệt: {bulletin.approved_by}).",
                 anchor="duyet")


def _file_list(build: BulletinBuildRow, *, admin: bool) -> list[dict[str, Any]]:
    """Return the build's downloads: label, size and URL, in the order stations use them."""
    endpoint = "bulletin_admin.file" if admin else "bulletins.file"
    labels = (("broadcast", "Tải MP3 phát sóng"), ("wav", "Tải WAV"),
              ("web", "Tải MP3 nghe trên mạng"), ("cue_csv", "Bảng thứ tự (CSV)"),
              ("cue_text", "Bảng thứ tự để in (văn bản)"))
    out = []
    for kind, label in labels:
        name = build.files.get(kind)
        if name:
            sized = kind in ("broadcast", "wav", "web")
            out.append({"kind": kind, "label": label, "sized": sized,
                        "bytes": build.sizes.get(kind, 0),
                        "url": url_for(endpoint, bid=build.bulletin_id, name=name, tai=1)})
    return out


def admin_file(bid: int, name: str) -> Response:
    """Send a file of the bulletin's latest build to a signed-in editor (drafts too)."""
    _, bulletin = _load(bid)
    build = state().store.bulletins.latest_build(bid)
    resp = _send(bulletin, build, name)
    ttl = 3600 if resp.status_code != 302 else min(3600, state().settings.media_url_ttl // 2)
    resp.headers["Cache-Control"] = f"private, max-age={ttl}"
    return resp


def _send(bulletin: Bulletin, build: BulletinBuildRow | None, name: str) -> Response:
    match = FILE_NAME.match(name)
    kinds = {v: k for k, v in build.files.items()} if build else {}
    if match is None or name not in kinds:
        raise NotFound("Không có tệp này của bản tin")
    download = content_disposition(*download_name(bulletin_heading(bulletin), kinds[name])) \
        if request.args.get("tai") else None
    # The name matched [0-9a-f]{32}.ext: no separator or dot-dot can reach the file.
    path = media().local_path(BULLETIN_PREFIX + name)
    if path is None:
        return redirect_media(BULLETIN_PREFIX + name, download)
    resp = send_media(path, FILE_TYPES[match.group(2)], match.group(1))
    if download:
        resp.headers["Content-Disposition"] = download
    return resp


# -- public -------------------------------------------------------------------------------

def _published(row: BulletinRow) -> tuple[Bulletin, BulletinBuildRow] | None:
    """Return the bulletin and its build when both may be offered publicly."""
    bulletin = Bulletin.from_dict(row.data)
    build = state().store.bulletins.latest_build(row.id)
    if build is None or not is_downloadable(bulletin, build.fingerprint):
        return None
    return bulletin, build


def _public_entries(limit: int = 100) -> list[dict[str, Any]]:
    entries = []
    for row, build in state().store.bulletins.recent_with_builds(status=APPROVED, limit=limit):
        bulletin = Bulletin.from_dict(row.data)
        if build is not None and is_downloadable(bulletin, build.fingerprint):
            entries.append({"row": row, "b": bulletin, "build": build,
                            "heading": bulletin_heading(bulletin),
                            "files": _file_list(build, admin=False)})
    return entries


def public_index() -> str:
    """List approved bulletins with their length and downloads."""
    return render_template("bulletins.html", entries=_public_entries())


def _public(bid: int) -> tuple[Bulletin, BulletinBuildRow]:
    try:
        row = state().store.bulletins.get(bid)
    except NotFound:
        row = None
    found = _published(row) if row is not None else None
    if found is None:
        raise NotFound("Không tìm thấy bản tin này", "xem các bản tin đã duyệt")
    return found


def public_page(bid: int) -> str:
    """Show one approved bulletin: player, downloads and its cue sheet."""
    bulletin, build = _public(bid)
    cues = [CueEntry(**c) for c in build.cues]
    web = build.files.get("web") or build.files.get("broadcast")
    return render_template("bulletin.html", b=bulletin, build=build,
                           heading=bulletin_heading(bulletin), cues=cues, clock=clock,
                           files=_file_list(build, admin=False),
                           audio_url=url_for("bulletins.file", bid=bid, name=web))


def public_file(bid: int, name: str) -> Response:
    """Send a file of an approved bulletin's approved build."""
    bulletin, build = _public(bid)
    return _send(bulletin, build, name)


def feed() -> Response:
    """Return the podcast feed of approved bulletins (web loudness MP3)."""
    items = []
    for entry in _public_entries(FEED_SIZE):
        bulletin, build, row = entry["b"], entry["build"], entry["row"]
        name = build.files.get("web")
        if not name:
            continue
        count = sum(1 for c in build.cues if c["kind"] == "item")
        items.append({
            "a": {"headline": entry["heading"], "author": bulletin.station.name,
                  "lead": f"{count} tin, {', '.join(i.article.headline for i in bulletin.items)}"},
            "link": external_url("bulletins.page", bid=row.id),
            "guid": f"urn:bantin-audio:ban-tin:{row.id}",
            "pub_date": _pub_date(bulletin.date, row.created_at),
            "url": external_url("bulletins.file", bid=row.id, name=name),
            "bytes": build.sizes["web"], "duration": _hms(build.duration_ms),
        })
    xml = render_template(
        "feed.xml", items=items, home=external_url("bulletins.index"),
        self_url=external_url("bulletins.feed"),
        image=external_url("static", filename="podcast.png"),
        build_date=format_datetime(datetime.now(UTC)),
        channel_title="Bản tin phát thanh",
        channel_description="Các bản tin phát thanh đã được duyệt của đài truyền thanh "
                            "địa phương.")
    return Response(xml, mimetype="application/rss+xml")
