"""Reading the audit log in the console: filtered pages of events, newest first, a
certificate's own trail, and actors shown by the staff username behind ``account:<id>``.

Reading never writes: the log's integrity is checked by ``ecert.audit.verify`` (the banner
of the page), not here.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from ecert.clock import OFFICE_TZ
from ecert.models import Account, AuditEvent

PER_PAGE = 50
TRAIL_LIMIT = 50


@dataclass(frozen=True)
class Filters:
    actor: str = ""  #: a staff username, or an actor as stored (``system``, ``cli:root``)
    action: str = ""  #: exact, e.g. ``certificate.corrected``
    subject: str = ""  #: any part, e.g. a certificate number
    since: date | None = None  #: office dates, both ends included
    until: date | None = None


@dataclass(frozen=True)
class Event:
    seq: int
    at: datetime  #: in the office's time zone
    actor: str  #: as stored
    actor_shown: str  #: the username for a staff or holder account
    action: str
    subject: str
    payload: dict[str, Any]

    @property
    def payload_text(self) -> str:
        """Compact JSON with Chinese as Chinese (Jinja's ``tojson`` would escape it)."""
        return (
            json.dumps(self.payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")) if self.payload else ""
        )


@dataclass(frozen=True)
class EventPage:
    events: list[Event]
    page: int
    has_next: bool


def events_page(session: Session, filters: Filters, page: int = 1) -> EventPage:
    page = max(page, 1)
    query = select(AuditEvent).where(*_conditions(session, filters)).order_by(AuditEvent.seq.desc())
    # One row more than a page says whether there is a next one without counting them all.
    rows = list(session.scalars(query.offset((page - 1) * PER_PAGE).limit(PER_PAGE + 1)))
    return EventPage(_shown(session, rows[:PER_PAGE]), page, len(rows) > PER_PAGE)


def certificate_trail(session: Session, number: str) -> list[Event]:
    """The newest events whose subject is ``number`` or one of its versions."""
    rows = session.scalars(
        select(AuditEvent).where(_of_certificate(number)).order_by(AuditEvent.seq.desc()).limit(TRAIL_LIMIT)
    )
    return _shown(session, list(rows))


def _of_certificate(number: str) -> ColumnElement[bool]:
    return or_(
        AuditEvent.subject == f"certificate:{number}",
        AuditEvent.subject.startswith(f"certificate:{number}/v", autoescape=True),
    )


def _conditions(session: Session, filters: Filters) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if filters.actor.strip():
        conditions.append(AuditEvent.actor.in_(_actors_named(session, filters.actor.strip())))
    if filters.action.strip():
        conditions.append(AuditEvent.action == filters.action.strip())
    if filters.subject.strip():
        conditions.append(AuditEvent.subject.contains(filters.subject.strip(), autoescape=True))
    if filters.since is not None:
        conditions.append(AuditEvent.occurred_at >= _office_midnight(filters.since))
    if filters.until is not None:
        conditions.append(AuditEvent.occurred_at < _office_midnight(filters.until + timedelta(days=1)))
    return conditions


def _actors_named(session: Session, text: str) -> list[str]:
    """The stored actors ``text`` may mean: the account with that login, and the text itself."""
    ids = session.scalars(select(Account.id).where(Account.login == text))
    return [text, *(f"account:{account_id}" for account_id in ids)]


def _office_midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=OFFICE_TZ)


def _shown(session: Session, rows: list[AuditEvent]) -> list[Event]:
    names = actor_names(session, (row.actor for row in rows))
    return [
        Event(
            seq=row.seq,
            at=row.occurred_at.astimezone(OFFICE_TZ),
            actor=row.actor,
            actor_shown=names.get(row.actor, row.actor),
            action=row.action,
            subject=row.subject,
            payload=row.payload,
        )
        for row in rows
    ]


def actor_names(session: Session, actors: Iterable[str]) -> dict[str, str]:
    """``account:<id>`` → that account's login, for those that exist (one query a page)."""
    ids = {int(actor[8:]) for actor in actors if actor.startswith("account:") and actor[8:].isdigit()}
    if not ids:
        return {}
    rows = session.execute(select(Account.id, Account.login, Account.kind).where(Account.id.in_(ids)))
    # A holder's login is their ID number: never shown whole in a list.
    return {f"account:{i}": (login if kind == "staff" else _masked(login)) for i, login, kind in rows}


def _masked(login: str) -> str:
    return login[:1] + "*" * max(len(login) - 2, 0) + login[-1:] if len(login) > 2 else login


def actions(session: Session) -> list[str]:
    """The actions the log holds, for the filter's list."""
    return list(session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))
