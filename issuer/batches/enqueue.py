"""Queueing a checked decisions file: every row becomes a batch item in one transaction,
its photo first put in the blob store (workers on any machine read it from there)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session

from issuer.batches import store
from issuer.batches.items import ItemFailure
from issuer.decisions import Decision, RowError
from issuer.services.issuance import IssuanceFailed
from issuer.services.pipeline import Issuance


def enqueue(
    issuance: Issuance,
    *,
    source: str,
    data: bytes,
    decisions: list[Decision],
    errors: list[RowError],
    skip_invalid: bool,
    at: datetime,
) -> store.Enqueued:
    """The batch of ``decisions`` (checked) and of the rows ``errors`` refused (listed as
    failed, not tried): ``errors`` is empty unless ``skip_invalid``."""
    rows = [store.Queued(row=row, failure=ItemFailure.invalid_row(error)) for row, error in _first_errors(errors)]
    for decision in decisions:
        try:
            photo = _photo_bytes(decision)
            rows.append(
                store.Queued(
                    row=decision.row, decision=decision, photo_sha256=issuance.store.put(photo) if photo else None
                )
            )
        except IssuanceFailed as failed:
            rows.append(store.Queued(row=decision.row, failure=ItemFailure.of(failed)))
        except OSError as error:  # the blob store
            rows.append(
                store.Queued(row=decision.row, failure=ItemFailure.of(IssuanceFailed(decision.row, cause=error)))
            )
    on_queued: Callable[[Session, list[int]], None] | None = None
    if issuance.settings.queue == "procrastinate":
        from issuer.batches import procrastinate_engine as engine

        engine.ensure_schema(issuance.db)
        url = issuance.settings.database_url

        def defer(session: Session, item_ids: list[int]) -> None:
            engine.defer_rows(session, url, item_ids)

        on_queued = defer

    return store.create_batch(
        issuance.db,
        on_queued=on_queued,
        source=source,
        data=data,
        rows=sorted(rows, key=lambda queued: queued.row),
        actor=issuance.actor,
        skip_invalid=skip_invalid,
        accept_public_url_change=issuance.accept_public_url_change,
        at=at,
    )


def _first_errors(errors: list[RowError]) -> list[tuple[int, RowError]]:
    """One item per invalid row (its first error; the command printed them all)."""
    first: dict[int, RowError] = {}
    for error in errors:
        first.setdefault(error.row, error)
    return sorted(first.items())


def _photo_bytes(decision: Decision) -> bytes | None:
    """The photo file's bytes as they are now, stored as they are: the worker decodes them
    fully before printing (``issuance.printable_photo``), so a file that changed since its check
    fails its row there. Not decoded here: that is ~0.1 s a row, and here it is serial."""
    if decision.photo is None:
        return None
    try:
        return decision.photo.read_bytes()
    except OSError as error:
        reason = error.strerror or str(error)
        problem = RowError(decision.row, "photo", "photo.unreadable", {"path": decision.photo.name, "reason": reason})
        raise IssuanceFailed(decision.row, problem=problem) from error
