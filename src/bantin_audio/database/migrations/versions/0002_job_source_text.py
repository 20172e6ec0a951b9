"""Jobs keep a submitted text source in its own column (bytes stay in source_data).

SQLite stored either in source_data; PostgreSQL's bytea holds only bytes, so text moves out.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("jobs", sa.Column("source_text", sa.Text))
    if op.get_bind().dialect.name == "sqlite":
        op.execute("UPDATE jobs SET source_text = source_data, source_data = NULL "
                   "WHERE typeof(source_data) = 'text'")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("UPDATE jobs SET source_data = source_text WHERE source_text IS NOT NULL")
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("source_text")
