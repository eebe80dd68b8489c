"""Append-only, hash-chained audit log.

Each event's ``hash`` is SHA-256 over its canonical form, which includes the previous
event's hash; the first event chains to ``GENESIS``. ``append`` must run inside the
caller's write transaction, so a state change and its event commit together.

Forks are impossible by construction: ``seq`` and ``prev_hash`` are unique, and
appenders are serialised (SQLite: ``BEGIN IMMEDIATE``; PostgreSQL: a transaction-level
advisory lock), so concurrent writers queue instead of failing.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from ecert.models import AuditEvent
from ecert.vocab.problem import Problem

GENESIS = "0" * 64
_PG_AUDIT_LOCK = 0x0EC347A0D17  # arbitrary, fixed: the advisory lock key of the audit chain


def append(
    session: Session,
    *,
    actor: str,
    action: str,
    subject: str,
    payload: dict[str, Any],
    at: datetime,
) -> AuditEvent:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_AUDIT_LOCK})
    tail = session.execute(select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)).first()
    seq, prev_hash = (tail[0] + 1, tail[1]) if tail else (1, GENESIS)
    event = AuditEvent(
        seq=seq,
        occurred_at=at,
        actor=actor,
        action=action,
        subject=subject,
        payload=payload,
        prev_hash=prev_hash,
    )
    event.hash = event_hash(event)
    session.add(event)
    session.flush()
    return event


def event_hash(event: AuditEvent) -> str:
    canonical = json.dumps(
        {
            "seq": event.seq,
            "at": _utc_iso(event.occurred_at),
            "actor": event.actor,
            "action": event.action,
            "subject": event.subject,
            "payload": event.payload,
            "prev": event.prev_hash,
        },
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ChainReport:
    """The events counted and what does not fit: ``Problem`` codes ``audit.gap`` (seq,
    expected), ``audit.link`` (seq: prev_hash is not the previous event's hash) and
    ``audit.altered`` (seq: the content does not match its hash)."""

    events: int
    problems: list[Problem]

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_chain(session: Session) -> ChainReport:
    """Recompute every hash and link; name each event that does not fit."""
    problems: list[Problem] = []
    expected_prev, expected_seq, count = GENESIS, 1, 0
    for event in session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).yield_per(500):
        count += 1
        if event.seq != expected_seq:
            problems.append(Problem("audit.gap", {"seq": event.seq, "expected": expected_seq}))
        if event.prev_hash != expected_prev:
            problems.append(Problem("audit.link", {"seq": event.seq}))
        if event_hash(event) != event.hash:
            problems.append(Problem("audit.altered", {"seq": event.seq}))
        expected_prev, expected_seq = event.hash, event.seq + 1
    return ChainReport(events=count, problems=problems)


def _utc_iso(moment: datetime) -> str:
    # The canonical form of existing events: UTC wall time without an offset.
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds")


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
