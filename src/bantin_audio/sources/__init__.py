"""Sources: the portals we watch.

discover.py reads feeds (RSS/Atom), sitemaps (news sitemaps included) and PublishingPortal
listing pages into article addresses; canonical.py gives each address one spelling;
polite.py keeps the watcher a good guest (robots.txt, one request at a time per host, backoff);
watcher.py polls the sources on their schedule and hands what is new, changed or gone to jobs.
"""

from __future__ import annotations

from .canonical import canonical_url, origin_of
from .config import SourceConfig, parse_source_config

__all__ = ["SourceConfig", "canonical_url", "origin_of", "parse_source_config"]
