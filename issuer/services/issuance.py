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

A crash between 1 and 3 leaves a pending row; the next run finds it and finishes it
with the same number and token, so numbers have no gaps and no duplicates.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from ecert import audit
from ecert.clock import office_date
from ecert.models import Certificate, CertificateStatus
from ecert.vocab.numbering import format_number
from issuer import registry
from issuer.decisions import Decision, RowError
from issuer.decisions.fields import snapshot_values
from issuer.services.identity import check_name_bound
from issuer.services.pipeline import Issuance, Renderer, Reservation, produce, reserve_certificate
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


PRINTED_COLUMNS = ("name", "employer", "series", "specialty", "qualification", "approving_body", "doc_no")


def split_printable(renderer: Renderer, decisions: Iterable[Decision]) -> tuple[list[Decision], list[RowError]]:
    """The decisions every character of which can be printed, and row errors for the rest.

    A decisions file is validated without fonts; this second look with the renderer's
    fonts keeps "an invalid row means nothing is issued" true for rare characters too.
    """
    printable, errors = [], []
    for decision in decisions:
        problems = unprintable_fields(renderer, decision)
        errors.extend(problems)
        if not problems:
            printable.append(decision)
    return printable, errors


def unprintable_fields(renderer: Renderer, decision: Decision) -> list[RowError]:
    """Row errors for the characters of ``decision`` that no font can print."""
    errors = []
    for column in PRINTED_COLUMNS:
        missing = renderer.unprintable(getattr(decision, column))
        if missing:
            chars = ", ".join(f"U+{ord(ch):04X} ({ch})" for ch in dict.fromkeys(missing))
            errors.append(RowError(decision.row, column, "unprintable", {"chars": chars}))
    return errors


def issue_decisions(
    issuance: Issuance, decisions: Iterable[Decision], *, on_done: Callable[[IssueOutcome], None] | None = None
) -> list[IssueOutcome]:
    outcomes = []
    for decision in decisions:
        outcome = issue_decision(issuance, decision)
        outcomes.append(outcome)
        if on_done is not None:
            on_done(outcome)
    audit.anchor_batch_end(issuance.db, at=issuance.clock())  # the batch's events, pinned outside the database
    return outcomes


def issue_decision(issuance: Issuance, decision: Decision) -> IssueOutcome:
    photo = decision.photo.read_bytes() if decision.photo else None
    photo_sha256 = issuance.store.put(photo) if photo else None
    reservation = _reserve(issuance, decision, photo_sha256)
    if reservation.status is not CertificateStatus.PENDING:
        return _outcome(decision, reservation, IssueStatus.ALREADY_ISSUED)
    return _sign_and_complete(issuance, decision, reservation, photo)


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
            session, id_number=decision.id_number, name=decision.name, gender=decision.gender, at=now
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
    issuance: Issuance, decision: Decision, reservation: Reservation, photo: bytes | None
) -> IssueOutcome:
    with produce(issuance, decision, reservation, photo=photo) as produced:
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
        assert winner is not None
        return _outcome(decision, Reservation.of(winner), IssueStatus.ALREADY_ISSUED)


def _decision_values(decision: Decision, holder_id: int, photo_sha256: str | None, now: Any) -> dict[str, Any]:
    return {
        **snapshot_values(decision),
        "identity_key": decision.identity_key,
        "holder_id": holder_id,
        "photo_sha256": photo_sha256,
        "source": "csv",
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
