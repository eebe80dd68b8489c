"""A reviewer and an approver in a real browser: the conversions queue, one application
(claim beside the roster, findings, evidence previews), a 补正 message missing and said at
its field, a staff correction, the recommendation, and the approval by the second person
issuing the certificate; axe-core on every page, at phone and desktop widths."""

from __future__ import annotations

from datetime import date
from typing import Any

import pyotp
import pytest

from issuer.services.issuance import Issuance
from tests.browser.conftest import Visit
from tests.functional.test_legacy_review import applicant, application
from tests.functional.test_staff import PASSWORD, create, secret_of

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def log_in(page: Any, served: str, username: str, secret: str) -> None:
    page.goto(f"{served}/console/conversions/")
    page.get_by_label("身份证号码或用户名").fill(username)
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.get_by_label("动态验证码").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="登录").click()
    page.get_by_role("link", name="纸质证书转换审核").click()


def test_a_reviewer_recommends_and_an_approver_issues(app: Any, issuance: Issuance, served: str, visit: Visit) -> None:
    account_id, id_number = applicant(issuance)
    one = application(
        issuance, account_id, id_number, evidence=2,
        roster={"name": "王晓明", "qualification": "主治医师", "doc_no": "渝卫职改〔2003〕12号", "paper_number": "渝卫0300123",
                "approval_date": date(2003, 7, 1), "id_number": id_number},
        findings=[{"code": "roster.differs", "severity": 2, "params": {
                      "roster_id": 1, "source": "档案馆 2003", "row": 7, "field": "name", "claimed": "王小明",
                      "roster": "王晓明"}},
                  {"code": "ocr.found", "severity": 0, "params": {"fields": "姓名"}}],
    )  # fmt: skip
    reviewer = secret_of(create(app, "li.reviewer", "--role", "reviewer", "--name", "李审查", "--with-totp").output)
    approver = secret_of(create(app, "wang.approver", "--role", "approver", "--name", "王审批", "--with-totp").output)
    page = visit.page

    log_in(page, served, "li.reviewer", reviewer)
    visit.check("queue")
    page.get_by_role("link", name=f"申请 {one}").click()
    visit.check("application")
    page.get_by_role("button", name="退回补正").click()
    assert page.get_by_label("需要申请人补正的内容").get_attribute("aria-invalid") == "true"
    visit.check("message-missing")
    page.get_by_label("项目", exact=True).select_option("name")
    page.get_by_label("新值").fill("王晓明")
    page.get_by_label("更正依据").fill("据档案部门证明及名册")
    page.get_by_role("button", name="保存更正").click()
    assert page.get_by_text("已更正申请数据，已记入审计日志").is_visible()
    page.get_by_role("button", name="审查通过，提请审批").click()
    assert page.get_by_text("已审查通过并提请审批").is_visible()
    visit.check("recommended")

    page.context.clear_cookies()
    log_in(page, served, "wang.approver", approver)
    page.get_by_role("link", name=f"申请 {one}").click()
    page.get_by_role("button", name="批准并签发电子证书").click()
    assert page.get_by_text("已批准，电子证书已签发").is_visible()
    visit.check("approved")
    page.get_by_role("link", name="ZC500111-2026-", exact=False).first.click()
    assert "王晓明" in page.content()
