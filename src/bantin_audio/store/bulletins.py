"""The bulletins repository: bulletins with their items, their builds, the station defaults."""

from __future__ import annotations

import json
import time
from typing import Any

from ..errors import InputError, NotFound
from .connection import Repository, _Connection, _Row
from .rows import BulletinBuildRow, BulletinRow


class BulletinRepository(Repository):
    """Bulletins (items read from the articles), their latest builds, the station defaults."""

    def defaults(self) -> dict[str, Any]:
        """Return the station settings new bulletins start from (empty before the first save)."""
        raw = self._store.settings.get("bulletin_station")
        return {} if raw is None else dict(json.loads(raw))

    def set_defaults(self, station: dict[str, Any]) -> None:
        """Remember a station's settings for its next bulletins."""
        with self._db.transaction() as conn:
            conn.execute("INSERT INTO settings(key, value) VALUES (?, ?) "
                         "ON CONFLICT (key) DO UPDATE SET value=excluded.value",
                         ("bulletin_station", json.dumps(station, ensure_ascii=False)))

    def save(self, data: dict[str, Any]) -> BulletinRow:
        """Insert or replace a bulletin (the `Bulletin.to_dict` shape) with its items at once."""
        now = time.time()
        values = (data.get("title"), data.get("date"),
                  json.dumps(data.get("station") or {}, ensure_ascii=False),
                  data.get("status") or "draft", data.get("approved_by"),
                  data.get("approved_at"), data.get("approved_fingerprint"))
        with self._db.transaction() as conn:
            bulletin_id = data.get("id")
            if bulletin_id is None:
                bulletin_id = conn.insert(
                    "INSERT INTO bulletins(title, date, station, status, approved_by, "
                    "approved_at, approved_fingerprint, created_at, updated_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", (*values, now, now))
            else:
                updated = conn.execute(
                    "UPDATE bulletins SET title=?, date=?, station=?, status=?, approved_by=?, "
                    "approved_at=?, approved_fingerprint=?, updated_at=? WHERE id=?",
                    (*values, now, bulletin_id))
                if updated.rowcount == 0:
                    raise NotFound(f"Không có bản tin số {bulletin_id}")
            conn.execute("DELETE FROM bulletin_items WHERE bulletin_id=?", (bulletin_id,))
            for position, item in enumerate(data.get("items") or []):
                if item.get("article_id") is None:
                    raise InputError("Bản tin trên web chỉ gồm các bài đã có trong kho")
                if conn.execute("SELECT 1 FROM articles WHERE id=?",
                                (item["article_id"],)).fetchone() is None:
                    raise NotFound(f"Không có bài viết số {item['article_id']}")
                conn.execute("INSERT INTO bulletin_items(bulletin_id, position, article_id) "
                             "VALUES (?, ?, ?)", (bulletin_id, position, item["article_id"]))
            return self._bulletin(conn, int(bulletin_id))

    def _bulletin(self, conn: _Connection, bulletin_id: int) -> BulletinRow:
        row = conn.execute("SELECT * FROM bulletins WHERE id=?", (bulletin_id,)).fetchone()
        if row is None:
            raise NotFound(f"Không có bản tin số {bulletin_id}",
                           "xem danh sách bản tin")
        items = [{"article_id": int(r["id"]), "article": json.loads(r["fields"])}
                 for r in conn.execute(
                     "SELECT a.id, a.fields FROM bulletin_items i JOIN articles a "
                     "ON a.id = i.article_id WHERE i.bulletin_id=? ORDER BY i.position",
                     (bulletin_id,))]
        data = {"id": int(row["id"]), "title": row["title"], "date": row["date"],
                "items": items, "station": json.loads(row["station"]), "status": row["status"],
                "approved_by": row["approved_by"], "approved_at": row["approved_at"],
                "approved_fingerprint": row["approved_fingerprint"]}
        return BulletinRow(id=int(row["id"]), data=data, created_at=row["created_at"],
                           updated_at=row["updated_at"])

    def get(self, bulletin_id: int) -> BulletinRow:
        """Return one bulletin with its items' current articles, or raise NotFound."""
        return self._bulletin(self._db.conn(), bulletin_id)

    def recent(self, *, status: str | None = None, limit: int = 100) -> list[BulletinRow]:
        """Return bulletins newest first, optionally only those with `status`."""
        return [row for row, _ in self._bulletin_list(status, limit, builds=False)]

    def recent_with_builds(self, *, status: str | None = None, limit: int = 100
                          ) -> list[tuple[BulletinRow, BulletinBuildRow | None]]:
        """Return bulletins newest first with their latest builds, in one query."""
        return self._bulletin_list(status, limit, builds=True)

    def _bulletin_list(self, status: str | None, limit: int, *, builds: bool
                      ) -> list[tuple[BulletinRow, BulletinBuildRow | None]]:
        """Read bulletins, their items' articles (and latest builds) in one statement."""
        where, params = ("WHERE status=?", [status]) if status is not None else ("", [])
        build_cols = ("bb.id AS bb_id, bb.fingerprint AS bb_fingerprint, "
                      "bb.duration_ms AS bb_duration_ms, bb.files AS bb_files, "
                      "bb.sizes AS bb_sizes, bb.cues AS bb_cues, bb.loudness AS bb_loudness, "
                      "bb.engines AS bb_engines, bb.warning AS bb_warning, "
                      "bb.created_at AS bb_created_at" if builds else "NULL AS bb_id")
        build_join = ("LEFT JOIN bulletin_builds bb ON bb.id = (SELECT max(id) FROM "
                      "bulletin_builds WHERE bulletin_id = b.id) " if builds else "")
        rows = self._db.conn().execute(
            f"SELECT b.*, i.position AS i_position, a.id AS a_id, a.fields AS a_fields, "
            f"{build_cols} FROM (SELECT * FROM bulletins {where} "
            "ORDER BY coalesce(date, '') DESC, id DESC LIMIT ?) b "
            "LEFT JOIN bulletin_items i ON i.bulletin_id = b.id "
            "LEFT JOIN articles a ON a.id = i.article_id "
            f"{build_join}"
            "ORDER BY coalesce(b.date, '') DESC, b.id DESC, i.position", (*params, limit))
        out: list[tuple[BulletinRow, BulletinBuildRow | None]] = []
        by_id: dict[int, tuple[BulletinRow, BulletinBuildRow | None]] = {}
        for r in rows:
            bid = int(r["id"])
            if bid not in by_id:
                data = {"id": bid, "title": r["title"], "date": r["date"], "items": [],
                        "station": json.loads(r["station"]), "status": r["status"],
                        "approved_by": r["approved_by"], "approved_at": r["approved_at"],
                        "approved_fingerprint": r["approved_fingerprint"]}
                build = None
                if r["bb_id"] is not None:
                    build = BulletinBuildRow(
                        id=int(r["bb_id"]), bulletin_id=bid, fingerprint=r["bb_fingerprint"],
                        duration_ms=int(r["bb_duration_ms"]), files=json.loads(r["bb_files"]),
                        sizes=json.loads(r["bb_sizes"]), cues=json.loads(r["bb_cues"]),
                        loudness=json.loads(r["bb_loudness"]),
                        engines=json.loads(r["bb_engines"]), warning=r["bb_warning"],
                        created_at=r["bb_created_at"])
                by_id[bid] = (BulletinRow(id=bid, data=data, created_at=r["created_at"],
                                          updated_at=r["updated_at"]), build)
                out.append(by_id[bid])
            if r["a_id"] is not None:  # an item whose article exists (inner join before)
                by_id[bid][0].data["items"].append(
                    {"article_id": int(r["a_id"]), "article": json.loads(r["a_fields"])})
        return out

    def delete(self, bulletin_id: int) -> list[str]:
        """Delete a bulletin with its items, builds and jobs; return its build files."""
        with self._db.transaction() as conn:
            names = [n for r in conn.execute(
                "SELECT files FROM bulletin_builds WHERE bulletin_id=?", (bulletin_id,))
                for n in json.loads(r["files"]).values()]
            if conn.execute("DELETE FROM bulletins WHERE id=?", (bulletin_id,)).rowcount == 0:
                raise NotFound(f"Không có bản tin số {bulletin_id}")
        return names

    def put_build(self, build: BulletinBuildRow) -> BulletinBuildRow:
        """Store a finished build of a bulletin, replacing its previous one (files in place)."""
        with self._db.transaction() as conn:
            self._bulletin(conn, build.bulletin_id)
            cur = conn.insert(
                "INSERT INTO bulletin_builds(bulletin_id, fingerprint, duration_ms, files, "
                "sizes, cues, loudness, engines, warning, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (build.bulletin_id, build.fingerprint, build.duration_ms,
                 json.dumps(build.files), json.dumps(build.sizes),
                 json.dumps(build.cues, ensure_ascii=False), json.dumps(build.loudness),
                 json.dumps(build.engines), build.warning, time.time()))
            new_id = cur
            # Only the latest build is ever served: older files are collected by the workers.
            conn.execute("DELETE FROM bulletin_builds WHERE bulletin_id=? AND id<>?",
                         (build.bulletin_id, new_id))
            row = conn.execute("SELECT * FROM bulletin_builds WHERE id=?", (new_id,)).fetchone()
            return self._build(row)

    def latest_build(self, bulletin_id: int) -> BulletinBuildRow | None:
        """Return the bulletin's most recent build, if any."""
        row = self._db.conn().execute("SELECT * FROM bulletin_builds WHERE bulletin_id=? "
                                      "ORDER BY id DESC LIMIT 1", (bulletin_id,)).fetchone()
        return None if row is None else self._build(row)

    def media_names(self) -> set[str]:
        """Return every file name a bulletin build refers to."""
        return {n for r in self._db.conn().execute("SELECT files FROM bulletin_builds")
                for n in json.loads(r["files"]).values()}

    @staticmethod
    def _build(r: _Row) -> BulletinBuildRow:
        return BulletinBuildRow(
            id=int(r["id"]), bulletin_id=int(r["bulletin_id"]), fingerprint=r["fingerprint"],
            duration_ms=int(r["duration_ms"]), files=json.loads(r["files"]),
            sizes=json.loads(r["sizes"]), cues=json.loads(r["cues"]),
            loudness=json.loads(r["loudness"]), engines=json.loads(r["engines"]),
            warning=r["warning"], created_at=r["created_at"])
