"""Running a batch to its end from the command that queued it: with ``workers`` > 1 in
local worker processes, else in this very process (small files, ``--workers 1``); either
way the rows come back in row order (``follow``) and the audit log is anchored once."""

from __future__ import annotations

import time
from collections.abc import Callable

from ecert import audit
from issuer.batches.follow import Ended, Finished, follow
from issuer.batches.local import LocalWorkers
from issuer.batches.worker import Worker
from issuer.services.pipeline import Issuance


def run_batch(issuance: Issuance, batch_id: int, *, workers: int, on_row: Callable[[Finished], None]) -> Ended:
    if issuance.settings.queue == "procrastinate":
        ended = _on_the_queue(issuance, batch_id, workers=workers, on_row=on_row)
        audit.anchor_batch_end(issuance.db, at=issuance.clock())
        return ended
    here = Worker(issuance, batch_id=batch_id, anchors=False)
    if workers <= 1:
        ended = follow(issuance.db, batch_id, step=lambda: here.step() is not None, on_row=on_row)
    else:
        local = LocalWorkers(issuance.settings, issuance.db, batch_id, workers, clock=issuance.clock)
        local.start()

        def step() -> bool:
            # Once every worker process is gone (the restarts spent), this one goes on.
            return local.supervise() is False and here.step() is not None

        try:
            ended = follow(issuance.db, batch_id, step=step, on_row=on_row)
        finally:
            local.stop()
    audit.anchor_batch_end(issuance.db, at=issuance.clock())  # the batch's events, pinned outside the database
    return ended


# While it waits, the command asks the queue to give back the jobs of dead workers this often.
RETRY_EVERY_SECONDS = 10.0


def _on_the_queue(issuance: Issuance, batch_id: int, *, workers: int, on_row: Callable[[Finished], None]) -> Ended:
    """The rows are Procrastinate jobs: ``workers`` local Procrastinate workers take them,
    beside any ``ecert worker`` of other machines."""
    from issuer.batches import procrastinate_engine

    local = LocalWorkers(issuance.settings, issuance.db, batch_id, workers, clock=issuance.clock)
    local.start()
    last_retry = time.monotonic()

    def step() -> bool:
        nonlocal last_retry
        local.supervise()
        if time.monotonic() - last_retry > RETRY_EVERY_SECONDS:
            last_retry = time.monotonic()
            if procrastinate_engine.retry_stalled(issuance.settings.database_url):
                local.keep_one()
        return False

    try:
        return follow(issuance.db, batch_id, step=step, on_row=on_row)
    finally:
        local.stop()
