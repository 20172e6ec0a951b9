"""The scaled mode's queue: Celery on Redis, carrying job ids to worker machines.

The job rows stay the record of every job; a Celery message only says "job N is queued". A
worker that receives one claims that row by id (the store's lease) and runs it with the same
`jobs.Worker` code as the embedded mode. Delivery is at least once, and that is safe:

- a message for a row that is done, or running under a live lease, is dropped (claim fails);
- messages are acknowledged late (`task_acks_late`, `task_reject_on_worker_lost`, prefetch 1):
  a worker that dies mid-job leaves its message unacknowledged, and Redis delivers it again
  after `queue_visibility_s`;
- a row whose message was lost (a crash between the insert and the send, a worker killed after
  its lease lapsed) is re-sent by the sweep, run every `queue_sweep_s` by one worker of the
  deployment; a "sent" marker per (job, row version) in Redis keeps it from re-sending rows
  whose message is still waiting;
- running a job twice costs at most the phrases in flight: progress is stored per segment and
  clips are cached by content.

Priorities use kombu's Redis priority emulation (0 first): a listener's article goes before a
portal's back-fill. One worker, chosen by a Redis lock, also runs the portal watcher and the
sweep: a periodic duty run once per deployment, moved to another worker if that one dies.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

import redis
from celery import Celery
from celery import signals as celery_signals
from redis.exceptions import LockError

from .config import Settings
from .errors import NotFound
from .jobqueue import PRIORITY_LISTENER, PRIORITY_NORMAL
from .jobs import MAX_ATTEMPTS, Worker, retry_delay
from .store import JobRow, Store

log = logging.getLogger(__name__)

TASK_RUN_JOB = "bantin.run_job"
QUEUE_NAME = "bantin"
SENT_PREFIX = "bantin:queue:sent:"
LEADER_KEY = "bantin:queue:leader"


def create_celery(settings: Settings) -> Celery:
    """Return the Celery app for `settings.queue_url`, with the run-a-job task registered."""
    if not settings.queue_url:
        raise ValueError("the Celery queue needs BANTIN_QUEUE_URL")
    app = Celery("bantin_audio", broker=settings.queue_url, set_as_current=False)
    app.conf.update(
        task_default_queue=QUEUE_NAME,
        task_acks_late=True,  # acknowledged once the job ran: a dead worker's job comes back
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,  # a waiting listener's article is not held by a busy one
        task_ignore_result=True,  # the job rows are the results
        task_default_priority=PRIORITY_NORMAL,
        task_queue_max_priority=9,
        broker_transport_options={
            "visibility_timeout": settings.queue_visibility_s,
            "priority_steps": list(range(10)),
            "sep": ":",
            "queue_order_strategy": "priority",
        },
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
        worker_redirect_stdouts=False,
        worker_send_task_events=False,
        worker_enable_remote_control=False,
        worker_cancel_long_running_tasks_on_connection_loss=False,
    )
    app.task(name=TASK_RUN_JOB, bind=True, acks_late=True, ignore_result=True)(_run_job_task)
    # Celery sets itself up lazily, on first use, and that first use is not safe from several
    # threads at once (a web node's request threads, a worker's coordinator beside its
    # consumer): finish it here, in the thread that creates the app.
    import celery.canvas  # noqa: F401

    app.finalize(auto=True)
    _ = app.amqp.router, app.amqp.producer_pool
    return app


class CeleryQueue:
    """The queue port on Celery: announces job rows to the worker machines."""

    def __init__(self, settings: Settings, store: Store, app: Celery | None = None,
                 client: redis.Redis | None = None) -> None:
        self.settings = settings
        self.store = store
        self.app = app or create_celery(settings)
        url = settings.shared_redis_url or settings.queue_url
        self.client = client or redis.Redis.from_url(url or "", socket_timeout=5.0,
                                                     socket_connect_timeout=5.0)
        self.marker_ttl_s = int(settings.queue_visibility_s)

    def enqueue(self, job_id: int, priority: int = PRIORITY_LISTENER) -> None:
        """Send job `job_id` to the workers unless its current version was sent already."""
        try:
            job = self.store.jobs.get(job_id)
        except NotFound:
            return
        try:
            self.send(job, priority)
        except Exception as exc:  # noqa: BLE001 - the row is the record: the sweep sends it
            log.warning("job %d: the queue could not be reached (%s); the sweep will send it",
                        job_id, exc)

    def send(self, job: JobRow, priority: int = PRIORITY_NORMAL, countdown: float = 0.0,
             force: bool = False) -> bool:
        """Send one job row's message; False when this version of the row was already sent."""
        marker = f"{SENT_PREFIX}{job.id}:{job.updated_at!r}"
        ttl = int(self.marker_ttl_s + countdown)
        if not self.client.set(marker, str(priority), nx=True, ex=ttl) and not force:
            return False
        try:
            self.app.send_task(TASK_RUN_JOB, args=(job.id, priority), priority=priority,
                               countdown=countdown or None, queue=QUEUE_NAME)
        except Exception:
            self.client.delete(marker)  # not sent: the sweep tries again
            raise
        log.info("job %d: sent to the workers (priority %d%s)", job.id, priority,
                 f", in {countdown:.0f} s" if countdown else "")
        return True

    def sweep(self, now: float | None = None) -> int:
        """Send every claimable row that has no message yet; return how many were sent."""
        now = time.time() if now is None else now
        # A queued row younger than two sweeps is left to whoever queued it (sending now).
        grace = max(2.0, 2 * self.settings.queue_sweep_s)
        sent = 0
        for job in self.store.jobs.claimable():
            if job.status == "queued" and now - job.updated_at < grace:
                continue
            if self.send(job, PRIORITY_NORMAL):
                log.warning("job %d: no message waited for this %s row; sent again", job.id,
                            job.status)
                sent += 1
        return sent


class WorkerRuntime:
    """What a worker process's tasks share: store, pipeline, queue, and the shutdown state."""

    def __init__(self, settings: Settings, store: Store, pipeline: Any,
                 queue: CeleryQueue) -> None:
        self.settings = settings
        self.store = store
        self.pipeline = pipeline
        self.queue = queue
        self.handing_back = False
        self._workers: set[Worker] = set()
        self._lock = threading.Lock()

    def run(self, job_id: int, priority: int) -> str:
        """Claim job `job_id` and run it; return what became of this delivery."""
        worker = Worker(self.store, self.pipeline, self.settings, background_extras=False)
        with self._lock:
            if self.handing_back:
                # Shutting down: leave the message to another worker.
                raise _HandBack()
            self._workers.add(worker)
        try:
            ran = worker.run_once(only_job=job_id)
        finally:
            with self._lock:
                self._workers.discard(worker)
        if not ran:
            log.info("job %d: delivery dropped (done, or running under a live lease)", job_id)
            return "dropped"
        try:
            job = self.store.jobs.get(job_id)
        except NotFound:
            return "done"
        if job.status != "queued":
            return job.status
        if self.handing_back:
            self.queue.send(job, priority)
            return "handed back"
        delay = retry_delay(job.attempts)
        log.info("job %d: attempt %d of %d failed; next in %.0f s", job.id, job.attempts,
                 MAX_ATTEMPTS, delay)
        self.queue.send(job, priority, countdown=delay)
        return "retry"

    def hand_back(self) -> None:
        """Stop the running jobs at their next segment; they go back to the queue."""
        with self._lock:
            self.handing_back = True
            workers = list(self._workers)
        for worker in workers:
            worker.hand_back()


class _HandBack(Exception):
    """Raised by a task that starts while its worker is stopping."""


_runtime: WorkerRuntime | None = None


def _run_job_task(task: Any, job_id: int, priority: int = PRIORITY_NORMAL) -> str:
    """The Celery task: run one job row (see WorkerRuntime.run)."""
    if _runtime is None:
        raise RuntimeError("no worker runtime in this process")
    try:
        return _runtime.run(int(job_id), int(priority))
    except _HandBack:
        job = _runtime.store.jobs.get(int(job_id))
        _runtime.queue.send(job, int(priority), force=True)
        return "handed back"


class Coordinator:
    """The once-per-deployment duties (portal watcher, sweep) on the worker holding a lock."""

    def __init__(self, settings: Settings, store: Store, queue: CeleryQueue,
                 start_watcher: Callable[[threading.Event, Callable[[], bool]], Any] | None
                 ) -> None:
        self.settings = settings
        self.store = store
        self.queue = queue
        self.start_watcher = start_watcher
        self.ttl_s = max(15.0, 3 * settings.queue_sweep_s)
        self.leader = False
        self._lock: Any = None

    def holds(self) -> bool:
        """Tell whether this worker holds the lock now, as Redis says (asked by the watcher
        before each poll: after a stall past the lock's expiry another worker may have it)."""
        lock = self._lock
        if not self.leader or lock is None:
            return False
        try:
            return bool(lock.owned())
        except redis.RedisError:
            return False

    def run(self, stop: threading.Event) -> None:
        """Until `stop`: hold (or wait for) the lock; while held, watch portals and sweep."""
        lock = self._lock = self.queue.client.lock(LEADER_KEY, timeout=self.ttl_s,
                                                   thread_local=False)
        watcher_stop: threading.Event | None = None
        try:
            while not stop.is_set():
                self.leader = self._hold(lock)
                if self.leader and watcher_stop is None and self.start_watcher is not None:
                    watcher_stop = threading.Event()
                    self.start_watcher(watcher_stop, self.holds)
                    log.info("this worker now runs the portal watcher and the sweep")
                elif not self.leader and watcher_stop is not None:
                    watcher_stop.set()
                    watcher_stop = None
                if self.leader:
                    try:
                        self.queue.sweep()
                    except Exception:  # the next round tries again
                        log.exception("queue sweep failed")
                stop.wait(self.settings.queue_sweep_s)
        finally:
            if watcher_stop is not None:
                watcher_stop.set()
            if self.leader:
                try:
                    lock.release()
                except (LockError, redis.RedisError):
                    pass

    def _hold(self, lock: Any) -> bool:
        try:
            if self.leader:
                lock.reacquire()
                return True
            return bool(lock.acquire(blocking=False))
        except (LockError, redis.RedisError) as exc:
            if self.leader:
                log.warning("lost the coordinator lock: %s", exc)
            return False


def run_worker(settings: Settings, store: Store, pipeline: Any, *, concurrency: int,
               grace_s: float, watch: bool) -> None:
    """Run a Celery worker in this process until SIGTERM or Ctrl-C (graceful).

    SIGTERM stops taking messages, lets running jobs finish for `grace_s`, then hands them
    back to the queue (their finished segments stay done).
    """
    global _runtime
    app = create_celery(settings)
    queue = CeleryQueue(settings, store, app)
    _runtime = WorkerRuntime(settings, store, pipeline, queue)
    stop = threading.Event()

    def start_watcher(watcher_stop: threading.Event, holds: Callable[[], bool]) -> Any:
        from .sources.watcher import start_watcher as start

        return start(store, settings, watcher_stop, queue=queue, may_poll=holds)

    coordinator = Coordinator(settings, store, queue, start_watcher if watch else None)
    thread = threading.Thread(target=coordinator.run, args=(stop,), name="bantin-coordinator",
                              daemon=True)
    runtime = _runtime

    def shutting_down(**_: Any) -> None:
        stop.set()
        timer = threading.Timer(grace_s, runtime.hand_back)
        timer.daemon = True
        timer.start()
        log.info("stopping: running jobs have %.0f s to finish before they are handed back",
                 grace_s)

    def ready(**_: Any) -> None:
        # The coordinator starts once Celery is fully up, so the two never set it up at once.
        if thread.ident is None:
            thread.start()
        log.info("worker ready: taking jobs from the queue")

    celery_signals.worker_shutting_down.connect(shutting_down, weak=False)
    celery_signals.worker_ready.connect(ready, weak=False)
    worker = app.Worker(pool_cls="threads", concurrency=concurrency, loglevel="INFO",
                        hostname=f"bantin-{os.getpid()}@{socket.gethostname()}",
                        without_gossip=True, without_mingle=True, without_heartbeat=True,
                        quiet=True, optimization="fair")
    try:
        worker.start()
    finally:
        stop.set()
        celery_signals.worker_shutting_down.disconnect(shutting_down)
        celery_signals.worker_ready.disconnect(ready)
        if thread.ident is not None:
            thread.join(timeout=10)
        _runtime = None
