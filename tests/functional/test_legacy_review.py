"""Staff review of paper-certificate conversions: every staff step and the illegal ones
refused, the two-person rule (谁审查、谁签字、谁负责), approval issuing a real signed
certificate with its provenance and binding the applicant's account, staff corrections,
evidence views audited and served safely, notices, the dashboard count and the queue.

Applications are made here directly (the holder's side builds them in the portal)."""

from __future__ import annotations

import io
import itertools
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import select

from ecert.models import (
    Account,
    AuditEvent,
    Certificate,
    Decision,
    LegacyApplication,
    LegacyEvidence,
    Notification,
    RosterEntry,
)
from issuer.services.issuance import Issuance
from legacy_import import IllegalTransition, NotAllowed, review, workflow
from legacy_import.approval import AlreadyCertified, ClaimInvalid, approve
from tests import factories
from tests.functional.test_portal import code_in, csrf, outbox, post, register
from tests.functional.test_staff import create, log_in, now_code, secret_of

NOW = datetime(2026, 11, 26, 2, 30, tzinfo=UTC)  # the issuance fixture's clock
_files = itertools.count(1)


# --- factories: an applicant's account, an application, its evidence (the holder side's rows) ---


def claim(**overrides: str) -> dict[str, str]:
    base = {
        "name": "王小明",
        "gender": "男",
        "qualification": "主治医师",
        "series": "卫生",
        "specialty": "内科学",
        "level": "中级",
        "grant_route": "评审",
        "approval_date": "2003-07-01",
        "approving_body": "重庆市卫生系列中级职称评审委员会",
        "doc_no": "渝卫职改〔2003〕12号",
        "paper_number": "渝卫0300123",
        "employer": "重庆市大足区人民医院",
    }
    return {**base, **overrides}


def applicant(issuance: Issuance, name: str = "王小明", mobile: str = "13900000001") -> tuple[int, str]:
    """An unbound holder account (no registry holder yet): its id and ID number."""
    id_number = factories.id_number(birth="19700312")
    with issuance.db.write() as session:
        account = Account(
            kind="holder", login=id_number, name=name, mobile=mobile, password_hash="-", roles="",
            active=True, created_at=NOW,
        )  # fmt: skip
        session.add(account)
        session.flush()
        return account.id, id_number


def staff(issuance: Issuance, login: str, roles: str, name: str | None = None, mobile: str | None = None) -> int:
    with issuance.db.write() as session:
        account = Account(
            kind="staff", login=login, name=name or login, mobile=mobile, password_hash="-", roles=roles,
            office_code="500111", active=True, created_at=NOW,
        )  # fmt: skip
        session.add(account)
        session.flush()
        return account.id


def png(color: tuple[int, int, int] = (200, 30, 30), size: tuple[int, int] = (40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


def application(
    issuance: Issuance,
    account_id: int,
    id_number: str,
    *,
    status: str = workflow.SUBMITTED,
    submitted: datetime = NOW - timedelta(days=3),
    findings: list[dict[str, Any]] | None = None,
    roster: dict[str, Any] | None = None,
    evidence: int = 1,
    thumbnail: bool = True,
    **claimed: str,
) -> int:
    with issuance.db.write() as session:
        roster_id = None
        if roster is not None:
            row = RosterEntry(
                row_key=f"{account_id}-{len(roster)}-{id_number}", source_label="档案馆 2003", source_file="2003.xlsx",
                source_sha256="0" * 64, sheet="Sheet1", source_row=7, imported_by="cli", imported_at=NOW, **roster,
            )  # fmt: skip
            session.add(row)
            session.flush()
            roster_id = row.id
        found = findings or []
        row_app = LegacyApplication(
            account_id=account_id, id_number=id_number, case="intact", status=status, claim=claim(**claimed),
            staff_changes=[], findings=found, max_severity=max((f["severity"] for f in found), default=0),
            roster_entry_id=roster_id, commitment_text="本人承诺……", commitment_accepted_at=submitted,
            submitted_at=submitted, created_at=submitted, updated_at=submitted,
        )  # fmt: skip
        session.add(row_app)
        session.flush()
        for _ in range(evidence):
            n = next(_files)  # each file its own bytes: a shared blob is a test's choice
            data = png((n % 256, n // 256 % 256, 30))
            session.add(
                LegacyEvidence(
                    application_id=row_app.id,
                    kind="paper_certificate",
                    sha256=issuance.store.put(data),
                    original_sha256=issuance.store.put(data),
                    content_type="image/png",
                    original_name="../../证书 扫描\u202e.exe",
                    size=len(data),
                    pages=1,
                    thumbnail_sha256=issuance.store.put(png((n % 256, n // 256 % 256, 200), (20, 15)))
                    if thumbnail
                    else None,
                    uploaded_at=submitted,
                )
            )
        return row_app.id


def status_of(issuance: Issuance, application_id: int) -> LegacyApplication:
    with issuance.db.read() as session:
        row = session.get_one(LegacyApplication, application_id)
        session.expunge(row)
        return row


def events(issuance: Issuance, action: str) -> list[AuditEvent]:
    with issuance.db.read() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)))


@pytest.fixture
def people(issuance: Issuance) -> dict[str, int]:
    return {
        "reviewer": staff(issuance, "li.reviewer", "reviewer", "李审查"),
        "reviewer2": staff(issuance, "zhao.reviewer", "reviewer", "赵审查"),
        "approver": staff(issuance, "wang.approver", "approver", "王审批"),
        "both": staff(issuance, "chen.both", "reviewer,approver", "陈两职"),
        "admin": staff(issuance, "sun.admin", "admin", "孙管理"),
    }


# --- the workflow's staff steps, and the illegal ones ---


def test_every_staff_step_moves_the_application_and_is_audited_with_the_staff_member(
    issuance: Issuance, people: dict[str, int]
) -> None:
    account_id, id_number = applicant(issuance)
    first = application(issuance, account_id, id_number)
    review.return_for_correction(issuance.db, None, first, staff_id=people["reviewer"], message="请补充评审表", now=NOW)
    returned = status_of(issuance, first)
    assert returned.status == workflow.RETURNED and returned.staff_message == "请补充评审表"

    second = application(issuance, account_id, id_number)
    review.recommend(issuance.db, second, staff_id=people["reviewer"], now=NOW)
    recommended = status_of(issuance, second)
    assert recommended.status == workflow.RECOMMENDED and recommended.reviewer_id == people["reviewer"]
    review.return_for_correction(issuance.db, None, second, staff_id=people["approver"], message="文号不清", now=NOW)
    assert status_of(issuance, second).status == workflow.RETURNED
    assert status_of(issuance, second).reviewer_id is None  # a new recommendation is needed after the resubmission

    third = application(issuance, account_id, id_number)
    review.reject(issuance.db, None, third, staff_id=people["reviewer"], reason="档案中无此人", now=NOW)
    rejected = status_of(issuance, third)
    assert (
        rejected.status == workflow.REJECTED and rejected.decided_at == NOW and rejected.staff_message == "档案中无此人"
    )

    fourth = application(issuance, account_id, id_number)
    review.recommend(issuance.db, fourth, staff_id=people["reviewer"], now=NOW)
    review.reject(issuance.db, None, fourth, staff_id=people["approver"], reason="材料系伪造", now=NOW)
    assert status_of(issuance, fourth).status == workflow.REJECTED

    done = {
        (e.action, e.subject, e.actor)
        for e in events(issuance, "legacy.returned")
        + events(issuance, "legacy.recommended")
        + events(issuance, "legacy.rejected")
    }
    assert done == {
        ("legacy.returned", f"legacy:{first}", f"account:{people['reviewer']}"),
        ("legacy.recommended", f"legacy:{second}", f"account:{people['reviewer']}"),
        ("legacy.returned", f"legacy:{second}", f"account:{people['approver']}"),
        ("legacy.rejected", f"legacy:{third}", f"account:{people['reviewer']}"),
        ("legacy.recommended", f"legacy:{fourth}", f"account:{people['reviewer']}"),
        ("legacy.rejected", f"legacy:{fourth}", f"account:{people['approver']}"),
    }
    for event in events(issuance, "legacy.returned") + events(issuance, "legacy.rejected"):
        assert "请补充" not in str(event.payload) and "档案中" not in str(event.payload)  # the words stay with the row


def test_illegal_steps_are_refused_and_change_nothing(issuance: Issuance, people: dict[str, int]) -> None:
    account_id, id_number = applicant(issuance)
    submitted = application(issuance, account_id, id_number)
    with pytest.raises(IllegalTransition):  # approve a submitted one
        approve(issuance, None, submitted, staff_id=people["approver"])
    review.recommend(issuance.db, submitted, staff_id=people["reviewer"], now=NOW)
    with pytest.raises(IllegalTransition):  # recommend twice
        review.recommend(issuance.db, submitted, staff_id=people["reviewer2"], now=NOW)
    with pytest.raises(NotAllowed) as empty:  # return without a message
        review.return_for_correction(issuance.db, None, submitted, staff_id=people["approver"], message="  ", now=NOW)
    assert empty.value.code == "message_required"
    with pytest.raises(NotAllowed):  # reject without a reason
        review.reject(issuance.db, None, submitted, staff_id=people["approver"], reason="", now=NOW)
    review.reject(issuance.db, None, submitted, staff_id=people["approver"], reason="不符合条件", now=NOW)
    for step in (
        lambda: review.recommend(issuance.db, submitted, staff_id=people["reviewer"], now=NOW),
        lambda: review.return_for_correction(
            issuance.db, None, submitted, staff_id=people["approver"], message="x", now=NOW
        ),
        lambda: review.reject(issuance.db, None, submitted, staff_id=people["approver"], reason="x", now=NOW),
        lambda: review.correct_claim(
            issuance.db, submitted, staff_id=people["approver"], field_name="name", value="王晓明", reason="x", now=NOW
        ),
        lambda: approve(issuance, None, submitted, staff_id=people["approver"]),
    ):
        with pytest.raises(IllegalTransition):  # act on a final one
            step()
    assert status_of(issuance, submitted).status == workflow.REJECTED
    draft = application(issuance, account_id, id_number, status=workflow.DRAFT)
    with pytest.raises(NotAllowed) as hidden:  # a draft is the holder's own: staff do not see it
        review.recommend(issuance.db, draft, staff_id=people["reviewer"], now=NOW)
    assert hidden.value.code == "not_found"


def test_roles_decide_who_takes_which_step(issuance: Issuance, people: dict[str, int]) -> None:
    account_id, id_number = applicant(issuance)
    submitted = application(issuance, account_id, id_number)
    for who in ("approver", "admin"):  # a reviewer's step
        with pytest.raises(NotAllowed) as refused:
            review.recommend(issuance.db, submitted, staff_id=people[who], now=NOW)
        assert refused.value.code == "role"
    with pytest.raises(NotAllowed):
        review.return_for_correction(issuance.db, None, submitted, staff_id=people["approver"], message="x", now=NOW)
    review.recommend(issuance.db, submitted, staff_id=people["reviewer"], now=NOW)
    for who in ("reviewer2", "admin"):  # an approver's step
        with pytest.raises(NotAllowed) as refused:
            approve(issuance, None, submitted, staff_id=people[who])
        assert refused.value.code == "role"
        with pytest.raises(NotAllowed):
            review.reject(issuance.db, None, submitted, staff_id=people[who], reason="x", now=NOW)
    assert status_of(issuance, submitted).status == workflow.RECOMMENDED


# --- two different staff, neither the applicant ---


def test_the_reviewer_who_recommended_can_never_approve_even_holding_both_roles(
    issuance: Issuance, people: dict[str, int]
) -> None:
    account_id, id_number = applicant(issuance)
    one = application(issuance, account_id, id_number)
    review.recommend(issuance.db, one, staff_id=people["both"], now=NOW)
    with pytest.raises(NotAllowed) as refused:
        approve(issuance, None, one, staff_id=people["both"])
    assert refused.value.code == "same_person"
    assert status_of(issuance, one).status == workflow.RECOMMENDED
    assert events(issuance, "certificate.reserved") == []  # nothing was issued
    # Another person holding both roles may approve what the first recommended.
    other_both = staff(issuance, "zhou.both", "reviewer,approver", "周两职")
    done = approve(issuance, None, one, staff_id=other_both)
    assert status_of(issuance, one).approver_id == other_both and done.number


@pytest.mark.parametrize("same", ["name", "mobile", "claimed_name"])
def test_the_applicant_may_not_review_or_approve_their_own_application(
    issuance: Issuance, people: dict[str, int], same: str
) -> None:
    account_id, id_number = applicant(issuance, name="王小明", mobile="13900000009")
    one = application(issuance, account_id, id_number, name="王小明")
    conflicted = {
        "name": lambda role: staff(issuance, f"wxm.{role}", role, "王小明"),
        "mobile": lambda role: staff(issuance, f"m.{role}", role, "某某", "13900000009"),
        "claimed_name": lambda role: staff(issuance, f"c.{role}", role, " 王小明 "),
    }[same]
    reviewer, approver = conflicted("reviewer"), conflicted("approver")
    for step in (
        lambda: review.recommend(issuance.db, one, staff_id=reviewer, now=NOW),
        lambda: review.return_for_correction(issuance.db, None, one, staff_id=reviewer, message="x", now=NOW),
        lambda: review.correct_claim(
            issuance.db, one, staff_id=reviewer, field_name="doc_no", value="x", reason="x", now=NOW
        ),
    ):
        with pytest.raises(NotAllowed) as refused:
            step()
        assert refused.value.code == "applicant"
    review.recommend(issuance.db, one, staff_id=people["reviewer"], now=NOW)
    with pytest.raises(NotAllowed) as refused:
        approve(issuance, None, one, staff_id=approver)
    assert refused.value.code == "applicant"
    assert status_of(issuance, one).status == workflow.RECOMMENDED


# --- approval issues the certificate ---


def test_approval_issues_a_signed_certificate_with_its_provenance_and_binds_the_account(
    issuance: Issuance, people: dict[str, int]
) -> None:
    account_id, id_number = applicant(issuance)
    one = application(issuance, account_id, id_number)
    review.recommend(issuance.db, one, staff_id=people["reviewer"], now=NOW)
    done = approve(issuance, None, one, staff_id=people["approver"])
    assert done.number.startswith("ZC500111-2026-")  # a number of the year of conversion
    assert done.bound
    with issuance.db.read() as session:
        row = session.get_one(LegacyApplication, one)
        assert (row.status, row.certificate_number, row.approver_id) == (
            workflow.APPROVED,
            done.number,
            people["approver"],
        )
        decision = session.scalars(select(Decision).join(Certificate).where(Certificate.number == done.number)).one()
        certificate = session.scalars(select(Certificate).where(Certificate.number == done.number)).one()
        account = session.get_one(Account, account_id)
        assert decision.source == "legacy" and decision.paper_number == "渝卫0300123"
        assert decision.provenance == {
            "paper_number": "渝卫0300123",
            "verified_by": issuance.settings.office_name,
            "verified_on": "2026-11-26",
            "application_id": one,
        }
        # The original approval date, approving body and 文号 are kept.
        assert decision.approval_date.isoformat() == "2003-07-01" and decision.doc_no == "渝卫职改〔2003〕12号"
        assert decision.approving_body == "重庆市卫生系列中级职称评审委员会"
        assert account.holder_id == decision.holder_id and account.identity_confirmed_by == "legacy_review"
        assert certificate.status.value == "valid"
        pdf = issuance.store.get(certificate.pdf_sha256)
        notices = session.scalars(select(Notification).where(Notification.holder_id == decision.holder_id)).all()
        assert [(n.kind, n.number) for n in notices] == [("legacy.approved", done.number)]
    assert pdf.startswith(b"%PDF") and b"/ByteRange" in pdf
    [approved] = events(issuance, "legacy.approved")
    assert approved.actor == f"account:{people['approver']}" and approved.payload["reviewer"] == people["reviewer"]
    assert events(issuance, "certificate.issued")[0].actor == f"account:{people['approver']}"
    [bound] = events(issuance, "account.identity_confirmed")
    assert bound.payload == {"by": "legacy_review", "holder_id": decision.holder_id}
    assert id_number not in str(approved.payload)


def test_an_invalid_claim_is_refused_before_anything_is_issued_naming_the_field(
    app: Any, issuance: Issuance, people: dict[str, int]
) -> None:
    account_id, id_number = applicant(issuance)
    one = application(issuance, account_id, id_number, doc_no="", qualification="主任医师")
    review.recommend(issuance.db, one, staff_id=people["reviewer"], now=NOW)
    with pytest.raises(ClaimInvalid) as invalid:
        approve(issuance, None, one, staff_id=people["approver"])
    assert {error.column for error in invalid.value.errors} == {"doc_no", "qualification"}
    assert status_of(issuance, one).status == workflow.RECOMMENDED and events(issuance, "certificate.reserved") == []


def test_a_title_already_certified_elsewhere_is_not_taken_over(issuance: Issuance, people: dict[str, int]) -> None:
    from datetime import date

    from issuer.services.issuance import issue_decision

    account_id, id_number = applicant(issuance)
    issued = issue_decision(
        issuance,
        factories.decision(
            name="王小明", id_number=id_number, qualification="主治医师", doc_no="渝卫职改〔2003〕12号",
            approval_date=date(2003, 7, 1),
        ),
    )  # fmt: skip
    one = application(issuance, account_id, id_number)
    review.recommend(issuance.db, one, staff_id=people["reviewer"], now=NOW)
    with pytest.raises(AlreadyCertified) as already:
        approve(issuance, None, one, staff_id=people["approver"])
    assert already.value.number == issued.number
    assert status_of(issuance, one).status == workflow.RECOMMENDED


def test_a_signer_failure_leaves_it_recommended_and_a_retry_issues_it_once(
    issuance: Issuance, people: dict[str, int]
) -> None:
    from dataclasses import replace

    class BrokenSigner:
        def __getattr__(self, name: str) -> Any:
            raise RuntimeError("HSM unreachable")

    account_id, id_number = applicant(issuance)
    one = application(issuance, account_id, id_number)
    review.recommend(issuance.db, one, staff_id=people["reviewer"], now=NOW)
    from legacy_import.approval import SigningFailed

    with pytest.raises(SigningFailed) as failed:
        approve(replace(issuance, signer=BrokenSigner()), None, one, staff_id=people["approver"])
    assert "HSM unreachable" in failed.value.reason
    assert status_of(issuance, one).status == workflow.RECOMMENDED
    assert status_of(issuance, one).certificate_number is None
    first = approve(issuance, None, one, staff_id=people["approver"])
    with issuance.db.read() as session:
        assert session.scalars(select(Certificate.number)).all() == [first.number]  # the released number reused


# --- staff corrections ---


def test_staff_corrections_are_recorded_audited_and_after_a_recommendation_send_it_back(
    issuance: Issuance, people: dict[str, int]
) -> None:
    account_id, id_number = applicant(issuance)
    one = application(issuance, account_id, id_number, doc_no="渝卫职改[2003]12")
    assert not review.correct_claim(
        issuance.db, one, staff_id=people["reviewer"], field_name="doc_no", value="渝卫职改〔2003〕12号",
        reason="据档案呈报表第 2 页", now=NOW,
    )  # fmt: skip
    review.recommend(issuance.db, one, staff_id=people["reviewer"], now=NOW)
    assert review.correct_claim(
        issuance.db, one, staff_id=people["approver"], field_name="employer", value="重庆市大足区中医院",
        reason="据档案部门证明", now=NOW + timedelta(minutes=5),
    )  # fmt: skip
    row = status_of(issuance, one)
    assert row.status == workflow.SUBMITTED and row.reviewer_id is None
    assert row.claim["doc_no"] == "渝卫职改〔2003〕12号" and row.claim["employer"] == "重庆市大足区中医院"
    assert row.staff_changes == [
        {"field": "doc_no", "old": "渝卫职改[2003]12", "new": "渝卫职改〔2003〕12号", "reason": "据档案呈报表第 2 页",
         "by": people["reviewer"], "at": NOW.isoformat()},
        {"field": "employer", "old": "重庆市大足区人民医院", "new": "重庆市大足区中医院", "reason": "据档案部门证明",
         "by": people["approver"], "at": (NOW + timedelta(minutes=5)).isoformat()},
    ]  # fmt: skip
    changed = events(issuance, "legacy.claim_corrected")
    assert [e.payload for e in changed] == [
        {"field": "doc_no", "from": "submitted", "to": "submitted"},
        {"field": "employer", "from": "recommended", "to": "submitted"},
    ]
    with pytest.raises(NotAllowed) as no_reason:
        review.correct_claim(
            issuance.db, one, staff_id=people["reviewer"], field_name="name", value="王晓明", reason=" ", now=NOW
        )
    assert no_reason.value.code == "message_required"
    with pytest.raises(NotAllowed) as unknown:
        review.correct_claim(
            issuance.db, one, staff_id=people["reviewer"], field_name="id_number", value="x", reason="x", now=NOW
        )
    assert unknown.value.code == "unknown_field"
    # The corrected claim is what is issued.
    review.recommend(issuance.db, one, staff_id=people["reviewer2"], now=NOW)
    done = approve(issuance, None, one, staff_id=people["approver"])
    with issuance.db.read() as session:
        decision = session.scalars(select(Decision).join(Certificate).where(Certificate.number == done.number)).one()
        assert decision.employer == "重庆市大足区中医院"


# --- retention ---


def test_retention_deletes_only_old_rejected_and_withdrawn_evidence_not_shared_blobs(
    app: Any, issuance: Issuance, people: dict[str, int]
) -> None:
    from legacy_import.retention import purge_evidence

    account_id, id_number = applicant(issuance)
    old = NOW - timedelta(days=400)
    rejected = application(issuance, account_id, id_number, status=workflow.REJECTED, submitted=old)
    withdrawn = application(issuance, account_id, id_number, status=workflow.WITHDRAWN, submitted=old, thumbnail=False)
    recent = application(issuance, account_id, id_number, status=workflow.REJECTED, submitted=NOW - timedelta(days=30))
    approved = application(issuance, account_id, id_number, status=workflow.APPROVED, submitted=old)
    with issuance.db.write() as session:
        for application_id in (rejected, withdrawn, approved):
            row = session.get_one(LegacyApplication, application_id)
            row.decided_at = old if row.status != workflow.WITHDRAWN else None  # a withdrawal: its last change counts
        # The withdrawn one's scan is the same file as the approved one's: it must stay.
        shared = session.scalars(select(LegacyEvidence).where(LegacyEvidence.application_id == approved)).one()
        mine = session.scalars(select(LegacyEvidence).where(LegacyEvidence.application_id == withdrawn)).one()
        mine.sha256 = shared.sha256
        rejected_evidence = session.scalars(
            select(LegacyEvidence).where(LegacyEvidence.application_id == rejected)
        ).one()
        rejected_blobs = (rejected_evidence.sha256, rejected_evidence.thumbnail_sha256)
        shared_blob = shared.sha256

    dry = purge_evidence(issuance.db, issuance.store, now=NOW, retention_days=365, actor="cli", dry_run=True)
    assert [p.application_id for p in dry.applications] == [rejected, withdrawn] and events(
        issuance, "legacy.evidence_deleted"
    ) == []
    assert issuance.store.get(rejected_blobs[0])

    report = purge_evidence(issuance.db, issuance.store, now=NOW, retention_days=365, actor="cli")
    assert [(p.application_id, p.evidence) for p in report.applications] == [(rejected, 1), (withdrawn, 1)]
    for blob in rejected_blobs:
        assert not (issuance.settings.blob_dir / blob[:2] / blob).exists()
    assert issuance.store.get(shared_blob)  # kept: the approved application's evidence names it
    with issuance.db.read() as session:
        deleted = dict(session.execute(select(LegacyEvidence.application_id, LegacyEvidence.deleted_at)).all())
    assert (
        deleted[rejected] == NOW and deleted[withdrawn] == NOW and deleted[recent] is None and deleted[approved] is None
    )
    purged = events(issuance, "legacy.evidence_deleted")
    assert [e.subject for e in purged] == [f"legacy:{rejected}", f"legacy:{withdrawn}"]
    assert purged[1].payload["kept_shared"] == [shared_blob]
    # Nothing more to do the next time; the command says so.
    again = app.test_cli_runner().invoke(args=["legacy", "purge-evidence"])
    assert again.exit_code == 0 and "0 件申请" in again.output, again.output


def test_the_purge_command_dry_run_lists_and_deletes_nothing(app: Any, issuance: Issuance) -> None:
    account_id, id_number = applicant(issuance)
    rejected = application(
        issuance, account_id, id_number, status=workflow.REJECTED, submitted=datetime(2020, 1, 1, tzinfo=UTC)
    )
    with issuance.db.write() as session:
        session.get_one(LegacyApplication, rejected).decided_at = datetime(2020, 1, 2, tzinfo=UTC)
    result = app.test_cli_runner().invoke(args=["legacy", "purge-evidence", "--dry-run"])
    assert (
        result.exit_code == 0 and f"申请 {rejected}：将删除 1 份材料" in result.output and "试运行" in result.output
    ), result.output
    result = app.test_cli_runner().invoke(args=["legacy", "purge-evidence"])
    assert f"申请 {rejected}：已删除 1 份材料、2 个文件" in result.output, result.output


# --- the pages ---


def staff_client(app: Any, username: str, role: str, name: str | None = None) -> Any:
    client = app.test_client()
    args = ["--role", role, "--with-totp"] + (["--name", name] if name else [])
    secret = secret_of(create(app, username, *args).output)
    assert log_in(client, username, now_code(secret)).status_code == 302
    return client


def staff_post(client: Any, application_id: int, step: str, **data: str) -> Any:
    token = csrf(client, f"/console/conversions/{application_id}")
    return client.post(f"/console/conversions/{application_id}/{step}", data={"csrf_token": token, **data})


def test_the_queue_filters_counts_and_orders_oldest_first(app: Any, issuance: Issuance) -> None:
    account_id, id_number = applicant(issuance)
    newer = application(issuance, account_id, id_number, submitted=NOW - timedelta(days=1), name="新申请")
    older = application(
        issuance, account_id, id_number, submitted=NOW - timedelta(days=40), name="老申请",
        findings=[{"code": "roster.differs", "severity": 3, "params": {}}],
    )  # fmt: skip
    application(issuance, account_id, id_number, status=workflow.REJECTED, name="已拒绝")
    application(issuance, account_id, id_number, status=workflow.DRAFT, name="草稿中")
    reviewer = staff_client(app, "li.reviewer", "reviewer")
    page = reviewer.get("/console/conversions/").get_data(as_text=True)
    assert page.index("老申请") < page.index("新申请") and "已拒绝" not in page and "草稿中" not in page
    assert f"/console/conversions/{older}" in page and f"/console/conversions/{newer}" in page
    assert re.search(r"<dt>待审查</dt><dd><a [^>]*>2</a>", page) and re.search(
        r"<dt>不予转换</dt><dd><a [^>]*>1</a>", page
    )
    waited = reviewer.get("/console/conversions/?waited=30").get_data(as_text=True)
    assert "老申请" in waited and "新申请" not in waited
    severe = reviewer.get("/console/conversions/?severity=3").get_data(as_text=True)
    assert "老申请" in severe and "新申请" not in severe
    final = reviewer.get("/console/conversions/?status=rejected").get_data(as_text=True)
    assert "已拒绝" in final and "老申请" not in final
    assert "草稿中" not in reviewer.get("/console/conversions/?status=all").get_data(as_text=True)


def test_the_detail_page_sets_claim_beside_roster_and_marks_what_differs(app: Any, issuance: Issuance) -> None:
    account_id, id_number = applicant(issuance)
    one = application(
        issuance, account_id, id_number,
        roster={"name": "王晓明", "qualification": "主治医师", "doc_no": "渝卫职改(2003)12号", "paper_number": "渝卫0300123",
                "approval_date": datetime(2003, 7, 1).date(), "id_number": id_number},
        findings=[{"code": "roster.differs", "severity": 2, "params": {
            "roster_id": 1, "source": "档案馆 2003", "row": 7, "field": "name", "claimed": "王小明", "roster": "王晓明"}}],
    )  # fmt: skip
    reviewer = staff_client(app, "li.reviewer", "reviewer")
    page = reviewer.get(f"/console/conversions/{one}").get_data(as_text=True)
    rows = {label: changed for changed, label in re.findall(r'<tr( class="changed")?><th scope="row">([^<]+)', page)}
    assert rows["姓名"] == ' class="changed"' and rows["文号"] == "" and rows["资格名称"] == ""
    assert "王晓明" in page and "档案馆 2003 · 2003.xlsx · Sheet1 · 第 7 行" in page
    assert "姓名与档案名册（档案馆 2003 第 7 行）不一致：申请为 王小明，名册为 王晓明" in page and id_number in page
    assert "/console/conversions/evidence/" in page and "无预览" not in page
    assert events(issuance, "legacy.viewed")[-1].actor.startswith("account:")


def test_evidence_is_served_safely_to_staff_only_each_view_audited_and_404_once_deleted(
    app: Any, issuance: Issuance
) -> None:
    account_id, id_number = applicant(issuance)
    one = application(issuance, account_id, id_number, evidence=2)
    with issuance.db.write() as session:
        first, second = session.scalars(
            select(LegacyEvidence).where(LegacyEvidence.application_id == one).order_by(LegacyEvidence.id)
        ).all()
        second.thumbnail_sha256 = None
        first_id, second_id = first.id, second.id
    reviewer = staff_client(app, "li.reviewer", "reviewer")
    page = reviewer.get(f"/console/conversions/{one}").get_data(as_text=True)
    assert "无预览" in page and f"/console/conversions/evidence/{first_id}/thumbnail.png" in page
    thumb = reviewer.get(f"/console/conversions/evidence/{first_id}/thumbnail.png")
    assert thumb.status_code == 200 and thumb.mimetype == "image/png" and thumb.data.startswith(b"\x89PNG")
    assert reviewer.get(f"/console/conversions/evidence/{second_id}/thumbnail.png").status_code == 404
    got = reviewer.get(f"/console/conversions/evidence/{first_id}")
    assert got.status_code == 200 and got.mimetype == "image/png"
    disposition = got.headers["Content-Disposition"]
    assert disposition.startswith(f"attachment; filename=\"evidence-{first_id}.png\"; filename*=UTF-8''")
    assert "%E8%AF%81%E4%B9%A6" in disposition and ".exe" not in disposition and "..%2F" not in disposition
    assert "%E2%80%AE" not in disposition  # the right-to-left override is gone
    assert got.headers["X-Content-Type-Options"] == "nosniff" and "no-store" in got.headers["Cache-Control"]
    viewed = events(issuance, "legacy.evidence_viewed")
    assert [(e.payload["evidence"], e.payload["part"]) for e in viewed] == [(first_id, "thumbnail"), (first_id, "file")]
    with issuance.db.write() as session:
        session.get_one(LegacyEvidence, first_id).deleted_at = NOW
    assert reviewer.get(f"/console/conversions/evidence/{first_id}").status_code == 404
    assert reviewer.get(f"/console/conversions/evidence/{first_id}/thumbnail.png").status_code == 404
    assert "文件已删除（申请人补正时撤下，或已过保存期限）" in reviewer.get(f"/console/conversions/{one}").get_data(
        as_text=True
    )


def test_through_the_pages_return_recommend_and_approve_by_two_people_and_it_appears_in_my_certificates(
    app: Any, issuance: Issuance
) -> None:
    holder = app.test_client()
    id_number = factories.id_number(birth="19700312")
    confirm = register(holder, issuance, "王小明", id_number, "13800138000")
    post(holder, confirm, code=code_in(outbox(issuance, "13800138000")[-1]))
    with issuance.db.read() as session:
        account_id = session.scalars(select(Account.id).where(Account.login == id_number)).one()
    one = application(issuance, account_id, id_number)
    assert "激活" in holder.get("/my/").get_data(as_text=True)  # not bound: no certificates yet

    reviewer = staff_client(app, "li.reviewer", "reviewer", "李审查")
    approver = staff_client(app, "wang.approver", "approver", "王审批")
    both = staff_client(app, "chen.both", "reviewer,approver", "陈两职")

    missing = staff_post(reviewer, one, "return", message="  ")
    assert missing.status_code == 400 and "请写明需要申请人补正的内容" in missing.get_data(as_text=True)
    assert staff_post(approver, one, "approve").status_code == 409  # a submitted one cannot be approved
    assert staff_post(approver, one, "recommend").status_code == 403  # not a reviewer
    sent = staff_post(reviewer, one, "return", message="请上传档案部门证明")
    assert sent.status_code == 302
    assert "已退回补正" in outbox(issuance, "13800138000")[-1]  # unbound: the text still reaches the mobile
    with issuance.db.write() as session:  # the holder corrects and resubmits (the holder side's work)
        row = session.get_one(LegacyApplication, one)
        row.status, row.submitted_at = workflow.SUBMITTED, NOW

    changed = staff_post(reviewer, one, "changes", field="specialty", value="内科", reason="据评审表")
    assert changed.status_code == 302
    page = reviewer.get(changed.headers["Location"]).get_data(as_text=True)
    assert "据评审表" in page and "内科学" in page and "李审查" in page

    assert staff_post(both, one, "recommend").status_code == 302
    page = both.get(f"/console/conversions/{one}").get_data(as_text=True)
    assert "不能再审批" in page and "/approve" not in page  # the form is not offered to the recommender
    same = staff_post(both, one, "approve")
    assert same.status_code == 403 and "谁审查、谁签字、谁负责" in same.get_data(as_text=True)
    assert staff_post(both, one, "recommend").status_code == 409  # recommend twice

    done = staff_post(approver, one, "approve")
    assert done.status_code == 302, done.get_data(as_text=True)
    number = status_of(issuance, one).certificate_number
    assert number and number in approver.get(done.headers["Location"]).get_data(as_text=True)
    mine = holder.get("/my/").get_data(as_text=True)
    assert number in mine and "主治医师" in mine
    with issuance.db.read() as session:
        certificate_id = session.scalars(select(Certificate.id).where(Certificate.number == number)).one()
    assert holder.get(f"/my/certificates/{certificate_id}.pdf").data.startswith(b"%PDF")
    assert "已批准" in outbox(issuance, "13800138000")[-1] and number in outbox(issuance, "13800138000")[-1]
    assert staff_post(approver, one, "reject", reason="x").status_code == 409  # final


def test_the_dashboard_counts_waiting_conversions(app: Any, issuance: Issuance) -> None:
    from console.dashboard_sources import open_reviews

    account_id, id_number = applicant(issuance)
    application(issuance, account_id, id_number, submitted=NOW - timedelta(days=9))
    application(issuance, account_id, id_number, status=workflow.RECOMMENDED, submitted=NOW - timedelta(days=2))
    application(issuance, account_id, id_number, status=workflow.REJECTED)
    with issuance.db.read() as session:
        queue = open_reviews(session)
    assert queue.open == 2 and queue.oldest_since == NOW - timedelta(days=9)


def test_an_id_number_known_under_another_name_is_refused_at_the_name(
    issuance: Issuance, people: dict[str, int]
) -> None:
    from issuer.services.issuance import issue_decision

    account_id, id_number = applicant(issuance)
    issue_decision(issuance, factories.decision(name="王小明", id_number=id_number))  # a later title, another name
    one = application(issuance, account_id, id_number, name="王晓明")
    review.recommend(issuance.db, one, staff_id=people["reviewer"], now=NOW)
    with pytest.raises(ClaimInvalid) as invalid:
        approve(issuance, None, one, staff_id=people["approver"])
    assert [(error.column, error.code) for error in invalid.value.errors] == [("name", "identity.registry")]
    assert status_of(issuance, one).status == workflow.RECOMMENDED


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_review_pages_speak_one_language(app: Any, issuance: Issuance, lang: str) -> None:
    from tests.functional.test_one_language import LATIN_ALLOWED, _text
    from tests.functional.test_one_language_private import CHINESE, IDENTIFIER

    account_id, id_number = applicant(issuance)
    one = application(
        issuance, account_id, id_number, evidence=2,
        roster={"name": "王晓明", "qualification": "主治医师", "approval_date": datetime(2003, 7, 1).date()},
    )  # fmt: skip
    reviewer = staff_client(app, "li.reviewer", "reviewer", "李审查")
    q = f"?lang={lang}"
    pages = {
        "queue": reviewer.get(f"/console/conversions/{q}"),
        "queue, all": reviewer.get(f"/console/conversions/{q}&status=all&waited=7&severity=2"),
        "application": reviewer.get(f"/console/conversions/{one}{q}"),
        "return refused": reviewer.post(
            f"/console/conversions/{one}/return{q}",
            data={"csrf_token": csrf(reviewer, f"/console/conversions/{one}"), "message": ""},
        ),
        "approve refused": reviewer.post(
            f"/console/conversions/{one}/approve{q}", data={"csrf_token": csrf(reviewer, f"/console/conversions/{one}")}
        ),
    }
    data = set(claim().values()) | {
        "王晓明",
        "李审查",
        "档案馆 2003",
        "证书 扫描.exe",
        issuance.settings.office_name,
        id_number,
    }
    for label, response in pages.items():
        assert response.status_code in (200, 400, 409), label
        html = response.get_data(as_text=True)
        if lang == "en":
            for line in _text(html):
                assert all(any(part in value for value in data) for part in CHINESE.findall(line)), (label, line)
        else:
            lines = [IDENTIFIER.sub("", line) for line in _text(html)]
            words = {w for line in lines for w in re.findall(r"[A-Za-z]{3,}", line)}
            # "Sheet1": the roster's sheet name, data.
            assert not {w for w in words - LATIN_ALLOWED - {"Sheet"} if not w.isupper()}, (label, words)


# --- approval holds the application while it is signed --------------------------------------


def test_while_it_is_signed_nobody_returns_rejects_or_changes_it(issuance: Issuance, monkeypatch: Any) -> None:
    from legacy_import import approval

    reviewer = staff(issuance, "li.reviewer", "reviewer", "李审查")
    approver = staff(issuance, "wang.approver", "approver", "王审批")
    other = staff(issuance, "zhao.approver", "approver", "赵审批")
    account_id, id_number = applicant(issuance)
    one = application(issuance, account_id, id_number)
    review.recommend(issuance.db, one, staff_id=reviewer, now=NOW)
    real_issue, refused = approval._issue, []

    def meddling_while_signing(signing: Any, decision: Any) -> Any:
        # A second approver or the reviewer acting while the signer works: each refused.
        assert status_of(issuance, one).status == workflow.APPROVING
        attempts = {
            "reject": lambda: review.reject(issuance.db, None, one, staff_id=other, reason="不符", now=NOW),
            "return": lambda: review.return_for_correction(
                issuance.db, None, one, staff_id=reviewer, message="补", now=NOW
            ),
            "correct": lambda: review.correct_claim(
                issuance.db, one, staff_id=reviewer, field_name="employer", value="另一单位", reason="据档案", now=NOW
            ),
            "approve": lambda: approve(issuance, None, one, staff_id=other),
        }
        for name, attempt in attempts.items():
            with pytest.raises((IllegalTransition, NotAllowed)):
                attempt()
            refused.append(name)
        return real_issue(signing, decision)

    monkeypatch.setattr(approval, "_issue", meddling_while_signing)
    done = approve(issuance, None, one, staff_id=approver)
    assert refused == ["reject", "return", "correct", "approve"]
    row = status_of(issuance, one)
    assert (row.status, row.approver_id, row.certificate_number) == ("approved", approver, done.number)
    assert row.claim["employer"] != "另一单位"  # what was signed is what the application says
    assert [e.action for e in events(issuance, "legacy.approval_started")] == ["legacy.approval_started"]


def test_a_failed_signing_gives_it_back_and_another_account_of_the_reviewer_cannot_approve(
    issuance: Issuance, monkeypatch: Any
) -> None:
    from legacy_import import approval

    reviewer = staff(issuance, "zhang.r", "reviewer", "张伟", mobile="13900000009")
    twin = staff(issuance, "zhang.a", "approver", "张伟")  # the same person's second account
    approver = staff(issuance, "wang.approver", "approver", "王审批")
    account_id, id_number = applicant(issuance)
    one = application(issuance, account_id, id_number)
    review.recommend(issuance.db, one, staff_id=reviewer, now=NOW)
    with pytest.raises(NotAllowed) as refused:
        approve(issuance, None, one, staff_id=twin)
    assert refused.value.code == "same_person"

    def failing(signing: Any, decision: Any) -> Any:
        raise approval.SigningFailed("TSA 503")

    monkeypatch.setattr(approval, "_issue", failing)
    with pytest.raises(approval.SigningFailed):
        approve(issuance, None, one, staff_id=approver)
    row = status_of(issuance, one)
    assert (row.status, row.approver_id, row.certificate_number) == ("recommended", None, None)
    assert events(issuance, "legacy.approval_released")[-1].payload == {"reason": "SigningFailed"}


def test_a_control_character_in_staff_text_is_said_at_its_field(app: Any, issuance: Issuance) -> None:
    account_id, id_number = applicant(issuance)
    one = application(issuance, account_id, id_number)
    reviewer = staff_client(app, "li.reviewer", "reviewer")
    for step, data in (
        ("return", {"message": "请补正\x00"}),
        ("reject", {"reason": "不符\x07"}),
        ("changes", {"field": "employer", "value": "单位\x00", "reason": "据档案"}),
    ):
        answer = staff_post(reviewer, one, step, **data)
        assert answer.status_code == 400, step
        assert "含有不可见的控制字符" in answer.get_data(as_text=True), step
    assert status_of(issuance, one).status == workflow.SUBMITTED
