"""The error family: every failure a user can meet, with a Vietnamese message and a next step."""

from __future__ import annotations


class BantinError(Exception):
    """Base of every error bantin-audio raises on purpose."""

    http_status = 500
    code = "loi"

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message

    def to_dict(self) -> dict[str, str | int | None]:
        """Return the one JSON error shape used by the web API."""
        return {"error": self.code, "message": self.message, "hint": self.hint,
                "status": self.http_status}


class InputError(BantinError):
    """Bad URL, HTML, form field or option."""

    http_status = 400
    code = "du_lieu_khong_hop_le"


class FetchError(BantinError):
    """The source could not be fetched."""

    http_status = 502
    code = "khong_tai_duoc"


class ExtractionError(BantinError):
    """No article could be found in the page."""

    http_status = 422
    code = "khong_tim_thay_bai_viet"


class SynthesisError(BantinError):
    """An engine failed for a segment (after retries and fallback)."""

    http_status = 502
    code = "loi_tong_hop_giong_noi"

    def __init__(self, message: str, hint: str | None = None, *,
                 status: int | None = None, retry_after: float | None = None,
                 retryable: bool = True) -> None:
        super().__init__(message, hint)
        self.status = status
        self.retry_after = retry_after
        self.retryable = retryable


class AudioError(BantinError):
    """ffmpeg or decoding failed."""

    http_status = 500
    code = "loi_am_thanh"


class NotFound(BantinError):
    """The requested thing does not exist."""

    http_status = 404
    code = "khong_tim_thay"
