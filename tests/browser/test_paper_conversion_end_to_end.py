"""The whole conversion of a lost paper certificate in a real browser, as the notice
describes it: the archive's roster imported, the holder registers the lost certificate with
the archive-checked form, a reviewer returns it for 补正, the holder adds the missing form
and resubmits, the reviewer recommends, a second person approves, the holder downloads the
signed certificate, and its QR page says where it came from. axe-core on every page."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from ecert.clock import office_date
from ecert.kernel import kernel
from ecert.models import Certificate, Decision, LegacyApplication
from issuer.services.issuance import Issuance
from legacy_import.rosters import import_roster
from tests import factories
from tests.browser.conftest import Visit
from tests.functional.test_portal import PASSWORD, code_in, outbox, post, register
from tests.functional.test_staff import PASSWORD as STAFF_PASSWORD
from tests.functional.test_staff import create, now_code, secret_of
from tests.legacy_forms import encoded, report_form

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

NAME, MOBILE, PAPER_NUMBER, DOC_NO = "周秀英", "13800138019", "渝卫中字第0312号", "渝卫职改〔1996〕31号"


def holder_logs_in(page: Any, served: str, id_number: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{served}/account/login")
    page.get_by_label("身份证号码或用户名").fill(id_number)
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="登录").click()


def staff_logs_in(page: Any, served: str, username: str, secret: str, shift: int) -> None:
    page.context.clear_cookies()
    page.goto(f"{served}/console/conversions/")
    page.get_by_label("身份证号码或用户名").fill(username)
    page.get_by_label("密码", exact=True).fill(STAFF_PASSWORD)
    page.get_by_role("button", name="登录").click()
    # A code is accepted once: a second login of the same account uses the next time step's.
    page.get_by_label("动态验证码").fill(now_code(secret, shift))
    page.get_by_role("button", name="登录").click()
    page.get_by_role("link", name="纸质证书转换审核").click()


def test_a_lost_paper_certificate_becomes_an_electronic_one(
    app: Any, issuance: Issuance, served: str, visit: Visit, tmp_path: Path
) -> None:
    id_number = factories.id_number(birth="19630521", male=False)
    roster = (
        "姓名,身份证号,资格名称,系列,级别,取得时间,审批单位,文号,证书编号\n"
        f"{NAME},{id_number},主治医师,卫生,中级,1996年12月20日,重庆市卫生系列中级职称评审委员会,{DOC_NO},{PAPER_NUMBER}\n"
    )
    imported = import_roster(
        issuance.db, roster.encode(), file_name="1996.csv", source_label="区档案馆 1996",
        actor="test", clock=issuance.clock,
    )  # fmt: skip
    assert imported.imported == 1
    client = app.test_client()
    post(client, register(client, issuance, NAME, id_number, MOBILE), code=code_in(outbox(issuance, MOBILE)[-1]))
    form = report_form(name=NAME, id_number=id_number, qualification="主治医师", doc_no=DOC_NO)
    review_form, report = tmp_path / "职称申报评审表.png", tmp_path / "呈报表.jpg"
    review_form.write_bytes(encoded(form))
    report.write_bytes(encoded(form.rotate(0.4, fillcolor=250), "JPEG", quality=85))
    reviewer = secret_of(create(app, "li.reviewer", "--role", "reviewer", "--name", "李审查", "--with-totp").output)
    approver = secret_of(create(app, "wang.approver", "--role", "approver", "--name", "王审批", "--with-totp").output)
    page = visit.page

    # The holder registers the lost certificate with the archive's form.
    holder_logs_in(page, served, id_number)
    page.get_by_role("link", name="纸质证书转换申请").click()
    page.get_by_label("纸质证书遗失或损毁").check()
    page.get_by_role("button", name="开始填写").click()
    for label, value in (
        ("资格名称", "主治医师"), ("系列", "卫生"), ("专业", "内科"), ("审批时间", "1996年12月20日"),
        ("审批机关", "重庆市卫生系列中级职称评审委员会"), ("审批文号", DOC_NO), ("纸质证书编号", PAPER_NUMBER),
        ("当时工作单位", "大足县人民医院"),
    ):  # fmt: skip
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_label("层级").select_option("中级")
    page.get_by_label("取得方式").select_option("evaluation")
    page.get_by_label("材料类别").select_option("review_form")
    page.get_by_label("选择文件").set_input_files(str(review_form))
    page.get_by_role("button", name="上传这份材料").click()
    assert page.get_by_text("材料已上传。").is_visible()
    page.get_by_label("我已阅读并同意以上承诺").check()
    page.get_by_role("button", name="提交申请").click()
    assert page.get_by_role("heading", name="办理状态：已提交，等待审查").is_visible()
    visit.check("submitted")
    with kernel(app).db.read() as session:
        application = session.scalars(select(LegacyApplication)).one()
        # The checks found the roster row, and the OCR read the form's name.
        assert application.roster_entry_id is not None
        assert "roster.exact" in {finding["code"] for finding in application.findings}

    # The reviewer asks for the 呈报表 as well (补正).
    staff_logs_in(page, served, "li.reviewer", reviewer, 0)
    visit.check("queue")
    page.get_by_role("link", name=f"申请 {application.id}").click()
    assert page.locator("tr.changed").count() == 0  # the claim agrees with the roster row beside it
    assert "evaluation" not in page.content() and "评审" in page.locator("table").first.inner_text()
    visit.check("review")
    page.get_by_label("需要申请人补正的内容").fill("请补充上传《考核确定职称呈报表》")
    page.get_by_role("button", name="退回补正").click()
    assert page.get_by_text("已退回申请人补正").is_visible()

    # The holder reads the message, adds the form and resubmits.
    holder_logs_in(page, served, id_number)
    page.goto(f"{served}/my/paper-certificates/{application.id}")
    assert page.get_by_text("请补充上传《考核确定职称呈报表》").is_visible()
    visit.check("returned")
    page.get_by_label("材料类别").select_option("report_form")
    page.get_by_label("选择文件").set_input_files(str(report))
    page.get_by_role("button", name="上传这份材料").click()
    page.get_by_label("我已阅读并同意以上承诺").check()
    page.get_by_role("button", name="重新提交").click()
    assert page.get_by_role("heading", name="办理状态：已提交，等待审查").is_visible()

    # The reviewer recommends; the approver, a second person, approves and the certificate is signed.
    staff_logs_in(page, served, "li.reviewer", reviewer, 30)
    page.get_by_role("link", name=f"申请 {application.id}").click()
    page.get_by_role("button", name="审查通过，提请审批").click()
    assert page.get_by_text("已审查通过并提请审批").is_visible()
    staff_logs_in(page, served, "wang.approver", approver, 0)
    page.get_by_role("link", name=f"申请 {application.id}").click()
    page.get_by_role("button", name="批准并签发电子证书").click()
    assert page.get_by_text("已批准，电子证书已签发").is_visible()
    visit.check("approved")

    # The holder downloads it from 我的证书; its QR page says it was converted from paper.
    holder_logs_in(page, served, id_number)
    page.goto(f"{served}/my/paper-certificates/{application.id}")
    assert page.get_by_role("heading", name="办理状态：已通过，电子证书已签发").is_visible()
    visit.check("approved-holder")
    with page.expect_download() as download:
        page.get_by_role("link", name="下载电子证书 PDF").click()
    pdf = tmp_path / "certificate.pdf"
    download.value.save_as(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    flat = "".join(text.split())
    assert f"原纸质证书编号：{PAPER_NUMBER}" in flat and "由纸质证书转换" in flat and DOC_NO in flat
    with kernel(app).db.read() as session:
        certificate = session.scalars(select(Certificate)).one()
        decision = session.get(Decision, certificate.decision_id)
        assert decision is not None and decision.source == "legacy"
        assert decision.approval_date.isoformat() == "1996-12-20"
        assert certificate.number.startswith(
            f"ZC500111-{office_date(issuance.clock()).year}-"
        )  # the year of conversion
    page.goto(f"{served}/v/{certificate.token}")
    assert page.locator(".verdict .word").inner_text() == "有效"
    assert page.get_by_text("由纸质证书转换").first.is_visible()
    assert page.get_by_text(PAPER_NUMBER).first.is_visible()
    visit.check("qr-page")
