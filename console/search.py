"""Search the registry by number, name or ID number: staff see personal data, so each
search that shows any is an audit event naming who searched, for what, and what was shown;
so are viewing a certificate's versions and downloading one version's PDF."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from ecert import audit
from ecert.db import Database
from ecert.models import Certificate, CertificateStatus, Decision, Holder
from ecert.storage import BlobStore
from ecert.stored import read_stored
from ecert.vocab.idnumber import check_id_number, normalise_id_number
from ecert.vocab.names import normalise_name
from ecert.vocab.numbering import parse_number

LIMIT = 50


@dataclass(frozen=True)
class Found:
    number: str
    version: int
    status: CertificateStatus
    name: str
    id_number: str
    qualification: str
    grant_date: date


def search(db: Database, query: str, *, actor: str, now: datetime) -> list[Found]:
    """Certificates whose number, holder's name or ID number is ``query`` (exact, as
    normalised), newest versions first; at most ``LIMIT``."""
    text = query.strip()
    if not text:
        return []
    conditions = [Decision.name == normalise_name(text)]
    try:
        conditions.append(Certificate.number == parse_number(text).text)
    except Exception:  # not a number: the other fields may still match
        pass
    id_number = normalise_id_number(text)
    if check_id_number(id_number) is None:
        conditions.append(Holder.id_number == id_number)
    with db.write() as session:
        found = _issued(session, or_(*conditions))
        if found:
            audit.append(
                session,
                actor=actor,
                action="console.search",
                subject="registry",
                payload={"query": text[:64], "shown": sorted({f"{f.number} v{f.version}" for f in found})},
                at=now,
            )
    return found


def versions_of(db: Database, number: str, *, actor: str, now: datetime) -> list[Found]:
    """Every issued version of ``number``, newest first; viewing them is an audit event."""
    with db.write() as session:
        found = _issued(session, Certificate.number == number)
        if found:
            audit.append(
                session, actor=actor, action="console.viewed", subject=f"certificate:{number}",
                payload={"versions": [f.version for f in found]}, at=now,
            )  # fmt: skip
    return found


def _issued(session: Session, condition: ColumnElement[bool]) -> list[Found]:
    """Issued versions matching ``condition``: by number, the newest version first; at most ``LIMIT``."""
    rows = session.execute(
        select(Certificate, Decision, Holder)
        .join(Decision, Certificate.decision_id == Decision.id)
        .join(Holder, Decision.holder_id == Holder.id)
        .where(condition, Certificate.status != CertificateStatus.PENDING)
        .order_by(Certificate.number, Certificate.version.desc())
        .limit(LIMIT)
    ).all()
    return [
        Found(c.number, c.version, c.status, d.name, h.id_number, d.qualification, d.approval_date) for c, d, h in rows
    ]


def stored_version(
    db: Database, store: BlobStore, number: str, version: int, *, actor: str, now: datetime
) -> bytes | None:
    """The signed PDF of one version, checked against its registered SHA-256 (None: no such
    signed version); handing it out is an audit event, like viewing it."""
    with db.write() as session:
        sha256 = session.scalar(
            select(Certificate.pdf_sha256).where(
                Certificate.number == number,
                Certificate.version == version,
                Certificate.status != CertificateStatus.PENDING,
            )
        )
        if sha256 is None:
            return None
        data = read_stored(store, sha256, number=number, version=version)
        audit.append(
            session, actor=actor, action="console.downloaded", subject=f"certificate:{number}/v{version}",
            payload={"sha256": sha256}, at=now,
        )  # fmt: skip
    return data
