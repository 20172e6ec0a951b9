"""Listeners' reports of a misread word ("Báo đọc sai"), queued for the editors.

word_key is the word case-folded, so the reports of one word group together.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "misread_reports",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("article_id", sa.Integer, sa.ForeignKey("articles.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("segment_idx", sa.Integer, nullable=False),
        sa.Column("word", sa.Text, nullable=False),
        sa.Column("word_key", sa.Text, nullable=False),
        sa.Column("suggestion", sa.Text),
        sa.Column("status", sa.Text, nullable=False, server_default=sa.text("'open'")),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("resolved_at", sa.Float),
    )
    op.create_index("misread_reports_open", "misread_reports", ["status", "word_key"])


def downgrade() -> None:
    op.drop_index("misread_reports_open", table_name="misread_reports")
    op.drop_table("misread_reports")
