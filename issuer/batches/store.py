"""Batch and item rows: create a batch, claim a row, finish it, give rows of dead workers
back, count. Each function is one write transaction (or runs in the caller's).

Claiming is one transaction that flips the first pending row of an open batch to
``running`` with the worker's name: on SQLite writers are serialised (``BEGIN
IMMEDIATE``), on PostgreSQL ``FOR UPDATE SKIP LOCKED`` lets concurrent workers take
different rows without waiting for each other.

A running row whose worker died is given back (``requeue``): at once when the worker is
known dead (a local worker process that exited, or a worker of this host whose process is
gone), after ``LEASE`` otherwise (a worker on another machine that stopped being heard of).
Giving back a row whose worker is in fact alive only costs work twice: two workers on the
same row issue the same reservation, and only one completes it.

The batch rows are the queue, not the registry: they have no audit events of their own.
Every change they lead to in the registry (reserved, issued, released) writes its event as
a single run does, with the batch's actor, in the transaction that makes it.
"""

from __future__ import annotations

import hashlib
import os
import socket
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from ecert.db import Database
from ecert.models import Batch, BatchItem
from issuer.batches.items import ItemFailure, decision_to_json
from issuer.decisions import Decision
from issuer.services.issuance import IssueOutcome

PENDING, RUNNING, DONE, FAILED = "pending", "running", "done", "failed"
OPEN, FINISHED, STOPPED, BROKEN, SUPERSEDED = "open", "finished", "stopped", "failed", "superseded"
# A row taken longer ago than this by a worker not known to be alive is given to another:
# one row takes about a second, a slow timestamp authority tens of seconds.
LEASE = timedelta(minutes=5)


def worker_name() -> str:
    """``host/pid/random``: where a worker runs, so a worker of the same host can tell
    that it is gone; the random part keeps a reused pid from passing for it."""
    return f"{socket.gethostname()[:80]}/{os.getpid()}/{uuid.uuid4().hex[:8]}"


@dataclass(frozen=True)
class Enqueued:
    batch_id: int
    superseded: tuple[int, ...]  # earlier unfinished batches of the same file, now superseded


@dataclass(frozen=True)
class Queued:
    """A row to queue: its validated decision and photo (already in the blob store), or
    why it fails without being tried (a row error of the checks, an unreadable photo)."""

    row: int
    decision: Decision | None = None
    photo_sha256: str | None = None
    failure: ItemFailure | None = None


def create_batch(
    db: Database,
    *,
    source: str,
    data: bytes,
    rows: Iterable[Queued],
    actor: str,
    skip_invalid: bool,
    accept_public_url_change: bool,
    at: datetime,
    on_queued: Callable[[Session, list[int]], None] | None = None,
) -> Enqueued:
    """Record a batch and its rows, superseding the unfinished batches of the same file:
    its rows are now this batch's to do. ``on_queued`` gets the ids of the rows to issue in
    the same transaction (a queue's jobs are deferred there)."""
    sha256 = hashlib.sha256(data).hexdigest()
    with db.write() as session:
        earlier = list(
            session.scalars(
                select(Batch.id).where(Batch.file_sha256 == sha256, Batch.status.in_((OPEN, STOPPED, BROKEN)))
            )
        )
        if earlier:
            session.execute(update(Batch).where(Batch.id.in_(earlier)).values(status=SUPERSEDED, finished_at=at))
        items = list(rows)
        batch = Batch(
            source=source[-256:],
            file_sha256=sha256,
            actor=actor,
            skip_invalid=skip_invalid,
            accept_public_url_change=accept_public_url_change,
            status=OPEN,
            rows_total=len(items),
            created_at=at,
        )
        session.add(batch)
        session.flush()
        if items:
            session.execute(insert(BatchItem), [_item_values(batch.id, item, at) for item in items])
        if on_queued is not None:
            pending = select(BatchItem.id).where(BatchItem.batch_id == batch.id, BatchItem.state == PENDING)
            on_queued(session, list(session.scalars(pending.order_by(BatchItem.row))))
        _finish_if_done(session, batch.id, at)
        return Enqueued(batch_id=batch.id, superseded=tuple(earlier))


def _item_values(batch_id: int, item: Queued, at: datetime) -> dict[str, Any]:
    values: dict[str, Any] = {
        "batch_id": batch_id,
        "row": item.row,
        "state": PENDING,
        "decision": decision_to_json(item.decision) if item.decision else None,
        "photo_sha256": item.photo_sha256,
        "attempts": 0,
        "worker": None,
        "claimed_at": None,
        "outcome": None,
        "number": None,
        "version": None,
        "reason": None,
        "finished_at": None,
    }
    if item.failure is not None:
        values.update(state=FAILED, reason=item.failure.to_json(), finished_at=at)
    return values


@dataclass(frozen=True)
class Claim:
    """A row taken by a worker, with what issuing it needs from its batch."""

    item_id: int
    batch_id: int
    row: int
    decision: dict[str, Any]
    photo_sha256: str | None
    actor: str
    skip_invalid: bool
    accept_public_url_change: bool


def claim(db: Database, worker: str, *, at: datetime, batch_id: int | None = None) -> Claim | None:
    """The first pending row of an open batch (of ``batch_id``, else of the oldest), now
    ``running`` for ``worker``; None when there is none."""
    with db.write() as session:
        query = (
            select(BatchItem)
            .join(Batch, Batch.id == BatchItem.batch_id)
            .where(Batch.status == OPEN, BatchItem.state == PENDING)
            .order_by(BatchItem.batch_id, BatchItem.row)
            .limit(1)
        )
        if batch_id is not None:
            query = query.where(BatchItem.batch_id == batch_id)
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True, of=BatchItem)
        item = session.scalars(query).first()
        return None if item is None else _take(session, item, worker, at)


def _take(session: Session, item: BatchItem, worker: str, at: datetime) -> Claim:
    item.state, item.worker, item.claimed_at, item.attempts = RUNNING, worker, at, item.attempts + 1
    batch = session.get(Batch, item.batch_id)
    assert batch is not None and item.decision is not None
    return Claim(
        item_id=item.id,
        batch_id=item.batch_id,
        row=item.row,
        decision=item.decision,
        photo_sha256=item.photo_sha256,
        actor=batch.actor,
        skip_invalid=batch.skip_invalid,
        accept_public_url_change=batch.accept_public_url_change,
    )


def claim_item(db: Database, item_id: int, worker: str, *, at: datetime, take_over: bool = False) -> Claim | None:
    """Row ``item_id`` (a queue's job names it), now ``running`` for ``worker``: if it is
    pending, or (``take_over``) running for a worker the queue declared dead. None when it
    is done, failed or its batch no longer open."""
    with db.write() as session:
        states = (PENDING, RUNNING) if take_over else (PENDING,)
        query = (
            select(BatchItem)
            .join(Batch, Batch.id == BatchItem.batch_id)
            .where(BatchItem.id == item_id, Batch.status == OPEN, BatchItem.state.in_(states))
        )
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(of=BatchItem)
        item = session.scalars(query).first()
        return None if item is None else _take(session, item, worker, at)


def mark_done(session: Session, item_id: int, outcome: IssueOutcome, *, at: datetime) -> None:
    """In the transaction that completes the row's certificate: the row is done. The first
    completion's outcome stands (a second worker given the same row finds it issued)."""
    session.execute(
        update(BatchItem)
        .where(BatchItem.id == item_id, BatchItem.state != DONE)
        .values(
            state=DONE,
            outcome=outcome.status.value,
            number=outcome.number,
            version=outcome.version,
            decision=None,  # the decision row holds it now; no second copy of personal data
            reason=None,
            finished_at=at,
        )
    )
    batch_id = session.scalar(select(BatchItem.batch_id).where(BatchItem.id == item_id))
    if batch_id is not None:
        _finish_if_done(session, batch_id, at)


def mark_failed(db: Database, claimed: Claim, failure: ItemFailure, *, worker: str, at: datetime) -> bool:
    """The row failed; without ``skip_invalid`` its batch stops there. False when
    the row is no longer this worker's (another finished it)."""
    with db.write() as session:
        changed = session.execute(
            update(BatchItem)
            .where(BatchItem.id == claimed.item_id, BatchItem.state == RUNNING, BatchItem.worker == worker)
            .values(state=FAILED, reason=failure.to_json(), finished_at=at)
        )
        if not changed.rowcount:  # type: ignore[attr-defined]
            return False
        if not claimed.skip_invalid:
            _close(session, claimed.batch_id, STOPPED, at)
        else:
            _finish_if_done(session, claimed.batch_id, at)
        return True


def mark_broken(db: Database, claimed: Claim, problem: dict[str, Any], *, at: datetime) -> None:
    """What is no row's fault (the public URL): the batch fails, the row goes back."""
    with db.write() as session:
        session.execute(
            update(BatchItem)
            .where(BatchItem.id == claimed.item_id, BatchItem.state == RUNNING)
            .values(state=PENDING, worker=None, claimed_at=None)
        )
        session.execute(update(Batch).where(Batch.id == claimed.batch_id).values(problem=problem))
        _close(session, claimed.batch_id, BROKEN, at)


def requeue(db: Database, *, at: datetime, workers: Iterable[str] = ()) -> int:
    """Give back the running rows of ``workers`` (known dead), of workers of this host whose
    process is gone, and of any worker that took its row more than ``LEASE`` ago."""
    dead = set(workers)
    with db.write() as session:
        running = session.scalars(select(BatchItem.worker).where(BatchItem.state == RUNNING).distinct())
        dead.update(name for name in running if name and _gone(name))
        stale = BatchItem.claimed_at < at - LEASE
        condition = stale if not dead else (stale | BatchItem.worker.in_(dead))
        result = session.execute(
            update(BatchItem)
            .where(BatchItem.state == RUNNING, condition)
            .values(state=PENDING, worker=None, claimed_at=None)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]


def _gone(name: str) -> bool:
    """A worker of this host whose process no longer exists (``worker_name``)."""
    host, _, rest = name.partition("/")
    pid = rest.partition("/")[0]
    if host != socket.gethostname()[:80] or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def counts(session: Session, batch_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    """Rows by state, per batch."""
    ids = list(batch_ids)
    found: dict[int, dict[str, int]] = {
        batch_id: dict.fromkeys((PENDING, RUNNING, DONE, FAILED), 0) for batch_id in ids
    }
    if not ids:
        return found
    rows = session.execute(
        select(BatchItem.batch_id, BatchItem.state, func.count())
        .where(BatchItem.batch_id.in_(ids))
        .group_by(BatchItem.batch_id, BatchItem.state)
    )
    for batch_id, state, count in rows:
        found[batch_id][state] = int(count)
    return found


def _finish_if_done(session: Session, batch_id: int, at: datetime) -> None:
    left = session.scalar(
        select(BatchItem.id).where(BatchItem.batch_id == batch_id, BatchItem.state.in_((PENDING, RUNNING))).limit(1)
    )
    if left is None:
        _close(session, batch_id, FINISHED, at)


def _close(session: Session, batch_id: int, status: str, at: datetime) -> None:
    """Move an open batch to ``status`` (only from open: a superseded one stays so)."""
    session.execute(
        update(Batch).where(Batch.id == batch_id, Batch.status == OPEN).values(status=status, finished_at=at)
    )
