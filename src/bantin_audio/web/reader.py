"""Reader pages: the latest articles and one article with its synchronized player."""

from __future__ import annotations

import gzip
from typing import Any

from flask import Blueprint, Response, jsonify, render_template, request

from ..errors import NotFound
from ..exports import webvtt
from ..store import RenditionRow, SegmentRow
from .common import Listenable, by_kind, clock_text, listenable_articles, state, voice_summary

PAGE_SIZE = 30
PAGE_CACHE_SIZE = 512
BODY_KINDS = ("lead", "paragraph")


def blueprint() -> Blueprint:
    """Return the reader blueprint."""
    bp = Blueprint("reader", __name__)
    bp.add_url_rule("/", "index", index)
    bp.add_url_rule("/bai/<slug>", "article", article)
    bp.add_url_rule("/bai/<slug>/thoi-gian.json", "timings", timings)
    bp.add_url_rule("/bai/<slug>/phu-de.vtt", "captions", captions)
    bp.add_url_rule("/healthz", "health", health)
    return bp


def index() -> str:
    """Show the latest articles, with a search over titles."""
    st = state()
    query = " ".join(request.args.get("q", "").split())[:200]
    try:
        page = max(1, int(request.args.get("trang", "1")))
    except ValueError:
        page = 1
    rows = st.store.articles.recent(query=query or None, limit=PAGE_SIZE + 1,
                                    offset=(page - 1) * PAGE_SIZE)
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    renditions = st.store.renditions.for_articles([r.id for r in rows])
    items = [{"row": r, "audio": by_kind(renditions[r.id]).get("mp3")} for r in rows]
    return render_template("index.html", items=items, query=query, page=page, more=more)


def _timed_segments(segments: list[SegmentRow], mp3: RenditionRow | None) -> dict[int, Any]:
    spans = {t["index"]: t for t in (mp3.timings if mp3 else [])}
    return {s.segment.index: spans.get(s.segment.index) for s in segments}


def shown_phrases(entry: dict[str, Any]) -> list[dict[str, int]]:
    """Return the phrases of a timing map entry that each read their own words.

    Maps made before phrases were timed have none; a segment whose phrases could not be tied to
    the shown words (each reads the whole text) is followed as a whole, so both give [].
    """
    phrases = entry.get("phrases") or []
    if len(phrases) < 2 or len({(p["from"], p["to"]) for p in phrases}) < len(phrases):
        return []
    return [p for p in phrases if isinstance(p, dict)]


def phrase_data(entry: dict[str, Any] | None) -> str:
    """Return the phrases of a timing map entry for the page: "start,end,from,to;..."."""
    if not entry:
        return ""
    return ";".join(f"{p['start_ms']},{p['end_ms']},{p['from']},{p['to']}"
                    for p in shown_phrases(entry))


def caption_cues(timings: list[dict[str, Any]]) -> list[tuple[int, int, str]]:
    """Return WebVTT cues: one per phrase where phrases are known, else one per segment."""
    cues = []
    for t in timings:
        text = str(t["text"])
        phrases = shown_phrases(t)
        if not phrases:
            cues.append((int(t["start_ms"]), int(t["end_ms"]), text))
            continue
        units = text.encode("utf-16-le")
        for p in phrases:
            part = units[2 * int(p["from"]):2 * int(p["to"])].decode("utf-16-le", "replace")
            cues.append((int(p["start_ms"]), int(p["end_ms"]), part))
    return cues


def article(slug: str) -> Response:
    """Show one article: text, player, downloads, progress while it is being synthesized."""
    st = state()
    gzip_ok = "gzip" in request.headers.get("Accept-Encoding", "")
    version = st.store.articles.page_version(slug)
    up = next_article(slug)
    key = (slug, version, gzip_ok, up.row.id if up else None, up.row.slug if up else None)
    body = st.page_cache.get(key)
    if body is None:
        html = _render_article(slug, up).encode("utf-8")
        body = gzip.compress(html, 6, mtime=0) if gzip_ok else html
        with st.lock:
            if len(st.page_cache) >= PAGE_CACHE_SIZE:
                st.page_cache.clear()
            st.page_cache[key] = body
    resp = Response(body, mimetype="text/html")
    if gzip_ok:
        resp.headers["Content-Encoding"] = "gzip"
    return resp


def next_article(slug: str) -> Listenable | None:
    """Return the article "Nghe tiếp" plays after this one: the next older one whose audio is
    complete, in the order of the home page (none past the latest articles, and none for an
    article no longer listed)."""
    this = state().store.articles.get_by_slug(slug)
    place = (this.created_at, this.id)
    return next((it for it in listenable_articles()
                 if (it.row.created_at, it.row.id) < place), None)


def _render_article(slug: str, up: Listenable | None) -> str:
    st = state()
    row = st.store.articles.get_by_slug(slug)
    segments = st.store.articles.segments(row.id)
    renditions = by_kind(st.store.renditions.for_article(row.id))
    job = st.store.jobs.latest_for_article(row.id)
    mp3 = renditions.get("mp3")
    done = sum(1 for s in segments if s.status == "done")
    body = [s for s in segments if s.segment.kind in BODY_KINDS]
    heading = next((s.segment.index for s in segments if s.segment.kind == "title"), None)
    dated = next((s.segment.index for s in segments if s.segment.kind == "date"), None)
    return render_template(
        "article.html", row=row, a=row.article, segments=segments, body=body,
        spans=_timed_segments(segments, mp3), renditions=renditions, mp3=mp3, job=job,
        done=done, total=len(segments), voices=voice_summary(segments),
        complete=bool(mp3 and mp3.complete), heading_index=heading, date_index=dated,
        phrases={t["index"]: phrase_data(t) for t in (mp3.timings if mp3 else [])},
        labels=segment_labels(segments), clock=clock_text(mp3.duration_ms if mp3 else 0),
        next_up=up,
    )


def segment_labels(segments: list[SegmentRow]) -> dict[int, str]:
    """Return how the page names each segment ("tiêu đề", "đoạn 3", ...)."""
    names = {"title": "tiêu đề", "date": "ngày đăng", "lead": "đoạn mở đầu",
             "author": "tên tác giả"}
    labels, paragraph = {}, 0
    for s in segments:
        if s.segment.kind == "paragraph":
            paragraph += 1
            labels[s.segment.index] = f"đoạn {paragraph}"
        else:
            labels[s.segment.index] = names.get(s.segment.kind, s.segment.kind)
    return labels


def timings(slug: str) -> Response:
    """Return the timing map of the current MP3 rendition as JSON."""
    st = state()
    row = st.store.articles.get_by_slug(slug)
    mp3 = by_kind(st.store.renditions.for_article(row.id)).get("mp3")
    return jsonify({"article_id": row.id, "audio": mp3.path if mp3 else None,
                    "complete": bool(mp3 and mp3.complete),
                    "duration_ms": mp3.duration_ms if mp3 else 0,
                    "timings": mp3.timings if mp3 else []})


def captions(slug: str) -> Response:
    """Return WebVTT captions of the current MP3 rendition, one cue per phrase read."""
    st = state()
    row = st.store.articles.get_by_slug(slug)
    mp3 = by_kind(st.store.renditions.for_article(row.id)).get("mp3")
    if mp3 is None:
        raise NotFound("Bài viết này chưa có âm thanh", "thử lại sau ít phút")
    return Response(webvtt(caption_cues(mp3.timings)), mimetype="text/vtt")


def health() -> Response:
    """Answer a liveness probe."""
    state().store.schema_version()
    return jsonify({"ok": True})
