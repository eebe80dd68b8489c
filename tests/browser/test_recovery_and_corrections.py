"""In a real browser at phone and desktop width: a holder recovers the password by SMS code,
asks for a correction (a hostile PDF refused with its reason, the text kept; then a PNG),
a reviewer answers in the console, an admin reads the development outbox, and the holder
reads the answer. axe-core on every page."""

from __future__ import annotations

import io
import re
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pikepdf
import pytest

from accounts.notifier import OutboxNotifier
from issuer.services.issuance import Issuance, issue_decision
from tests import factories
from tests.browser.conftest import Visit, staff_signed_in
from tests.functional.test_corrections import png_bytes
from tests.functional.test_portal import activation_code, code_in, outbox, post, register

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

NEW_PASSWORD = "a brand new password"


def _js_pdf() -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.Root.OpenAction = pdf.make_indirect(pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("1")))
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def _log_in(page: Any, served: str, login: str, password: str) -> None:
    page.goto(f"{served}/account/login")
    page.get_by_label("身份证号码或用户名").fill(login)
    page.get_by_label("密码", exact=True).fill(password)
    page.get_by_role("button", name="登录").click()


def test_recovery_correction_answer_and_outbox(app: Any, issuance: Issuance, served: str, visit: Visit) -> None:
    decision = factories.decision(name="李晓梅")
    with ThreadPoolExecutor(1) as pool:
        issued = pool.submit(issue_decision, issuance, decision).result()
    client = app.test_client()
    confirm = register(client, issuance, "李晓梅", decision.id_number, "13800138000")
    post(client, confirm, code=code_in(outbox(issuance, "13800138000")[0]))
    post(client, "/my/activate", "/my/", code=activation_code(app, decision.id_number))
    page = visit.page

    # Recovery: the ID number, the code from the outbox, a new password.
    page.goto(f"{served}/account/login")
    page.get_by_role("link", name="忘记密码？").click()
    visit.check("recover")
    page.get_by_label("身份证号码").fill(decision.id_number)
    page.get_by_role("button", name="获取验证码").click()
    visit.check("reset")
    messages = OutboxNotifier(issuance.settings.home / "outbox").messages("13800138000")
    page.get_by_label("验证码").fill(code_in(messages[-1][1]))
    page.get_by_label("新密码", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("再次输入新密码").fill(NEW_PASSWORD)
    page.get_by_role("button", name="重置密码").click()
    assert page.get_by_text("密码已重置，请用新密码登录。").is_visible()
    visit.check("reset-done")
    page.get_by_label("身份证号码或用户名").fill(decision.id_number)
    page.get_by_label("密码", exact=True).fill(NEW_PASSWORD)
    page.get_by_role("button", name="登录").click()
    visit.check("my-certificates")

    # A correction request: a PDF with JavaScript refused, the typed text kept, then a PNG.
    page.get_by_role("link", name="申请更正").click()
    visit.check("correction-form")
    page.get_by_label("哪一项有误").select_option("employer")
    page.get_by_label("哪里有误，正确的是什么").fill("工作单位应为重庆市大足区中医院")
    page.get_by_label("证明材料（可不传）").set_input_files(
        files=[{"name": "证明.pdf", "mimeType": "application/pdf", "buffer": _js_pdf()}]
    )
    page.get_by_role("button", name="提交更正申请").click()
    assert page.get_by_text("打开时自动运行的动作").is_visible()
    assert page.get_by_label("哪里有误，正确的是什么").input_value() == "工作单位应为重庆市大足区中医院"
    assert page.get_by_label("哪一项有误").input_value() == "employer"
    visit.check("correction-refused")
    page.get_by_label("证明材料（可不传）").set_input_files(
        files=[{"name": "证明.png", "mimeType": "image/png", "buffer": png_bytes()}]
    )
    page.get_by_role("button", name="提交更正申请").click()
    assert page.get_by_text("已提交。").is_visible()
    request_url = page.url.split("?")[0]
    visit.check("correction-sent")
    page.get_by_role("link", name="我的更正申请").click()
    visit.check("my-corrections")
    page.get_by_role("link", name="更换手机号码").click()
    visit.check("mobile")
    page.get_by_role("button", name="退出登录").click()

    # A reviewer answers.
    staff_signed_in(app, visit, served, "li.reviewer", "reviewer")
    page.get_by_role("link", name="更正申请").click()
    visit.check("queue")
    page.get_by_role("link", name=re.compile(r"更正申请 \d+")).click()
    assert page.get_by_text(issued.number).is_visible()
    visit.check("request")
    page.get_by_label("答复", exact=True).select_option("declined")
    page.get_by_role("button", name="发送答复").click()
    assert page.get_by_text("不予更正时，请写明原因").is_visible()
    visit.check("answer-mistake")
    page.get_by_label("给持证人的说明").fill("单位名称与审批表一致，不予更正。")
    page.get_by_role("button", name="发送答复").click()
    assert page.get_by_text("已答复，已通知持证人").is_visible()
    visit.check("answered")
    page.get_by_role("button", name="退出登录").click()

    # An admin reads the outbox: the answer's notice is at the top.
    staff_signed_in(app, visit, served, "zhao.admin", "admin")
    page.get_by_role("link", name="开发环境发件箱").click()
    assert page.get_by_text("开发环境：短信未真正发出。").is_visible()
    assert "更正申请已有答复" in page.locator("ul.versions li").first.inner_text()
    visit.check("outbox")
    page.get_by_role("button", name="退出登录").click()

    # The holder reads the answer.
    _log_in(page, served, decision.id_number, NEW_PASSWORD)
    page.goto(request_url)
    assert page.get_by_text("单位名称与审批表一致，不予更正。").is_visible()
    visit.check("answer-read")
