"""The console's dashboard counts: per office month, certificates issued, corrected and
revoked (from the registry) and whatever other features count (verifications); and the
queue of open reviews with how long they have waited.

Months are the office's (Asia/Shanghai): a certificate signed at 07:00 UTC on the 31st
belongs to the next month there. Their boundaries are computed here and compared with
the stored UTC moments, so one query of plain ``SUM(CASE …)`` serves SQLite and PostgreSQL
alike, with no date function of either dialect.

Counts that other features own come in as *sources*: a name and a function of the session
and the months. A name whose source is ``None`` (not built, or not deployed) is shown as
"—", never as a misleading 0.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.orm import Session

from ecert.clock import OFFICE_TZ
from ecert.models import Certificate, CertificateStatus


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    @property
    def start(self) -> datetime:
        """The first moment of the month in the office's time zone (aware)."""
        return datetime(self.year, self.month, 1, tzinfo=OFFICE_TZ)

    @property
    def end(self) -> datetime:
        return self.next().start

    def next(self) -> Month:
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    @property
    def label(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def last_months(now: datetime, count: int = 12) -> list[Month]:
    """The ``count`` office months up to and including the one ``now`` falls in, newest first."""
    local = now.astimezone(OFFICE_TZ)
    month = Month(local.year, local.month)
    months = [month]
    for _ in range(count - 1):
        first = months[-1].start - timedelta(days=1)
        months.append(Month(first.year, first.month))
    return months


#: A count per month, e.g. verifications: missing months count 0.
MonthlySource = Callable[[Session, Sequence[Month]], Mapping[Month, int]]


@dataclass(frozen=True)
class ReviewQueue:
    open: int
    oldest_since: datetime | None  #: when the longest-waiting open review was submitted


#: Open reviews now (``legacy_import``'s review queue, when it is there).
ReviewSource = Callable[[Session], ReviewQueue]


@dataclass(frozen=True)
class MonthRow:
    month: Month
    counts: Mapping[str, int | None]  #: None: no source for this count


@dataclass(frozen=True)
class Dashboard:
    names: tuple[str, ...]
    months: list[MonthRow]
    reviews: ReviewQueue | None  #: None: no review source
    waiting: timedelta | None  #: how long the oldest open review has waited

    def total(self, name: str) -> int | None:
        values = [row.counts[name] for row in self.months]
        return None if any(value is None for value in values) else sum(v or 0 for v in values)


def _issued_in(month: Month, condition: ColumnElement[bool], column: Any) -> Any:
    return func.coalesce(
        func.sum(case((and_(condition, column >= month.start, column < month.end), 1), else_=0)),
        0,
    )


def registry_counts(session: Session, months: Sequence[Month]) -> dict[str, dict[Month, int]]:
    """Issued (first versions), corrected (later versions) and revoked, per month: one query."""
    signed = Certificate.status != CertificateStatus.PENDING
    first = and_(signed, Certificate.version == 1)
    later = and_(signed, Certificate.version > 1)
    revoked = Certificate.revoked_at.is_not(None)
    measures = {
        "issued": (first, Certificate.issued_at),
        "corrected": (later, Certificate.issued_at),
        "revoked": (revoked, Certificate.revoked_at),
    }
    columns = [_issued_in(month, condition, column) for condition, column in measures.values() for month in months]
    values = list(session.execute(select(*columns)).one()) if months else []
    counts: dict[str, dict[Month, int]] = {}
    for i, name in enumerate(measures):
        counts[name] = {month: int(values[i * len(months) + j]) for j, month in enumerate(months)}
    return counts


REGISTRY_NAMES = ("issued", "corrected", "revoked")


def dashboard(
    session: Session,
    now: datetime,
    *,
    sources: Mapping[str, MonthlySource | None],
    reviews: ReviewSource | None,
    month_count: int = 12,
) -> Dashboard:
    """The registry's counts, then one column per named source (in the order given)."""
    months = last_months(now, month_count)
    counted: dict[str, Mapping[Month, int] | None] = dict(registry_counts(session, months))
    for name, source in sources.items():
        counted[name] = source(session, months) if source is not None else None
    rows = [
        MonthRow(
            month, {name: (None if by_month is None else by_month.get(month, 0)) for name, by_month in counted.items()}
        )
        for month in months
    ]
    queue = reviews(session) if reviews is not None else None
    waiting = now - queue.oldest_since if queue is not None and queue.oldest_since is not None else None
    return Dashboard(tuple(counted), rows, queue, waiting)
