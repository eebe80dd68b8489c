"""Issuance service: approved decisions in, signed certificates out.

One decision goes through three steps, each safe to repeat:

1. *Reserve* (one write transaction): insert the holder and the decision (a decision
   already present means "already issued": idempotent on ``identity_key``), allocate
   the number, create the certificate row as ``pending`` with its token, audit it.
2. *Render and sign* outside any transaction, so slow signing never holds a lock.
3. *Complete* (one write transaction): store the PDF by hash, flip the row to
   ``valid`` with its SHA-256, audit it. Guarded by ``status = 'pending'``, so if
   two workers race on the same reservation only one completes.

A crash between 1 and 3 leaves a pending row; the next run finds it and finishes it
with the same number and token, so numbers have no gaps and no duplicates.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from sqlalchemy import update

from ecert import audit
from ecert.clock import Clock, office_date
from ecert.db import Database
from ecert.models import Certificate, CertificateStatus
from ecert.settings import Settings
from ecert.storage import BlobStore
from ecert.vocab.titles import GRANT_ROUTES
from issuer import registry
from issuer.decisions import Decision, RowError
from issuer.decisions.fields import snapshot_values
from ecert.vocab.numbering import format_number
from ecert.qr_claim import ClaimFields, claim_url
from issuer.rendering.layout import SEAL_BOX, CertificateView

RECORD_SCHEMA = "https://ecert.invalid/schema/certificate/1"


class Renderer(Protocol):
    def render(self, view: CertificateView) -> bytes: ...
    def unprintable(self, text: str) -> list[str]: ...


class Signer(Protocol):
    def sign(self, pdf: bytes, *, seal_png: bytes, box: tuple[float, float, float, float]) -> bytes: ...


class ClaimSigner(Protocol):
    """Signs the QR claim (``issuer.qr.claims``): fields in, base32 claim text out."""

    def sign(self, fields: ClaimFields) -> str: ...


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


@dataclass(frozen=True)
class Issuance:
    """What issuing needs, built once per process and passed to each call."""

    db: Database
    store: BlobStore
    renderer: Renderer
    signer: Signer
    settings: Settings
    clock: Clock
    seal_png: bytes
    actor: str = "system"
    # Signs the claim carried in the QR URL; None prints a QR without a claim (tests only:
    # the runtime always builds one).
    claim_signer: ClaimSigner | None = None


@dataclass(frozen=True)
class _Reservation:
    certificate_id: int
    number: str
    token: str
    version: int
    status: CertificateStatus
    sha256: str | None


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
    return outcomes


def issue_decision(issuance: Issuance, decision: Decision) -> IssueOutcome:
    photo = decision.photo.read_bytes() if decision.photo else None
    photo_sha256 = issuance.store.put(photo) if photo else None
    reservation = _reserve(issuance, decision, photo_sha256)
    if reservation.status is not CertificateStatus.PENDING:
        return _outcome(decision, reservation, IssueStatus.ALREADY_ISSUED)
    return _sign_and_complete(issuance, decision, reservation, photo)


def _reserve(issuance: Issuance, decision: Decision, photo_sha256: str | None) -> _Reservation:
    settings, now = issuance.settings, issuance.clock()
    with issuance.db.write() as session:
        holder_id = registry.holder_id(
            session, id_number=decision.id_number, name=decision.name, gender=decision.gender, at=now
        )
        decision_id = registry.insert_decision(session, _decision_values(decision, holder_id, photo_sha256, now))
        if decision_id is None:
            existing = registry.latest_certificate(session, decision.identity_key)
            if existing is None:  # impossible by construction: decision and reservation commit together
                raise RuntimeError(f"decision {decision.identity_key} has no certificate")
            return _reservation_of(existing)
        year = office_date(now).year
        number = format_number(settings.office_code, year, registry.allocate_seq(session, settings.office_code, year))
        certificate = Certificate(
            decision_id=decision_id,
            office_code=settings.office_code,
            number=number,
            version=1,
            token=registry.new_token(),
            status=CertificateStatus.PENDING,
            reserved_at=now,
        )
        session.add(certificate)
        session.flush()
        audit.append(
            session,
            actor=issuance.actor,
            action="certificate.reserved",
            subject=f"certificate:{number}/v1",
            payload={"decision": decision.identity_key, "number": number, "version": 1},
            at=now,
        )
        return _reservation_of(certificate)


def _sign_and_complete(
    issuance: Issuance, decision: Decision, reservation: _Reservation, photo: bytes | None
) -> IssueOutcome:
    now = issuance.clock()
    view = certificate_view(
        decision,
        reservation,
        issuance.settings,
        photo=photo,
        issue_date=office_date(now),
        claim_signer=issuance.claim_signer,
    )
    pdf = issuance.signer.sign(issuance.renderer.render(view), seal_png=issuance.seal_png, box=SEAL_BOX)
    sha256 = issuance.store.put(pdf)
    with issuance.db.write() as session:
        completed = registry.updated_rows(
            session,
            update(Certificate)
            .where(Certificate.id == reservation.certificate_id, Certificate.status == CertificateStatus.PENDING)
            .values(status=CertificateStatus.VALID, issued_at=now, pdf_sha256=sha256, pdf_size=len(pdf)),
        )
        if completed:
            audit.append(
                session,
                actor=issuance.actor,
                action="certificate.issued",
                subject=f"certificate:{reservation.number}/v{reservation.version}",
                payload={"number": reservation.number, "version": reservation.version, "sha256": sha256},
                at=now,
            )
            done = _Reservation(**{**reservation.__dict__, "status": CertificateStatus.VALID, "sha256": sha256})
            return _outcome(decision, done, IssueStatus.ISSUED)
        # Another worker completed the same reservation first; its PDF is the one of record.
        winner = session.get(Certificate, reservation.certificate_id)
        assert winner is not None
        return _outcome(decision, _reservation_of(winner), IssueStatus.ALREADY_ISSUED)


def certificate_view(
    decision: Decision,
    reservation: _Reservation,
    settings: Settings,
    *,
    photo: bytes | None,
    issue_date: date,
    claim_signer: ClaimSigner | None = None,
) -> CertificateView:
    verify_url = settings.verify_url(reservation.token)
    if claim_signer is not None:
        claim = claim_signer.sign(
            ClaimFields(
                number=reservation.number,
                name=decision.name,
                qualification=decision.qualification,
                grant_date=decision.approval_date,
                version=reservation.version,
                token=reservation.token,
                issue_date=issue_date,
            )
        )
        verify_url = claim_url(verify_url, claim)
    record: dict[str, Any] = {
        "schema": RECORD_SCHEMA,
        "number": reservation.number,
        "version": reservation.version,
        "verify_url": verify_url,
        "holder": {"name": decision.name, "gender": decision.gender, "id_number": decision.id_number},
        "employer": decision.employer,
        "title": {
            "series": decision.series,
            "specialty": decision.specialty,
            "level": decision.level,
            "qualification": decision.qualification,
        },
        "grant_route": decision.grant_route,
        "approval_date": decision.approval_date.isoformat(),
        "approving_body": decision.approving_body,
        "doc_no": decision.doc_no,
        "issue_date": issue_date.isoformat(),
        "issuing_office": {"code": settings.office_code, "name": settings.office_name},
    }
    return CertificateView(
        number=reservation.number,
        token=reservation.token,
        version=reservation.version,
        verify_url=verify_url,
        name=decision.name,
        gender=decision.gender,
        id_number=decision.id_number,
        employer=decision.employer,
        series=decision.series,
        specialty=decision.specialty,
        level=decision.level,
        qualification=decision.qualification,
        grant_route_label=GRANT_ROUTES[decision.grant_route],
        approval_date=decision.approval_date,
        approving_body=decision.approving_body,
        doc_no=decision.doc_no,
        issue_date=issue_date,
        office_name=settings.office_name,
        photo=photo,
        record=record,
    )


def _decision_values(decision: Decision, holder_id: int, photo_sha256: str | None, now: Any) -> dict[str, Any]:
    return {
        **snapshot_values(decision),
        "identity_key": decision.identity_key,
        "holder_id": holder_id,
        "photo_sha256": photo_sha256,
        "source": "csv",
        "created_at": now,
    }


def _reservation_of(certificate: Certificate) -> _Reservation:
    return _Reservation(
        certificate_id=certificate.id,
        number=certificate.number,
        token=certificate.token,
        version=certificate.version,
        status=CertificateStatus(certificate.status),
        sha256=certificate.pdf_sha256,
    )


def _outcome(decision: Decision, reservation: _Reservation, status: IssueStatus) -> IssueOutcome:
    return IssueOutcome(
        row=decision.row,
        status=status,
        number=reservation.number,
        token=reservation.token,
        version=reservation.version,
        certificate_status=reservation.status.value,
        sha256=reservation.sha256 or "",
    )

