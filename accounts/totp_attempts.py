"""TOTP codes typed at the command line (``ecert revoke --granted-by``, ``ecert reinstate``),
counted per account.

The web login's per-account limit lives in Flask-Limiter's storage, which a separate command
process does not share; so each wrong code here is an audit event ``staff.totp_failed`` and
the count is read back from the log: after ``FAILURES`` wrong codes within ``WINDOW`` the
account's codes are refused unchecked until the window has passed. Counting, checking and
recording happen in one transaction.
"""

from __future__ import annotations

import enum
from datetime import datetime, timedelta

from sqlalchemy import func, select

from accounts.staff import totp_accepted
from ecert import audit
from ecert.db import Database
from ecert.models import AuditEvent

FAILURES = 5
WINDOW = timedelta(minutes=15)
FAILED = "staff.totp_failed"


class Attempt(enum.Enum):
    ACCEPTED = "accepted"
    WRONG = "wrong"  # recorded; refused
    LOCKED = "locked"  # too many wrong codes lately: refused without looking at the code


def check_totp_counted(db: Database, account_id: int, code: str, *, now: datetime, actor: str) -> Attempt:
    """Check ``code`` for the staff account, counting and auditing a wrong one."""
    subject = f"account:{account_id}"
    with db.write() as session:
        failures = session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == FAILED, AuditEvent.subject == subject, AuditEvent.occurred_at > now - WINDOW)
        )
        if (failures or 0) >= FAILURES:
            return Attempt.LOCKED
        if totp_accepted(session, account_id, code, now=now):
            return Attempt.ACCEPTED
        audit.append(session, actor=actor, action=FAILED, subject=subject, payload={"via": "cli"}, at=now)
        return Attempt.WRONG
