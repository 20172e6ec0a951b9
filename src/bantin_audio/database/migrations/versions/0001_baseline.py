"""Baseline: the schema 4 of the PRAGMA user_version mechanism, on SQLite and PostgreSQL.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

T, Int, F = sa.Text, sa.Integer, sa.Float


def _d(value: str) -> sa.TextClause:
    return sa.text(value)


def _fk(target: str, ondelete: str = "CASCADE") -> sa.ForeignKey:
    return sa.ForeignKey(target, ondelete=ondelete)


def upgrade() -> None:
    op.create_table(
        "articles",
        sa.Column("id", Int, primary_key=True),
        sa.Column("slug", T, nullable=False, unique=True),
        sa.Column("source_url", T, unique=True),
        sa.Column("content_hash", T, nullable=False),
        sa.Column("title", T, nullable=False),
        sa.Column("date", T),
        sa.Column("fields", T, nullable=False),
        sa.Column("created_at", F, nullable=False),
        sa.Column("updated_at", F, nullable=False))
    op.create_index("articles_content_hash", "articles", ["content_hash"])
    op.create_index("articles_created", "articles", ["created_at"])
    op.create_table(
        "segments",
        sa.Column("article_id", Int, _fk("articles.id"), nullable=False),
        sa.Column("idx", Int, nullable=False),
        sa.Column("kind", T, nullable=False),
        sa.Column("display", T, nullable=False),
        sa.Column("spoken", T, nullable=False),
        sa.Column("pause_ms", Int, nullable=False, server_default=_d("500")),
        sa.Column("status", T, nullable=False, server_default=_d("'pending'")),
        sa.Column("engine", T),
        sa.Column("fallback_reason", T),
        sa.Column("clip_hash", T),
        sa.Column("error", T),
        sa.PrimaryKeyConstraint("article_id", "idx"))
    op.create_table(
        "bulletins",
        sa.Column("id", Int, primary_key=True),
        sa.Column("title", T),
        sa.Column("date", T),
        sa.Column("station", T, nullable=False),
        sa.Column("status", T, nullable=False, server_default=_d("'draft'")),
        sa.Column("approved_by", T),
        sa.Column("approved_at", T),
        sa.Column("approved_fingerprint", T),
        sa.Column("created_at", F, nullable=False),
        sa.Column("updated_at", F, nullable=False))
    op.create_table(
        "jobs",
        sa.Column("id", Int, primary_key=True),
        sa.Column("kind", T, nullable=False, server_default=_d("'article'")),
        sa.Column("article_id", Int, _fk("articles.id")),
        sa.Column("bulletin_id", Int, _fk("bulletins.id")),
        sa.Column("status", T, nullable=False, server_default=_d("'queued'")),
        sa.Column("done", Int, nullable=False, server_default=_d("0")),
        sa.Column("total", Int, nullable=False, server_default=_d("0")),
        sa.Column("error", T),
        sa.Column("attempts", Int, nullable=False, server_default=_d("0")),
        sa.Column("lease_owner", T),
        sa.Column("lease_until", F),
        sa.Column("created_at", F, nullable=False),
        sa.Column("updated_at", F, nullable=False),
        sa.Column("source_kind", T),
        sa.Column("source_url", T),
        sa.Column("source_data", sa.LargeBinary),
        sa.Column("source_key", T))
    op.create_index("jobs_status", "jobs", ["status", "id"])
    op.create_index("jobs_article", "jobs", ["article_id", "id"])
    op.create_index("jobs_bulletin", "jobs", ["bulletin_id", "id"])
    op.create_index("jobs_source_key", "jobs", ["source_key", "status"])
    op.create_table(
        "renditions",
        sa.Column("article_id", Int, _fk("articles.id"), nullable=False),
        sa.Column("kind", T, nullable=False),
        sa.Column("path", T, nullable=False),
        sa.Column("bytes", Int, nullable=False),
        sa.Column("duration_ms", Int, nullable=False),
        sa.Column("content_hash", T, nullable=False),
        sa.Column("timings", T, nullable=False, server_default=_d("'[]'")),
        sa.Column("complete", Int, nullable=False, server_default=_d("0")),
        sa.Column("segments_done", Int, nullable=False, server_default=_d("0")),
        sa.Column("created_at", F, nullable=False),
        sa.PrimaryKeyConstraint("article_id", "kind"))
    op.create_index("renditions_hash", "renditions", ["content_hash"])
    op.create_table(
        "settings",
        sa.Column("key", T, primary_key=True),
        sa.Column("value", T, nullable=False))
    op.create_table(
        "bulletin_items",
        sa.Column("bulletin_id", Int, _fk("bulletins.id"), nullable=False),
        sa.Column("position", Int, nullable=False),
        sa.Column("article_id", Int, _fk("articles.id"), nullable=False),
        sa.PrimaryKeyConstraint("bulletin_id", "position"))
    op.create_index("bulletin_items_article", "bulletin_items", ["article_id"])
    op.create_table(
        "bulletin_builds",
        sa.Column("id", Int, primary_key=True),
        sa.Column("bulletin_id", Int, _fk("bulletins.id"), nullable=False),
        sa.Column("fingerprint", T, nullable=False),
        sa.Column("duration_ms", Int, nullable=False),
        sa.Column("files", T, nullable=False),
        sa.Column("sizes", T, nullable=False),
        sa.Column("cues", T, nullable=False),
        sa.Column("loudness", T, nullable=False),
        sa.Column("engines", T, nullable=False),
        sa.Column("warning", T),
        sa.Column("created_at", F, nullable=False))
    op.create_index("bulletin_builds_bulletin", "bulletin_builds", ["bulletin_id", "id"])
    op.create_table(
        "sources",
        sa.Column("id", Int, primary_key=True),
        sa.Column("name", T, nullable=False, unique=True),
        sa.Column("base_url", T, nullable=False),
        sa.Column("config", T, nullable=False),
        sa.Column("paused", Int, nullable=False, server_default=_d("0")),
        sa.Column("validators", T, nullable=False, server_default=_d("'{}'")),
        sa.Column("polled", Int, nullable=False, server_default=_d("0")),
        sa.Column("failures", Int, nullable=False, server_default=_d("0")),
        sa.Column("last_poll_at", F),
        sa.Column("next_poll_at", F),
        sa.Column("last_error", T),
        sa.Column("created_at", F, nullable=False),
        sa.Column("updated_at", F, nullable=False))
    op.create_table(
        "source_items",
        sa.Column("source_id", Int, _fk("sources.id"), nullable=False),
        sa.Column("url", T, nullable=False),
        sa.Column("status", T, nullable=False, server_default=_d("'new'")),
        sa.Column("article_id", Int, _fk("articles.id", "SET NULL")),
        sa.Column("lastmod", T),
        sa.Column("etag", T),
        sa.Column("last_modified", T),
        sa.Column("gone", Int, nullable=False, server_default=_d("0")),
        sa.Column("failures", Int, nullable=False, server_default=_d("0")),
        sa.Column("error", T),
        sa.Column("first_seen", F, nullable=False),
        sa.Column("checked_at", F),
        sa.Column("next_check", F),
        sa.Column("job_id", Int),
        sa.Column("page_hash", T),
        sa.PrimaryKeyConstraint("source_id", "url"))
    op.create_index("source_items_due", "source_items", ["source_id", "next_check"])
    op.create_index("source_items_article", "source_items", ["article_id"])
    op.create_table(
        "article_holds",
        sa.Column("id", Int, primary_key=True),
        sa.Column("article_id", Int, _fk("articles.id"), unique=True),
        sa.Column("url", T, unique=True),
        sa.Column("reason", T, nullable=False),
        sa.Column("since", F, nullable=False))


def downgrade() -> None:
    for table in ("article_holds", "source_items", "sources", "bulletin_builds",
                  "bulletin_items", "settings", "renditions", "jobs", "bulletins", "segments",
                  "articles"):
        op.drop_table(table)
