"""Registry writes the issuer needs: holders, decisions, number allocation, reservations.

Every function here runs inside the caller's write transaction. The statements are
written so that several processes issuing at once neither duplicate a decision nor
hand out a number twice: ``INSERT ... ON CONFLICT`` on unique keys and an atomic
counter upsert (``... DO UPDATE SET last_seq = last_seq + 1 RETURNING last_seq``).
A released number (``release_seq``) is handed out again before the counter moves:
the ``DELETE`` that takes it succeeds for one transaction only.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, Delete, Table, Update, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ecert.models import (
    Certificate,
    CertificateStatus,
    Decision,
    DeploymentSetting,
    Holder,
    NumberCounter,
    ReleasedNumber,
)
from ecert.vocab.numbering import seq_is_usable


def _insert(session: Session, table: Table) -> Any:
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"database dialect {dialect} is not supported")


def allocate_seq(session: Session, office_code: str, year: int) -> int:
    """Next usable sequence number for (office, year), atomically.

    MOD 37-2 gives ``*`` as check character for about one sequence in 37; those are
    skipped (the same ones on every machine), so no printed number carries a ``*``.
    """
    reused = _take_released(session, office_code, year)
    if reused is not None:
        return reused
    while True:
        seq = _next_seq(session, office_code, year)
        if seq_is_usable(office_code, year, seq):
            return seq


def _take_released(session: Session, office_code: str, year: int) -> int | None:
    """The smallest released number of (office, year), taken; None when there is none."""
    where = (ReleasedNumber.office_code == office_code, ReleasedNumber.year == year)
    while True:
        seq = session.scalar(select(func.min(ReleasedNumber.seq)).where(*where))
        if seq is None:
            return None
        # A concurrent transaction may take the same one first: then this DELETE finds
        # nothing (PostgreSQL re-reads the row after the other commits) and we look again.
        if updated_rows(session, delete(ReleasedNumber).where(*where, ReleasedNumber.seq == seq)):
            return int(seq)


def drop_pending(session: Session, certificate_id: int) -> bool:
    """Undo a reservation whose version could not be made: the pending row goes, and its
    decision with it when no other version uses it (a re-run then issues the decision
    afresh). False when the row is no longer pending (another worker completed it)."""
    certificate = session.get(Certificate, certificate_id)
    if certificate is None or certificate.status != CertificateStatus.PENDING:
        return False
    decision_id = certificate.decision_id
    session.delete(certificate)
    session.flush()
    others = session.scalar(select(func.count()).select_from(Certificate).where(Certificate.decision_id == decision_id))
    if not others:
        session.execute(delete(Decision).where(Decision.id == decision_id))
    return True


def release_seq(session: Session, *, office_code: str, year: int, seq: int, at: datetime) -> None:
    """Give a reserved sequence number back: the next ``allocate_seq`` of the office and year takes it."""
    session.add(ReleasedNumber(office_code=office_code, year=year, seq=seq, released_at=at))
    session.flush()


def _next_seq(session: Session, office_code: str, year: int) -> int:
    table = NumberCounter.__table__
    stmt = (
        _insert(session, table)  # type: ignore[arg-type]
        .values(office_code=office_code, year=year, last_seq=1)
        .on_conflict_do_update(
            index_elements=[table.c.office_code, table.c.year],
            set_={"last_seq": table.c.last_seq + 1},
        )
        .returning(table.c.last_seq)
    )
    return int(session.execute(stmt).scalar_one())


def holder_id(
    session: Session, *, id_number: str, name: str, gender: str, at: datetime, mobile: str | None = None
) -> int:
    """The holder's row id, inserted if new; a mobile number given replaces the one known."""
    table = Holder.__table__
    session.execute(
        _insert(session, table)  # type: ignore[arg-type]
        .values(id_number=id_number, name=name, gender=gender, mobile=mobile, created_at=at)
        .on_conflict_do_nothing(index_elements=[table.c.id_number])
    )
    if mobile:
        session.execute(update(Holder).where(Holder.id_number == id_number).values(mobile=mobile))
    return int(session.execute(select(Holder.id).where(Holder.id_number == id_number)).scalar_one())


def names_of_id_number(session: Session, id_number: str) -> list[tuple[str, str]]:
    """(name, certificate number) of every live version of the holder's certificates, the
    latest first: the names the ID number is bound to.

    Live means valid, or pending (reserved; the next run completes it). A correction's new
    version carries the corrected name, so a corrected name is the bound one; a certificate
    that was only revoked binds nothing (it may have been revoked for a wrong ID number).
    """
    rows = session.execute(
        select(Decision.name, Certificate.number)
        .join(Certificate, Certificate.decision_id == Decision.id)
        .join(Holder, Decision.holder_id == Holder.id)
        .where(Holder.id_number == id_number)
        .where(Certificate.status.in_((CertificateStatus.VALID, CertificateStatus.PENDING)))
        .order_by(Certificate.id.desc())
    ).all()
    return [(row.name, row.number) for row in rows]


def decision_exists(session: Session, identity_key: str) -> bool:
    return session.scalar(select(Decision.id).where(Decision.identity_key == identity_key).limit(1)) is not None


def insert_decision(session: Session, values: dict[str, Any]) -> int | None:
    """Insert a decision; ``None`` when one with the same identity already exists."""
    table = Decision.__table__
    stmt = (
        _insert(session, table)  # type: ignore[arg-type]
        .values(**values)
        .on_conflict_do_nothing(index_elements=[table.c.identity_key])
        .returning(table.c.id)
    )
    inserted = session.execute(stmt).scalar_one_or_none()
    return None if inserted is None else int(inserted)


def insert_setting(session: Session, *, key: str, value: str, at: datetime, by: str) -> bool:
    """Record a deployment setting unless one is recorded already; whether this call did."""
    table = DeploymentSetting.__table__
    stmt = (
        _insert(session, table)  # type: ignore[arg-type]
        .values(key=key, value=value, updated_at=at, updated_by=by)
        .on_conflict_do_nothing(index_elements=[table.c.key])
        .returning(table.c.key)
    )
    return session.execute(stmt).scalar_one_or_none() is not None


def latest_certificate(session: Session, identity_key: str) -> Certificate | None:
    return session.scalars(
        select(Certificate)
        .join(Decision, Certificate.decision_id == Decision.id)
        .where(Decision.identity_key == identity_key)
        .order_by(Certificate.version.desc())
        .limit(1)
    ).first()


def updated_rows(session: Session, statement: Update | Delete) -> int:
    """Run an UPDATE (or DELETE) and return how many rows it changed (its guard held for that many)."""
    return cast(CursorResult[Any], session.execute(statement)).rowcount
