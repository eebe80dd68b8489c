"""A certificate signed by the development PKI says so where a verifier looks: the
document-signing certificate in the signed PDF names DEVELOPMENT — NOT FOR PRODUCTION,
as the development CAs' subjects do, while keeping the office's own name."""

from __future__ import annotations

from pathlib import Path

from issuer.pki.development import DevelopmentPKI
from issuer.services.issuance import Issuance, issue_decision
from tests import factories
from tests.conftest import OFFICE
from verifier.pdf.signature import validate_signed_pdf


def test_the_fresh_development_signer_subject_says_development(tmp_path: Path) -> None:
    pki = DevelopmentPKI.load_or_create(tmp_path / "pki", OFFICE, "http://127.0.0.1:8000")
    subject = pki.signing_cert.subject.native
    assert subject["organizational_unit_name"] == "ecert DEVELOPMENT PKI — NOT FOR PRODUCTION"
    assert subject["common_name"] == subject["organization_name"] == OFFICE


def test_an_issued_pdf_names_its_development_signer(issuance: Issuance, trust_roots: list) -> None:
    issued = issue_decision(issuance, factories.decision())
    report = validate_signed_pdf(issuance.store.get(issued.sha256), trust_roots)
    assert report.ok
    assert "DEVELOPMENT" in report.signer_subject and "NOT FOR PRODUCTION" in report.signer_subject
    assert OFFICE in report.signer_subject
