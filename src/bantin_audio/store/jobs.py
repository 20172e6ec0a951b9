"""The jobs repository: the work queue's rows, their leases on the database clock, progress.

A job is one article's synthesis (after fetching its source, for a submission), one
bulletin's build, or one re-reading of every article after a lexicon edit. Job rows are the
record of status and progress that the pages show, whatever queue delivers them.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Sequence

from ..errors import NotFound
from ..model import Article, Segment
from .connection import Repository, _Connection
from .rows import ArticleRow, JobRow, SubmitResult

JOB_STATUSES = ("queued", "running", "done", "failed")
SOURCE_KINDS = ("url", "html", "text")
# Every column of a job row except the source's HTML or text (up to megabytes, read only by
# the worker that ingests it).
_JOB_COLUMNS = ("id, kind, article_id, bulletin_id, status, done, total, error, attempts, "
                "lease_owner, lease_until, created_at, updated_at, source_kind, source_url")
# A queued job may be claimed once the back-off of its failed attempt has passed: a queued
# row's lease_until is that time (NULL: at once), on the database's clock like every lease.
_QUEUED_AND_DUE = "(status='queued' AND (lease_until IS NULL OR lease_until <= {now}))"


class JobRepository(Repository):
    """Job rows: queue, claim with a lease, heartbeat, progress, finish, retry."""

    def queue_source(self, kind: str, *, url: str | None = None,
                     data: str | bytes | None = None) -> tuple[JobRow, bool]:
        """Queue a job that ingests a source, then synthesizes it; (job, created).

        The same source while its job is still queued or running gives back that job.
        """
        if kind not in SOURCE_KINDS or (kind == "url") != (url is not None) \
                or (kind == "url") == (data is not None):
            raise ValueError(kind)
        raw = url.encode() if url is not None else \
            (data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data or b"")
        key = hashlib.sha256(kind.encode() + b"\0" + raw).hexdigest()
        now = time.time()
        with self._db.transaction() as conn:
            row = conn.execute("SELECT id FROM jobs WHERE source_key=? AND status IN "
                               "('queued', 'running') ORDER BY id DESC LIMIT 1",
                               (key,)).fetchone()
            if row is not None:
                return self._job(conn, int(row["id"])), False
            # Text goes to source_text, bytes to source_data (PostgreSQL's bytea holds bytes
            # only); the job reads back what was given.
            cur = conn.insert(
                "INSERT INTO jobs(kind, status, source_kind, source_url, source_data, "
                "source_text, source_key, created_at, updated_at) VALUES ('article', 'queued', "
                "?, ?, ?, ?, ?, ?, ?)",
                (kind, url, data if isinstance(data, bytes) else None,
                 data if isinstance(data, str) else None, key, now, now))
            return self._job(conn, cur), True

    def source(self, job_id: int) -> tuple[str, str | None, str | bytes | None]:
        """Return a job's source as (kind, url, data), or raise NotFound."""
        row = self._db.conn().execute("SELECT source_kind, source_url, source_data, source_text "
                                      "FROM jobs WHERE id=?", (job_id,)).fetchone()
        if row is None or row["source_kind"] is None:
            raise NotFound(f"Công việc số {job_id} không có nguồn bài viết")
        data = row["source_text"] if row["source_text"] is not None else row["source_data"]
        if isinstance(data, memoryview):
            data = bytes(data)
        return str(row["source_kind"]), row["source_url"], data

    def attach_article(self, job_id: int, owner: str, article: Article,
                       segments: Sequence[Segment]) -> SubmitResult | None:
        """Store what a job ingested and make the job that article's synthesis job.

        The article is found by URL, then by content, as `submit` does. A queued job of the
        same article is folded into this one; None when `owner` lost the job's lease.
        """
        now = time.time()
        with self._db.transaction() as conn:
            if conn.execute("SELECT 1 FROM jobs WHERE id=? AND lease_owner=? AND "
                            "status='running'", (job_id, owner)).fetchone() is None:
                return None
            article_id, created = self._store.articles.upsert(article)
            changed = self._store.articles.replace_segments(article_id, segments)
            conn.execute("DELETE FROM jobs WHERE article_id=? AND id<>? AND status='queued'",
                         (article_id, job_id))
            if not changed:  # the same article again: its failed segments are tried again
                self._store.articles.reset_failed_segments(article_id)
            done, total = self._store.articles.segment_counts(article_id)
            conn.execute("UPDATE jobs SET article_id=?, source_data=NULL, source_text=NULL, "
                         "done=?, total=?, updated_at=? WHERE id=?",
                         (article_id, done, total, now, job_id))
            return SubmitResult(self._store.articles.get(article_id), self._job(conn, job_id),
                                created, changed)

    def ensure_for_article(self, article_id: int, *, requeue: bool) -> JobRow:
        """Return the article's current job, queuing new work when asked."""
        now = time.time()
        with self._db.transaction() as conn:
            done, total = self._store.articles.segment_counts(article_id)
            row = conn.execute("SELECT * FROM jobs WHERE article_id=? ORDER BY id DESC LIMIT 1",
                               (article_id,)).fetchone()
            if row is not None and not requeue and row["status"] == "failed":
                # The same article again after a failure: try the same job once more.
                self._store.articles.reset_failed_segments(article_id)
                conn.execute("UPDATE jobs SET status='queued', error=NULL, attempts=0, total=?, "
                             "done=?, updated_at=? WHERE id=?", (total, done, now, row["id"]))
                return self._job(conn, int(row["id"]))
            if row is not None and (not requeue or row["status"] == "queued"):
                if row["status"] == "queued":
                    conn.execute("UPDATE jobs SET total=?, done=?, updated_at=? WHERE id=?",
                                 (total, done, now, row["id"]))
                return self._job(conn, int(row["id"]))
            if row is not None and row["status"] == "running":
                # The running worker finishes its pass, then sees pending segments and runs
                # again.
                conn.execute("UPDATE jobs SET total=?, updated_at=? WHERE id=?",
                             (total, now, row["id"]))
                return self._job(conn, int(row["id"]))
            cur = conn.insert(
                "INSERT INTO jobs(article_id, status, done, total, created_at, updated_at) "
                "VALUES (?, 'queued', ?, ?, ?, ?)", (article_id, done, total, now, now))
            return self._job(conn, cur)

    def _job(self, conn: _Connection, job_id: int) -> JobRow:
        row = conn.execute(f"SELECT {_JOB_COLUMNS} FROM jobs WHERE id=?", (job_id,)).fetchone()
        if row is None:
            raise NotFound(f"Không có công việc số {job_id}")
        return JobRow(**{k: row[k] for k in row.keys()})

    def get(self, job_id: int) -> JobRow:
        """Return one job by id, or raise NotFound."""
        return self._job(self._db.conn(), job_id)

    def latest_for_article(self, article_id: int) -> JobRow | None:
        """Return the article's most recent job, if any."""
        row = self._db.conn().execute("SELECT id FROM jobs WHERE article_id=? ORDER BY id DESC "
                                      "LIMIT 1", (article_id,)).fetchone()
        return None if row is None else self.get(int(row["id"]))

    def latest_for_articles(self, article_ids: Sequence[int]) -> dict[int, JobRow]:
        """Return the most recent job of each of many articles (those that have one), by
        article id, in one query."""
        if not article_ids:
            return {}
        marks = ",".join("?" * len(article_ids))
        rows = self._db.conn().execute(
            f"SELECT {_JOB_COLUMNS} FROM jobs WHERE id IN (SELECT max(id) FROM jobs "
            f"WHERE article_id IN ({marks}) GROUP BY article_id)", list(article_ids))
        return {int(r["article_id"]): JobRow(**{k: r[k] for k in r.keys()}) for r in rows}

    def recent(self, limit: int = 100, kind: str = "article") -> list[JobRow]:
        """Return the most recent jobs of one kind, newest first (one query)."""
        rows = self._db.conn().execute(f"SELECT {_JOB_COLUMNS} FROM jobs WHERE kind=? "
                                       "ORDER BY id DESC LIMIT ?", (kind, limit))
        return [JobRow(**{k: r[k] for k in r.keys()}) for r in rows]

    def recent_with_articles(self, limit: int = 100, kind: str = "article"
                            ) -> list[tuple[JobRow, ArticleRow | None]]:
        """Return the most recent jobs of one kind with their articles, in one query."""
        job_cols = ", ".join(f"j.{c.strip()}" for c in _JOB_COLUMNS.split(","))
        rows = self._db.conn().execute(
            f"SELECT {job_cols}, a.slug AS a_slug, a.source_url AS a_source_url, "
            "a.content_hash AS a_content_hash, a.fields AS a_fields, "
            "a.created_at AS a_created_at, a.updated_at AS a_updated_at "
            "FROM jobs j LEFT JOIN articles a ON a.id = j.article_id WHERE j.kind=? "
            "ORDER BY j.id DESC LIMIT ?", (kind, limit))
        names = [c.strip() for c in _JOB_COLUMNS.split(",")]
        out: list[tuple[JobRow, ArticleRow | None]] = []
        for r in rows:
            job = JobRow(**{k: r[i] for i, k in enumerate(names)})
            article = None
            if r["a_fields"] is not None:
                article = ArticleRow(
                    id=int(r["article_id"]), slug=r["a_slug"], source_url=r["a_source_url"],
                    content_hash=r["a_content_hash"],
                    article=Article.from_dict(json.loads(r["a_fields"])),
                    created_at=r["a_created_at"], updated_at=r["a_updated_at"])
            out.append((job, article))
        return out

    def claim(self, owner: str, lease_s: float = 30.0, dead_owners: Sequence[str] = (),
              only_job: int | None = None, *, job_id: int | None = None) -> JobRow | None:
        """Claim the oldest queued job (or one whose worker's lease ran out) for `owner`.

        `job_id` (or `only_job`) claims that job only: a task queue hands a worker the id.
        The lease runs on the database's clock, and the claim is one atomic UPDATE of a row
        locked with SKIP LOCKED on PostgreSQL, so concurrent workers never share a job.
        `dead_owners` are owners known dead (a same-host shortcut); any other dead worker's
        job is taken over when its lease expires. A queued job waiting out the back-off of a
        failed attempt (`finish(retry_after_s=...)`) is not claimed before its time, unless
        asked for by id: the queue that hands out ids (Celery's countdown) keeps the delay.
        """
        wanted = job_id if job_id is not None else only_job
        marks = ",".join("?" * len(dead_owners)) or "NULL"
        only = "" if wanted is None else f" AND id = {int(wanted)}"
        lock = " FOR UPDATE SKIP LOCKED" if self._db.dialect == "postgresql" else ""
        now = self._db.now_sql
        queued = "status='queued'" if wanted is not None else _QUEUED_AND_DUE.format(now=now)
        with self._db.transaction() as conn:
            row = conn.execute(
                f"UPDATE jobs SET status='running', lease_owner=?, lease_until={now} + ?, "
                "attempts=attempts+1, error=NULL, updated_at=? WHERE id = ("
                f"SELECT id FROM jobs WHERE ({queued} OR (status='running' AND "
                f"(lease_until < {now} OR lease_owner IN ({marks})))){only} "
                f"ORDER BY id LIMIT 1{lock}) RETURNING id",
                (owner, lease_s, time.time(), *dead_owners)).fetchone()
            if row is None:
                return None
            return self._job(conn, int(row["id"]))

    def claimable(self, limit: int = 500) -> list[JobRow]:
        """Return jobs a worker could claim now (queued and not waiting out a back-off, or
        running on a lapsed lease)."""
        conn = self._db.conn()
        now = self._db.now_sql
        return [JobRow(**{k: r[k] for k in r.keys()}) for r in conn.execute(
            f"SELECT {_JOB_COLUMNS} FROM jobs WHERE {_QUEUED_AND_DUE.format(now=now)} OR "
            f"(status='running' AND lease_until < {now}) ORDER BY id LIMIT ?", (limit,))]

    def running_owners(self) -> list[str]:
        """Return the owners of running jobs (to find workers that died)."""
        return [r["lease_owner"] for r in self._db.conn().execute(
            "SELECT DISTINCT lease_owner FROM jobs WHERE status='running' "
            "AND lease_owner IS NOT NULL")]

    def heartbeat(self, job_id: int, owner: str, lease_s: float = 30.0) -> bool:
        """Extend a job's lease; False if another worker took it over."""
        with self._db.transaction() as conn:
            cur = conn.execute(f"UPDATE jobs SET lease_until={self._db.now_sql} + ? WHERE id=? "
                               "AND lease_owner=? AND status='running'",
                               (lease_s, job_id, owner))
            return cur.rowcount > 0

    def finish(self, job_id: int, owner: str, *, status: str, error: str | None = None,
               retry_after_s: float | None = None) -> bool:
        """Mark a claimed job done, failed or queued again; False if the lease was lost.

        A job queued again with `retry_after_s` is not claimed (without its id) before that
        many seconds have passed on the database's clock: the back-off of a failed attempt.
        """
        if status not in JOB_STATUSES:
            raise ValueError(status)
        with self._db.transaction() as conn:
            if conn.execute("SELECT 1 FROM jobs WHERE id=?", (job_id,)).fetchone() is None:
                return False  # the article was deleted while its job ran
            job = self._job(conn, job_id)
            done, total = job.done, job.total
            if job.kind == "article" and job.article_id is not None:
                done, total = self._store.articles.segment_counts(job.article_id)
            elif job.kind == "article":  # a fetch job that failed before its article existed
                done, total = 0, 0
            elif status == "done":
                done = total
            # A queued job's lease_until is the time it may be claimed again (NULL: at once).
            wait = retry_after_s if status == "queued" and retry_after_s else None
            not_before = "NULL" if wait is None else f"{self._db.now_sql} + ?"
            cur = conn.execute(
                "UPDATE jobs SET status=?, error=?, done=?, total=?, lease_owner=NULL, "
                f"lease_until={not_before}, updated_at=? WHERE id=? AND lease_owner=?",
                (status, error, done, total, *(() if wait is None else (wait,)), time.time(),
                 job_id, owner))
            return cur.rowcount > 0

    def release(self, job_id: int, owner: str) -> bool:
        """Hand a claimed job back to the queue (a worker stopping), not counted as an attempt."""
        with self._db.transaction() as conn:
            cur = conn.execute(
                "UPDATE jobs SET status='queued', lease_owner=NULL, lease_until=NULL, "
                "attempts=CASE WHEN attempts > 0 THEN attempts-1 ELSE 0 END, updated_at=? "
                "WHERE id=? AND lease_owner=? AND status='running'", (time.time(), job_id, owner))
            return cur.rowcount > 0

    def retry(self, job_id: int) -> JobRow:
        """Queue a finished or failed job again (its failed segments become pending); a job
        waiting out its back-off after a failed attempt may be claimed at once."""
        with self._db.transaction() as conn:
            job = self._job(conn, job_id)
            if job.status == "queued" and job.lease_until is not None:
                conn.execute("UPDATE jobs SET lease_until=NULL, updated_at=? "
                             "WHERE id=? AND status='queued'", (time.time(), job_id))
                return self._job(conn, job_id)
            if job.status in ("queued", "running"):
                return job
            if job.article_id is not None:
                self._store.articles.reset_failed_segments(job.article_id)
            conn.execute("UPDATE jobs SET status='queued', error=NULL, attempts=0, "
                         "lease_until=NULL, updated_at=? WHERE id=?", (time.time(), job_id))
            return self._job(conn, job_id)

    def queue_bulletin_build(self, bulletin_id: int) -> JobRow:
        """Queue a build of the bulletin, or return the one already queued or running."""
        now = time.time()
        with self._db.transaction() as conn:
            self._store.bulletins.get(bulletin_id)
            row = conn.execute("SELECT id FROM jobs WHERE kind='bulletin' AND bulletin_id=? "
                               "AND status IN ('queued', 'running') ORDER BY id DESC LIMIT 1",
                               (bulletin_id,)).fetchone()
            if row is not None:
                return self._job(conn, int(row["id"]))
            cur = conn.insert("INSERT INTO jobs(kind, bulletin_id, status, created_at, "
                               "updated_at) VALUES ('bulletin', ?, 'queued', ?, ?)",
                               (bulletin_id, now, now))
            return self._job(conn, cur)

    def queue_lexicon_rebuild(self) -> JobRow:
        """Queue a re-reading of every article with the current lexicon, or return the one
        already queued (a running one may have read the lexicon before this edit)."""
        now = time.time()
        with self._db.transaction() as conn:
            row = conn.execute("SELECT id FROM jobs WHERE kind='lexicon' AND status='queued' "
                               "ORDER BY id DESC LIMIT 1").fetchone()
            if row is not None:
                return self._job(conn, int(row["id"]))
            job_id = conn.insert("INSERT INTO jobs(kind, status, created_at, updated_at) "
                                 "VALUES ('lexicon', 'queued', ?, ?)", (now, now))
            return self._job(conn, job_id)

    def latest_for_bulletin(self, bulletin_id: int) -> JobRow | None:
        """Return the bulletin's most recent build job, if any."""
        row = self._db.conn().execute("SELECT id FROM jobs WHERE kind='bulletin' AND bulletin_id=? "
                                      "ORDER BY id DESC LIMIT 1", (bulletin_id,)).fetchone()
        return None if row is None else self.get(int(row["id"]))

    def set_progress(self, job_id: int, done: int, total: int) -> None:
        """Record a job's progress counted from its article's segments (any owner)."""
        with self._db.transaction() as conn:
            conn.execute("UPDATE jobs SET done=?, total=?, updated_at=? WHERE id=?",
                         (done, total, time.time(), job_id))

    def progress(self, job_id: int, owner: str, done: int, total: int) -> bool:
        """Record a running job's progress; False if another worker holds it now."""
        with self._db.transaction() as conn:
            cur = conn.execute("UPDATE jobs SET done=?, total=?, updated_at=? WHERE id=? "
                               "AND lease_owner=? AND status='running'",
                               (done, total, time.time(), job_id, owner))
            return cur.rowcount > 0
