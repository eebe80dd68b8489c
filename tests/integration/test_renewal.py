"""Document-timestamp renewal: a new revision of the same version, audited, idempotent, and
the file it replaced still recognised by the upload check."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from sqlalchemy import func, select

from ecert.audit.replay import compare_registry
from ecert.models import AuditEvent, Certificate, CertificateRevision
from issuer.pki.development import DevelopmentPKI
from issuer.pki.rotation import rotate
from issuer.services.archival import build_archiver, newest_timestamp
from issuer.services.issuance import issue_decisions
from issuer.services.renewal import (
    Renewal,
    RenewalFailed,
    RenewalStatus,
    due_certificates,
    renew_certificate,
    renew_due,
)
from tests import factories
from tests.conftest import OFFICE
from verifier.pdf.check import verify_pdf
from verifier.status import PublicStatus


def _renewal(issuance, clock=None) -> Renewal:  # type: ignore[no-untyped-def]
    settings = issuance.settings
    clock = clock or (lambda: dt.datetime.now(dt.UTC))
    return Renewal(issuance.db, issuance.store, build_archiver(settings, clock), settings.renewal, clock, "test")


def _rotated_tsa(issuance) -> DevelopmentPKI:  # type: ignore[no-untyped-def]
    """A new TSA a day younger than the one the certificate was stamped with."""
    settings = issuance.settings
    pki = DevelopmentPKI.load_or_create(settings.pki_dir, OFFICE, settings.public_url)
    rotate(pki, tsa=True, now=dt.datetime.now(dt.UTC) + dt.timedelta(days=1))
    return DevelopmentPKI.load_or_create(settings.pki_dir, OFFICE, settings.public_url)


def _verdict(issuance, data: bytes):  # type: ignore[no-untyped-def]
    pki = DevelopmentPKI.load_or_create(issuance.settings.pki_dir, OFFICE, issuance.settings.public_url)
    return verify_pdf(data, db=issuance.db, trust_roots=[pki.root_cert], office_names=(OFFICE,))


def test_a_due_certificate_gets_a_new_revision_and_its_old_file_still_verifies(issuance) -> None:  # type: ignore[no-untyped-def]
    [outcome] = issue_decisions(issuance, [factories.decision()])
    old = issuance.store.get(outcome.sha256)
    old_end = newest_timestamp(old).expires_at
    _rotated_tsa(issuance)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=2)  # the new TSA's first days
    renewal = _renewal(issuance, clock=lambda: later)
    before = old_end + dt.timedelta(hours=1)  # the old TSA expires before, the new one after

    due = list(due_certificates(renewal, before))
    assert [(d.number, d.reason) for d in due] == [(outcome.number, "expires")]
    assert list(due_certificates(renewal, old_end - dt.timedelta(days=1))) == []

    [renewed] = renew_due(renewal, due, before=before)
    assert renewed.status is RenewalStatus.RENEWED and renewed.revision == 2
    new = issuance.store.get(renewed.sha256)
    assert new.startswith(old) and len(new) > len(old)  # an incremental update of the same file
    assert newest_timestamp(new).expires_at > before
    with issuance.db.read() as session:
        row = session.scalars(select(Certificate)).one()
        assert (row.pdf_sha256, row.pdf_size, row.version) == (renewed.sha256, len(new), 1)
        revision = session.scalars(select(CertificateRevision)).one()
        assert (revision.previous_sha256, revision.pdf_sha256) == (outcome.sha256, renewed.sha256)
        events = session.scalars(select(AuditEvent).where(AuditEvent.action == "certificate.timestamps_renewed")).all()
        assert [e.payload["previous_sha256"] for e in events] == [outcome.sha256]
        assert compare_registry(session)[1] == []  # the log agrees with the new hash

    # The upload check: the new file by its hash, the old one as an earlier revision; both valid.
    current = _verdict(issuance, new)
    assert current.valid and current.checks[1].reason == "match"
    earlier = _verdict(issuance, old)
    assert earlier.valid and earlier.status is PublicStatus.VALID
    assert (earlier.checks[1].passed, earlier.checks[1].reason) == (True, "earlier_revision")
    assert earlier.checks[1].params == {"number": outcome.number, "version": 1, "revision": 1}

    # Idempotent: nothing is due any more, and renewing again by id changes nothing.
    assert list(due_certificates(renewal, before)) == []
    again = renew_certificate(renewal, renewed.certificate_id, before=before)
    assert again.status is RenewalStatus.NOT_DUE
    with issuance.db.read() as session:
        assert session.scalar(select(func.count()).select_from(CertificateRevision)) == 1
        assert session.scalar(select(func.count()).where(AuditEvent.action == "certificate.timestamps_renewed")) == 1


def test_renewing_with_a_tsa_that_expires_no_later_fails_and_changes_nothing(issuance) -> None:  # type: ignore[no-untyped-def]
    [outcome] = issue_decisions(issuance, [factories.decision()])
    renewal = _renewal(issuance)
    before = dt.datetime(2060, 1, 1, tzinfo=dt.UTC)
    with pytest.raises(RenewalFailed) as failed:
        renew_certificate(renewal, 1, before=before)
    assert "TSA" in str(failed.value.cause)
    with issuance.db.read() as session:
        assert session.scalars(select(Certificate.pdf_sha256)).one() == outcome.sha256
        assert session.scalar(select(func.count()).select_from(CertificateRevision)) == 0


def test_weak_algorithms_make_a_certificate_due_whatever_its_dates(issuance) -> None:  # type: ignore[no-untyped-def]
    [outcome] = issue_decisions(issuance, [factories.decision()])
    renewal = _renewal(issuance)
    weak = replace(renewal, policy=replace(renewal.policy, weak_algorithms=("sha256",)))
    soon = dt.datetime.now(dt.UTC)
    assert [(d.number, d.reason) for d in due_certificates(weak, soon)] == [(outcome.number, "weak")]
    assert list(due_certificates(renewal, soon)) == []


def test_revoked_certificates_are_not_renewed(issuance) -> None:  # type: ignore[no-untyped-def]
    [outcome] = issue_decisions(issuance, [factories.decision()])
    factories.revoked(issuance, outcome.number)
    renewal = _renewal(issuance)
    assert list(due_certificates(renewal, dt.datetime(2060, 1, 1, tzinfo=dt.UTC))) == []
    assert renew_certificate(renewal, 1, before=dt.datetime(2060, 1, 1, tzinfo=dt.UTC)).status is (
        RenewalStatus.NOT_CURRENT
    )


def test_the_command_lists_renews_and_then_finds_nothing_due(app, issuance) -> None:  # type: ignore[no-untyped-def]
    [outcome] = issue_decisions(issuance, [factories.decision()])
    old_end = newest_timestamp(issuance.store.get(outcome.sha256)).expires_at
    runner = app.test_cli_runner()
    before = (old_end + dt.timedelta(days=1)).date().isoformat()

    dry = runner.invoke(args=["renew-timestamps", "--before", before, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert f"{outcome.number} 第 1 版：时间戳证书将于" in dry.output
    assert "需续期 1 张（试运行，未作改动）" in dry.output

    stuck = runner.invoke(args=["renew-timestamps", "--before", before])
    assert stuck.exit_code == 1  # the TSA itself expires before that day: rotate it first
    assert "ecert pki rotate --tsa" in stuck.output

    rotated = runner.invoke(args=["pki", "rotate", "--tsa"])
    assert rotated.exit_code == 0, rotated.output
    assert "旧密钥和证书保存在" in rotated.output

    # Within the default horizon (two years) nothing is due: a run changes nothing.
    quiet = runner.invoke(args=["renew-timestamps", "--json"])
    assert quiet.exit_code == 0, quiet.output
    assert '"renewed": 0' in quiet.output and '"failed": 0' in quiet.output

    bad = runner.invoke(args=["renew-timestamps", "--before", "31/12/2030"])
    assert bad.exit_code == 1 and "--before 31/12/2030" in bad.output and "Traceback" not in bad.output
