"""Correction requests: a holder says what is wrong on a certificate of theirs (with an
optional attachment, already cleaned by ``portal.attachments``); staff answer it, accepted
(they then correct through the console) or declined with a message; the answer reaches the
holder as a notice (``ecert.notifications``: in 我的证书 and through the notifier). Each state change with its audit event, in one transaction.

Every holder-side read takes the holder's id: another holder's request is None (a 404).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, case, select
from sqlalchemy.orm import Session

from accounts.notifier import Notifier
from ecert import audit
from ecert.db import Database
from ecert.models import CertificateStatus, CorrectionRequest, Holder
from ecert.notifications import deliver, notify
from ecert.storage import BlobStore
from portal.attachments import Cleaned
from portal.certificates import one_held_by

# The certificate's fields a holder can point at (words: portal.correction_words).
FIELDS = (
    "name", "gender", "employer", "series", "specialty", "level", "qualification",
    "approval_date", "approving_body", "doc_no", "photo", "other",
)  # fmt: skip
OPEN, ANSWERED = "open", "answered"
ACCEPTED, DECLINED = "accepted", "declined"


@dataclass(frozen=True)
class Request:
    id: int
    holder_id: int
    holder_name: str
    certificate_number: str
    field: str
    what_is_wrong: str
    attachment_sha256: str | None
    attachment_name: str | None
    attachment_type: str | None
    status: str
    outcome: str | None
    answer_text: str | None
    answered_by: str | None
    answered_at: datetime | None
    created_at: datetime


def submit(
    db: Database,
    store: BlobStore,
    *,
    holder_id: int,
    account_id: int,
    certificate_id: int,
    field: str,
    what_is_wrong: str,
    attachment: Cleaned | None,
    attachment_name: str | None,
    now: datetime,
) -> int | None:
    """The new request's id, or None when the certificate is not the holder's current one."""
    # Content-addressed: a blob stored for a request that then fails is harmless and unnamed.
    sha256 = store.put(attachment.data) if attachment is not None else None
    with db.write() as session:
        held = one_held_by(session, holder_id, certificate_id)
        if held is None or held.status != CertificateStatus.VALID:
            return None
        row = CorrectionRequest(
            holder_id=holder_id,
            account_id=account_id,
            certificate_number=held.number,
            field=field,
            what_is_wrong=what_is_wrong,
            attachment_sha256=sha256,
            attachment_name=(attachment_name or "")[:200] if attachment is not None else None,
            attachment_type=attachment.content_type if attachment is not None else None,
            status=OPEN,
            created_at=now,
        )
        session.add(row)
        session.flush()
        audit.append(
            session,
            actor=f"account:{account_id}",
            action="correction.requested",
            subject=f"correction:{row.id}",
            payload={"number": held.number, "field": field, "attachment_sha256": sha256},
            at=now,
        )
        return row.id


def answer(
    db: Database,
    notifier: Notifier | None,
    request_id: int,
    *,
    outcome: str,
    text: str,
    actor: str,
    now: datetime,
) -> bool:
    """Answer an open request; False when there is no such request or it is answered already."""
    with db.write() as session:
        row = session.get(CorrectionRequest, request_id, with_for_update=True)
        if row is None or row.status != OPEN:
            return False
        row.status, row.outcome, row.answer_text = ANSWERED, outcome, text
        row.answered_by, row.answered_at = actor, now
        audit.append(
            session,
            actor=actor,
            action="correction.answered",
            subject=f"correction:{row.id}",
            payload={"number": row.certificate_number, "outcome": outcome},
            at=now,
        )
        notice = notify(
            session,
            row.holder_id,
            "correction.answered",
            number=row.certificate_number,
            at=now,
            outcome=outcome,
            request_id=row.id,
        )
    deliver(db, notifier, [notice.id], at=now)
    return True


def viewed(db: Database, request_id: int, *, actor: str, now: datetime) -> Request | None:
    """The request as staff read it (the holder's name, ID number and words), that reading audited."""
    with db.write() as session:
        found = _one(session, request_id)
        if found is not None:
            audit.append(
                session, actor=actor, action="correction.viewed", subject=f"correction:{request_id}", payload={}, at=now
            )
        return found


def attachment_viewed(db: Database, request_id: int, *, actor: str, now: datetime) -> Request | None:
    """The request whose attachment staff are about to open, with that opening audited."""
    with db.write() as session:
        found = _one(session, request_id)
        if found is None or found.attachment_sha256 is None:
            return None
        audit.append(
            session,
            actor=actor,
            action="correction.attachment_viewed",
            subject=f"correction:{request_id}",
            payload={"sha256": found.attachment_sha256},
            at=now,
        )
        return found


def of_holder(session: Session, holder_id: int) -> list[Request]:
    rows = session.execute(_query().where(CorrectionRequest.holder_id == holder_id)).all()
    return [_request(row, name) for row, name in rows]


def one_of_holder(session: Session, holder_id: int, request_id: int) -> Request | None:
    found = _one(session, request_id)
    return found if found is not None and found.holder_id == holder_id else None


def queue(session: Session) -> list[Request]:
    """Open requests first (oldest first: they have waited longest), then answered ones."""
    is_open = case((CorrectionRequest.status == OPEN, 0), else_=1)
    rows = session.execute(
        select(CorrectionRequest, Holder.name)
        .join(Holder, CorrectionRequest.holder_id == Holder.id)
        .order_by(is_open, CorrectionRequest.id)
        .limit(500)
    ).all()
    return [_request(row, name) for row, name in rows]


def one(session: Session, request_id: int) -> Request | None:
    return _one(session, request_id)


def _one(session: Session, request_id: int) -> Request | None:
    row = session.execute(_query().where(CorrectionRequest.id == request_id)).first()
    return _request(row[0], row[1]) if row else None


def _query() -> Select[CorrectionRequest, str]:
    return (
        select(CorrectionRequest, Holder.name)
        .join(Holder, CorrectionRequest.holder_id == Holder.id)
        .order_by(CorrectionRequest.id.desc())
    )


def _request(row: CorrectionRequest, holder_name: str) -> Request:
    return Request(
        id=row.id,
        holder_id=row.holder_id,
        holder_name=holder_name,
        certificate_number=row.certificate_number,
        field=row.field,
        what_is_wrong=row.what_is_wrong,
        attachment_sha256=row.attachment_sha256,
        attachment_name=row.attachment_name,
        attachment_type=row.attachment_type,
        status=row.status,
        outcome=row.outcome,
        answer_text=row.answer_text,
        answered_by=row.answered_by,
        answered_at=row.answered_at,
        created_at=row.created_at,
    )
