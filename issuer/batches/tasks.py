"""The task: issue one row of a batch. Local worker processes and queue workers run this
same function; it owns its transactions and returns what became of the row."""

from __future__ import annotations

import enum
from dataclasses import replace

from sqlalchemy.orm import Session

from ecert.storage import BlobNotFound
from issuer import IssuerError
from issuer.batches import store
from issuer.batches.items import ItemFailure, cause_of, decision_from_json
from issuer.decisions import RowError
from issuer.services.issuance import IssuanceFailed, IssueOutcome, issue_with_photo, printable_photo
from issuer.services.pipeline import Issuance


class Result(enum.StrEnum):
    DONE = "done"
    FAILED = "failed"
    STOPPED = "stopped"  # failed, and its batch stops (no --skip-invalid)
    BROKEN = "broken"  # no row's fault: the batch fails
    LOST = "lost"  # the row was given to another worker meanwhile, which finished it


def issue_row(issuance: Issuance, claimed: store.Claim, *, worker: str) -> Result:
    """Issue the claimed row as its batch's actor; the row is done in its certificate's
    completing transaction, or failed with the reason."""
    as_batch = replace(issuance, actor=claimed.actor, accept_public_url_change=claimed.accept_public_url_change)
    decision = decision_from_json(claimed.decision)

    def completed(session: Session, outcome: IssueOutcome) -> None:
        store.mark_done(session, claimed.item_id, outcome, at=issuance.clock())

    try:
        photo = None
        if claimed.photo_sha256:
            try:
                photo = printable_photo(decision, issuance.store.get(claimed.photo_sha256))
            except BlobNotFound as missing:
                shown = decision.photo.name if decision.photo else ""
                problem = RowError(decision.row, "photo", "photo.unreadable", {"path": shown, "reason": str(missing)})
                raise IssuanceFailed(decision.row, problem=problem) from missing
        issue_with_photo(as_batch, decision, photo, on_completed=completed)
    except IssuanceFailed as failed:
        return _failed(issuance, claimed, ItemFailure.of(failed), worker)
    except IssuerError as error:  # not the row's: the public URL changed, say
        store.mark_broken(issuance.db, claimed, cause_of(error), at=issuance.clock())
        return Result.BROKEN
    except Exception as error:  # the database went away, a bug: the row fails, named
        failure = ItemFailure(row=claimed.row, **cause_of(error))
        return _failed(issuance, claimed, failure, worker)
    return Result.DONE


def _failed(issuance: Issuance, claimed: store.Claim, failure: ItemFailure, worker: str) -> Result:
    if not store.mark_failed(issuance.db, claimed, failure, worker=worker, at=issuance.clock()):
        return Result.LOST
    return Result.FAILED if claimed.skip_invalid else Result.STOPPED
