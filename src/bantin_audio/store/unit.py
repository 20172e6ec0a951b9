"""The unit of work: several repositories' writes in one transaction, all or nothing."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .connection import _Connection

if TYPE_CHECKING:
    from .articles import ArticleRepository
    from .bulletins import BulletinRepository
    from .jobs import JobRepository
    from .lexicon import LexiconRepository
    from .renditions import RenditionRepository
    from .reports import ReportRepository
    from .settings import SettingsRepository
    from .sources import SourceRepository
    from .store import Store


class UnitOfWork:
    """The repositories of one store, inside one open transaction of this thread.

    Made by `Store.unit()`. Every repository call this thread makes until the block ends runs
    in the unit's transaction (the repositories of the store and of the unit are the same
    objects), so writes to several aggregates commit together or not at all.
    """

    def __init__(self, store: Store, connection: _Connection) -> None:
        self.connection = connection  # raw SQL for the few callers that need it (tests)
        self.articles: ArticleRepository = store.articles
        self.jobs: JobRepository = store.jobs
        self.renditions: RenditionRepository = store.renditions
        self.bulletins: BulletinRepository = store.bulletins
        self.sources: SourceRepository = store.sources
        self.settings: SettingsRepository = store.settings
        self.reports: ReportRepository = store.reports
        self.lexicon: LexiconRepository = store.lexicon
