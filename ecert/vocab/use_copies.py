"""Use copies (加注件): the rules every package applies alike, as pure functions.

A holder makes a copy of a valid certificate for a named recipient and purpose, valid to
the end of an office-local day (有效期至 that day, Asia/Shanghai) at most ``MAX_DAYS``
days ahead; at most ``LIMIT`` copies per certificate are made in any rolling ``WINDOW``
(withdrawn copies count: withdrawing is no way around the limit). The copy's own state
is computed from the clock at read time, so nothing has to run for a copy to expire.
"""

from __future__ import annotations

import enum
from datetime import date, datetime, time, timedelta

from ecert.clock import OFFICE_TZ, office_date

MAX_DAYS = 90  # the latest 有效期至 is today + 90 days
DEFAULT_DAYS = 30  # what the form proposes
LIMIT = 3  # copies per certificate ...
WINDOW = timedelta(days=90)  # ... in any rolling 90 days, withdrawn ones included
# Characters of the recipient and of the purpose: with them the annotation still fits one
# printed line at 6 pt (about 76 characters across 170 mm).
MAX_LENGTH = {"recipient": 30, "purpose": 20}


class UseCopyState(enum.StrEnum):
    VALID = "valid"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"


def ends_at(valid_until: date) -> datetime:
    """The moment a copy valid until ``valid_until`` stops: the end of that office-local day."""
    return datetime.combine(valid_until + timedelta(days=1), time(0), OFFICE_TZ)


def state(valid_until: date, withdrawn_at: datetime | None, now: datetime) -> UseCopyState:
    """The copy's own state at ``now``; withdrawn wins over expired (the holder's act)."""
    if withdrawn_at is not None:
        return UseCopyState.WITHDRAWN
    return UseCopyState.EXPIRED if now >= ends_at(valid_until) else UseCopyState.VALID


def latest_end(now: datetime) -> date:
    return office_date(now) + timedelta(days=MAX_DAYS)


def default_end(now: datetime) -> date:
    return office_date(now) + timedelta(days=DEFAULT_DAYS)


def printed_date(day: date) -> str:
    """2026年12月26日: the form the certificate prints dates in."""
    return f"{day.year}年{day.month}月{day.day}日"


def annotation(recipient: str, purpose: str, valid_until: date) -> str:
    """The annotation printed across the copy (always Chinese: it is part of the document)."""
    return f"仅供 {recipient} {purpose} 使用，有效期至 {printed_date(valid_until)}"
