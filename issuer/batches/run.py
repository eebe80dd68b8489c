"""Running a batch to its end from the command that queued it: with ``workers`` > 1 in
local worker processes, else in this very process (small files, ``--workers 1``); either
way the rows come back in row order (``follow``) and the audit log is anchored once."""

from __future__ import annotations

from collections.abc import Callable

from ecert import audit
from issuer.batches.follow import Ended, Finished, follow
from issuer.batches.local import LocalWorkers
from issuer.batches.worker import Worker
from issuer.services.pipeline import Issuance


def run_batch(issuance: Issuance, batch_id: int, *, workers: int, on_row: Callable[[Finished], None]) -> Ended:
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
