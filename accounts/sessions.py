"""Login sessions in the database, so that a logout holds on every worker and machine.

The session itself is Flask's signed cookie (the app's secret key, the same in every
process), which any worker can read. What a cookie cannot carry is its own end: after a
logout, a copy of the cookie taken before it would still be signed and still be accepted.
So each login opens a ``LoginSession`` row named by a random token that the cookie holds
(Flask-Login's user id, ``accounts.users``), every request checks the row, and a logout or
an idle staff timeout ends it, with its audit event, in one transaction.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, update
from sqlalchemy.orm import Session

from ecert import audit
from ecert.db import Database
from ecert.models import LoginSession

LOGOUT = "logout"
IDLE = "idle"  # a staff session unused for longer than accounts.extension.STAFF_IDLE_SECONDS


def token_digest(token: str) -> str:
    """What the table keeps of a token: someone reading the database cannot replay it."""
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(session: Session, account_id: int, now: datetime) -> str:
    """A new login session in the caller's transaction (the login's own); its token."""
    token = secrets.token_urlsafe(24)
    session.add(LoginSession(token_sha256=token_digest(token), account_id=account_id, started_at=now))
    return token


def end_session(db: Database, account_id: int, token: str, *, reason: str, now: datetime) -> bool:
    """End the account's session named by ``token``; False when it had ended already (two
    logouts racing on two workers write one event)."""
    with db.write() as session:
        statement = (
            update(LoginSession)
            .where(
                LoginSession.token_sha256 == token_digest(token),
                LoginSession.account_id == account_id,
                LoginSession.ended_at.is_(None),
            )
            .values(ended_at=now, end_reason=reason)
        )
        if cast(CursorResult[Any], session.execute(statement)).rowcount != 1:
            return False
        subject = f"account:{account_id}"
        audit.append(
            session, actor=subject, action="account.logout", subject=subject, payload={"reason": reason}, at=now
        )
        return True
