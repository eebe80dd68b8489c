"""Revocation and corrections: status changes the public lookup reports at once."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from ecert import audit
from ecert.cli import main
from ecert.models import AuditEvent, Certificate, CertificateStatus
from issuer.services.issuance import Issuance, issue_decision
from issuer.services.lifecycle import LifecycleError, RevocationReason, correct, revoke, revoke_many
from tests import factories
from verifier import lookup
from verifier.pdf.signature import validate_signed_pdf


def test_revoke_records_reason_and_doc_no(issuance: Issuance) -> None:
    issued = issue_decision(issuance, factories.decision(name="王小明"))
    revoke(
        issuance.db,
        issued.number,
        reason=RevocationReason.FRAUD,
        doc_no="足人社发[2026]3号",
        note="材料造假",
        actor=issuance.actor,
        clock=issuance.clock,
    )

    with issuance.db.read() as session:
        public = lookup.by_token(session, issued.token)
        assert public is not None
        assert public.status is lookup.PublicStatus.REVOKED
        assert public.revocation_doc_no == "足人社发〔2026〕3号"
        assert public.revocation_reason == "以弄虚作假等不正当手段取得：材料造假"
        assert public.masked_name == "王*明"
        assert session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)).all()[-1] == "certificate.revoked"
        assert audit.verify_chain(session).ok
    with pytest.raises(LifecycleError, match="is revoked, not valid") as raised:
        revoke(
            issuance.db,
            issued.number,
            reason=RevocationReason.FRAUD,
            doc_no="足人社发〔2026〕3号",
            actor=issuance.actor,
            clock=issuance.clock,
        )
    assert (raised.value.code, raised.value.params) == (
        "certificate.not_valid",
        {"number": issued.number, "version": 1, "status": "revoked"},
    )
    with pytest.raises(LifecycleError) as unknown:
        revoke(
            issuance.db,
            "ZC500111-2026-999999-X",
            reason=RevocationReason.FRAUD,
            doc_no="足人社发〔2026〕3号",
            actor="test",
            clock=issuance.clock,
        )
    assert unknown.value.code == "certificate.not_found"


def test_correction_is_a_new_version_and_supersedes_the_old(issuance: Issuance, trust_roots: list) -> None:
    issued = issue_decision(issuance, factories.decision(employer="重庆市大足区中医院"))
    changed = correct(issuance, issued.number, {"employer": "重庆市大足区人民医院"}, reason="工作单位填写错误")
    assert not isinstance(changed, list)
    assert (changed.number, changed.version) == (issued.number, 2)
    assert changed.token != issued.token

    with issuance.db.read() as session:
        old = lookup.by_token(session, issued.token)
        new = lookup.by_token(session, changed.token)
        assert old is not None and new is not None
        assert old.status is lookup.PublicStatus.SUPERSEDED
        assert (old.current_version, old.current_token) == (2, changed.token)
        assert new.status is lookup.PublicStatus.VALID
        rows = session.scalars(select(Certificate).order_by(Certificate.version)).all()
        assert [r.status for r in rows] == [CertificateStatus.SUPERSEDED, CertificateStatus.VALID]
        assert rows[0].superseded_by_id == rows[1].id
        assert audit.verify_chain(session).ok

    assert changed.sha256
    pdf = issuance.store.get(changed.sha256)
    assert validate_signed_pdf(pdf, trust_roots).ok
    import subprocess
    import tempfile

    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(pdf)
        handle.flush()
        text = subprocess.run(
            ["pdftotext", "-raw", handle.name, "-"], capture_output=True, text=True, check=True
        ).stdout
    assert "重庆市大足区人民医院" in text and "第2版" in text


def test_invalid_correction_changes_nothing(issuance: Issuance) -> None:
    issued = issue_decision(issuance, factories.decision())
    errors = correct(issuance, issued.number, {"level": "高级"}, reason="x")
    assert isinstance(errors, list)
    assert [(e.column, e.code, e.params["level"]) for e in errors] == [("level", "level.unknown", "高级")]
    with issuance.db.read() as session:
        assert session.scalars(select(Certificate.status)).all() == [CertificateStatus.VALID]


def test_revoke_many_is_all_or_none(issuance: Issuance) -> None:
    first, second, third = (issue_decision(issuance, factories.decision()) for _ in range(3))
    revoke(
        issuance.db,
        third.number,
        reason=RevocationReason.FRAUD,
        doc_no="足人社发〔2026〕3号",
        actor="test",
        clock=issuance.clock,
    )

    with pytest.raises(LifecycleError, match=f"{third.number} v1 is revoked"):
        revoke_many(
            issuance.db,
            [first.number, third.number],
            reason=RevocationReason.DECISION_WITHDRAWN,
            doc_no="足人社发〔2026〕5号",
            actor="test",
            clock=issuance.clock,
        )
    with issuance.db.read() as session:
        assert session.scalars(select(Certificate.status).order_by(Certificate.id)).all() == [
            CertificateStatus.VALID,
            CertificateStatus.VALID,
            CertificateStatus.REVOKED,
        ]

    changed = revoke_many(
        issuance.db,
        [first.number, second.number, first.number],
        reason=RevocationReason.DECISION_WITHDRAWN,
        doc_no="足人社发〔2026〕5号",
        actor="test",
        clock=issuance.clock,
    )
    assert [(c.number, c.status) for c in changed] == [(first.number, "revoked"), (second.number, "revoked")]
    with issuance.db.read() as session:
        actions = session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)).all()
        assert actions.count("certificate.revoked") == 3
        assert audit.verify_chain(session).ok


def test_a_deployment_without_a_signing_key_revokes_and_reads(
    issuance: Issuance, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ECERT_SIGNER=none: the certificate a signing deployment issued is revoked, listed and
    audited from a deployment that holds no key and builds no signer, renderer or QR signer."""
    issued = issue_decision(issuance, factories.decision())

    def never(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("revoking or reading must not build signing parts")

    import issuer.qr.claims
    import issuer.rendering.layout
    import issuer.signing.signers

    monkeypatch.setattr(issuer.signing.signers, "build_document_signer", never)
    monkeypatch.setattr(issuer.qr.claims, "build_claim_signer", never)
    monkeypatch.setattr(issuer.rendering.layout, "CertificateRenderer", never)
    env = {
        "ECERT_HOME": str(issuance.settings.home),
        "DATABASE_URL": issuance.settings.database_url,
        "ECERT_SIGNER": "none",
        "ECERT_RATELIMIT_ENABLED": "0",
    }
    runner = CliRunner()

    revoked = runner.invoke(
        main, ["revoke", issued.number, "--reason", "fraud", "--doc-no", "足人社发〔2026〕3号"], env=env
    )
    assert revoked.exit_code == 0, revoked.output
    assert issued.number in revoked.output
    listed = runner.invoke(main, ["list"], env=env)
    assert listed.exit_code == 0, listed.output
    assert f"{issued.number}  v1  已撤销  " in listed.output
    assert f"{issued.number}  v1  Revoked  " in runner.invoke(main, ["--lang", "en", "list"], env=env).output
    assert runner.invoke(main, ["db", "verify-audit"], env=env).exit_code == 0

    with issuance.db.read() as session:
        public = lookup.by_token(session, issued.token)
        assert public is not None and public.status is lookup.PublicStatus.REVOKED
        assert (
            session.scalars(select(AuditEvent.actor).order_by(AuditEvent.seq.desc()).limit(1)).one().startswith("cli:")
        )
