"""Offline listening: the service worker (at the site's root, so it may answer for every page)
and the page listing what a listener saved. What is saved lives only in the listener's browser."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template


def blueprint() -> Blueprint:
    """Return the offline blueprint."""
    bp = Blueprint("offline", __name__)
    bp.add_url_rule("/sw.js", "worker", worker)
    bp.add_url_rule("/da-luu", "saved", saved)
    return bp


def worker() -> Response:
    """Return the service worker script; browsers check it for updates on every visit."""
    body = current_app.extensions["bantin_asset_bytes"]("sw.js")  # read once, kept in memory
    resp = Response(body, content_type="application/javascript; charset=utf-8")
    resp.headers["Cache-Control"] = "no-cache"
    return resp


def saved() -> str:
    """Show the articles saved in this browser (listed by the page's script from its cache)."""
    return render_template("saved.html")
