"""Queueing a checked decisions file: every row becomes a batch item in one transaction,
its photo first put in the blob store (workers on any machine read it from there)."""

from __future__ import annotations

from datetime import datetime

from issuer.batches import store
from issuer.batches.items import ItemFailure
from issuer.decisions import Decision, RowError
from issuer.services.issuance import IssuanceFailed, read_photo
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
            photo = read_photo(decision)  # read and decoded once more: a file may change after its check
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
    return store.create_batch(
        issuance.db,
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
