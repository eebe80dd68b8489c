"""The holder's certificates, read from the registry (no words: the views give them)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ecert.models import Certificate, CertificateStatus, Decision


@dataclass(frozen=True)
class HeldCertificate:
    id: int
    number: str
    version: int
    status: CertificateStatus
    qualification: str
    level: str
    series: str
    specialty: str
    grant_date: date
    issued_at: datetime | None
    token: str
    pdf_sha256: str | None
    pdf_size: int | None


def held_by(session: Session, holder_id: int) -> list[HeldCertificate]:
    """Every issued version of the holder's certificates: by number, the newest version first."""
    rows = session.execute(
        select(Certificate, Decision)
        .join(Decision, Certificate.decision_id == Decision.id)
        .where(Decision.holder_id == holder_id, Certificate.status != CertificateStatus.PENDING)
        .order_by(Certificate.number, Certificate.version.desc())
    ).all()
    return [_held(certificate, decision) for certificate, decision in rows]


def one_held_by(session: Session, holder_id: int, certificate_id: int) -> HeldCertificate | None:
    """The certificate version ``certificate_id`` if it is the holder's; otherwise None."""
    row = session.execute(
        select(Certificate, Decision)
        .join(Decision, Certificate.decision_id == Decision.id)
        .where(
            Certificate.id == certificate_id,
            Decision.holder_id == holder_id,
            Certificate.status != CertificateStatus.PENDING,
        )
    ).first()
    return _held(row[0], row[1]) if row else None


def _held(certificate: Certificate, decision: Decision) -> HeldCertificate:
    return HeldCertificate(
        id=certificate.id,
        number=certificate.number,
        version=certificate.version,
        status=certificate.status,
        qualification=decision.qualification,
        level=decision.level,
        series=decision.series,
        specialty=decision.specialty,
        grant_date=decision.approval_date,
        issued_at=certificate.issued_at,
        token=certificate.token,
        pdf_sha256=certificate.pdf_sha256,
        pdf_size=certificate.pdf_size,
    )
