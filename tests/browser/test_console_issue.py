"""An approver issues a decisions CSV in a real browser: a file with a mistake gets the
table of row errors, the corrected file its batch page, which refreshes itself (no script)
until the issued numbers are listed; axe-core and screenshots on every page, at 360 and
1280 px."""

from __future__ import annotations

import re
from typing import Any

import pytest

from issuer.services.issuance import Issuance
from tests import factories
from tests.browser.conftest import Visit, staff_signed_in
from tests.unit.csv_rows import csv_file, row

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def _rows(n: int) -> list[dict[str, str]]:
    names = "赵钱孙李周吴郑王冯陈"
    return [
        row(
            name=f"{names[i]}建国",
            gender="男",
            id_number=factories.id_number(),
            mobile="",
            doc_no=f"渝卫职改〔2025〕{i + 1}号",
        )
        for i in range(n)
    ]


def test_an_approver_uploads_a_csv_and_sees_the_issued_list(
    app: Any, issuance: Issuance, served: str, visit: Visit
) -> None:
    staff_signed_in(app, visit, served, "wang.approver", "approver")
    page = visit.page
    page.get_by_role("link", name="上传审批结果签发证书").click()
    visit.check("upload-form")

    rows = _rows(10)
    mistaken = [*rows[:2], {**rows[2], "approval_date": "2025-02-30"}, *rows[3:]]
    page.get_by_label("审批结果 CSV 文件").set_input_files(
        {"name": "审批结果.csv", "mimeType": "text/csv", "buffer": csv_file(*mistaken)}
    )
    page.get_by_role("button", name="检查并签发").click()
    assert page.get_by_role("heading", name="文件有 1 处问题，未签发任何证书").is_visible()
    assert page.get_by_role("cell", name="审批时间 2025-02-30 不是真实存在的日期").is_visible()
    visit.check("row-errors")

    page.get_by_label("审批结果 CSV 文件").set_input_files(
        {"name": "审批结果.csv", "mimeType": "text/csv", "buffer": csv_file(*rows)}
    )
    page.get_by_role("button", name="检查并签发").click()
    assert page.get_by_role("heading", name=re.compile("签发批次")).is_visible()
    stop = page.get_by_role("link", name="停止自动刷新")
    if stop.is_visible():  # still checking or issuing (usually): stopped, so that axe sees a still page
        stop.click()
        visit.check("progress")
        again = page.get_by_role("link", name="恢复自动刷新")
        if again.is_visible():  # from here it refreshes itself until the end
            again.click()
    page.get_by_text("签发完成。").wait_for(timeout=120_000)
    assert page.get_by_role("heading", name="签发 10 张，早已签发 0 张（无新内容），跳过无效行 0 行").is_visible()
    numbers = page.locator("table.rows a.code").all_inner_texts()
    assert len(numbers) == 10 and all(n.startswith("ZC") for n in numbers)
    visit.check("issued")

    page.get_by_role("link", name=numbers[0]).click()
    assert page.get_by_text("赵建国").first.is_visible()
