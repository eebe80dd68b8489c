"""The audit key: generated 0600 in development, required to write in production (and then
nothing is half-committed), rotated with the old key kept for verifying; events from before
keying stay verifiable and are reported as legacy."""

from __future__ import annotations

import hashlib
import json
import stat
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from ecert import ConfigurationError, audit
from ecert.audit import AuditError, AuditKeyring, AuditTrail
from ecert.audit.keys import create_key_file
from ecert.db import connect
from ecert.migrate import upgrade
from ecert.models import AuditEvent, Certificate, CertificateStatus, Decision, Holder
from ecert.settings import Settings
from issuer.services.issuance import Issuance, issue_decision
from issuer.services.lifecycle import RevocationReason, revoke
from tests import factories

AT = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)


def count(session, model) -> int:  # type: ignore[no-untyped-def]
    return int(session.scalar(select(func.count()).select_from(model)))


def test_development_generates_its_key_readable_by_its_owner_only(tmp_path: Path) -> None:
    keys = AuditKeyring(Settings(home=tmp_path, database_url="sqlite://"))
    key = keys.current
    path = tmp_path / "audit-key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(bytes.fromhex(path.read_text().strip())) == 32
    # The same key on the next start, and its id tells nothing about it.
    assert AuditKeyring(Settings(home=tmp_path, database_url="sqlite://")).current == key
    assert key.key_id not in path.read_text()


def test_production_without_the_key_writes_nothing_and_says_so(issuance: Issuance) -> None:
    numbered = issue_decision(issuance, factories.decision()).number
    production = replace(issuance.settings, environment="production")
    trail = AuditTrail.from_settings(production)
    db = connect(production.database_url, audit=trail)
    blind = replace(issuance, db=db, settings=production)
    with db.read() as session:
        before = (count(session, AuditEvent), count(session, Holder), count(session, Decision))

    with pytest.raises(AuditError, match="ECERT_AUDIT_KEY_FILE") as caught:
        issue_decision(blind, factories.decision(name="李四"))
    assert caught.value.code == "audit.key_missing"
    with pytest.raises(AuditError, match="nothing was written"):
        revoke(db, numbered, reason=RevocationReason.FRAUD, doc_no="足人社发〔2026〕3号", actor="t", clock=lambda: AT)

    with db.read() as session:
        assert (count(session, AuditEvent), count(session, Holder), count(session, Decision)) == before
        statuses = session.scalars(select(Certificate.status)).all()
        assert statuses == [CertificateStatus.VALID]  # not revoked, and no pending row left behind
    db.dispose()


def test_a_verifier_without_the_key_never_needs_it(tmp_path: Path) -> None:
    # Production, no key: building the trail and opening the database load nothing.
    production = Settings(home=tmp_path, database_url="sqlite://", environment="production")
    trail = AuditTrail.from_settings(production)
    assert trail.keys.current_or_none() is None
    assert not (tmp_path / "audit-key").exists()


def test_the_production_settings_name_the_audit_key_and_its_timestamp_authority(tmp_path: Path) -> None:
    env = {
        "ECERT_HOME": str(tmp_path),
        "ECERT_ENV": "production",
        "ECERT_SECRET_KEY": "x" * 40,
        "ECERT_SIGNER": "none",
        "ECERT_TRUST_ROOTS": str(tmp_path / "roots.pem"),
        "ECERT_QR_KEYSET_FILE": str(tmp_path / "qr-keys.json"),
        "ECERT_RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379",
        "ECERT_AUDIT_KEY_FILE": str(tmp_path / "audit.key"),
        "ECERT_AUDIT_RETIRED_KEY_FILES": f"{tmp_path / 'old1.key'}:{tmp_path / 'old2.key'}",
        "ECERT_AUDIT_ANCHOR_DIR": str(tmp_path / "published-anchors"),
    }
    # A revoking deployment (keyless for PDFs) writes events, so it anchors them: it needs a TSA.
    with pytest.raises(ConfigurationError, match="to anchor the audit log"):
        Settings.from_env(env)
    settings = Settings.from_env({**env, "ECERT_TSA_URL": "https://tsa.example/"})
    assert settings.audit_key_file == tmp_path / "audit.key"
    assert settings.audit_retired_key_files == (tmp_path / "old1.key", tmp_path / "old2.key")
    assert settings.audit_anchor_path == tmp_path / "published-anchors"


def test_a_rotated_key_still_verifies_the_events_it_made(tmp_path: Path, database_url: str) -> None:
    old, new = tmp_path / "old.key", tmp_path / "new.key"
    create_key_file(old)
    create_key_file(new)
    settings = Settings(home=tmp_path, database_url=database_url, audit_key_file=old)
    db = connect(database_url, audit=AuditTrail.from_settings(settings))
    with db.write() as session:
        audit.append(session, actor="t", action="a", subject="s", payload={}, at=AT)
    db.dispose()

    rotated = replace(settings, audit_key_file=new)
    db = connect(database_url, audit=AuditTrail.from_settings(rotated))
    with db.write() as session:
        audit.append(session, actor="t", action="b", subject="s", payload={}, at=AT)
    with db.read() as session:
        (problem,) = audit.verify_chain(session).problems
        assert problem.code == "audit.unknown_key" and problem.params["seq"] == 1
    db.dispose()

    db = connect(database_url, audit=AuditTrail.from_settings(replace(rotated, audit_retired_key_files=(old,))))
    with db.read() as session:
        report = audit.verify_chain(session)
        assert report.ok and report.events == 2 and report.legacy == 0
        assert len(set(session.scalars(select(AuditEvent.key_id)).all())) == 2
    db.dispose()


def test_events_from_before_keying_stay_verifiable_and_are_reported_as_legacy(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    upgrade(url, "0002")
    # Two events as the code before migration 0003 wrote them: plain SHA-256, no key id.
    db = connect(url)
    prev = audit.GENESIS
    with db.engine.begin() as connection:
        for seq in (1, 2):
            event = AuditEvent(
                seq=seq, occurred_at=AT, actor="cli:old", action="a", subject="s", payload={"n": seq}, prev_hash=prev
            )
            event.hash = hashlib.sha256(audit.canonical(event)).hexdigest()
            connection.execute(
                text(
                    "INSERT INTO audit_events (seq, occurred_at, actor, action, subject, payload, prev_hash, hash) "
                    "VALUES (:seq, :at, 'cli:old', 'a', 's', :payload, :prev, :hash)"
                ),
                {
                    "seq": seq,
                    "at": "2026-11-26 08:00:00.000000",
                    "payload": json.dumps({"n": seq}),
                    "prev": prev,
                    "hash": event.hash,
                },
            )
            prev = event.hash
    db.dispose()

    upgrade(url)
    settings = Settings(home=tmp_path, database_url=url)
    db = connect(url, audit=AuditTrail.from_settings(settings))
    with db.write() as session:
        audit.append(session, actor="t", action="new", subject="s", payload={}, at=AT)
    with db.read() as session:
        report = audit.verify_chain(session)
        assert report.ok and (report.events, report.legacy) == (3, 2)
    # A legacy event's content is still protected by its hash and by the keyed event after it.
    with db.write() as session:
        session.execute(text("UPDATE audit_events SET actor = 'cli:someone' WHERE seq = 2"))
    with db.read() as session:
        assert [p.code for p in audit.verify_chain(session).problems] == ["audit.altered"]
    db.dispose()
