"""Two approvers press 批准 on the same application at the same moment (PostgreSQL, row
locks): one certificate, one ``legacy.approved`` event, the application approved once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from threading import Barrier
from typing import Any

import pytest
from sqlalchemy import select

from ecert.models import AuditEvent, Certificate, LegacyApplication
from issuer.services.issuance import Issuance
from legacy_import import IllegalTransition, NotAllowed, review
from legacy_import.approval import approve
from tests.functional.test_legacy_review import NOW, applicant, application, staff


@pytest.mark.parametrize("database_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True)
def test_two_approvers_at_once_issue_one_certificate(issuance: Issuance) -> None:
    reviewer = staff(issuance, "li.reviewer", "reviewer", "李审查")
    approvers = [staff(issuance, f"a{i}.approver", "approver", f"审批{i}") for i in range(2)]
    account_id, id_number = applicant(issuance)
    one = application(issuance, account_id, id_number)
    review.recommend(issuance.db, one, staff_id=reviewer, now=NOW)
    barrier = Barrier(2)

    def press(approver: int) -> Any:
        barrier.wait()
        try:
            return approve(issuance, None, one, staff_id=approver)
        except (NotAllowed, IllegalTransition) as refused:  # the other one holds it, or has approved it
            return refused

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(press, approvers))
    outcomes = [result for result in results if not isinstance(result, Exception)]
    assert len(outcomes) == 1, results
    with issuance.db.read() as session:
        assert session.scalars(select(Certificate.number)).all() == [outcomes[0].number]
        assert len(session.scalars(select(AuditEvent).where(AuditEvent.action == "legacy.approved")).all()) == 1
        row = session.get_one(LegacyApplication, one)
        assert (
            row.status == "approved" and row.approver_id in approvers and row.certificate_number == outcomes[0].number
        )
