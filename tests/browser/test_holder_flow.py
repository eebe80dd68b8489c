"""A holder, in a real browser at phone and desktop width: registers, enters the code from
the development outbox, is bound to the registry by the office's activation code, sees
我的证书 and downloads the PDF, whose bytes are the stored file."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from accounts.notifier import OutboxNotifier
from issuer.services.issuance import Issuance, issue_decision
from tests import factories
from tests.browser.conftest import Visit

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # one backend is enough here


def test_holder_registers_activates_and_downloads(app: Any, issuance: Issuance, served: str, visit: Visit) -> None:
    decision = factories.decision(name="李晓梅")
    # Signing runs its own asyncio loop: not on the thread where Playwright's loop runs.
    with ThreadPoolExecutor(1) as pool:
        issued = pool.submit(issue_decision, issuance, decision).result()
    page = visit.page

    page.goto(f"{served}/")
    page.get_by_role("link", name="注册持证人账号").click()
    visit.check("register")
    page.get_by_label("姓名").fill("李晓梅")
    page.get_by_label("身份证号码").fill(decision.id_number.lower())
    page.get_by_label("手机号码").fill("138 0013 8000")
    page.get_by_label("设置密码").fill("short")
    page.get_by_label("再次输入密码").fill("short")
    page.get_by_role("button", name="获取验证码").click()
    assert page.get_by_text("密码须为 10 至 128 个字符").is_visible()  # the mistake, said at its field
    visit.check("register-mistake")
    assert page.get_by_label("姓名").input_value() == "李晓梅"  # nothing typed is lost
    page.get_by_label("设置密码").fill("correct horse battery")
    page.get_by_label("再次输入密码").fill("correct horse battery")
    page.get_by_role("button", name="获取验证码").click()

    visit.check("confirm")
    messages = OutboxNotifier(issuance.settings.home / "outbox").messages("13800138000")
    code = re.search(r"验证码为 (\d{6})", messages[-1][1])
    assert code
    page.get_by_label("验证码").fill(code.group(1))
    page.get_by_role("button", name="完成注册").click()

    assert page.get_by_text("尚未确认您就是该身份证号码的持证人").is_visible()
    visit.check("activate")
    result = app.test_cli_runner().invoke(args=["users", "activation-code", decision.id_number])
    activation = re.search(r"激活码：([A-Z0-9]{8})", result.output)
    assert activation, result.output
    page.get_by_label("激活码").fill(activation.group(1))
    page.get_by_role("button", name="激活").click()

    assert page.get_by_role("heading", name="我的证书").is_visible()
    assert page.get_by_text(issued.number).is_visible() and page.get_by_text("第 1 版 — 有效").is_visible()
    visit.check("my-certificates")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="下载 PDF").click()
    download = download_info.value
    assert download.suggested_filename == f"{issued.number}-v1.pdf"
    assert Path(download.path()).read_bytes() == issuance.store.get(issued.sha256)

    page.get_by_role("button", name="退出登录").click()
    visit.check("logged-out")
    page.get_by_label("身份证号码或用户名").fill(decision.id_number)
    page.get_by_label("密码", exact=True).fill("correct horse battery")
    page.get_by_role("button", name="登录").click()
    assert page.get_by_text(issued.number).is_visible()
