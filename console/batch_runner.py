"""Where an upload's batch runs: the one function that knows.

For now a thread of the web process (``launch``). A task queue replaces this function
alone: the job is plain values (``BatchJob``), and everything the run does, including its
progress, is in the database, where the progress page reads it. A process killed mid-way
(a restart) leaves its batch "running" without a heartbeat; re-uploading the same file
starts a new batch that completes the reservations the killed one left.
"""

from __future__ import annotations

import logging
import threading

from flask import Flask

from console.issue_batches import BatchJob, run_batch
from ecert.clock import office_date
from ecert.kernel import kernel
from issuer.runtime import runtime

log = logging.getLogger(__name__)


def launch(app: Flask, job: BatchJob) -> None:
    """Run ``job`` in the background and return at once."""
    threading.Thread(target=_run, args=(app, job), name=f"issue-batch-{job.batch_id}", daemon=True).start()


def _run(app: Flask, job: BatchJob) -> None:
    with app.app_context():
        issuance = runtime(app).issuance(actor=job.actor)
        try:
            run_batch(issuance, job, today=office_date(kernel(app).clock()))
        except Exception:  # recorded on the batch as "failed"; the traceback is for the log
            log.exception("issue batch %s failed", job.batch_id)
