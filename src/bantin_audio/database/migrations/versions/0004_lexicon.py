"""The editors' pronunciation lexicon in the database, shared by every process.

Until now the lexicon lived in `<data dir>/lexicon.tsv`, read by each machine from its own
disk. This revision creates `lexicon_entries` and `lexicon_state` and imports the file that
`database.upgrade` names (by default the one beside an SQLite database file) once; the file
is left where it is, as a backup, and no longer read. A line that cannot be read aloud as
written (wrong column count, unknown kind, empty or over-long form) is skipped and logged as
an error;
when a written form is declared twice, its first line wins, as the file's editor saw it.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import sqlalchemy as sa
from alembic import context, op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

log = logging.getLogger("bantin_audio.database.migrations")

# The same limits as bantin_audio.store.lexicon (a migration does not import the application).
_KINDS = ("expand", "spell", "word")
_MAX_TERM_CHARS = 60
_MAX_SPOKEN_CHARS = 300
_MAX_FILE_BYTES = 8 * 1024 * 1024


def upgrade() -> None:
    op.create_table(
        "lexicon_entries",
        sa.Column("term", sa.Text, primary_key=True),
        sa.Column("spoken", sa.Text, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("updated_by", sa.Text),
        sa.Column("updated_at", sa.Float, nullable=False),
    )
    op.create_table(
        "lexicon_state",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
    )
    path = context.config.attributes.get("lexicon_file")
    if path is not None:
        _import_file(Path(path))


def _import_file(path: Path) -> None:
    try:
        if path.stat().st_size > _MAX_FILE_BYTES:
            log.warning("lexicon %s is larger than %d bytes: not imported", path,
                        _MAX_FILE_BYTES)
            return
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return
    except (OSError, UnicodeDecodeError) as exc:
        log.warning("lexicon %s could not be read, not imported (file kept): %s", path, exc)
        return
    rows: dict[str, tuple[str, str]] = {}
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.rstrip("\r")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = [p.strip() for p in line.split("\t")]
        term, spoken, kind = (parts + ["", "", ""])[:3]
        term, spoken = " ".join(term.split()), " ".join(spoken.split())
        if (len(parts) != 3 or not term or not spoken or kind not in _KINDS
                or len(term) > _MAX_TERM_CHARS or len(spoken) > _MAX_SPOKEN_CHARS
                or any(c.isdigit() for c in spoken)):
            # an error, not a warning: a command shows errors by default, and an editor's
            # line left behind must be seen (the file is kept: nothing is lost)
            log.error("lexicon %s, line %d not imported (term, spoken form, kind separated "
                      "by tabs): %r", path, lineno, line[:200])
            continue
        rows.setdefault(term, (spoken, kind))
    if not rows:
        return
    now = time.time()
    entries = sa.table("lexicon_entries", sa.column("term"), sa.column("spoken"),
                       sa.column("kind"), sa.column("revision"), sa.column("updated_by"),
                       sa.column("updated_at"))
    state = sa.table("lexicon_state", sa.column("id"), sa.column("revision"),
                     sa.column("updated_at"))
    op.bulk_insert(entries, [{"term": t, "spoken": s, "kind": k, "revision": 1,
                              "updated_by": path.name, "updated_at": now}
                             for t, (s, k) in rows.items()])
    op.bulk_insert(state, [{"id": 1, "revision": 1, "updated_at": now}])
    log.info("lexicon %s: %d entries imported into the database (the file is kept)", path,
             len(rows))


def downgrade() -> None:
    op.drop_table("lexicon_state")
    op.drop_table("lexicon_entries")
