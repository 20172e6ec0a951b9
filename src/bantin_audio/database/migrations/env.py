"""Alembic environment: migrations run on the connection handed over by `database.upgrade`."""

from __future__ import annotations

from alembic import context

from bantin_audio.database import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata,
                  render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
