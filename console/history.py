"""A certificate's history from the audit trail: issued, corrected, revoked, reinstated.
The row holds only the present; a reinstated certificate's revocation lives on here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from ecert.db import Database
from ecert.models import AuditEvent

SHOWN = ("certificate.issued", "certificate.corrected", "certificate.revoked", "certificate.reinstated")


@dataclass(frozen=True)
class Event:
    action: str
    version: int
    at: datetime
    doc_no: str
    reason: str
    act: int | None


def history(db: Database, number: str) -> list[Event]:
    """The lifecycle events of every version of ``number``, oldest first."""
    with db.read() as session:
        rows = session.execute(
            select(AuditEvent.action, AuditEvent.subject, AuditEvent.occurred_at, AuditEvent.payload)
            .where(AuditEvent.action.in_(SHOWN), AuditEvent.subject.like(f"certificate:{number}/v%"))
            .order_by(AuditEvent.seq)
        ).all()
    events = []
    for action, subject, at, payload in rows:
        payload = payload if isinstance(payload, dict) else {}
        act = payload.get("act")
        events.append(
            Event(
                action=action,
                version=int(subject.rsplit("/v", 1)[1]),
                at=at,
                doc_no=str(payload.get("doc_no") or ""),
                reason=str(payload.get("reason") or "") if action != "certificate.corrected" else "",
                act=act if isinstance(act, int) else None,
            )
        )
    return events
