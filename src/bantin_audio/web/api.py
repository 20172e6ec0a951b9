"""The JSON API: submit articles, read articles and jobs. Writes need the bearer token."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request
from flask_limiter import Limiter

from ..errors import BantinError, InputError
from ..jobs import ArticleSource, QueuedSource, queue_source
from ..store import JobRow
from .common import (
    Unauthorized,
    article_json,
    bearer_ok,
    external_url,
    media,
    read_json,
    state,
)

log = logging.getLogger(__name__)


def blueprint(limiter: Limiter) -> Blueprint:
    """Return the API blueprint, with submissions rate-limited per client."""
    bp = Blueprint("api", __name__, url_prefix="/api")
    limit = limiter.limit(lambda: current_app.config["SUBMIT_LIMIT"],
                          methods=["POST"], key_func=_client_key)
    bp.add_url_rule("/articles", "create_article", limit(create_article), methods=["POST"])
    bp.add_url_rule("/articles", "list_articles", list_articles)
    bp.add_url_rule("/articles/<int:article_id>", "get_article", get_article)
    bp.add_url_rule("/articles/<int:article_id>", "delete_article", delete_article,
                    methods=["DELETE"])
    bp.add_url_rule("/jobs/<int:job_id>", "get_job", get_job)
    bp.add_url_rule("/jobs/<int:job_id>/retry", "retry_job", retry_job, methods=["POST"])
    return bp


def _client_key() -> str:
    return request.remote_addr or "unknown"


def _require_token() -> None:
    if not bearer_ok():
        raise Unauthorized("Cần mã quản trị (Authorization: Bearer <mã>)",
                           "mã được in ra khi khởi động bantin-audio serve")


def source_from_input(*, url: str | None = None, html: str | bytes | None = None,
                      text: str | None = None) -> ArticleSource:
    """Check exactly one of a URL, page HTML or pasted text (nothing is fetched or parsed)."""
    given = [k for k, v in (("url", url), ("html", html), ("text", text)) if v]
    if len(given) != 1:
        raise InputError("Cần đúng một trong các trường: url, html, text",
                         'ví dụ {"url": "https://..."}')
    if url:
        return ArticleSource.from_url(url, state().settings)
    if html:
        return ArticleSource.from_data("html", html)
    return ArticleSource.from_data("text", text or "")


def queued_json(queued: QueuedSource) -> dict[str, Any]:
    """Return the 202 body of a submission: the job, its address, the article if known."""
    st = state()
    article = queued.article
    body: dict[str, Any] = {"job": job_json(queued.job), "article": None}
    if article is not None:
        body["article"] = article_json(article, st.store.renditions.for_article(article.id),
                                       st.store.jobs.latest_for_article(article.id))
    return body


def job_json(job: JobRow) -> dict[str, Any]:
    """Return a job with its own address and, once its article is known, the article's."""
    data = job.to_dict()
    data["url"] = external_url("api.get_job", job_id=job.id)
    if job.article_id is not None:
        slug = state().store.articles.get(job.article_id).slug
        data["article_url"] = external_url("api.get_article", article_id=job.article_id)
        data["page_url"] = external_url("reader.article", slug=slug)
    return data


def create_article() -> tuple[Response, int, dict[str, str]]:
    """Queue an article from JSON {url|html|text}: fetched, cleaned and read by a job (202)."""
    _require_token()
    payload = read_json()
    if not isinstance(payload, dict):
        raise InputError("Thân yêu cầu phải là JSON", 'ví dụ {"text": "Tiêu đề\\n\\nĐoạn 1"}')
    values = {k: payload.get(k) for k in ("url", "html", "text")}
    for key, value in values.items():
        if value is not None and not isinstance(value, str):
            raise InputError(f"Trường {key} phải là chuỗi")
    st = state()
    queued = queue_source(st.store, source_from_input(**values), st.queue)
    return jsonify(queued_json(queued)), 202, {
        "Location": external_url("api.get_job", job_id=queued.job.id)}


def list_articles() -> Response:
    """Return the latest articles (?q= searches titles)."""
    st = state()
    try:
        limit = min(100, max(1, int(request.args.get("limit", "50"))))
    except ValueError as exc:
        raise InputError("limit phải là một số") from exc
    rows = st.store.articles.recent(query=request.args.get("q") or None, limit=limit)
    renditions = st.store.renditions.for_articles([r.id for r in rows])
    jobs = st.store.jobs.latest_for_articles([r.id for r in rows])
    items: list[dict[str, Any]] = [article_json(r, renditions[r.id], jobs.get(r.id))
                                   for r in rows]
    return jsonify({"articles": items})


def get_article(article_id: int) -> Response:
    """Return one article with its status, page URL and renditions."""
    st = state()
    row = st.store.articles.get(article_id)
    return jsonify(article_json(row, st.store.renditions.for_article(row.id),
                                st.store.jobs.latest_for_article(row.id)))


def delete_article(article_id: int) -> tuple[str, int]:
    """Delete an article and its audio."""
    _require_token()
    remove_article(article_id)
    return "", 204


def remove_article(article_id: int) -> None:
    """Delete an article; its audio files go now (they are never shared between articles)."""
    st = state()
    for name in st.store.articles.delete(article_id):
        if name not in st.store.renditions.media_paths():
            try:
                media(st).delete(name)
            except BantinError as exc:  # the collector removes it later
                log.warning("audio %s of deleted article %d stays for now: %s", name,
                            article_id, exc)


def get_job(job_id: int) -> Response:
    """Return one job: id, article_id, status, done, total, error (and where to find it)."""
    return jsonify(job_json(state().store.jobs.get(job_id)))


def retry_job(job_id: int) -> tuple[Response, int]:
    """Queue a failed job again."""
    _require_token()
    st = state()
    job = st.store.jobs.retry(job_id)
    st.queue.enqueue(job.id)
    return jsonify(job_json(job)), 202
