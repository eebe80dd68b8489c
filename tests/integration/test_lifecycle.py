"""Revocation and corrections: status changes the public lookup reports at once."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from ecert import audit
from ecert.models import AuditEvent, Certificate, CertificateStatus
from issuer.services.lifecycle import LifecycleError, RevocationReason, correct, revoke
from issuer.services.issuance import Issuance, issue_decision
from tests import factories
from verifier import lookup
from verifier.pdf.signature import validate_signed_pdf


def test_revoke_records_reason_and_doc_no(issuance: Issuance) -> None:
    issued = issue_decision(issuance, factories.decision(name="王小明"))
    revoke(issuance, issued.number, reason=RevocationReason.FRAUD, doc_no="足人社发[2026]3号", note="材料造假")

    with issuance.db.read() as session:
        public = lookup.by_token(session, issued.token)
        assert public is not None
        assert public.status is lookup.PublicStatus.REVOKED
        assert public.revocation_doc_no == "足人社发〔2026〕3号"
        assert public.revocation_reason == "以弄虚作假等不正当手段取得：材料造假"
        assert public.masked_name == "王*明"
        assert session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)).all()[-1] == "certificate.revoked"
        assert audit.verify_chain(session).ok
    with pytest.raises(LifecycleError, match="is revoked, not valid"):
        revoke(issuance, issued.number, reason=RevocationReason.FRAUD, doc_no="足人社发〔2026〕3号")


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
        text = subprocess.run(["pdftotext", "-raw", handle.name, "-"], capture_output=True, text=True, check=True).stdout
    assert "重庆市大足区人民医院" in text and "第2版" in text


def test_invalid_correction_changes_nothing(issuance: Issuance) -> None:
    issued = issue_decision(issuance, factories.decision())
    errors = correct(issuance, issued.number, {"level": "高级"}, reason="x")
    assert isinstance(errors, list)
    assert [(e.column, e.message) for e in errors] == [("level", "level 高级 is not one of 正高级, 副高级, 中级, 助理级, 员级")]
    with issuance.db.read() as session:
        assert session.scalars(select(Certificate.status)).all() == [CertificateStatus.VALID]
