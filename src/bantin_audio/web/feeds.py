"""The podcast feed: RSS 2.0 with the itunes namespace, one item per finished article."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime

from flask import Blueprint, Response, render_template

from .common import external_url, listenable_articles

FEED_SIZE = 100
PAGE_EPISODES = 10


def blueprint() -> Blueprint:
    """Return the feed blueprint."""
    bp = Blueprint("feeds", __name__)
    bp.add_url_rule("/feed.xml", "podcast", podcast)
    bp.add_url_rule("/podcast", "page", page)
    return bp


def _pub_date(date: str | None, fallback: float) -> str:
    when = datetime.fromtimestamp(fallback, UTC)
    if date:
        try:
            when = datetime.strptime(date[:10], "%Y-%m-%d").replace(hour=7, tzinfo=UTC)
        except ValueError:
            pass
    return format_datetime(when)


def _hms(ms: int) -> str:
    seconds = round(ms / 1000)
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def podcast() -> Response:
    """Return the podcast feed of articles whose whole audio is ready."""
    items = [{
        "row": item.row, "a": item.row.article,
        "link": external_url("reader.article", slug=item.row.slug),
        "guid": f"urn:bantin-audio:bai:{item.row.id}",
        "pub_date": _pub_date(item.row.article.date, item.row.created_at),
        "url": external_url("media.audio", name=item.mp3.path),
        "bytes": item.mp3.bytes, "duration": _hms(item.mp3.duration_ms),
    } for item in listenable_articles(FEED_SIZE)]
    xml = render_template(
        "feed.xml", items=items, home=external_url("reader.index"),
        self_url=external_url("feeds.podcast"),
        image=external_url("static", filename="podcast.png"),
        build_date=format_datetime(datetime.now(UTC)))
    return Response(xml, mimetype="application/rss+xml")


def page() -> str:
    """Show what the podcast is, how to follow it in an app, its address and latest episodes."""
    return render_template("podcast.html", feed_url=external_url("feeds.podcast"),
                           episodes=listenable_articles(FEED_SIZE)[:PAGE_EPISODES])
