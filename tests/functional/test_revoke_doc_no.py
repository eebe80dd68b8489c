"""``ecert revoke --doc-no`` takes the revoking decision's 文号 by the decisions file's rule:
malformed ones are refused before anything changes, accepted ones are stored normalised."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from ecert.cli import main
from ecert.models import AuditEvent, Certificate, CertificateStatus
from issuer.services.issuance import Issuance, issue_decision
from tests import factories


def _revoke(app, number: str, doc_no: str, lang: str = "en"):  # type: ignore[no-untyped-def]
    return app.test_cli_runner().invoke(
        main, ["--lang", lang, "revoke", number, "--reason", "fraud", "--doc-no", doc_no]
    )


def _state(issuance: Issuance, number: str) -> tuple[CertificateStatus, str | None, int]:
    with issuance.db.read() as session:
        certificate = session.scalars(select(Certificate).where(Certificate.number == number)).one()
        events = session.scalar(select(func.count()).select_from(AuditEvent))
        return certificate.status, certificate.revocation_doc_no, int(events or 0)


@pytest.mark.postgres_sample(1)  # refused in Python before any write
@pytest.mark.parametrize(
    ("doc_no", "lang", "message"),
    [
        ("3号", "en", "document number 3号 must look like 渝人社发〔2021〕25号"),
        ("足人社发2026年3号", "en", "document number 足人社发2026年3号 must look like 渝人社发〔2021〕25号"),
        ("足人社发〔2026〕3号 补", "zh", "文号 足人社发〔2026〕3号补 的格式应如 渝人社发〔2021〕25号"),
        ("   ", "en", "document number is empty"),
        ("   ", "zh", "文号为空"),
    ],
)
def test_a_malformed_doc_no_is_refused_and_nothing_changes(  # type: ignore[no-untyped-def]
    app, issuance: Issuance, doc_no: str, lang: str, message: str
) -> None:
    number = issue_decision(issuance, factories.decision()).number
    before = _state(issuance, number)

    result = _revoke(app, number, doc_no, lang)

    assert result.exit_code == 1
    assert result.output.strip() == message
    assert _state(issuance, number) == before == (CertificateStatus.VALID, None, before[2])


@pytest.mark.postgres_sample(1)  # normalised in Python: the same value written
@pytest.mark.parametrize(
    "typed", ["足人社发[2026]3号", "足人社发 （2026） 3 号", "足人社发【2026】３号", "足人社发〔2026〕3号"]
)
def test_an_accepted_doc_no_is_stored_as_the_decisions_file_would_store_it(  # type: ignore[no-untyped-def]
    app, issuance: Issuance, typed: str
) -> None:
    number = issue_decision(issuance, factories.decision()).number

    result = _revoke(app, number, typed)

    assert result.exit_code == 0, result.output
    status, stored, _ = _state(issuance, number)
    assert (status, stored) == (CertificateStatus.REVOKED, "足人社发〔2026〕3号")
    with issuance.db.read() as session:
        last = session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)).one()
    assert last.action == "certificate.revoked" and last.payload["doc_no"] == "足人社发〔2026〕3号"
