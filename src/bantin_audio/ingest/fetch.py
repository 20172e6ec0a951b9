"""Safe HTTP fetching (placeholder until the real fetcher lands)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class FetchedPage:
    """A fetched page: final URL, body bytes, content type and encoding."""

    url: str
    content: bytes
    content_type: str | None = None
    encoding: str | None = None


def fetch_url(url, settings):  # noqa: ANN001
    """Fetch a URL."""
    raise NotImplementedError
