"""A holder in a real browser at phone and desktop width: logs in, makes a use copy (加注件),
a mistake said at its field first; the copy's page and its QR landing page show the
annotation; the holder withdraws it after confirming, and the landing page says 已撤回.
axe-core on every page, screenshots in ``screenshots/<test name>/``."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from issuer.services.issuance import Issuance, issue_decision
from tests import factories
from tests.browser.conftest import Visit
from tests.functional.test_portal import PASSWORD
from tests.functional.test_use_copies import log_in_holder

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # one backend is enough here

ANNOTATION = "仅供 重庆市大足区人民医院 应聘 使用"


def test_a_holder_makes_and_withdraws_a_use_copy(app: Any, issuance: Issuance, served: str, visit: Visit) -> None:
    decision = factories.decision(name="李晓梅")
    # Signing runs its own asyncio loop: not on the thread where Playwright's loop runs.
    with ThreadPoolExecutor(1) as pool:
        issued = pool.submit(issue_decision, issuance, decision).result()
    log_in_holder(app, issuance, "李晓梅", decision.id_number, "13800138000")  # registered and bound
    page = visit.page

    page.goto(f"{served}/account/login")
    page.get_by_label("身份证号码或用户名").fill(decision.id_number)
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    assert page.get_by_role("heading", name="我的证书").is_visible()
    assert page.get_by_role("heading", name="制作加注件").is_visible()
    visit.check("home")

    page.get_by_label("使用单位").fill("重庆市大足区人民医院")
    page.get_by_label("用途").fill("")
    page.get_by_role("button", name="制作加注件").click()
    assert page.get_by_label("用途").get_attribute("aria-invalid") == "true"
    assert page.get_by_text("请填写此项").is_visible()
    assert page.get_by_label("使用单位").input_value() == "重庆市大足区人民医院"  # nothing typed is lost
    visit.check("mistake")

    page.get_by_label("用途").fill("应聘")
    page.get_by_role("button", name="制作加注件").click()
    assert page.get_by_text("加注件已制作完成并已签名").is_visible()
    assert page.get_by_text(ANNOTATION).is_visible() and page.get_by_role("heading", name="状态：有效").is_visible()
    assert page.get_by_role("img", name="加注件验证页的二维码").is_visible()
    visit.check("made")
    with page.expect_download() as download:
        page.get_by_role("link", name="下载加注件 PDF").click()
    assert (
        download.value.suggested_filename.startswith(issued.number)
        and download.value.path().read_bytes()[:5] == b"%PDF-"
    )

    copy_page = page.url.split("?", 1)[0]
    # The QR code's address: the copy's own landing page (on the configured public URL; the
    # test serves the same app elsewhere).
    address = page.locator("p.url a").inner_text()
    assert address.startswith(issuance.settings.public_url) and "/v/" in address and issued.token not in address
    landing = served + "/v/" + address.rsplit("/v/", 1)[1]
    page.goto(landing)
    assert page.locator(".verdict .word").inner_text() == "有效"
    assert page.get_by_text(f"加注件：{ANNOTATION}").is_visible()
    assert page.get_by_text("所依据的证书：有效").is_visible()
    visit.check("landing")

    page.goto(copy_page)
    page.get_by_role("button", name="撤回加注件").click()  # not confirmed yet
    assert page.get_by_text("请勾选确认后再撤回").is_visible()
    visit.check("withdraw-unconfirmed")
    page.get_by_label("我确认撤回此加注件").check()
    page.get_by_role("button", name="撤回加注件").click()
    assert (
        page.get_by_text("加注件已撤回").is_visible() and page.get_by_role("heading", name="状态：已撤回").is_visible()
    )
    visit.check("withdrawn")

    page.goto(landing)
    assert page.locator(".verdict .word").inner_text() == "已撤回"
    assert page.get_by_text(f"加注件：{ANNOTATION}").is_visible()
    assert page.get_by_text("所依据的证书：有效").is_visible()
    visit.check("landing-withdrawn")
    page.goto(f"{served}/my/")
    assert page.get_by_text("已撤回", exact=True).is_visible()
    visit.check("home-after")
