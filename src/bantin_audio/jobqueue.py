"""The queue port: how a queued job row reaches a worker.

Job rows in the store are the record of every job (status, progress, attempts). A queue only
carries "job N is waiting" to a worker, which then claims that row. Two adapters:

- `InProcessQueue` (embedded mode, the default): wakes the worker threads of this process;
  they claim the oldest queued row, as they always did.
- `queue_celery.CeleryQueue` (scaled mode, `BANTIN_QUEUE_URL=redis://...`): sends a Celery
  task carrying the job id, with a priority, to worker machines.

Priorities follow Celery's Redis convention: 0 goes first. A listener waiting for an article
goes before the portal watcher's back-fill.
"""

from __future__ import annotations

import threading
from typing import Protocol

PRIORITY_LISTENER = 0  # someone is waiting for this article (web, API, CLI)
PRIORITY_NORMAL = 4  # a portal's new article, a bulletin build, a re-sent job
PRIORITY_BACKFILL = 8  # a portal's first take, scripts rebuilt after a lexicon edit


class JobQueue(Protocol):
    """Where job rows are announced to workers."""

    def enqueue(self, job_id: int, priority: int = PRIORITY_LISTENER) -> None:
        """Announce that job row `job_id` is queued (safe to call more than once)."""


class InProcessQueue:
    """The embedded queue: the job rows themselves, and an event that wakes local workers."""

    def __init__(self, wake: threading.Event | None = None) -> None:
        self.wake = wake if wake is not None else threading.Event()

    def enqueue(self, job_id: int, priority: int = PRIORITY_LISTENER) -> None:
        """Wake the worker threads; they claim the oldest queued row."""
        self.wake.set()
