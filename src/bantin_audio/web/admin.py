"""Admin pages (/quan-tri): sign in with the token, add articles, follow jobs, edit the lexicon."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    get_flashed_messages,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_limiter import Limiter

from ..errors import BantinError, InputError
from ..jobqueue import PRIORITY_NORMAL
from ..jobs import queue_source
from .api import remove_article, source_from_input
from .auth import close_session, open_session
from .common import check_csrf, require_editor, signed_in, state, token_matches

LEXICON_KINDS = {"expand": "Đọc thành cụm từ", "spell": "Đánh vần từng chữ",
                 "word": "Đọc như một từ"}


def blueprint(limiter: Limiter) -> Blueprint:
    """Return the admin blueprint (every POST needs the CSRF token)."""
    bp = Blueprint("admin", __name__, url_prefix="/quan-tri")
    bp.before_request(_guard)
    limit = limiter.limit(lambda: current_app.config["SUBMIT_LIMIT"],
                          key_func=lambda: request.remote_addr or "unknown")
    bp.add_url_rule("", "home", home)
    bp.add_url_rule("/dang-nhap", "sign_in", limit(sign_in), methods=["POST"])
    bp.add_url_rule("/dang-xuat", "sign_out", sign_out, methods=["POST"])
    bp.add_url_rule("/them", "add", limit(add), methods=["POST"])
    bp.add_url_rule("/cong-viec.json", "jobs_json", jobs_json)
    bp.add_url_rule("/cong-viec/<int:job_id>/thu-lai", "retry", retry, methods=["POST"])
    bp.add_url_rule("/bai/<int:article_id>/xoa", "delete", delete, methods=["POST"])
    bp.add_url_rule("/tu-dien", "lexicon", lexicon)
    bp.add_url_rule("/tu-dien", "lexicon_save", lexicon_save, methods=["POST"])
    bp.add_url_rule("/tu-dien.tsv", "lexicon_download", lexicon_download)
    return bp


def _guard() -> None:
    if request.endpoint in ("admin.home", "admin.sign_in"):  # open to the signed-out too
        if request.method == "POST":
            check_csrf()
        return
    require_editor()


def home() -> str:
    """Show the sign-in form, or the add form and the job list."""
    if not signed_in():
        return render_template("admin_signin.html")
    st = state()
    listed = st.store.jobs.recent_with_articles(limit=50)
    jobs = [job for job, _ in listed]
    articles = {job.article_id: article for job, article in listed if article is not None}
    return render_template("admin.html", jobs=jobs, articles=articles,
                           messages=get_flashed_messages(with_categories=True),
                           tab=request.args.get("nguon", "url"))


def sign_in() -> ResponseReturnValue:
    """Sign this browser in with the admin token."""
    if not token_matches(request.form.get("token", "").strip()):
        return render_template("admin_signin.html", wrong=True), 401
    st = state()
    open_session(st.store, st.admin_token)
    return redirect(url_for("admin.home"), 303)


def sign_out() -> ResponseReturnValue:
    """End this browser's sign-in, server-side: a copy of the cookie stops working too."""
    close_session(state().store)
    return redirect(url_for("reader.index"), 303)


def add() -> ResponseReturnValue:
    """Add an article from a URL, pasted text or an uploaded HTML file."""
    source = request.form.get("nguon", "url")
    try:
        _add(source)
    except BantinError as exc:
        flash(f"Không thêm được bài: {exc.message}" + (f" ({exc.hint})" if exc.hint else ""),
              "error")
    return redirect(url_for("admin.home", nguon=source), 303)


def _add(source: str) -> None:
    st = state()
    if source == "url":
        given = source_from_input(url=request.form.get("url", "").strip() or None)
    elif source == "text":
        given = source_from_input(text=request.form.get("text", "") or None)
    elif source == "html":
        upload = request.files.get("html")
        if upload is None or not upload.filename:
            raise InputError("Chưa chọn tệp HTML", "chọn một tệp .html rồi gửi lại")
        given = source_from_input(html=upload.read() or None)
    else:
        raise InputError("Nguồn bài viết không hợp lệ")
    queued = queue_source(st.store, given, st.queue)
    if queued.created:
        flash(f"Đã nhận bài, công việc số {queued.job.id}: đang tải, làm sạch và chuẩn bị đọc. "
              "Theo dõi tiến độ trong bảng dưới đây.", "ok")
    else:
        flash(f"Bài này đang được xử lý trong công việc số {queued.job.id}.", "ok")


def jobs_json() -> Response:
    """Return the recent jobs for the live progress on the admin page."""
    return jsonify({"jobs": [j.to_dict() for j in state().store.jobs.recent(limit=50)]})


def retry(job_id: int) -> ResponseReturnValue:
    """Queue a job again (its failed segments are tried once more)."""
    st = state()
    st.store.jobs.retry(job_id)
    st.queue.enqueue(job_id)
    flash(f"Đã xếp lại công việc số {job_id}.", "ok")
    return redirect(url_for("admin.home"), 303)


def delete(article_id: int) -> ResponseReturnValue:
    """Delete an article with its audio."""
    title = state().store.articles.get(article_id).article.headline
    remove_article(article_id)
    flash(f"Đã xóa bài “{title}”.", "ok")
    return redirect(url_for("admin.home"), 303)


def lexicon() -> str:
    """Show the pronunciation lexicon with forms to add, edit and remove entries."""
    return render_template("admin_lexicon.html", entries=state().lexicon.entries(),
                           kinds=LEXICON_KINDS,
                           messages=get_flashed_messages(with_categories=True))


def lexicon_download() -> Response:
    """Send the editors' entries as a TSV file (the format `bantin-audio lexicon import`
    reads back): a copy to keep or to edit elsewhere."""
    return Response(state().lexicon.export_tsv(), mimetype="text/tab-separated-values",
                    headers={"Content-Disposition": 'attachment; filename="tu-dien.tsv"',
                             "Cache-Control": "no-store"})


def lexicon_save() -> ResponseReturnValue:
    """Add, change or remove one lexicon entry, then re-synthesize what it changes."""
    try:
        message = _save_lexicon_entry()
    except BantinError as exc:
        message = None
        flash(f"Chưa lưu: {exc.message}" + (f" ({exc.hint})" if exc.hint else ""), "error")
    if message:
        flash(message, "ok")
    return redirect(url_for("admin.lexicon"), 303)


def _save_lexicon_entry() -> str:
    form = request.form
    return save_lexicon_entry(form.get("term", ""), form.get("spoken", ""),
                              form.get("kind", "expand"), original=form.get("goc", ""),
                              action=form.get("hanh_dong", "them"))


def save_lexicon_entry(term: str, spoken: str, kind: str, *, original: str = "",
                       action: str = "them", who: str = "trang từ điển") -> str:
    """Add (or change, or with action "xoa" remove) one lexicon entry, then queue the
    re-synthesis of the segments it changes; return the message for the editor.

    The entry is written to the database in one transaction (nothing on bad input), where
    every worker and web node reads it."""
    st = state()
    if action == "xoa":
        if not st.lexicon.delete(" ".join(original.split())):
            raise InputError("Mục này không còn trong từ điển", "tải lại trang")
    else:
        st.lexicon.save(term, spoken, kind, original=original, who=who)
    job = st.store.jobs.queue_lexicon_rebuild()
    st.queue.enqueue(job.id, PRIORITY_NORMAL)
    note = (" Các bài viết đang được soạn lại theo từ điển; đoạn nào đổi cách đọc sẽ được "
            f"đọc lại (công việc số {job.id}).")
    return ("Đã xóa mục từ điển." if action == "xoa" else "Đã lưu mục từ điển.") + note
