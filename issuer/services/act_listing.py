"""What a two-person act lists: the valid certificates one approval 文号 granted (the
preview), and the certificates an act names as they stand now. Staff see full names, so
each showing is an audit event (``console.listed``), as a search is."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ecert import audit
from ecert.db import Database
from ecert.models import Certificate, CertificateStatus, Decision
from issuer.services.reinstatement import checked_doc_no


@dataclass(frozen=True)
class Listed:
    """A certificate as a preview or an act lists it (staff see the full name)."""

    number: str
    version: int
    status: CertificateStatus
    name: str
    qualification: str


def granted_by(db: Database, doc_no: str, *, actor: str, now: datetime) -> list[Listed]:
    """The valid certificates whose decision bears ``doc_no`` (normalised), by number.
    Staff see full names: showing them is an audit event, as a search is."""
    doc_no = checked_doc_no(doc_no)
    with db.write() as session:
        found = granted_in(session, doc_no)
        _shown(session, found, actor=actor, subject=f"granted_by:{doc_no}", now=now)
        return found


def listed(db: Database, numbers: tuple[str, ...], *, actor: str, subject: str, now: datetime) -> list[Listed]:
    """The current version of each of ``numbers``, as they stand now, in that order (audited)."""
    with db.write() as session:
        rows = session.execute(
            select(Certificate, Decision)
            .join(Decision, Certificate.decision_id == Decision.id)
            .where(Certificate.number.in_(numbers), Certificate.status != CertificateStatus.PENDING)
            .order_by(Certificate.number, Certificate.version.desc())
        ).all()
        newest: dict[str, Listed] = {}
        for c, d in rows:
            newest.setdefault(c.number, Listed(c.number, c.version, c.status, d.name, d.qualification))
        found = [newest[n] for n in numbers if n in newest]
        _shown(session, found, actor=actor, subject=subject, now=now)
        return found


def _shown(session: Session, found: list[Listed], *, actor: str, subject: str, now: datetime) -> None:
    if found:
        audit.append(
            session, actor=actor, action="console.listed", subject=subject,
            payload={"shown": [f"{f.number} v{f.version}" for f in found]}, at=now,
        )  # fmt: skip


def listed_in(session: Session, number: str) -> Listed | None:
    row = session.execute(
        select(Certificate, Decision)
        .join(Decision, Certificate.decision_id == Decision.id)
        .where(Certificate.number == number, Certificate.status != CertificateStatus.PENDING)
        .order_by(Certificate.version.desc())
        .limit(1)
    ).first()
    return (
        None if row is None else Listed(row[0].number, row[0].version, row[0].status, row[1].name, row[1].qualification)
    )


def granted_in(session: Session, doc_no: str) -> list[Listed]:
    rows = session.execute(
        select(Certificate, Decision)
        .join(Decision, Certificate.decision_id == Decision.id)
        .where(Decision.doc_no == doc_no, Certificate.status == CertificateStatus.VALID)
        .order_by(Certificate.number)
    ).all()
    return [Listed(c.number, c.version, c.status, d.name, d.qualification) for c, d in rows]
