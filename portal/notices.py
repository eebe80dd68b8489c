"""A holder's notices, read from and marked in the registry (no words: the views give them).

Every query takes the holder: another holder's notice is simply not found (404)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ecert import audit
from ecert.db import Database
from ecert.models import Notification


def notices_of(session: Session, holder_id: int) -> list[Notification]:
    """The holder's notices, newest first."""
    return list(
        session.scalars(
            select(Notification)
            .where(Notification.holder_id == holder_id)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
        )
    )


def unread_count(session: Session, holder_id: int) -> int:
    count = session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.holder_id == holder_id, Notification.read_at.is_(None))
    )
    return int(count or 0)


def mark_read(db: Database, holder_id: int, notice_id: int, *, actor: str, at: datetime) -> bool:
    """Mark the holder's notice read, with its audit event; False when it is not theirs.
    Marking a notice read twice keeps the first moment (and writes no second event)."""
    with db.write() as session:
        notice = session.scalars(
            select(Notification).where(Notification.id == notice_id, Notification.holder_id == holder_id)
        ).first()
        if notice is None:
            return False
        changed = session.execute(
            update(Notification)
            .where(Notification.id == notice_id, Notification.read_at.is_(None))
            .values(read_at=at)
            .execution_options(synchronize_session=False)
        )
        if getattr(changed, "rowcount", 0):
            audit.append(
                session,
                actor=actor,
                action="notification.read",
                subject=f"notification:{notice_id}",
                payload={"kind": notice.kind, "number": notice.number},
                at=at,
            )
    return True
