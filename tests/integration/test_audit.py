"""The audit log: chained, verifiable, and tamper-evident on both databases."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import update

from ecert import audit
from ecert.db import connect
from ecert.models import AuditEvent

AT = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)


def test_chain_verifies_and_detects_alteration(database_url: str) -> None:
    db = connect(database_url)
    for index in range(5):
        with db.write() as session:
            audit.append(session, actor="test", action="thing.done", subject=f"thing:{index}", payload={"n": index, "名": "张三"}, at=AT)
    with db.read() as session:
        report = audit.verify_chain(session)
        assert report.ok and report.events == 5
        first, second = session.query(AuditEvent).order_by(AuditEvent.seq).limit(2).all()
        assert first.prev_hash == audit.GENESIS and second.prev_hash == first.hash

    with db.write() as session:
        session.execute(update(AuditEvent).where(AuditEvent.seq == 3).values(payload={"n": 99, "名": "张三"}))
    with db.read() as session:
        report = audit.verify_chain(session)
    assert report.problems == ["event seq 3: content does not match its hash (altered)"]
    db.dispose()


def test_event_rolls_back_with_its_transaction(database_url: str) -> None:
    db = connect(database_url)
    try:
        with db.write() as session:
            audit.append(session, actor="t", action="a", subject="s", payload={}, at=AT)
            raise RuntimeError("the state change failed")
    except RuntimeError:
        pass
    with db.read() as session:
        assert audit.verify_chain(session).events == 0
    db.dispose()
