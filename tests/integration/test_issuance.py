"""Issuance end to end on SQLite and PostgreSQL: decision in, signed and validated PDF out."""

from __future__ import annotations

import hashlib
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import func, select

from ecert import audit
from ecert.models import AuditEvent, Certificate, CertificateStatus
from ecert.vocab.numbering import parse_number, seq_is_usable
from issuer.services.issuance import Issuance, IssuanceFailed, IssueStatus, issue_decision, issue_decisions
from tests import factories
from verifier.pdf.signature import validate_signed_pdf


def test_decision_in_signed_certificate_out(issuance: Issuance, trust_roots: list, tmp_path: Path) -> None:
    decision = factories.decision(name="𠇔晓㐀")
    outcome = issue_decision(issuance, decision)

    assert outcome.status is IssueStatus.ISSUED
    assert outcome.certificate_status == "valid"
    assert outcome.number.startswith("ZC500111-2026-00000")
    assert parse_number(outcome.number).seq == 1
    assert len(outcome.token) >= 20  # >= 96 bits of base32

    pdf = issuance.store.get(outcome.sha256)
    assert hashlib.sha256(pdf).hexdigest() == outcome.sha256
    with issuance.db.read() as session:
        row = session.scalars(select(Certificate)).one()
        assert (row.number, row.status, row.pdf_sha256, row.pdf_size) == (
            outcome.number,
            CertificateStatus.VALID,
            outcome.sha256,
            len(pdf),
        )
        actions = session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)).all()
        # The first issuance also records the deployment's public URL (QR codes are forever).
        assert actions == ["deployment.public_url_recorded", "certificate.reserved", "certificate.issued"]
        assert audit.verify_chain(session).ok

    report = validate_signed_pdf(pdf, trust_roots)
    assert report.intact and report.valid and report.trusted, report.problems
    assert report.modification_level in {"NONE", "LTA_UPDATES"}
    assert report.certified and report.ltv

    path = tmp_path / "c.pdf"
    path.write_bytes(pdf)
    check = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    text = subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True, text=True, check=True).stdout
    for value in ("𠇔晓㐀", outcome.number, decision.qualification, decision.employer, decision.doc_no):
        assert value in text


def test_rerun_issues_nothing_new(issuance: Issuance) -> None:
    decision = factories.decision()
    first = issue_decision(issuance, decision)
    with issuance.db.read() as session:
        events = session.scalar(select(func.count()).select_from(AuditEvent))
    again = issue_decision(issuance, replace(decision, row=7))

    assert again.status is IssueStatus.ALREADY_ISSUED
    assert (again.number, again.token, again.sha256, again.row) == (first.number, first.token, first.sha256, 7)
    with issuance.db.read() as session:
        assert session.scalar(select(func.count()).select_from(Certificate)) == 1
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == events  # a rerun writes nothing


def test_numbers_are_sequential_with_check_characters(issuance: Issuance) -> None:
    outcomes = issue_decisions(issuance, [factories.decision() for _ in range(3)])
    usable = [seq for seq in range(1, 40) if seq_is_usable("500111", 2026, seq)]
    assert [parse_number(o.number).seq for o in outcomes] == usable[:3]
    assert len({o.token for o in outcomes}) == 3


class _BrokenSigner:
    def sign(self, pdf: bytes, **_: object) -> bytes:
        raise OSError("HSM went away")


def test_a_failure_after_reserving_releases_the_number_to_the_next_issue(issuance: Issuance) -> None:
    decision = factories.decision()
    with pytest.raises(IssuanceFailed) as failed:
        issue_decision(replace(issuance, signer=_BrokenSigner()), decision)
    assert (failed.value.row, failed.value.released) == (decision.row, True)
    with issuance.db.read() as session:
        assert session.scalars(select(Certificate)).all() == []  # nothing pending
        assert session.scalars(select(AuditEvent.action)).all()[-2:] == ["certificate.reserved", "certificate.released"]

    outcome = issue_decision(issuance, decision)
    assert outcome.status is IssueStatus.ISSUED
    assert outcome.number == failed.value.number
    with issuance.db.read() as session:
        assert session.scalars(select(Certificate.status)).all() == [CertificateStatus.VALID]
