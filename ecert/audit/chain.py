"""Append-only audit log, chained with HMAC-SHA-256 under the audit key.

Each event's ``hash`` is HMAC-SHA-256, under the key named by its ``key_id``, over its
canonical form, which includes the previous event's hash; the first event chains to
``GENESIS``. Someone who edits an event and recomputes every later value without the key
cannot make the MACs fit. ``append`` must run inside the caller's write transaction (the
session of ``Database.write``, which carries the audit key), so a state change and its
event commit together, or neither does.

Events written before keying (migration 0003) have ``key_id`` NULL and stay plain
SHA-256: they are verified as before and reported as *legacy, unkeyed*. They can only be
a prefix of the chain: an unkeyed event after a keyed one is a break (someone "downgrading"
events to recompute them without the key); the first keyed event seals the legacy prefix,
and a chain downgraded as a whole no longer matches its anchors.

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

from ecert.audit.errors import AuditError
from ecert.audit.keys import AuditKey, AuditKeyring
from ecert.models import AuditEvent
from ecert.vocab.problem import Problem

GENESIS = "0" * 64
SESSION_KEY = "ecert.audit"  # where Database.write puts the audit trail in session.info
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
    trail = session.info.get(SESSION_KEY)
    if trail is None:
        raise AuditError("audit.no_trail")
    key: AuditKey = trail.keys.current  # raises in production without a key: the transaction rolls back
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
        key_id=key.key_id,
    )
    event.hash = key.mac(canonical(event))
    session.add(event)
    session.flush()
    return event


def canonical(event: AuditEvent) -> bytes:
    """The bytes an event's hash or MAC covers; keyed events also cover their key id."""
    fields: dict[str, Any] = {
        "seq": event.seq,
        "at": _utc_iso(event.occurred_at),
        "actor": event.actor,
        "action": event.action,
        "subject": event.subject,
        "payload": event.payload,
        "prev": event.prev_hash,
    }
    if event.key_id is not None:
        fields["key"] = event.key_id
    return json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def event_hash(event: AuditEvent) -> str:
    """The plain SHA-256 of a legacy (unkeyed) event."""
    return hashlib.sha256(canonical(event)).hexdigest()


@dataclass(frozen=True)
class ChainReport:
    """The events counted and what does not fit: ``Problem`` codes ``audit.gap`` (seq,
    expected), ``audit.link`` (seq: prev_hash is not the previous event's hash),
    ``audit.altered`` (seq: the content does not match its MAC, or its legacy hash),
    ``audit.unknown_key`` (seq, key_id: no configured key has that id; named at its first event),
    ``audit.downgraded`` (seq: an unkeyed event after keyed ones)."""

    events: int
    legacy: int  #: unkeyed events (written before migration 0003), all at the start
    problems: list[Problem]
    head_seq: int = 0
    head_hash: str = GENESIS

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_chain(session: Session, keys: AuditKeyring | None = None) -> ChainReport:
    """Recompute every MAC (or legacy hash) and link; name each event that does not fit.
    The keys are the session's database's (``Database.audit``) unless given."""
    if keys is None:
        trail = session.info.get(SESSION_KEY)
        if trail is None:
            raise AuditError("audit.no_trail")
        keys = trail.keys
    problems: list[Problem] = []
    unknown: set[str] = set()
    expected_prev, expected_seq, count, legacy, keyed_seen = GENESIS, 1, 0, 0, False
    for event in session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).yield_per(500):
        count += 1
        if event.seq != expected_seq:
            problems.append(Problem("audit.gap", {"seq": event.seq, "expected": expected_seq}))
        if event.prev_hash != expected_prev:
            problems.append(Problem("audit.link", {"seq": event.seq}))
        if event.key_id is None:
            legacy += 1
            if keyed_seen:
                problems.append(Problem("audit.downgraded", {"seq": event.seq}))
            elif event_hash(event) != event.hash:
                problems.append(Problem("audit.altered", {"seq": event.seq}))
        else:
            keyed_seen = True
            key = keys.find(event.key_id)
            if key is None:
                if event.key_id not in unknown:  # once per key, not once per event
                    unknown.add(event.key_id)
                    problems.append(Problem("audit.unknown_key", {"seq": event.seq, "key_id": event.key_id}))
            elif key.mac(canonical(event)) != event.hash:
                problems.append(Problem("audit.altered", {"seq": event.seq}))
        expected_prev, expected_seq = event.hash, event.seq + 1
    return ChainReport(
        events=count, legacy=legacy, problems=problems, head_seq=expected_seq - 1, head_hash=expected_prev
    )


def _utc_iso(moment: datetime) -> str:
    # The canonical form of existing events: UTC wall time without an offset.
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds")


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
