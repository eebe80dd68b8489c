"""The loop of a worker: take a pending row, issue it, again; the same in a local worker
process, in ``ecert worker`` and in the command's own process (``--workers 1``)."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ecert import EcertError, audit
from issuer.batches import store, tasks
from issuer.services.pipeline import Issuance

# Idle workers look for rows this often (seconds), and give back the rows of dead workers
# every this many looks.
IDLE_WAIT = 0.5
REQUEUE_EVERY = 20


@dataclass
class Worker:
    issuance: Issuance
    name: str = field(default_factory=store.worker_name)
    batch_id: int | None = None  # only this batch's rows
    anchors: bool = True  # False where the command that started it anchors at the end
    tally: dict[str, int] = field(default_factory=dict)
    _since_anchor: int = 0

    def step(self) -> tasks.Result | None:
        """Take and issue one row; None when no open batch has a pending row."""
        claimed = store.claim(self.issuance.db, self.name, at=self.issuance.clock(), batch_id=self.batch_id)
        if claimed is None:
            return None
        result = tasks.issue_row(self.issuance, claimed, worker=self.name)
        self.tally[result.value] = self.tally.get(result.value, 0) + 1
        self._since_anchor += 1
        return result

    def anchor(self) -> None:
        """Anchor the audit log's head after rows were issued (a batch end); a failure is
        said and left for ``ecert audit anchor``: the rows stay issued."""
        if not (self.anchors and self._since_anchor):
            return
        self._since_anchor = 0
        try:
            audit.anchor_batch_end(self.issuance.db, at=self.issuance.clock())
        except EcertError as error:
            print(f"ecert worker {self.name}: audit anchor failed: {error}", file=sys.stderr)

    def run(self, *, until_idle: bool, should_stop: Callable[[], bool] = lambda: False) -> dict[str, int]:
        """Work until no row is pending (``until_idle``) or ``should_stop`` says so."""
        looks = 0
        while not should_stop():
            if self.step() is not None:
                continue
            self.anchor()
            if until_idle:
                break
            looks += 1
            if looks % REQUEUE_EVERY == 1:
                store.requeue(self.issuance.db, at=self.issuance.clock())
            time.sleep(IDLE_WAIT)
        self.anchor()
        return dict(self.tally)
