"""Time as a dependency: services take a ``Clock`` so tests can pin it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

Clock = Callable[[], datetime]

# Dates printed on certificates are the office's local dates.
OFFICE_TZ = ZoneInfo("Asia/Shanghai")


def utc_now() -> datetime:
    return datetime.now(UTC)


def office_date(moment: datetime) -> date:
    return moment.astimezone(OFFICE_TZ).date()
