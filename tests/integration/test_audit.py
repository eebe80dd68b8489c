"""The audit log: chained, verifiable, and tamper-evident on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlalchemy.exc import StatementError

from ecert import audit
from ecert.db import Database
from ecert.models import AuditEvent
from ecert.settings import Settings
from ecert.vocab.problem import Problem
from tests.conftest import audited_database

AT = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)


def connect(database_url: str, home: Path) -> Database:
    return audited_database(Settings(home=home, database_url=database_url))


def test_chain_verifies_and_detects_alteration(database_url: str, tmp_path: Path) -> None:
    db = connect(database_url, tmp_path)
    for index in range(5):
        with db.write() as session:
            audit.append(
                session,
                actor="test",
                action="thing.done",
                subject=f"thing:{index}",
                payload={"n": index, "名": "张三"},
                at=AT,
            )
    with db.read() as session:
        report = audit.verify_chain(session)
        assert report.ok and report.events == 5
        first, second = session.query(AuditEvent).order_by(AuditEvent.seq).limit(2).all()
        assert first.prev_hash == audit.GENESIS and second.prev_hash == first.hash

    with db.write() as session:
        session.execute(update(AuditEvent).where(AuditEvent.seq == 3).values(payload={"n": 99, "名": "张三"}))
    with db.read() as session:
        report = audit.verify_chain(session)
    assert report.problems == [Problem("audit.altered", {"seq": 3})]
    db.dispose()


def test_event_rolls_back_with_its_transaction(database_url: str, tmp_path: Path) -> None:
    db = connect(database_url, tmp_path)
    try:
        with db.write() as session:
            audit.append(session, actor="t", action="a", subject="s", payload={}, at=AT)
            raise RuntimeError("the state change failed")
    except RuntimeError:
        pass
    with db.read() as session:
        assert audit.verify_chain(session).events == 0
    db.dispose()


def test_the_canonical_form_of_existing_events_is_unchanged() -> None:
    # Computed by the code that wrote the first events (naive UTC from SQLite, aware from PostgreSQL).
    event = AuditEvent(
        seq=7,
        occurred_at=datetime(2026, 11, 26, 16, 0, 0, 123456, tzinfo=timezone(timedelta(hours=8))),
        actor="cli:张三",
        action="certificate.issued",
        subject="certificate:ZC500111-2026-000001-H",
        payload={"version": 1, "名": "张三"},
        prev_hash="ab" * 32,
    )
    assert audit.event_hash(event) == "e8255196692b06c7c48fd6bf33caeff87ca8a7feded67c271a643c2699c1ddc1"


def test_moments_read_back_aware_utc_and_naive_ones_are_refused(database_url: str, tmp_path: Path) -> None:
    db = connect(database_url, tmp_path)
    shanghai = datetime(2026, 11, 26, 16, 0, tzinfo=timezone(timedelta(hours=8)))
    with db.write() as session:
        audit.append(session, actor="t", action="a", subject="s", payload={}, at=shanghai)
    with db.read() as session:
        (event,) = session.query(AuditEvent).all()
        assert event.occurred_at == AT and event.occurred_at.utcoffset() == timedelta(0)
        assert audit.verify_chain(session).ok
    with pytest.raises(StatementError, match="naive datetime"), db.write() as session:
        audit.append(session, actor="t", action="a", subject="s", payload={}, at=AT.replace(tzinfo=None))
    db.dispose()
