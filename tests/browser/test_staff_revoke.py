"""An approver in a real browser: password, TOTP code, search, the certificate's page, a
mistaken 文号 said at its field, the revocation, and the public page saying 已撤销; axe-core
on every page."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pyotp
import pytest

from issuer.services.issuance import Issuance, issue_decision
from tests import factories
from tests.browser.conftest import Visit
from tests.functional.test_staff import PASSWORD, create, secret_of

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def test_an_approver_revokes_in_the_console(app: Any, issuance: Issuance, served: str, visit: Visit) -> None:
    with ThreadPoolExecutor(1) as pool:
        issued = pool.submit(issue_decision, issuance, factories.decision(name="王小明")).result()
    secret = secret_of(create(app, "wang.approver", "--role", "approver", "--with-totp").output)
    page = visit.page

    page.goto(f"{served}/console/")
    page.get_by_label("身份证号码或用户名").fill("wang.approver")
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    visit.check("totp")
    page.get_by_label("动态验证码").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="登录").click()
    page.get_by_label("查找证书").fill("王小明")
    page.get_by_role("button", name="查找").click()
    visit.check("search")
    page.get_by_role("link", name=issued.number).click()
    visit.check("certificate")
    page.get_by_label("撤销原因").select_option("fraud")
    page.get_by_label("撤销文号").fill("abc")
    page.get_by_label("我已核对证书编号、原因和文号，确认撤销").check()
    # Revoking runs the timestamped audit anchor in the server's thread: no loop of ours there.
    page.get_by_role("button", name="撤销", exact=True).click()
    assert page.get_by_label("撤销文号").get_attribute("aria-invalid") == "true"
    visit.check("mistake")
    page.get_by_label("撤销文号").fill("足人社发[2026]3号")
    page.get_by_label("我已核对证书编号、原因和文号，确认撤销").check()  # asked again after a refusal
    page.get_by_role("button", name="撤销", exact=True).click()
    assert page.get_by_text("已撤销，并已记入审计日志。").is_visible()
    visit.check("revoked")
    page.goto(f"{served}/v/{issued.token}")
    assert page.locator(".verdict .word").inner_text() == "已撤销"
    visit.check("public-page")
