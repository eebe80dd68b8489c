"""The holder's use copies (加注件), read from the registry, with their state now (no words:
the views give them). Making and withdrawing them are ``issuer.services.use_copy``."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ecert.models import Certificate, CertificateStatus, Decision, UseCopy
from ecert.vocab import use_copies as rules
from verifier import status as statuses
from verifier.status import PublicStatus


@dataclass(frozen=True)
class HeldCopy:
    id: int
    certificate_id: int
    number: str
    version: int
    token: str
    recipient: str
    purpose: str
    valid_until: date
    created_at: datetime
    withdrawn_at: datetime | None
    pdf_sha256: str
    state: rules.UseCopyState  # the copy's own
    status: PublicStatus  # what its page says: the copy's state and its certificate's, the stronger

    @property
    def annotation(self) -> str:
        return rules.annotation(self.recipient, self.purpose, self.valid_until)


def _query():  # type: ignore[no-untyped-def]
    return (
        select(UseCopy, Certificate.number, Certificate.version, Certificate.status)
        .join(Certificate, UseCopy.certificate_id == Certificate.id)
        .join(Decision, Certificate.decision_id == Decision.id)
    )


def copies_of(session: Session, holder_id: int, now: datetime) -> dict[int, list[HeldCopy]]:
    """The holder's copies by certificate version id, the newest first."""
    rows = session.execute(_query().where(Decision.holder_id == holder_id).order_by(UseCopy.id.desc())).all()
    current = _current_statuses(session, {row.number for row in rows})
    found: dict[int, list[HeldCopy]] = defaultdict(list)
    for row in rows:
        copy = _held(*row, current=current.get(row.number), now=now)
        found[copy.certificate_id].append(copy)
    return dict(found)


def one_copy(session: Session, holder_id: int, copy_id: int, now: datetime) -> HeldCopy | None:
    """The use copy ``copy_id`` if it is the holder's; otherwise None (another holder's is 404)."""
    row = session.execute(_query().where(UseCopy.id == copy_id, Decision.holder_id == holder_id)).first()
    if row is None:
        return None
    return _held(*row, current=_current_statuses(session, {row.number}).get(row.number), now=now)


def _current_statuses(session: Session, numbers: set[str]) -> dict[str, tuple[int, CertificateStatus]]:
    """The latest issued version of each number and its status (a revocation there is the copy's too)."""
    latest: dict[str, tuple[int, CertificateStatus]] = {}
    rows = session.execute(
        select(Certificate.number, Certificate.version, Certificate.status).where(
            Certificate.number.in_(numbers), Certificate.status != CertificateStatus.PENDING
        )
    )
    for number, version, status in rows:
        if number not in latest or version > latest[number][0]:
            latest[number] = (version, status)
    return latest


def made_recently(copies: list[HeldCopy], now: datetime) -> int:
    """How many of a certificate's copies count against the limit now (withdrawn ones too)."""
    return sum(1 for copy in copies if copy.created_at > now - rules.WINDOW)


def _held(
    copy: UseCopy,
    number: str,
    version: int,
    own: CertificateStatus,
    *,
    current: tuple[int, CertificateStatus] | None,
    now: datetime,
) -> HeldCopy:
    state = rules.state(copy.valid_until, copy.withdrawn_at, now)
    # The certificate version's public status, weighed as a use copy's page weighs it (verifier.status).
    later = current[1] if current is not None and current[0] != version else None
    certificate = statuses.of_version(own, later)
    return HeldCopy(
        id=copy.id,
        certificate_id=copy.certificate_id,
        number=number,
        version=version,
        token=copy.token,
        recipient=copy.recipient,
        purpose=copy.purpose,
        valid_until=copy.valid_until,
        created_at=copy.created_at,
        withdrawn_at=copy.withdrawn_at,
        pdf_sha256=copy.pdf_sha256,
        state=state,
        status=statuses.prevailing([certificate, PublicStatus(state.value)]),
    )
