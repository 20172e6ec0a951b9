"""One error handler: a Vietnamese page for browsers, one JSON shape for the API."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from ..errors import BantinError

log = logging.getLogger(__name__)

HTTP_MESSAGES = {
    400: ("yeu_cau_khong_hop_le", "Yêu cầu không hợp lệ"),
    401: ("can_dang_nhap", "Cần đăng nhập bằng mã quản trị"),
    403: ("bi_tu_choi", "Yêu cầu bị từ chối"),
    404: ("khong_tim_thay", "Không tìm thấy trang này"),
    405: ("phuong_thuc_khong_ho_tro", "Phương thức không được hỗ trợ"),
    413: ("qua_lon", "Nội dung gửi lên quá lớn (tối đa 2 MB)"),
    416: ("khoang_khong_hop_le", "Khoảng dữ liệu yêu cầu không hợp lệ"),
    429: ("qua_nhieu_yeu_cau", "Quá nhiều yêu cầu, vui lòng thử lại sau ít phút"),
    431: ("tieu_de_qua_lon", "Phần đầu yêu cầu quá lớn"),
}


def as_bantin_error(exc: Exception) -> BantinError:
    """Convert any exception into a BantinError carrying the right HTTP status."""
    if isinstance(exc, BantinError):
        return exc
    if isinstance(exc, HTTPException):
        status = exc.code or 500
        code, message = HTTP_MESSAGES.get(status, ("loi", "Đã có lỗi xảy ra"))
        err = BantinError(message, "quay lại trang chủ" if status == 404 else None)
    else:
        status, code = 500, "loi_he_thong"
        err = BantinError("Lỗi hệ thống, vui lòng thử lại sau")
    err.http_status = status
    err.code = code
    return err


def wants_json() -> bool:
    """Return whether the client should get JSON rather than an HTML page."""
    if request.path.startswith("/api/") or request.path.endswith(".json"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > \
        request.accept_mimetypes["text/html"]


def handle(exc: Exception) -> ResponseReturnValue:
    """Answer an error in the one JSON shape or as the Vietnamese error page."""
    if isinstance(exc, HTTPException) and exc.code == 416:
        return exc.get_response()  # keep Content-Range from the file response
    err = as_bantin_error(exc)
    if err.http_status >= 500 and not isinstance(exc, BantinError):
        log.exception("unhandled error on %s %s", request.method, request.path)
    else:
        log.info("%s %s -> %d %s", request.method, request.path, err.http_status, err.message)
    status = int(err.http_status)
    if wants_json():
        resp = jsonify(err.to_dict())
        resp.status_code = status
    else:
        resp = Response(render_template("error.html", error=err, status=status), status=status,
                        mimetype="text/html")
    retry_after = getattr(exc, "retry_after", None)
    if isinstance(retry_after, int | float) and status == 429:
        resp.headers["Retry-After"] = str(int(retry_after))
    if isinstance(exc, HTTPException):
        for key in ("Retry-After", "Allow"):
            value = exc.get_response().headers.get(key)
            if value:
                resp.headers[key] = value
    if status == 401 and request.path.startswith("/api/"):
        resp.headers["WWW-Authenticate"] = 'Bearer realm="bantin-audio"'
    return resp


def register(app: Flask) -> None:
    """Install the one error handler for every error."""
    app.register_error_handler(Exception, handle)
