"""Issuance service: approved decisions in, signed certificates out.

One decision goes through three steps, each safe to repeat:

1. *Reserve* (one write transaction): check the recorded public URL
   (``issuer.services.public_url``), insert the holder and the decision (a decision
   already present means "already issued": idempotent on ``identity_key``), allocate
   the number, create the certificate row as ``pending`` with its token, audit it.
2. *Render and sign* outside any transaction, so slow signing never holds a lock.
3. *Complete* (one write transaction): store the PDF by hash, flip the row to
   ``valid`` with its SHA-256, audit it. Guarded by ``status = 'pending'``, so if
   two workers race on the same reservation only one completes.

Steps 2 and 3 are the production line every version goes through
(``issuer.services.pipeline.produce``).

Every check that can fail for a row runs before step 1 (``issuer.decisions`` and
``issuer.services.preflight``; the photo is read and decoded once more just before it).
If step 2 or 3 still fails (the signer, the timestamp authority, the disk), the
reservation is released in its own transaction (``registry.drop_pending``, ``registry.release_seq``): the
pending row and its decision go, the number goes back to the next reservation, and an
audit event says so; the failure (``IssuanceFailed``) names the row. A crash between 1
and 3 (kill -9, power) leaves a pending row instead; the next run finds it and finishes
it with the same number and token. Either way numbers have no gaps and no duplicates.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ecert import audit
from ecert.clock import office_date
from ecert.models import Certificate, CertificateStatus
from ecert.vocab.numbering import format_number
from ecert.vocab.paper_numbers import normalise_paper_number
from issuer import IssuerError, RenderingError, registry
from issuer.decisions import Decision, RowError
from issuer.decisions.fields import snapshot_values
from issuer.rendering.photos import normalize_photo
from issuer.services.identity import check_name_bound
from issuer.services.pipeline import Issuance, Produced, Reservation, produce, release_reservation, reserve_certificate
from issuer.services.public_url import check_public_url


class IssueStatus(enum.StrEnum):
    ISSUED = "issued"
    ALREADY_ISSUED = "already_issued"


@dataclass(frozen=True)
class IssueOutcome:
    row: int
    status: IssueStatus
    number: str
    token: str
    version: int
    certificate_status: str
    sha256: str


class IssuanceFailed(IssuerError):
    """Row ``row`` passed validation and still could not be issued.

    ``problem``: a row error found just before reserving (the photo changed since it was
    checked); nothing was reserved. ``cause``: what failed after the reservation of
    ``number``; ``released`` says whether the number was given back (else the row stays
    pending, and the next run completes it).
    """

    def __init__(
        self,
        row: int,
        *,
        problem: RowError | None = None,
        cause: Exception | None = None,
        number: str | None = None,
        released: bool = False,
    ) -> None:
        super().__init__(f"row {row}: {problem.code if problem else f'{type(cause).__name__}: {cause}'}")
        self.row, self.problem, self.cause, self.number, self.released = row, problem, cause, number, released


def issue_decisions(
    issuance: Issuance,
    decisions: Iterable[Decision],
    *,
    on_done: Callable[[IssueOutcome], None] | None = None,
    on_failed: Callable[[IssuanceFailed], None] | None = None,
) -> list[IssueOutcome]:
    """Issue each decision in turn. A row that fails raises ``IssuanceFailed``, or, with
    ``on_failed``, is handed to it and the next row goes on."""
    outcomes = []
    for decision in decisions:
        try:
            outcome = issue_decision(issuance, decision)
        except IssuanceFailed as failed:
            if on_failed is None:
                raise
            on_failed(failed)
            continue
        outcomes.append(outcome)
        if on_done is not None:
            on_done(outcome)
    audit.anchor_batch_end(issuance.db, at=issuance.clock())  # the batch's events, pinned outside the database
    return outcomes


# Called inside the transaction that completes a row (or, for a row already issued, in one
# of its own) with that transaction's session: a batch marks its row done there, so a crash
# can never leave a certificate issued and its row still to do (``issuer.batches``).
OnCompleted = Callable[[Session, IssueOutcome], None]


def issue_decision(issuance: Issuance, decision: Decision, *, on_completed: OnCompleted | None = None) -> IssueOutcome:
    return issue_with_photo(issuance, decision, read_photo(decision), on_completed=on_completed)


def issue_with_photo(
    issuance: Issuance, decision: Decision, photo: bytes | None, *, on_completed: OnCompleted | None = None
) -> IssueOutcome:
    """Issue ``decision`` with the photo bytes already read and checked (``printable_photo``)."""
    try:
        photo_sha256 = issuance.store.put(photo) if photo else None
    except OSError as error:
        raise IssuanceFailed(decision.row, cause=error) from error
    reservation = _reserve(issuance, decision, photo_sha256)
    if reservation.status is not CertificateStatus.PENDING:
        outcome = _outcome(decision, reservation, IssueStatus.ALREADY_ISSUED)
        if on_completed is not None:
            with issuance.db.write() as session:
                on_completed(session, outcome)
        return outcome
    try:
        return _sign_and_complete(issuance, decision, reservation, photo, on_completed)
    except Exception as error:  # whatever failed, the reservation must not be stranded
        raise IssuanceFailed(
            decision.row,
            cause=error,
            number=reservation.number,
            released=release_reservation(issuance, reservation, error, action="certificate.released"),
        ) from error


# A reservation older than this is no longer being worked on: signing takes seconds.
STALE_AFTER = timedelta(minutes=10)


def stale_reservations(issuance: Issuance) -> list[str]:
    """Numbers reserved by a run that was killed before completing them (older than
    ``STALE_AFTER``): a re-run of that run's file completes them with the same number."""
    with issuance.db.read() as session:
        return list(
            session.scalars(
                select(Certificate.number)
                .where(Certificate.status == CertificateStatus.PENDING)
                .where(Certificate.reserved_at < issuance.clock() - STALE_AFTER)
                .order_by(Certificate.number)
            )
        )


def read_photo(decision: Decision) -> bytes | None:
    """The photo's bytes, read once and decoded fully: what was checked is what is printed."""
    if decision.photo is None:
        return None
    try:
        data = decision.photo.read_bytes()
    except OSError as error:
        problem = RowError(
            decision.row,
            "photo",
            "photo.unreadable",
            {"path": decision.photo.name, "reason": error.strerror or str(error)},
        )
        raise IssuanceFailed(decision.row, problem=problem) from error
    return printable_photo(decision, data)


def printable_photo(decision: Decision, data: bytes) -> bytes:
    """``data`` if it decodes fully as the row's photo; else the row's ``IssuanceFailed``."""
    shown = decision.photo.name if decision.photo else ""
    try:
        normalize_photo(data)
    except RenderingError as error:
        reason = str(error).removeprefix("photo: ")
        problem = RowError(decision.row, "photo", "photo.unusable", {"path": shown, "reason": reason})
        raise IssuanceFailed(decision.row, problem=problem) from error
    return data


def _reserve(issuance: Issuance, decision: Decision, photo_sha256: str | None) -> Reservation:
    settings, now = issuance.settings, issuance.clock()
    with issuance.db.write() as session:
        check_public_url(
            session,
            settings.public_url,
            accept_change=issuance.accept_public_url_change,
            actor=issuance.actor,
            at=now,
        )
        holder_id = registry.holder_id(
            session,
            id_number=decision.id_number,
            name=decision.name,
            gender=decision.gender,
            at=now,
            mobile=decision.mobile or None,
        )
        # After the holder's insert, which waits for a concurrent one of the same ID number:
        # this query then sees that one's certificate too.
        if not registry.decision_exists(session, decision.identity_key):
            check_name_bound(session, decision)
        decision_id = registry.insert_decision(session, _decision_values(decision, holder_id, photo_sha256, now))
        if decision_id is None:
            existing = registry.latest_certificate(session, decision.identity_key)
            if existing is None:  # impossible by construction: decision and reservation commit together
                raise RuntimeError(f"decision {decision.identity_key} has no certificate")
            return Reservation.of(existing)
        year = office_date(now).year
        number = format_number(settings.office_code, year, registry.allocate_seq(session, settings.office_code, year))
        reservation = reserve_certificate(
            session, decision_id=decision_id, office_code=settings.office_code, number=number, version=1, at=now
        )
        audit.append(
            session,
            actor=issuance.actor,
            action="certificate.reserved",
            subject=f"certificate:{number}/v1",
            payload={"decision": decision.identity_key, "number": number, "version": 1},
            at=now,
        )
        return reservation


def _sign_and_complete(
    issuance: Issuance,
    decision: Decision,
    reservation: Reservation,
    photo: bytes | None,
    on_completed: OnCompleted | None,
) -> IssueOutcome:
    with produce(issuance, decision, reservation, photo=photo) as produced:
        outcome = _completion(issuance, decision, reservation, produced)
        if on_completed is not None:
            on_completed(produced.session, outcome)
        return outcome


def _completion(issuance: Issuance, decision: Decision, reservation: Reservation, produced: Produced) -> IssueOutcome:
    if produced.completed:
        done = produced.reservation
        audit.append(
            produced.session,
            actor=issuance.actor,
            action="certificate.issued",
            subject=f"certificate:{done.number}/v{done.version}",
            payload={"number": done.number, "version": done.version, "sha256": done.sha256},
            at=produced.at,
        )
        return _outcome(decision, done, IssueStatus.ISSUED)
    # Another worker completed the same reservation first; its PDF is the one of record.
    winner = produced.session.get(Certificate, reservation.certificate_id)
    if winner is None:  # ... or released it after failing: this row is issued by a re-run
        raise IssuerError(f"reservation of {reservation.number} was released by another worker")
    return _outcome(decision, Reservation.of(winner), IssueStatus.ALREADY_ISSUED)


def _decision_values(decision: Decision, holder_id: int, photo_sha256: str | None, now: Any) -> dict[str, Any]:
    return {
        **snapshot_values(decision),
        "identity_key": decision.identity_key,
        "holder_id": holder_id,
        "photo_sha256": photo_sha256,
        "source": "csv" if decision.provenance is None else "legacy",
        # Folded for the verifier's lookup (``ecert.vocab.paper_numbers``); printed as given.
        "paper_number": normalise_paper_number(decision.provenance.paper_number) if decision.provenance else None,
        "provenance": decision.provenance.as_json() if decision.provenance else None,
        "created_at": now,
    }


def _outcome(decision: Decision, reservation: Reservation, status: IssueStatus) -> IssueOutcome:
    return IssueOutcome(
        row=decision.row,
        status=status,
        number=reservation.number,
        token=reservation.token,
        version=reservation.version,
        certificate_status=reservation.status.value,
        sha256=reservation.sha256 or "",
    )
