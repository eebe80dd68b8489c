"""What ``ecert batches`` shows: each batch with its rows counted by state and its failed
rows with their reasons."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from ecert.db import Database
from ecert.models import Batch, BatchItem
from issuer.batches import store
from issuer.batches.items import ItemFailure


@dataclass(frozen=True)
class BatchSummary:
    id: int
    source: str
    actor: str
    status: str
    created_at: datetime
    finished_at: datetime | None
    rows_total: int
    counts: dict[str, int]  # pending, running, done, failed
    failures: list[ItemFailure]  # the first ``failed_limit``, in row order
    problem: dict | None


def list_batches(
    db: Database, *, batch_id: int | None = None, limit: int = 20, failed_limit: int | None = 10
) -> list[BatchSummary]:
    """The newest ``limit`` batches (or the one ``batch_id``), newest first."""
    with db.read() as session:
        query = select(Batch).order_by(Batch.id.desc()).limit(limit)
        if batch_id is not None:
            query = select(Batch).where(Batch.id == batch_id)
        batches = list(session.scalars(query))
        tallies = store.counts(session, [batch.id for batch in batches])
        summaries = []
        for batch in batches:
            failed = select(BatchItem.row, BatchItem.reason).where(
                BatchItem.batch_id == batch.id, BatchItem.state == store.FAILED
            )
            rows = session.execute(failed.order_by(BatchItem.row).limit(failed_limit)).all()
            summaries.append(
                BatchSummary(
                    id=batch.id,
                    source=batch.source,
                    actor=batch.actor,
                    status=batch.status,
                    created_at=batch.created_at,
                    finished_at=batch.finished_at,
                    rows_total=batch.rows_total,
                    counts=tallies[batch.id],
                    failures=[ItemFailure.from_json(row, reason or {}) for row, reason in rows],
                    problem=batch.problem,
                )
            )
        return summaries


def failed_count(db: Database, batch_id: int) -> int:
    with db.read() as session:
        return int(
            session.scalar(select(func.count()).where(BatchItem.batch_id == batch_id, BatchItem.state == store.FAILED))
            or 0
        )
