"""What the dashboard counts besides the registry: checks by the verifier (its daily
counters, ``ecert.verifications``) and the open reviews: the holders' correction requests
(``portal.corrections``) and the conversion applications waiting for staff
(``legacy_import.review``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from console.dashboard import Month, ReviewQueue
from ecert.models import CorrectionRequest, VerificationCount
from legacy_import import review as conversions
from portal.corrections import OPEN


def verified(session: Session, months: Sequence[Month]) -> Mapping[Month, int]:
    """Checks per office month, every check (detailed or only counted): the counters' days
    are office days already, so a month is a range of days, one indexed query."""
    if not months:
        return {}
    first, last = min(months), max(months)
    rows = session.execute(
        select(VerificationCount.day, func.sum(VerificationCount.count))
        .where(VerificationCount.day >= first.start.date(), VerificationCount.day < last.end.date())
        .group_by(VerificationCount.day)
    )
    counted: dict[Month, int] = {}
    for day, count in rows:
        month = Month(day.year, day.month)
        counted[month] = counted.get(month, 0) + int(count)
    return counted


def open_reviews(session: Session) -> ReviewQueue:
    """Correction requests not yet answered and conversion applications waiting for a
    reviewer or an approver, and since when the oldest of them has waited."""
    count, oldest = session.execute(
        select(func.count(CorrectionRequest.id), func.min(CorrectionRequest.created_at)).where(
            CorrectionRequest.status == OPEN
        )
    ).one()
    waiting, oldest_waiting = conversions.open_count(session)
    since = [moment for moment in (oldest, oldest_waiting) if moment is not None]
    return ReviewQueue(open=int(count) + waiting, oldest_since=min(since) if since else None)
