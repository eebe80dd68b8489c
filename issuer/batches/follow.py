"""Waiting for a batch: its finished rows in row order, as the command prints them, while
workers (local processes, queue workers or the command itself) do them.

Rows are handed over in row order as soon as every row before them is finished, so the
output reads as it did when one process issued the rows in turn; when the batch stops, the
rows finished after the failing one follow it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, select

from ecert.db import Database
from ecert.models import Batch, BatchItem, Certificate
from issuer.batches import store
from issuer.batches.items import ItemFailure
from issuer.services.issuance import IssueOutcome, IssueStatus

POLL = 0.2  # seconds between looks when nothing moved
_PAGE = 500


@dataclass(frozen=True)
class Finished:
    """A finished row: its outcome, or why it failed."""

    row: int
    outcome: IssueOutcome | None = None
    failure: ItemFailure | None = None


@dataclass(frozen=True)
class Ended:
    status: str  # store.FINISHED, STOPPED, BROKEN or SUPERSEDED
    problem: dict[str, Any] | None


def follow(db: Database, batch_id: int, *, step: Callable[[], bool], on_row: Callable[[Finished], None]) -> Ended:
    """Hand each finished row to ``on_row`` in row order until the batch ends and no row
    of it is running. ``step`` is the caller's share of the work between looks (issue a row
    in this process, or watch the worker processes): True when it moved something."""
    after = 0
    while True:
        moved = step()
        after, handed = _hand_over(db, batch_id, after, on_row, contiguous=True)
        with db.read() as session:
            batch = session.get(Batch, batch_id)
            assert batch is not None
            running = store.counts(session, [batch_id])[batch_id][store.RUNNING]
        if batch.status != store.OPEN and not running:
            _hand_over(db, batch_id, after, on_row, contiguous=False)
            return Ended(status=batch.status, problem=batch.problem)
        if not (moved or handed):
            time.sleep(POLL)


def _hand_over(
    db: Database, batch_id: int, after: int, on_row: Callable[[Finished], None], *, contiguous: bool
) -> tuple[int, bool]:
    """Finished rows after row ``after``, in order (``contiguous``: up to the first row
    not finished); the last row handed and whether any was."""
    handed, scanned = False, after
    while True:
        with db.read() as session:
            rows = session.execute(
                select(BatchItem, Certificate.token, Certificate.status, Certificate.pdf_sha256)
                .outerjoin(
                    Certificate,
                    and_(Certificate.number == BatchItem.number, Certificate.version == BatchItem.version),
                )
                .where(BatchItem.batch_id == batch_id, BatchItem.row > scanned)
                .order_by(BatchItem.row)
                .limit(_PAGE)
            ).all()
        if not rows:
            return after, handed
        for item, token, status, sha256 in rows:
            scanned = item.row
            if item.state not in (store.DONE, store.FAILED):
                if contiguous:
                    return after, handed
                continue
            on_row(_finished(item, token, status, sha256))
            after, handed = item.row, True


def _finished(item: BatchItem, token: str | None, status: Any, sha256: str | None) -> Finished:
    if item.state == store.FAILED:
        return Finished(row=item.row, failure=ItemFailure.from_json(item.row, item.reason or {}))
    outcome = IssueOutcome(
        row=item.row,
        status=IssueStatus(item.outcome or IssueStatus.ISSUED),
        number=item.number or "",
        token=token or "",
        version=item.version or 0,
        certificate_status=str(getattr(status, "value", status) or ""),
        sha256=sha256 or "",
    )
    return Finished(row=item.row, outcome=outcome)
