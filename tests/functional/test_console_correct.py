"""An approver corrects a certificate in the console: a form with the current values, a
side-by-side preview of what changes, a confirmation that signs version 2; the old version
then verifies as 已更正. A correction that changes nothing and a value the decisions file
refuses are said on the form, nothing issued. Any version's PDF downloads as stored."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from ecert.models import Account, AuditEvent, Certificate, CertificateStatus
from issuer.services.issuance import Issuance, issue_decision
from tests import factories
from tests.functional.test_console_revoke import staff_client
from tests.functional.test_portal import csrf

EMPLOYER = "重庆市大足区人民医院"
NEW_EMPLOYER = "重庆市大足区中医院"


def correction(client, number: str, step: str, **changes: str):  # type: ignore[no-untyped-def]
    """Post the correction form as the page pre-fills it, with ``changes`` typed over it."""
    page = client.get(f"/console/certificates/{number}/correct").get_data(as_text=True)
    values = dict(re.findall(r'<input type="(?:text|hidden)" id="(\w+)" name="\w+" value="([^"]*)"', page))
    version = re.search(r'name="version" value="(\d+)"', page)
    assert version, page
    data = {**values, "version": version.group(1), "reason": "工作单位录入错误", **changes}
    return client.post(
        f"/console/certificates/{number}/correct",
        data={"csrf_token": csrf(client, f"/console/certificates/{number}"), "step": step, **data},
    )


def versions(issuance: Issuance, number: str) -> list[tuple[int, CertificateStatus]]:
    with issuance.db.read() as session:
        rows = session.execute(
            select(Certificate.version, Certificate.status)
            .where(Certificate.number == number)
            .order_by(Certificate.version)
        )
        return [(version, status) for version, status in rows]


def changes(issuance: Issuance) -> int:
    """Audit events of state changes (looking at a certificate page is an event too)."""
    with issuance.db.read() as session:
        return int(
            session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action.not_like("console.%")))
            or 0
        )


def test_an_approver_previews_confirms_and_the_old_version_is_superseded(app, client, issuance: Issuance) -> None:  # type: ignore[no-untyped-def]
    issued = issue_decision(issuance, factories.decision(name="王小明"))
    approver = staff_client(app, "wang.approver", "approver")
    assert "更正此证书" in approver.get(f"/console/certificates/{issued.number}").get_data(as_text=True)

    form = approver.get(f"/console/certificates/{issued.number}/correct")
    assert form.status_code == 200
    assert f'value="{EMPLOYER}"' in form.get_data(as_text=True) and 'value="王小明"' in form.get_data(as_text=True)

    shown = correction(approver, issued.number, "preview", employer=NEW_EMPLOYER)
    page = shown.get_data(as_text=True)
    assert shown.status_code == 200 and "改动 1 个字段" in page
    changed = re.findall(
        r'<tr class="changed"><th scope="row">([^<]+)<span class="mark">已改</span></th><td>([^<]*)</td><td class="new">([^<]*)</td>',
        page,
    )
    assert changed == [("工作单位", EMPLOYER, NEW_EMPLOYER)]
    assert page.count("<tr>") >= 10  # the unchanged fields are shown too, not highlighted
    assert versions(issuance, issued.number) == [(1, CertificateStatus.VALID)]  # a preview issues nothing

    done = correction(approver, issued.number, "confirm", employer=NEW_EMPLOYER)
    assert done.status_code == 302 and done.headers["Location"].endswith("corrected=2")
    after = approver.get(done.headers["Location"]).get_data(as_text=True)
    assert "已签发第 2 版" in after and "下载第 2 版 PDF" in after
    assert versions(issuance, issued.number) == [(1, CertificateStatus.SUPERSEDED), (2, CertificateStatus.VALID)]
    assert ">已更正<" in client.get(f"/v/{issued.token}").get_data(as_text=True)

    with issuance.db.read() as session:
        account_id = session.scalar(select(Account.id).where(Account.login == "wang.approver"))
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "certificate.corrected")).one()
    assert event.actor == f"account:{account_id}"
    assert event.payload["changes"] == ["employer"] and event.payload["reason"] == "工作单位录入错误"
    assert "certificate.corrected" in after and "wang.approver" in after  # the page's audit trail


def test_a_correction_that_changes_nothing_is_refused_on_the_form(app, issuance: Issuance) -> None:  # type: ignore[no-untyped-def]
    issued = issue_decision(issuance, factories.decision())
    approver = staff_client(app, "wang.approver", "approver")
    before = changes(issuance)

    # The 文号 typed with ASCII brackets and spaces is the same 文号 once normalised.
    for typed in ({}, {"doc_no": "渝卫职改 [2025] 12 号", "approval_date": "2025/12/20"}):
        for step in ("preview", "confirm"):
            refused = correction(approver, issued.number, step, **typed)
            page = refused.get_data(as_text=True)
            assert refused.status_code == 400
            assert "与第 1 版相比没有任何改动（按规范化后的值比较），无需更正；未签发新版本。" in page
    assert versions(issuance, issued.number) == [(1, CertificateStatus.VALID)]
    assert changes(issuance) == before


def test_a_value_the_decisions_file_refuses_is_said_at_its_field(app, issuance: Issuance) -> None:  # type: ignore[no-untyped-def]
    issued = issue_decision(issuance, factories.decision())
    approver = staff_client(app, "wang.approver", "approver")

    bad = correction(approver, issued.number, "confirm", approval_date="2025-13-45", employer=NEW_EMPLOYER)
    page = bad.get_data(as_text=True)
    assert bad.status_code == 400
    assert re.search(
        r'id="approval_date" name="approval_date" value="2025-13-45"[^>]*aria-invalid="true"[^>]*aria-describedby="approval_date-hint approval_date-error"',
        page,
    )
    assert '<p class="error" id="approval_date-error">审批时间 2025-13-45 不是真实存在的日期</p>' in page
    assert f'value="{NEW_EMPLOYER}"' in page  # nothing typed is lost
    no_reason = correction(approver, issued.number, "preview", employer=NEW_EMPLOYER, reason="")
    assert (
        no_reason.status_code == 400
        and '<p class="error" id="reason-error">请填写更正原因</p>' in no_reason.get_data(as_text=True)
    )
    assert versions(issuance, issued.number) == [(1, CertificateStatus.VALID)]


def test_a_confirmation_made_on_an_older_version_is_not_applied(app, issuance: Issuance) -> None:  # type: ignore[no-untyped-def]
    issued = issue_decision(issuance, factories.decision())
    approver = staff_client(app, "wang.approver", "approver")
    assert correction(approver, issued.number, "confirm", employer=NEW_EMPLOYER).status_code == 302

    stale = correction(approver, issued.number, "confirm", specialty="内科学", version="1")
    assert stale.status_code == 409 and "此证书已有新的第 2 版" in stale.get_data(as_text=True)
    assert [v for v, _ in versions(issuance, issued.number)] == [1, 2]


def test_a_reviewer_may_not_correct_and_a_revoked_certificate_cannot_be(app, issuance: Issuance) -> None:  # type: ignore[no-untyped-def]
    issued = issue_decision(issuance, factories.decision())
    reviewer = staff_client(app, "li.reviewer", "reviewer")
    assert "更正此证书" not in reviewer.get(f"/console/certificates/{issued.number}").get_data(as_text=True)
    assert reviewer.get(f"/console/certificates/{issued.number}/correct").status_code == 403
    token = csrf(reviewer, f"/console/certificates/{issued.number}")
    posted = reviewer.post(
        f"/console/certificates/{issued.number}/correct",
        data={"csrf_token": token, "step": "confirm", "employer": NEW_EMPLOYER, "reason": "x", "version": "1"},
    )
    assert posted.status_code == 403
    approver = staff_client(app, "wang.approver", "approver")
    assert approver.get("/console/certificates/ZC500111-2026-999999-X/correct").status_code == 404
    token = csrf(approver, f"/console/certificates/{issued.number}")

    factories.revoked(issuance, issued.number)
    page = approver.get(f"/console/certificates/{issued.number}/correct")
    assert page.status_code == 409 and "只有有效的证书可以更正" in page.get_data(as_text=True)
    refused = approver.post(
        f"/console/certificates/{issued.number}/correct",
        data={"csrf_token": token, "step": "confirm", "employer": NEW_EMPLOYER, "reason": "x", "version": "1"},
    )
    assert refused.status_code == 409 and versions(issuance, issued.number) == [(1, CertificateStatus.REVOKED)]


def test_every_version_downloads_as_stored_and_each_download_is_audited(app, issuance: Issuance) -> None:  # type: ignore[no-untyped-def]
    issued = issue_decision(issuance, factories.decision())
    approver = staff_client(app, "wang.approver", "approver")
    assert correction(approver, issued.number, "confirm", employer=NEW_EMPLOYER).status_code == 302
    reviewer = staff_client(app, "li.reviewer", "reviewer")
    with issuance.db.read() as session:
        stored = dict(
            session.execute(
                select(Certificate.version, Certificate.pdf_sha256).where(Certificate.number == issued.number)
            ).all()
        )

    for version in (1, 2):
        response = reviewer.get(f"/console/certificates/{issued.number}/versions/{version}.pdf")
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        assert response.data == issuance.store.get(stored[version])
        assert response.headers["Content-Disposition"] == f'attachment; filename="{issued.number}-v{version}.pdf"'
        assert response.headers["Cache-Control"] == "private, no-store"
    assert reviewer.get(f"/console/certificates/{issued.number}/versions/3.pdf").status_code == 404
    typed = reviewer.get(f"/console/certificates/{issued.number.lower()}/versions/1.pdf")  # as a person types it
    assert typed.headers["Content-Disposition"] == f'attachment; filename="{issued.number}-v1.pdf"'

    with issuance.db.read() as session:
        downloads = session.scalars(
            select(AuditEvent.subject).where(AuditEvent.action == "console.downloaded").order_by(AuditEvent.seq)
        ).all()
    assert downloads == [f"certificate:{issued.number}/v{v}" for v in (1, 2, 1)]
    # A reviewer may not read the audit log: the certificate page leaves the trail out.
    assert "审计记录" not in reviewer.get(f"/console/certificates/{issued.number}").get_data(as_text=True)


def test_an_altered_stored_pdf_is_not_handed_out(app, issuance: Issuance) -> None:  # type: ignore[no-untyped-def]
    issued = issue_decision(issuance, factories.decision())
    path = next(
        p
        for p in issuance.settings.blob_dir.rglob("*")
        if p.is_file() and p.read_bytes() == issuance.store.get(issued.sha256)
    )
    path.write_bytes(path.read_bytes() + b"%")
    reviewer = staff_client(app, "li.reviewer", "reviewer")
    response = reviewer.get(f"/console/certificates/{issued.number}/versions/1.pdf")
    assert response.status_code == 409 and "已被改动" in response.get_data(as_text=True)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # words do not depend on it
def test_the_console_pages_speak_english_but_for_the_data(app, issuance: Issuance) -> None:  # type: ignore[no-untyped-def]
    from dataclasses import asdict

    from tests.functional.test_one_language import _text

    decision = factories.decision(name="王小明")
    issued = issue_decision(issuance, decision)
    approver = staff_client(app, "wang.approver", "approver")
    approver.get("/console/?lang=en")  # remembered in a cookie
    assert correction(approver, issued.number, "confirm", employer=NEW_EMPLOYER).status_code == 302
    pages = {
        "certificate": approver.get(f"/console/certificates/{issued.number}"),
        "form": approver.get(f"/console/certificates/{issued.number}/correct"),
        "preview": correction(approver, issued.number, "preview", specialty="内科学"),
        "unchanged": correction(approver, issued.number, "preview"),
        "audit": approver.get("/console/audit"),
        "dashboard": approver.get("/console/dashboard"),
    }
    data = {str(v) for v in asdict(decision).values() if isinstance(v, str)}
    data |= {
        NEW_EMPLOYER,
        "内科学",
        "工作单位录入错误",
        issuance.settings.office_name,
        "评审",
        "(文号)",
        "足人社发〔2026〕3号",
    }
    for label, response in pages.items():
        assert response.status_code < 500 and '<html lang="en"' in response.get_data(as_text=True), label
        for line in _text(response.get_data(as_text=True)):
            chinese = re.findall(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]+", line)
            assert all(any(part in value for value in data) for part in chinese), (label, line)
