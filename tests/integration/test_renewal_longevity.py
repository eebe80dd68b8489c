"""Clock-forward: what a certificate's file proves years later, offline (no fetching), with
pyHanko's AdES-LTA validation at a moved validation time, and what key rotation leaves intact.

The process clock is frozen at the validation moment (freezegun): pyHanko's past validation
starts some control times from the real clock, so only a moved clock is a faithful picture of
a verifier decades ahead. The relying party holds the CRLs the office's current CAs publish at
that moment (as under /pki/): that is all it needs besides the file, whose embedded CRLs and
OCSP responses have long expired by then.
"""

from __future__ import annotations

import datetime as dt
from datetime import date

import pytest
from freezegun import freeze_time

from ecert.qr_claim import ClaimFields
from ecert.qr_claim.verify import VerificationCode, verify_claim
from issuer.pki.development import DevelopmentPKI
from issuer.pki.rotation import crls_at, rotate
from issuer.qr.claims import DevelopmentClaimSigner
from issuer.services.archival import build_archiver
from issuer.services.issuance import issue_decisions
from issuer.signing.signers import build_document_signer
from tests import factories
from tests.conftest import OFFICE
from verifier.pdf.check import verify_pdf
from verifier.pdf.signature import validate_signed_pdf

YEAR = dt.timedelta(days=365.25)


def _pki(issuance) -> DevelopmentPKI:  # type: ignore[no-untyped-def]
    return DevelopmentPKI.load_or_create(issuance.settings.pki_dir, OFFICE, issuance.settings.public_url)


def _lta_at(issuance, pdf: bytes, when: dt.datetime) -> tuple[bool, list[str]]:  # type: ignore[no-untyped-def]
    pki = _pki(issuance)
    current = crls_at(pki, when)[:2]  # the root's and the current issuing CA's, made then
    with freeze_time(when):
        report = validate_signed_pdf(pdf, [pki.root_cert], validation_time=when, crls=current)
    return report.lta_ok, [p for p in report.problems if p.startswith("AdES-LTA")]


def _renew_at(issuance, pdf: bytes, when: dt.datetime, *, issuing_ca: bool = True) -> bytes:  # type: ignore[no-untyped-def]
    rotate(_pki(issuance), tsa=True, issuing_ca=issuing_ca, now=when)  # a TSA that outlives the next period
    with freeze_time(when):
        return build_archiver(issuance.settings, lambda: when).renew(pdf)


@pytest.fixture
def issued(issuance):  # type: ignore[no-untyped-def]
    [outcome] = issue_decisions(issuance, [factories.decision()])
    return issuance.store.get(outcome.sha256), dt.datetime.now(dt.UTC)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_fresh_certificate_passes_lta_and_one_never_renewed_fails_with_the_reason_named(issuance, issued) -> None:  # type: ignore[no-untyped-def]
    pdf, t0 = issued
    assert _lta_at(issuance, pdf, t0 + dt.timedelta(days=30)) == (True, [])
    # Ten years on the TSA certificate of its only document timestamp has expired (and the
    # signer's, and every CRL in the file): nothing in the file proves when it was signed.
    ok, problems = _lta_at(issuance, pdf, t0 + 10 * YEAR + dt.timedelta(days=30))
    assert not ok
    assert problems and "NO_POE" in problems[0]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_renewed_certificate_passes_lta_while_its_new_timestamp_is_current(issuance, issued) -> None:  # type: ignore[no-untyped-def]
    pdf, t0 = issued
    renewed = _renew_at(issuance, pdf, t0 + 4 * YEAR, issuing_ca=False)
    assert renewed.startswith(pdf)
    assert _lta_at(issuance, renewed, t0 + 4 * YEAR + dt.timedelta(days=30)) == (True, [])


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_renewed_certificate_passes_lta_after_its_signer_and_tsa_certificates_expired(issuance, issued) -> None:  # type: ignore[no-untyped-def]
    pdf, t0 = issued
    renewed = _renew_at(issuance, pdf, t0 + 4 * YEAR)  # a new issuing CA, signer and TSA, then renewed
    # +6: the signer's certificate (5 years) has expired; +11: the first TSA's (10 years) too,
    # and every CRL and OCSP response in the file is years past its next update.
    assert _lta_at(issuance, renewed, t0 + 6 * YEAR) == (True, [])
    assert _lta_at(issuance, renewed, t0 + 11 * YEAR) == (True, [])
    renewed_again = _renew_at(issuance, renewed, t0 + 12 * YEAR)
    assert _lta_at(issuance, renewed_again, t0 + 13 * YEAR) == (True, [])
    # The file as renewed at +4 and never again: its newest TSA expired at +14.
    ok, problems = _lta_at(issuance, renewed, t0 + 15 * YEAR)
    assert not ok and "NO_POE" in problems[0]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.xfail(
    strict=True,
    reason="pyHanko 0.38's time slide takes a root CRL issued after the first issuing CA expired as fresh "
    "for it (CERTIFICATE_CHAIN_GENERAL_FAILURE from +21 years on); see the README, Renewing timestamps",
)
def test_a_renewed_certificate_passes_lta_at_thirty_years(issuance, issued) -> None:  # type: ignore[no-untyped-def]
    pdf, t0 = issued
    renewed = pdf
    for years in (4, 12, 20):
        renewed = _renew_at(issuance, renewed, t0 + years * YEAR)
    assert _lta_at(issuance, renewed, t0 + 21 * YEAR) == (True, [])


def test_rotating_the_signing_key_and_tsa_leaves_what_the_old_ones_signed_valid(issuance, renderer, seal_png) -> None:  # type: ignore[no-untyped-def]
    from dataclasses import replace

    [old] = issue_decisions(issuance, [factories.decision()])
    pki = _pki(issuance)
    old_signer = pki.signing_cert.sha256
    rotated = rotate(pki, signer=True, tsa=True, now=dt.datetime.now(dt.UTC))
    assert set(rotated.parts) == {"signer", "tsa"} and (rotated.history_dir / "signer.cert.pem").is_file()
    new_pki = _pki(issuance)
    assert new_pki.signing_cert.sha256 != old_signer and new_pki.root_cert.sha256 == pki.root_cert.sha256

    signer = build_document_signer(issuance.settings)  # the rotated key, as a restarted process loads it
    [new] = issue_decisions(replace(issuance, signer=signer), [factories.decision(doc_no="渝卫职改〔2025〕13号")])
    for outcome in (old, new):
        verdict = verify_pdf(
            issuance.store.get(outcome.sha256), db=issuance.db, trust_roots=[new_pki.root_cert], office_names=(OFFICE,)
        )
        assert verdict.valid, [c for c in verdict.checks if not c.passed]


def test_a_new_qr_claim_key_leaves_claims_signed_by_the_old_one_valid(tmp_path) -> None:  # type: ignore[no-untyped-def]
    claims = DevelopmentClaimSigner(tmp_path / "qr-keys", tmp_path / "published.json", OFFICE)

    def fields(day: date) -> ClaimFields:
        return ClaimFields(
            number="ZC500111-2026-000001-H",
            masked_name="张*",
            qualification="主治医师",
            grant_date=date(2025, 12, 20),
            version=1,
            token="A" * 24,
            issue_date=day,
        )

    old = claims.sign(fields(date(2026, 12, 8)))
    new = claims.sign(fields(date(2032, 1, 5)))  # past the first key's period: a new key signs
    keyset = claims.keyset()
    kids = [key.kid for key in keyset.keys]
    assert len(kids) == 2 and [key.status for key in keyset.keys] == ["retired", "active"]
    for text in (old, new):
        assert verify_claim(text, "A" * 24, keyset).reason is VerificationCode.OK
