"""An approver corrects a certificate in a real browser: the pre-filled form, a mistaken
date said at its field, the side-by-side preview, the confirmation that signs version 2,
the old version's public page saying 已更正; then the audit log and the dashboard. Each
page is screenshot and axe-checked at 360 and 1280 px."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pyotp
import pytest
from playwright.sync_api import expect

from issuer.services.issuance import Issuance, issue_decision
from tests import factories
from tests.browser.conftest import Visit
from tests.functional.test_staff import PASSWORD, create, secret_of

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def test_an_approver_corrects_in_the_console(app: Any, issuance: Issuance, served: str, visit: Visit) -> None:
    with ThreadPoolExecutor(1) as pool:
        issued = pool.submit(issue_decision, issuance, factories.decision(name="王小明")).result()
    secret = secret_of(create(app, "wang.approver", "--role", "approver", "--with-totp").output)
    page = visit.page

    page.goto(f"{served}/console/certificates/{issued.number}")
    page.get_by_label("身份证号码或用户名").fill("wang.approver")
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.get_by_label("动态验证码").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="登录").click()
    page.goto(f"{served}/console/certificates/{issued.number}")
    page.get_by_role("link", name="更正此证书").click()
    assert page.get_by_label("工作单位").input_value() == "重庆市大足区人民医院"
    visit.check("form")

    page.get_by_label("工作单位").fill("重庆市大足区中医院")
    page.get_by_label("审批时间").fill("2025-13-45")
    page.get_by_label("更正原因").fill("工作单位录入错误")
    page.get_by_role("button", name="核对改动").click()
    assert page.get_by_label("审批时间").get_attribute("aria-invalid") == "true"
    assert page.get_by_text("审批时间 2025-13-45 不是真实存在的日期").is_visible()
    assert page.get_by_label("工作单位").input_value() == "重庆市大足区中医院"  # nothing typed is lost
    visit.check("mistake")

    page.get_by_label("审批时间").fill("2025-12-20")
    page.get_by_role("button", name="核对改动").click()
    changed = page.locator("tr.changed")
    assert changed.count() == 1
    assert changed.locator("td").all_inner_texts() == ["重庆市大足区人民医院", "重庆市大足区中医院"]
    visit.check("preview")

    # Signing runs in the server's thread (asyncio.run there): no event loop of ours in the way.
    page.get_by_role("button", name="确认更正并签发第 2 版").click()
    assert page.get_by_text("已签发第 2 版，并已记入审计日志").is_visible()
    visit.check("corrected")
    page.goto(f"{served}/v/{issued.token}")
    assert page.locator(".verdict .word").inner_text() == "已更正"

    page.goto(f"{served}/console/audit?action=certificate.corrected")
    assert page.get_by_text("审计日志完整，与登记一致").is_visible()
    assert page.locator("tbody tr").count() == 1
    visit.check("audit")
    page.get_by_role("link", name="统计概览").click()
    expect(page.get_by_role("heading", name="每月数量")).to_be_visible()
    visit.check("dashboard")
