"""The news in a row: today's or this week's finished articles as one playlist.

The page plays them one after another (Media Session next/previous track with the script);
without the script it keeps a native player per article, and an M3U playlist opens the same
row in the phone's own media player.
"""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, Response, render_template, request

from .common import Listenable, external_url, listenable_articles, vietnam_today

PLAYLIST_SIZE = 50
WINDOWS = {"hom-nay": ("Hôm nay", 0), "tuan": ("Tuần này", 6)}
DEFAULT_WINDOW = "tuan"


def blueprint() -> Blueprint:
    """Return the playlist blueprint."""
    bp = Blueprint("playlist", __name__)
    bp.add_url_rule("/nghe-lien", "page", page)
    bp.add_url_rule("/nghe-lien.m3u", "m3u", m3u)
    return bp


def _window() -> str:
    chosen = request.args.get("khoang", DEFAULT_WINDOW)
    return chosen if chosen in WINDOWS else DEFAULT_WINDOW


def playlist_items(window: str) -> list[Listenable]:
    """Return the finished articles of a window ("hom-nay", "tuan"), newest first."""
    today = date.fromisoformat(vietnam_today())
    first = (today - timedelta(days=WINDOWS[window][1])).isoformat()
    return [it for it in listenable_articles() if it.day() >= first][:PLAYLIST_SIZE]


def page() -> str:
    """Show the playlist of a window, with one player that plays it in a row."""
    window = _window()
    items = playlist_items(window)
    total_ms = sum(it.mp3.duration_ms for it in items)
    total_bytes = sum(it.mp3.bytes for it in items)
    return render_template("playlist.html", items=items, window=window, windows=WINDOWS,
                           total_ms=total_ms, total_bytes=total_bytes)


def m3u() -> Response:
    """Return the window's playlist as extended M3U (UTF-8) for a media player."""
    window = _window()
    lines = ["#EXTM3U", f"#PLAYLIST:Bản tin nghe – {WINDOWS[window][0].lower()}"]
    for it in playlist_items(window):
        title = " ".join(it.row.article.headline.split())  # one line; commas are fine
        lines.append(f"#EXTINF:{round(it.mp3.duration_ms / 1000)},{title}")
        lines.append(external_url("media.audio", name=it.mp3.path))
    resp = Response("\r\n".join(lines) + "\r\n",
                    content_type="audio/x-mpegurl; charset=utf-8")
    resp.headers["Content-Disposition"] = f'inline; filename="nghe-lien-{window}.m3u8"'
    resp.headers["Cache-Control"] = "no-cache"
    return resp
