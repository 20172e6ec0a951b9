"""Listeners teach the pronunciation: "Báo đọc sai" reports and the editors' queue of them.

A listener names the misread word of one paragraph (and, optionally, how it should be said) in
a small form that works without JavaScript: no account, a CSRF token, a hidden trap field and a
signed time stamp (a form sent within seconds of being shown, or a day later, is refused),
a rate limit per address, bounded sizes, and the word must be one the paragraph shows. Editors
see the reports grouped by word and turn one into a lexicon entry in one step, through the same
function the dictionary page uses, which re-synthesizes only the segments it changes.
"""

from __future__ import annotations

import time
import unicodedata

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
from flask_limiter import Limiter
from itsdangerous import BadSignature, URLSafeSerializer

from ..errors import BantinError, InputError, NotFound
from .admin import LEXICON_KINDS, save_lexicon_entry
from .common import check_csrf, require_editor, state
from .reader import segment_labels

WORD_MAX = 60
SUGGESTION_MAX = 120
FASTEST_S = 3.0  # a person reads the paragraph and types; a script posts at once
OLDEST_S = 24 * 3600.0
REPORT_LIMIT = "6 per minute;40 per day"


def public_blueprint(limiter: Limiter) -> Blueprint:
    """Return the listeners' report form."""
    bp = Blueprint("reports", __name__)
    limit = limiter.limit(lambda: current_app.config.get("REPORT_LIMIT", REPORT_LIMIT),
                          key_func=lambda: request.remote_addr or "unknown", methods=["POST"])
    bp.add_url_rule("/bai/<slug>/bao-doc-sai", "form", limit(report),
                    methods=["GET", "POST"])
    return bp


def admin_blueprint() -> Blueprint:
    """Return the editors' queue of reports."""
    bp = Blueprint("reports_admin", __name__, url_prefix="/quan-tri/bao-doc-sai")
    bp.before_request(require_editor)
    bp.add_url_rule("", "index", queue)
    bp.add_url_rule("/them-vao-tu-dien", "to_lexicon", to_lexicon, methods=["POST"])
    bp.add_url_rule("/bo-qua", "dismiss", dismiss, methods=["POST"])
    return bp


def _stamp() -> str:
    return URLSafeSerializer(current_app.secret_key or "", salt="bao-doc-sai").dumps(time.time())


def _check_stamp(sent: str) -> None:
    try:
        shown = float(URLSafeSerializer(current_app.secret_key or "",
                                        salt="bao-doc-sai").loads(sent))
    except (BadSignature, TypeError, ValueError) as exc:
        raise InputError("Biểu mẫu không hợp lệ", "tải lại trang rồi gửi lại") from exc
    age = time.time() - shown
    if age < FASTEST_S:
        raise InputError("Biểu mẫu được gửi quá nhanh", "đọc lại đoạn văn rồi gửi lại")
    if age > OLDEST_S:
        raise InputError("Biểu mẫu đã quá cũ", "tải lại trang rồi gửi lại")


def _fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def report(slug: str) -> ResponseReturnValue:
    """Show the form for one paragraph, or take a listener's report of it."""
    st = state()
    row = st.store.articles.get_by_slug(slug)
    segments = st.store.articles.segments(row.id)
    try:
        index = int(request.values.get("doan", ""))
    except ValueError:
        index = -1
    seg = next((s for s in segments if s.segment.index == index), None)
    if seg is None:
        raise NotFound("Không có đoạn này trong bài", "mở lại trang bài viết")
    label = segment_labels(segments)[index]
    values = {"word": request.form.get("tu", "")[:WORD_MAX * 2],
              "suggestion": request.form.get("nen_doc", "")[:SUGGESTION_MAX * 2]}
    error = None
    if request.method == "POST":
        check_csrf()  # refused as every other form's (403), before anything is read
        try:
            _take(row.id, index, seg.segment.display or seg.segment.spoken, values)
        except BantinError as exc:
            error = exc.message + (f" ({exc.hint})" if exc.hint else "")
        else:
            return redirect(url_for("reports.form", slug=slug, doan=index, da_gui=1), 303)
    html = render_template("report.html", row=row, seg=seg, label=label, values=values,
                           error=error, stamp=_stamp(), sent=request.args.get("da_gui") == "1",
                           word_max=WORD_MAX, suggestion_max=SUGGESTION_MAX)
    return html, 400 if error else 200


def _take(article_id: int, index: int, shown: str, values: dict[str, str]) -> None:
    if request.form.get("trang_web"):  # the trap field people never see
        raise InputError("Biểu mẫu không hợp lệ", "tải lại trang rồi gửi lại")
    _check_stamp(request.form.get("luc", ""))
    word = " ".join(values["word"].split())
    suggestion = " ".join(values["suggestion"].split())
    if not word:
        raise InputError("Cần ghi từ bị đọc sai", "chép từ đó như trong bài")
    if len(word) > WORD_MAX or len(suggestion) > SUGGESTION_MAX:
        raise InputError(f"Từ bị đọc sai dài tối đa {WORD_MAX} ký tự, cách đọc đúng tối đa "
                         f"{SUGGESTION_MAX} ký tự")
    if any(unicodedata.category(ch)[0] == "C" for ch in word + suggestion):
        raise InputError("Có ký tự không hợp lệ", "chỉ ghi chữ, số và dấu câu")
    if _fold(word) not in _fold(shown):
        raise InputError(f"Không thấy “{word}” trong đoạn này", "chép từ đó đúng như trong bài")
    state().store.reports.add(article_id, index, word, suggestion or None)


def queue() -> str:
    """Show the open reports grouped by word, each with a one-step lexicon form."""
    groups = state().store.reports.groups()
    return render_template("admin_reports.html", groups=groups, kinds=LEXICON_KINDS,
                           messages=get_flashed_messages(with_categories=True))


def to_lexicon() -> ResponseReturnValue:
    """Turn a reported word into a lexicon entry and mark its reports resolved."""
    key = request.form.get("word_key", "")
    try:
        message = save_lexicon_entry(request.form.get("term", ""),
                                     request.form.get("spoken", ""),
                                     request.form.get("kind", "expand"), who="báo đọc sai")
    except BantinError as exc:
        flash(f"Chưa lưu: {exc.message}" + (f" ({exc.hint})" if exc.hint else ""), "error")
    else:
        closed = state().store.reports.close(key, "resolved")
        flash(f"{message} Đã đánh dấu xong {closed} báo cáo.", "ok")
    return redirect(url_for("reports_admin.index"), 303)


def dismiss() -> ResponseReturnValue:
    """Dismiss every open report of a word (the reading was right, or the report was noise)."""
    closed = state().store.reports.close(request.form.get("word_key", ""), "dismissed")
    flash(f"Đã bỏ qua {closed} báo cáo.", "ok")
    return redirect(url_for("reports_admin.index"), 303)
