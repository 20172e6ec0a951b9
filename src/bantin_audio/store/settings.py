"""The settings repository: service settings (key and value) and admin sign-in sessions.

Sessions are kept server-side so that one can be revoked: a copied cookie dies with its row.
Each records a fingerprint of the admin token it was opened with, so changing the token ends
every session. They live in the settings table (key "session:<id>").
"""

from __future__ import annotations

import json
import secrets
import time
from typing import Any

from .connection import Repository


class SettingsRepository(Repository):
    """Service settings and admin sign-in sessions."""

    def get(self, key: str) -> str | None:
        """Return a stored service setting, or None."""
        row = self._db.conn().execute("SELECT value FROM settings WHERE key=?", (key,)).fetchone()
        return None if row is None else str(row["value"])

    def get_or_create(self, key: str, make: Any = None) -> str:
        """Return a stored setting, creating it with make() (a random token) the first time."""
        with self._db.transaction() as conn:
            row = conn.execute("SELECT value FROM settings WHERE key=?", (key,)).fetchone()
            if row is not None:
                return str(row["value"])
            value = make() if make else secrets.token_urlsafe(32)
            conn.execute("INSERT INTO settings(key, value) VALUES (?, ?) "
                         "ON CONFLICT (key) DO NOTHING", (key, value))
            row = conn.execute("SELECT value FROM settings WHERE key=?", (key,)).fetchone()
            return value if row is None else str(row["value"])

    def open_session(self, token_fingerprint: str, ttl_s: float) -> str:
        """Record a new signed-in session and return its id (expired ones are dropped)."""
        sid = secrets.token_urlsafe(32)
        now = time.time()
        value = json.dumps({"token": token_fingerprint, "expires": now + ttl_s})
        with self._db.transaction() as conn:
            for row in conn.execute("SELECT key, value FROM settings WHERE key LIKE 'session:%'"
                                    ).fetchall():
                if json.loads(row["value"]).get("expires", 0) < now:
                    conn.execute("DELETE FROM settings WHERE key=?", (row["key"],))
            conn.execute("INSERT INTO settings(key, value) VALUES (?, ?)",
                         ("session:" + sid, value))
        return sid

    def session_valid(self, sid: str, token_fingerprint: str) -> bool:
        """Return whether a session is open, unexpired and opened with the current token."""
        raw = self.get("session:" + sid)
        if raw is None:
            return False
        data = json.loads(raw)
        return bool(data.get("token") == token_fingerprint and data.get("expires", 0) > time.time())

    def close_session(self, sid: str) -> None:
        """Revoke one session (sign-out)."""
        with self._db.transaction() as conn:
            conn.execute("DELETE FROM settings WHERE key=?", ("session:" + sid,))
