"""Running jobs through their failed attempts without waiting out the back-off."""

from __future__ import annotations

from bantin_audio.jobs import Worker


def run_through_back_off(worker: Worker) -> int:
    """Run jobs until none is left, every back-off of a failed attempt taken as waited out
    (the job rows' not-before times are moved, not slept through); return how many ran."""
    count = 0
    while True:
        count += worker.run_until_idle()
        with worker.store.unit() as uow:
            moved = uow.connection.execute(
                "UPDATE jobs SET lease_until=NULL WHERE status='queued' "
                "AND lease_until IS NOT NULL").rowcount
        if not moved:
            return count
