"""What the dashboard counts besides the registry: checks by the verifier (its daily
counters, ``ecert.verifications``) and the open reviews, which today are the holders'
correction requests (``portal.corrections``); the legacy conversions' queue joins here
when it exists."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from console.dashboard import Month, ReviewQueue
from ecert.models import CorrectionRequest, VerificationCount
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
    """Correction requests not yet answered, and since when the oldest has waited."""
    count, oldest = session.execute(
        select(func.count(CorrectionRequest.id), func.min(CorrectionRequest.created_at)).where(
            CorrectionRequest.status == OPEN
        )
    ).one()
    return ReviewQueue(open=int(count), oldest_since=oldest)
