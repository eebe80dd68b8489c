"""``ecert correct`` refuses a correction that changes nothing: no new version, no audit
event, the certificate and its QR code stay as they are."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from ecert.cli import main
from ecert.models import AuditEvent, Certificate, CertificateStatus, Decision, NumberCounter
from issuer.services.issuance import Issuance, issue_decision
from tests import factories


def _registry(issuance: Issuance) -> tuple[list[tuple[int, CertificateStatus]], int, int, list[int]]:
    with issuance.db.read() as session:
        versions = session.execute(select(Certificate.version, Certificate.status).order_by(Certificate.id)).all()
        return (
            [tuple(row) for row in versions],  # type: ignore[misc]
            int(session.scalar(select(func.count()).select_from(AuditEvent)) or 0),
            int(session.scalar(select(func.count()).select_from(Decision)) or 0),
            list(session.scalars(select(NumberCounter.last_seq))),
        )


def _correct(app, number: str, *assignments: str, lang: str = "en"):  # type: ignore[no-untyped-def]
    sets = [arg for assignment in assignments for arg in ("--set", assignment)]
    return app.test_cli_runner().invoke(main, ["--lang", lang, "correct", number, *sets, "--reason", "复核"])


@pytest.mark.parametrize(
    ("assignments", "lang", "message"),
    [
        (
            ["employer=重庆市大足区人民医院"],
            "en",
            "certificate {number} v1 already has these values for employer: nothing to correct, no new version issued",
        ),
        (
            # The same values once normalised: brackets and spaces of the 文号, the date's spelling.
            ["文号=渝卫职改 [2025] 12 号", "审批时间=2025/12/20", " name = 张三 "],
            "zh",
            "证书 {number} 第 1 版的 approval_date、doc_no、name 已是这些值，无需更正；未签发新版本",
        ),
    ],
)
def test_a_correction_that_changes_nothing_is_refused(  # type: ignore[no-untyped-def]
    app, issuance: Issuance, assignments: list[str], lang: str, message: str
) -> None:
    number = issue_decision(issuance, factories.decision()).number
    before = _registry(issuance)

    result = _correct(app, number, *assignments, lang=lang)

    assert result.exit_code == 1
    assert result.output.strip() == message.format(number=number)
    assert _registry(issuance) == before
    assert before[0] == [(1, CertificateStatus.VALID)]


def test_one_real_change_among_unchanged_values_is_a_correction(app, issuance: Issuance) -> None:  # type: ignore[no-untyped-def]
    number = issue_decision(issuance, factories.decision()).number

    result = _correct(app, number, "employer=重庆市大足区人民医院", "specialty=内科学")

    assert result.exit_code == 0, result.output
    assert _registry(issuance)[0] == [(1, CertificateStatus.SUPERSEDED), (2, CertificateStatus.VALID)]
