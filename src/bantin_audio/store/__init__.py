"""The store: repositories per aggregate over SQLite or PostgreSQL, behind a unit of work.

`Store` is the entry point (engine, migrations, the database clock, `unit()`); its
repositories are attributes (`store.articles`, `store.jobs`, `store.renditions`,
`store.bulletins`, `store.sources`, `store.settings`, `store.reports`).
"""

from ..database import DATABASE_FILENAME, database_path
from .articles import HOLD_REASONS, SEGMENT_STATUSES
from .jobs import JOB_STATUSES, SOURCE_KINDS
from .reports import MISREAD_OPEN_MAX
from .rows import (
    ArticleRow,
    BulletinBuildRow,
    BulletinRow,
    JobRow,
    MisreadGroup,
    RenditionRow,
    SegmentRow,
    SourceItemRow,
    SourceRow,
    SubmitResult,
    ascii_slug,
    content_hash,
)
from .store import Store
from .unit import UnitOfWork

__all__ = [
    "DATABASE_FILENAME", "HOLD_REASONS", "JOB_STATUSES", "MISREAD_OPEN_MAX", "SEGMENT_STATUSES",
    "SOURCE_KINDS", "ArticleRow", "BulletinBuildRow", "BulletinRow", "JobRow", "MisreadGroup",
    "RenditionRow", "SegmentRow", "SourceItemRow", "SourceRow", "Store", "SubmitResult",
    "UnitOfWork", "ascii_slug", "content_hash", "database_path",
]
