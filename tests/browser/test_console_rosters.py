"""A reviewer in a real browser imports an archive roster: the first upload is refused with
its row's problem in the table, the second, "only the valid rows", imports the rest and
the roster appears in the list; axe-core on each page, at phone and desktop width."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pyotp
import pytest

from tests.browser.conftest import Visit
from tests.functional.test_roster_import import BAD, GOOD, HEADER

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def test_a_reviewer_imports_a_roster(app: Any, served: str, visit: Visit, tmp_path: Path) -> None:
    roster = tmp_path / "2003年名册.csv"
    roster.write_bytes(("\n".join([HEADER, *GOOD, BAD[0]]) + "\n").encode("gb18030"))
    made = app.test_cli_runner().invoke(
        args=["users", "create", "li.reviewer", "--role", "reviewer", "--with-totp"], input="staff password 2026\n"
    )
    secret = re.search(r"TOTP 密钥：([A-Z2-7]+)", made.output)
    assert secret, made.output
    page = visit.page
    page.goto(f"{served}/console/")
    page.get_by_label("身份证号码或用户名").fill("li.reviewer")
    page.get_by_label("密码", exact=True).fill("staff password 2026")
    page.get_by_role("button", name="登录").click()
    page.get_by_label("动态验证码").fill(pyotp.TOTP(secret.group(1)).now())
    page.get_by_role("button", name="登录").click()
    page.get_by_role("link", name="导入档案名册").click()
    visit.check("rosters")

    page.get_by_label("名册文件（CSV 或 XLSX）").set_input_files(str(roster))
    page.get_by_label("来源（选填）").fill("大足区人社局档案室")
    page.get_by_role("button", name="检查并导入").click()
    table = page.locator("section.card", has_text="未导入任何行")
    assert "身份证号码有误（校验码不符）" in table.inner_text()
    visit.check("refused")

    page.get_by_label("名册文件（CSV 或 XLSX）").set_input_files(str(roster))
    page.get_by_label("只导入有效的行（跳过有问题的行）").check()
    page.get_by_role("button", name="检查并导入").click()
    assert "导入 2 行，早已导入 0 行（无新内容），跳过无效行 1 行" in page.get_by_role("status").inner_text()
    assert "大足区人社局档案室" in page.locator("section.card", has_text="已导入的名册").inner_text()
    visit.check("imported")
