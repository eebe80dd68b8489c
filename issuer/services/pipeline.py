"""The one production line of a certificate version: reserve, render, sign, store, complete.

A first issue (``issuance``), a correction (``lifecycle``) and a use copy (``use_copy``)
differ only in what they reserve and in what else commits with the completion (an audit
event, superseding the previous version). A use copy reserves nothing (it has no number):
it reuses :func:`certificate_view` with its own token, and inserts its row already signed
(``issuer.services.use_copy``). What they share is here:

- :func:`reserve_certificate` adds the ``pending`` row of a version, with a new token,
  inside the caller's reservation transaction;
- :func:`produce` renders and signs the PDF outside any transaction (slow signing never
  holds a lock), stores it by hash, then opens the completing transaction and flips the row
  from ``pending`` to ``valid``. The caller writes the rest of the completion in that same
  transaction; raising there rolls all of it back.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, Protocol

from sqlalchemy import update
from sqlalchemy.orm import Session

from ecert import audit
from ecert.clock import Clock, office_date
from ecert.db import Database
from ecert.models import Certificate, CertificateStatus
from ecert.qr_claim import ClaimFields, claim_url
from ecert.settings import Settings
from ecert.storage import BlobStore
from ecert.vocab.masking import mask_name
from ecert.vocab.numbering import parse_number
from ecert.vocab.titles import GRANT_ROUTES
from ecert.vocab.tokens import new_token
from issuer import registry
from issuer.decisions import Decision
from issuer.qr.claims import ClaimSigner
from issuer.rendering.layout import SEAL_BOX, CertificateView, PaperOrigin

RECORD_SCHEMA = "https://ecert.invalid/schema/certificate/1"


class Renderer(Protocol):
    def render(self, view: CertificateView) -> bytes: ...
    def unprintable(self, text: str) -> list[str]: ...
    def unfit(self, view: CertificateView) -> list[str]: ...


class Signer(Protocol):
    def sign(self, pdf: bytes, *, seal_png: bytes, box: tuple[float, float, float, float]) -> bytes: ...


@dataclass(frozen=True)
class Issuance:
    """What producing certificates needs, built once per process and passed to each call."""

    db: Database
    store: BlobStore
    renderer: Renderer
    signer: Signer
    settings: Settings
    clock: Clock
    seal_png: bytes
    claim_signer: ClaimSigner  # signs the claim carried in the QR URL
    actor: str = "system"
    # Record settings.public_url over a different one recorded in the database
    # (``issuer.services.public_url``); an operator's explicit act, never a default.
    accept_public_url_change: bool = False


@dataclass(frozen=True)
class Reservation:
    """A certificate version's row as the production line sees it."""

    certificate_id: int
    number: str
    token: str
    version: int
    status: CertificateStatus
    sha256: str | None

    @classmethod
    def of(cls, certificate: Certificate) -> Reservation:
        return cls(
            certificate_id=certificate.id,
            number=certificate.number,
            token=certificate.token,
            version=certificate.version,
            status=CertificateStatus(certificate.status),
            sha256=certificate.pdf_sha256,
        )


def reserve_certificate(
    session: Session, *, decision_id: int, office_code: str, number: str, version: int, at: datetime
) -> Reservation:
    """The ``pending`` row of version ``version`` of ``number``, with a token of its own."""
    certificate = Certificate(
        decision_id=decision_id,
        office_code=office_code,
        number=number,
        version=version,
        token=new_token(),
        status=CertificateStatus.PENDING,
        reserved_at=at,
    )
    session.add(certificate)
    session.flush()
    return Reservation.of(certificate)


@dataclass(frozen=True)
class Produced:
    """The completing transaction, open: ``completed`` is false when another worker
    completed the same reservation first (its PDF is then the one of record, and
    ``reservation``, this attempt's valid version, is not what was stored)."""

    session: Session
    completed: bool
    reservation: Reservation
    at: datetime


@contextmanager
def produce(
    issuance: Issuance, decision: Decision, reservation: Reservation, *, photo: bytes | None
) -> Iterator[Produced]:
    """Render, sign and store ``reservation``'s PDF, then complete it in a write transaction
    that stays open for the caller's part of the completion."""
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
        done = replace(reservation, status=CertificateStatus.VALID, sha256=sha256)
        yield Produced(session=session, completed=bool(completed), reservation=done, at=now)


def certificate_view(
    decision: Decision,
    reservation: Reservation,
    settings: Settings,
    *,
    photo: bytes | None,
    issue_date: date,
    claim_signer: ClaimSigner,
) -> CertificateView:
    claim = claim_signer.sign(
        ClaimFields(
            number=reservation.number,
            masked_name=mask_name(decision.name),
            qualification=decision.qualification,
            grant_date=decision.approval_date,
            version=reservation.version,
            token=reservation.token,
            issue_date=issue_date,
        )
    )
    verify_url = claim_url(settings.verify_url(reservation.token), claim)
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
        # A certificate converted from paper says so in its signed record too; null when
        # it was born electronic.
        "provenance": _provenance_record(decision),
    }
    origin = decision.provenance
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
        provenance=PaperOrigin(origin.paper_number, origin.verified_by, origin.verified_on) if origin else None,
    )


def _provenance_record(decision: Decision) -> dict[str, str] | None:
    """The provenance as the embedded ``certificate.json`` carries it (the application's id
    stays in the registry: it means nothing outside it)."""
    origin = decision.provenance
    if origin is None:
        return None
    return {
        "converted_from": "paper",
        "paper_number": origin.paper_number,
        "verified_by": origin.verified_by,
        "verified_on": origin.verified_on.isoformat(),
    }


def release_reservation(issuance: Issuance, reservation: Reservation, error: Exception, *, action: str) -> bool:
    """Undo a reservation whose version could not be made, with its audit event ``action``:
    the pending row goes and, for a first version, its number is given to the next
    reservation (a correction's number stays its certificate's). False if it stays pending:
    the release failed too, or another worker completed it meanwhile."""
    now = issuance.clock()
    try:
        with issuance.db.write() as session:
            released = registry.drop_pending(session, reservation.certificate_id)
            if not released:
                return False
            if reservation.version == 1:
                number = parse_number(reservation.number)
                registry.release_seq(session, office_code=number.office_code, year=number.year, seq=number.seq, at=now)
            audit.append(
                session,
                actor=issuance.actor,
                action=action,
                subject=f"certificate:{reservation.number}/v{reservation.version}",
                payload={
                    "number": reservation.number,
                    "version": reservation.version,
                    "reason": f"{type(error).__name__}: {error}"[:500],
                },
                at=now,
            )
            return True
    except Exception:  # the database is gone too: the next run completes the pending row
        return False
