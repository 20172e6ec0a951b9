"""Admin pages for watched portals (/quan-tri/nguon): add, edit, pause, delete, approve.

Each source shows its last and next poll, the articles found, its last error in plain
Vietnamese, and the lines a portal editor pastes to put the player on the portal's pages.
Nothing here fetches: "poll now" only moves the source's next poll forward and wakes the
watcher.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from flask import (
    Blueprint,
    current_app,
    flash,
    get_flashed_messages,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue

from ..errors import BantinError, InputError
from ..sources.config import SourceConfig, parse_source_config
from ..store import ArticleRow, SourceItemRow, SourceRow
from .common import require_editor, state


def blueprint() -> Blueprint:
    """Return the sources admin blueprint (same sign-in and CSRF rules as /quan-tri)."""
    bp = Blueprint("sources_admin", __name__, url_prefix="/quan-tri/nguon")
    bp.before_request(require_editor)
    bp.add_url_rule("", "index", index)
    bp.add_url_rule("/them", "create", create, methods=["POST"])
    bp.add_url_rule("/<int:sid>", "edit", edit)
    bp.add_url_rule("/<int:sid>", "save", save, methods=["POST"])
    bp.add_url_rule("/<int:sid>/<action>", "act", act, methods=["POST"])
    bp.add_url_rule("/bai/<int:article_id>/<action>", "article", article_action,
                    methods=["POST"])
    return bp


def when(ts: float | None) -> str:
    """Return a poll time the Vietnamese way ("07/12/2026 14:05"), or "chưa"."""
    if not ts:
        return "chưa"
    return datetime.fromtimestamp(ts).strftime("%d/%m/%Y %H:%M")


def _form_config(form: Any) -> tuple[str, SourceConfig]:
    settings = state().settings
    minutes = form.get("chu_ky", "").strip()
    interval: int | str | None = None
    if minutes:
        try:
            interval = round(float(minutes.replace(",", ".")) * 60)
        except ValueError as exc:
            raise InputError("Chu kỳ kiểm tra phải là số phút", "ví dụ 10") from exc
    return parse_source_config(
        form.get("dia_chi", ""), feeds=form.get("rss", ""), sitemaps=form.get("sitemap", ""),
        listings=form.get("danh_sach", ""), hosts=form.get("may_chu", ""),
        poll_interval_s=interval, include=form.get("chi_lay", ""),
        exclude=form.get("bo_qua", ""), approval=form.get("cach_dang", "auto"),
        first_take=form.get("lan_dau", ""), default_interval_s=settings.source_interval,
        default_first_take=settings.source_first_take)


def _name(form: Any) -> str:
    name = " ".join(form.get("ten", "").split())
    if not name:
        raise InputError("Cần đặt tên cho nguồn", "ví dụ: Cổng huyện Yên Hòa")
    if len(name) > 100:
        raise InputError("Tên nguồn dài quá 100 ký tự")
    return name


def _wake_watcher() -> None:
    watcher = current_app.extensions.get("bantin_watcher")
    if watcher is not None:
        watcher.wake.set()


def _service_base() -> str:
    base = state().settings.public_url
    return base.rstrip("/") if base else request.host_url.rstrip("/")


def snippets(source: SourceRow | None, sample_id: int | None,
             sample_title: str | None) -> dict[str, str]:
    """Return the lines a portal editor pastes: the script embed and the frame embed."""
    base = _service_base()
    frame_id = str(sample_id) if sample_id is not None else "SỐ-BÀI"
    title = sample_title or "tên bài"
    return {
        "script": f'<script src="{base}/nhung.js" async></script>\n<div data-bantin></div>',
        "frame": (f'<iframe src="{base}/nhung/{frame_id}" title="Nghe bài viết: {title}" '
                  'width="100%" height="168" style="border:0" loading="lazy"></iframe>'),
    }


def index() -> str:
    """List the sources with their state, the add form and the articles waiting for approval."""
    st = state()
    rows = st.store.sources.all()
    # The newest address of each source and its article, for the snippet: two queries in all.
    newest = st.store.sources.newest_items([row.id for row in rows])
    articles = st.store.articles.get_many(
        [i.article_id for i in newest.values() if i.article_id is not None])
    entries = [_entry(row, newest.get(row.id), articles) for row in rows]
    waiting = st.store.articles.held("awaiting_approval")
    withdrawn = st.store.articles.held("withdrawn", limit=50)
    return render_template("admin_sources.html", entries=entries, waiting=waiting,
                           withdrawn=withdrawn, defaults=_defaults(),
                           messages=get_flashed_messages(with_categories=True))


def _defaults() -> dict[str, Any]:
    settings = state().settings
    return {"chu_ky": round(settings.source_interval / 60, 1), "lan_dau":
            settings.source_first_take}


def _entry(row: SourceRow, newest: SourceItemRow | None,
           articles: dict[int, ArticleRow]) -> dict[str, Any]:
    config = SourceConfig.from_dict(row.config)
    sample = newest if newest is not None and newest.article_id is not None else None
    sample_title = None
    if sample is not None and sample.article_id in articles:
        sample_title = articles[sample.article_id].article.headline
    return {"row": row, "config": config, "last": when(row.last_poll_at),
            "next": "tạm dừng" if row.paused else when(row.next_poll_at),
            "snippets": snippets(row, sample.article_id if sample else None, sample_title)}


def create() -> ResponseReturnValue:
    """Register a portal."""
    try:
        name = _name(request.form)
        base, config = _form_config(request.form)
        row = state().store.sources.add(name, base, config.to_dict())
    except BantinError as exc:
        flash(f"Chưa thêm được nguồn: {exc.message}" + (f" ({exc.hint})" if exc.hint else ""),
              "error")
        return redirect(url_for("sources_admin.index", _anchor="them-nguon"), 303)
    _wake_watcher()
    flash(f"Đã thêm nguồn “{row.name}”. Lần kiểm tra đầu tiên bắt đầu ngay.", "ok")
    return redirect(url_for("sources_admin.index", _anchor=f"nguon-{row.id}"), 303)


def edit(sid: int) -> str:
    """Show the edit form of one source."""
    row = state().store.sources.get(sid)
    config = SourceConfig.from_dict(row.config)
    return render_template("admin_source_edit.html", row=row, config=config,
                           messages=get_flashed_messages(with_categories=True))


def save(sid: int) -> ResponseReturnValue:
    """Save a source's settings."""
    try:
        name = _name(request.form)
        base, config = _form_config(request.form)
        state().store.sources.update(sid, name=name, base_url=base, config=config.to_dict())
    except BantinError as exc:
        flash(f"Chưa lưu: {exc.message}" + (f" ({exc.hint})" if exc.hint else ""), "error")
        return redirect(url_for("sources_admin.edit", sid=sid), 303)
    _wake_watcher()
    flash(f"Đã lưu nguồn “{name}”.", "ok")
    return redirect(url_for("sources_admin.index", _anchor=f"nguon-{sid}"), 303)


def act(sid: int, action: str) -> ResponseReturnValue:
    """Pause, resume, poll now or delete a source."""
    st = state()
    row = st.store.sources.get(sid)
    if action == "tam-dung":
        st.store.sources.update(sid, paused=True)
        flash(f"Đã tạm dừng nguồn “{row.name}”.", "ok")
    elif action == "tiep-tuc":
        st.store.sources.update(sid, paused=False)
        flash(f"Nguồn “{row.name}” được theo dõi trở lại.", "ok")
    elif action == "kiem-tra":
        st.store.sources.record_poll(sid, at=row.last_poll_at or 0.0, next_at=time.time(),
                                     error=row.last_error, failures=row.failures)
        flash(f"Nguồn “{row.name}” sẽ được kiểm tra ngay.", "ok")
    elif action == "xoa":
        st.store.sources.delete(sid)
        flash(f"Đã xóa nguồn “{row.name}”; các bài đã đọc vẫn được giữ.", "ok")
        return redirect(url_for("sources_admin.index"), 303)
    else:
        raise InputError("Thao tác không hợp lệ")
    _wake_watcher()
    return redirect(url_for("sources_admin.index", _anchor=f"nguon-{sid}"), 303)


def article_action(article_id: int, action: str) -> ResponseReturnValue:
    """Approve an article waiting for an editor, or keep it off the public pages."""
    st = state()
    title = st.store.articles.get(article_id).article.headline
    if action == "duyet":
        st.store.articles.release(article_id)
        flash(f"Đã đăng bài “{title}”.", "ok")
    elif action == "khong-dang":
        st.store.articles.hold(article_id, "withdrawn")
        flash(f"Bài “{title}” không được đăng (âm thanh vẫn được giữ).", "ok")
    else:
        raise InputError("Thao tác không hợp lệ")
    return redirect(url_for("sources_admin.index", _anchor="cho-duyet"), 303)
