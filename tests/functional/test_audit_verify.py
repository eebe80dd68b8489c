"""`ecert audit verify` as an auditor runs it, against an attacker who can write to the
database but does not hold the audit key: a recomputed chain, a deleted tail, a certificate
un-revoked by SQL and a forged anchor are each named; an intact log after issue, correct
and revoke batches passes, with an anchor written at the end of each batch."""

from __future__ import annotations

import hashlib
import hmac
import json
import shutil
from pathlib import Path

from sqlalchemy import delete, func, select, update

from ecert import audit
from ecert.cli import main
from ecert.models import AuditEvent, Certificate, CertificateStatus

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
STRANGER_KEY = b"an attacker's guess at the key, 32 bytes or more......"


def invoke(app, *args: str, lang: str = "en"):  # type: ignore[no-untyped-def]
    return app.test_cli_runner().invoke(main, ["--lang", lang, *args])


def anchors(app) -> list[Path]:  # type: ignore[no-untyped-def]
    return sorted(app.extensions["ecert"].settings.audit_anchor_path.glob("anchor-*.json"))


def last_seq(app) -> int:  # type: ignore[no-untyped-def]
    with app.extensions["ecert"].db.read() as session:
        return int(session.scalar(select(func.max(AuditEvent.seq))) or 0)


def issued(app) -> list[str]:  # type: ignore[no-untyped-def]
    result = invoke(app, "issue", str(EXAMPLES / "decisions.csv"), "--json")
    assert result.exit_code == 0, result.output
    return [json.loads(line)["number"] for line in result.stdout.splitlines()[:-1]]


def rewrite_chain(app, *, from_seq: int, edit: dict, keyed: bool = True) -> None:  # type: ignore[no-untyped-def]
    """Edit event ``from_seq`` and recompute every later link, as someone without the key
    would: with a key of their own, or as legacy SHA-256 (``keyed=False``)."""
    with app.extensions["ecert"].db.write() as session:
        events = session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()
        prev = audit.GENESIS if from_seq == 1 else events[from_seq - 2].hash
        for event in events[from_seq - 1 :]:
            if event.seq == from_seq:
                for name, value in edit.items():
                    setattr(event, name, value)
            event.prev_hash = prev
            if not keyed:
                event.key_id = None
                event.hash = audit.event_hash(event)
            else:
                event.hash = hmac.new(STRANGER_KEY, audit.canonical(event), hashlib.sha256).hexdigest()
            session.flush()
            prev = event.hash


def test_an_intact_log_after_issue_correct_and_revoke_passes_with_an_anchor_per_batch(app) -> None:  # type: ignore[no-untyped-def]
    numbers = issued(app)
    assert [json.loads(p.read_text())["seq"] for p in anchors(app)] == [last_seq(app)]

    corrected = invoke(app, "correct", numbers[0], "--set", "employer=重庆市大足区中医院", "--reason", "单位名称有误")
    assert corrected.exit_code == 0, corrected.output
    revoked = invoke(app, "revoke", numbers[1], "--reason", "fraud", "--doc-no", "足人社发〔2026〕3号")
    assert revoked.exit_code == 0, revoked.output
    written = [json.loads(p.read_text()) for p in anchors(app)]
    assert len(written) == 3 and written[-1]["seq"] == last_seq(app)
    assert written[0]["seq"] < written[1]["seq"] < written[2]["seq"]
    assert set(written[0]) == {"format", "seq", "head", "key_id", "at", "mac", "timestamp"}

    result = invoke(app, "audit", "verify")
    assert result.exit_code == 0, result.output
    assert f"audit log: {last_seq(app)} events" in result.stdout
    assert f"3 anchors; the newest that holds is at event {last_seq(app)}" in result.stdout
    assert f"the registry status of {len(numbers) + 1} certificate versions was compared" in result.stdout
    assert "the audit log is intact and agrees with the registry" in result.stdout
    assert "legacy" not in result.stdout
    # The old name still works, in Chinese by default.
    alias = invoke(app, "db", "verify-audit", lang="zh")
    assert alias.exit_code == 0 and "审计日志完整，与登记一致" in alias.stdout


def test_an_edited_event_with_every_later_link_recomputed_is_named(app) -> None:  # type: ignore[no-untyped-def]
    issued(app)
    rewrite_chain(app, from_seq=3, edit={"actor": "cli:someone-else"})
    result = invoke(app, "audit", "verify")
    assert result.exit_code == 1
    first = result.stderr.splitlines()[0]
    assert first == "event 3: its content does not match its MAC (altered, or recomputed without the audit key)"
    assert "the audit log failed the check" in result.stderr


def test_a_chain_rewritten_as_legacy_sha256_is_caught(app) -> None:  # type: ignore[no-untyped-def]
    issued(app)
    # From the middle on: unkeyed events after keyed ones are a break in themselves.
    rewrite_chain(app, from_seq=4, edit={"actor": "cli:someone-else"}, keyed=False)
    result = invoke(app, "audit", "verify")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        "event 4: unkeyed, yet after keyed events (legacy events can only open the chain)"
    )
    # As a whole: every event "legacy" and consistent, but no longer what the anchor pinned.
    rewrite_chain(app, from_seq=1, edit={"actor": "cli:someone-else"}, keyed=False)
    result = invoke(app, "audit", "verify")
    assert result.exit_code == 1
    (anchor,) = anchors(app)
    assert result.stderr.splitlines()[0] == (
        f"anchor {anchor.name}: event {last_seq(app)} is not the one the anchor records (the log was rewritten)"
    )


def test_deleting_the_newest_events_is_detected_against_the_newest_anchor(app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    numbers = issued(app)
    last = last_seq(app)
    with app.extensions["ecert"].db.write() as session:
        session.execute(delete(AuditEvent).where(AuditEvent.seq > last - 2))
    result = invoke(app, "audit", "verify")
    assert result.exit_code == 1
    (anchor,) = anchors(app)
    assert result.stderr.splitlines()[0] == (
        f"anchor {anchor.name} records event {last}, but the log ends at event {last - 2}: "
        "the newest events were deleted"
    )
    # The last certificate's events went with them: its row is named too.
    assert f"{numbers[-1]} v1: the registry says Valid, but the audit log has no event of it" in result.stderr

    # Someone who can also delete the local anchors is caught by a published copy.
    published = tmp_path / "published"
    shutil.copytree(anchor.parent, published)
    anchor.unlink()
    assert "records event" not in invoke(app, "audit", "verify").stderr
    result = invoke(app, "audit", "verify", "--anchors", str(published))
    assert result.exit_code == 1 and "the newest events were deleted" in result.stderr.splitlines()[0]
    assert invoke(app, "audit", "verify", "--anchors", str(tmp_path / "nowhere")).exit_code == 2


def test_a_certificate_unrevoked_by_sql_is_named_with_both_states(app) -> None:  # type: ignore[no-untyped-def]
    numbers = issued(app)
    assert invoke(app, "revoke", numbers[2], "--reason", "fraud", "--doc-no", "足人社发〔2026〕3号").exit_code == 0
    with app.extensions["ecert"].db.write() as session:
        session.execute(
            update(Certificate)
            .where(Certificate.number == numbers[2])
            .values(status=CertificateStatus.VALID, revoked_at=None, revocation_reason=None)
        )
    result = invoke(app, "audit", "verify")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        f"certificate {numbers[2]} v1: the registry says Valid, the audit log says Revoked"
    )
    chinese = invoke(app, "audit", "verify", lang="zh")
    assert f"证书 {numbers[2]} 第 1 版：登记状态为 有效，审计日志记录为 已撤销" in chinese.stderr


def test_a_pdf_hash_or_revocation_doc_no_changed_by_sql_is_named(app) -> None:  # type: ignore[no-untyped-def]
    numbers = issued(app)
    assert invoke(app, "revoke", numbers[0], "--reason", "fraud", "--doc-no", "足人社发〔2026〕3号").exit_code == 0
    with app.extensions["ecert"].db.write() as session:
        session.execute(
            update(Certificate).where(Certificate.number == numbers[0]).values(revocation_doc_no="足人社发〔2026〕9号")
        )
        session.execute(update(Certificate).where(Certificate.number == numbers[1]).values(pdf_sha256="ab" * 32))
    lines = invoke(app, "audit", "verify").stderr.splitlines()
    assert lines[:2] == [
        f"certificate {numbers[0]} v1: the registry's revocation 文号 is 足人社发〔2026〕9号, the audit log says 足人社发〔2026〕3号",
        f"certificate {numbers[1]} v1: the registry's PDF SHA-256 is not the one the audit log recorded",
    ]


def test_a_forged_anchor_and_a_borrowed_timestamp_are_named(app) -> None:  # type: ignore[no-untyped-def]
    issued(app)
    (genuine,) = anchors(app)
    body = json.loads(genuine.read_text())

    forged = {**body, "seq": body["seq"] + 5}  # "the log had more events": a MAC no one without the key can make
    forged_path = genuine.with_name(f"anchor-{forged['seq']:012d}-20261126T023000000000Z.json")
    forged_path.write_text(json.dumps(forged))
    result = invoke(app, "audit", "verify")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == f"anchor {forged_path.name}: its MAC does not hold (forged or altered)"
    forged_path.unlink()

    # A genuine MAC with a timestamp token from another anchor: the token is not over this record.
    invoke(app, "audit", "anchor")
    first, second = anchors(app)
    other = json.loads(second.read_text())
    first.write_text(json.dumps({**body, "timestamp": other["timestamp"]}))
    result = invoke(app, "audit", "verify")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0].startswith(f"anchor {first.name}: its timestamp does not verify")

    first.write_text("{not json")
    result = invoke(app, "audit", "verify")
    assert result.stderr.splitlines()[0].startswith(f"anchor {first.name} cannot be read")


def test_audit_anchor_writes_one_on_demand_and_usage_errors_exit_2(app) -> None:  # type: ignore[no-untyped-def]
    result = invoke(app, "audit", "anchor")
    assert result.exit_code == 0, result.output
    assert "audit anchor written: event 0" in result.stdout
    assert len(anchors(app)) == 1
    assert invoke(app, "audit", "verify", "--bogus").exit_code == 2


def test_revoking_in_production_without_the_audit_key_is_refused_and_changes_nothing(app) -> None:  # type: ignore[no-untyped-def]
    from dataclasses import replace

    from ecert.app import create_app

    numbers = issued(app)
    production = create_app(replace(app.extensions["ecert"].settings, environment="production"))
    result = invoke(production, "revoke", numbers[0], "--reason", "fraud", "--doc-no", "足人社发〔2026〕3号")
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "production needs ECERT_AUDIT_KEY_FILE (the audit log's key) to write audit events; nothing was written"
    )
    assert "Traceback" not in result.output
    production.extensions["ecert"].db.dispose()
    with app.extensions["ecert"].db.read() as session:
        status = session.scalar(select(Certificate.status).where(Certificate.number == numbers[0]))
    assert status is CertificateStatus.VALID
    assert invoke(app, "audit", "verify").exit_code == 0


def test_an_anchor_that_cannot_be_written_says_the_change_stands(app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    numbers = issued(app)
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("")
    app.extensions["ecert"].db.audit.anchor_dir = blocked / "anchors"
    result = invoke(app, "revoke", numbers[0], "--reason", "fraud", "--doc-no", "足人社发〔2026〕3号")
    assert result.exit_code == 1
    assert result.stderr.startswith("the change was committed, but the audit anchor could not be written: ")
    assert "run ecert audit anchor to try again" in result.stderr
    with app.extensions["ecert"].db.read() as session:
        status = session.scalar(select(Certificate.status).where(Certificate.number == numbers[0]))
    assert status is CertificateStatus.REVOKED
