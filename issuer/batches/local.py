"""Local worker processes: ``ecert issue`` starts them on the embedded default (no queue
server), one per core unless told, and watches them.

Each is a fresh process (``spawn``: no database connection, token session or font state
shared with the parent) that builds its own issuer from the parent's settings and runs the
worker loop on the batch until no row is pending. It dies with the parent (Linux
``PR_SET_PDEATHSIG``): killing the command kills its workers, and a re-run starts over
with the rows and reservations they left. A worker that dies (killed, out of memory) has
its running rows given back at once and is replaced, a bounded number of times.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import socket
import sys
import uuid
from dataclasses import dataclass, field
from multiprocessing.process import BaseProcess

from ecert.clock import Clock, utc_now
from ecert.db import Database
from ecert.settings import Settings
from issuer.batches import store

_PR_SET_PDEATHSIG = 1


# Starting a worker process costs a few seconds (fonts, keys, imports): about what a dozen
# rows take. A batch gets at most one worker per this many rows unless told otherwise.
ROWS_PER_WORKER = 20


def workers_for(rows: int, requested: int | None) -> int:
    """How many workers a batch of ``rows`` gets: ``requested`` (at most one per row), or
    one per core while each has ``ROWS_PER_WORKER`` rows."""
    if requested is not None:
        return max(1, min(requested, rows))
    return max(1, min(default_workers(), rows // ROWS_PER_WORKER))


def default_workers() -> int:
    """One per core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


@dataclass
class LocalWorkers:
    """``count`` worker processes on ``batch_id``; ``supervise`` replaces the dead."""

    settings: Settings
    db: Database
    batch_id: int
    count: int
    clock: Clock = utc_now
    restarts: int = 0
    _running: dict[str, BaseProcess] = field(default_factory=dict)

    def start(self) -> None:
        for _ in range(self.count):
            self._spawn()

    def _spawn(self) -> None:
        nonce = uuid.uuid4().hex[:8]
        process = multiprocessing.get_context("spawn").Process(
            target=_worker_main, args=(self.settings, self.batch_id, nonce, os.getpid()), name=f"ecert-worker-{nonce}"
        )
        process.start()
        self._running[f"{socket.gethostname()[:80]}/{process.pid}/{nonce}"] = process

    def supervise(self) -> bool:
        """Reap exited workers: a dead one's rows go back to pending and, while rows are
        pending and restarts are left, another takes its place. False once none is left."""
        dead = []
        for name, process in list(self._running.items()):
            if process.is_alive():
                continue
            process.join()
            del self._running[name]
            if process.exitcode != 0:
                dead.append(name)
        if dead:
            store.requeue(self.db, at=self.clock(), workers=dead)
            for _ in dead:
                if self.restarts < 2 * self.count + 2 and self._work_left():
                    self.restarts += 1
                    self._spawn()
        return bool(self._running)

    def keep_one(self) -> None:
        """Start a worker if none is left (a queue's job was given back after its worker
        died, and the other workers, finding the queue empty meanwhile, stopped)."""
        if not self._running and self.restarts < 2 * self.count + 2:
            self.restarts += 1
            self._spawn()

    def _work_left(self) -> bool:
        with self.db.read() as session:
            left = store.counts(session, [self.batch_id])[self.batch_id]
        return bool(left[store.PENDING])

    def stop(self) -> None:
        for process in self._running.values():
            process.kill()
        for process in self._running.values():
            process.join()
        self._running.clear()


def _worker_main(settings: Settings, batch_id: int, nonce: str, parent: int) -> None:
    _die_with(parent)
    from ecert.audit import AuditTrail
    from ecert.db import connect
    from ecert.kernel import Kernel
    from ecert.storage import FileBlobStore
    from issuer.batches.worker import Worker
    from issuer.runtime import IssuerRuntime, anchor_stamper

    trail = AuditTrail.from_settings(settings)
    trail.stamper = anchor_stamper(settings)
    kernel = Kernel(
        settings=settings, db=connect(settings.database_url, audit=trail), store=FileBlobStore(settings.blob_dir)
    )
    name = f"{socket.gethostname()[:80]}/{os.getpid()}/{nonce}"
    issuance = IssuerRuntime(kernel).issuance()
    if settings.queue == "procrastinate":
        from issuer.batches import procrastinate_engine

        procrastinate_engine.run_worker(issuance, name=name, until_idle=True)
    else:
        # The command anchors the audit log once at the batch's end, not each worker.
        Worker(issuance, name=name, batch_id=batch_id, anchors=False).run(until_idle=True)
    kernel.db.dispose()


def _die_with(parent: int) -> None:
    """Be killed when the process that started this one dies (Linux), however it dies."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # it died before the line above
        os._exit(1)
