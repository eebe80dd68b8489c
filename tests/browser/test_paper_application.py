"""In a real browser at phone and desktop width: a holder with no electronic certificate
registers a lost paper certificate from 我的证书, is told what is missing, uploads the
archive's evidence, accepts the commitment and submits. axe-core on every page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from ecert.kernel import kernel
from ecert.models import LegacyApplication
from issuer.services.issuance import Issuance
from tests import factories
from tests.browser.conftest import Visit
from tests.functional.test_corrections import png_bytes
from tests.functional.test_portal import PASSWORD, code_in, outbox, post, register

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def test_a_holder_registers_a_lost_paper_certificate(
    app: Any, issuance: Issuance, served: str, visit: Visit, tmp_path: Path
) -> None:
    id_number = factories.id_number(birth="19630521", male=False)
    client = app.test_client()
    confirm = register(client, issuance, "周秀英", id_number, "13800138009")
    post(client, confirm, code=code_in(outbox(issuance, "13800138009")[-1]))
    scan = tmp_path / "职称申报评审表.png"
    scan.write_bytes(png_bytes())
    page = visit.page

    page.goto(f"{served}/account/login")
    page.get_by_label("身份证号码或用户名").fill(id_number)
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    visit.check("my-certificates")
    page.get_by_role("link", name="纸质证书转换申请").click()
    visit.check("applications")
    page.get_by_label("纸质证书遗失或损毁").check()
    page.get_by_role("button", name="开始填写").click()
    assert page.get_by_label("姓名").input_value() == "周秀英"
    visit.check("draft")

    page.get_by_label("资格名称").fill("主治医师")
    page.get_by_label("系列").fill("卫生")
    page.get_by_label("专业").fill("内科")
    page.get_by_label("层级").select_option("中级")
    page.get_by_label("审批时间").fill("1996年12月")
    page.get_by_label("当时工作单位").fill("大足县人民医院")
    page.get_by_role("button", name="提交申请").click()
    assert page.get_by_text("还不能提交").is_visible()
    assert page.get_by_label("当时工作单位").input_value() == "大足县人民医院"  # kept
    visit.check("missing")

    page.get_by_label("材料类别").select_option("review_form")
    page.get_by_label("选择文件").set_input_files(str(scan))
    page.get_by_role("button", name="上传这份材料").click()
    assert page.get_by_text("材料已上传。").is_visible() and page.get_by_text("职称申报评审表.png").is_visible()
    visit.check("uploaded")

    page.get_by_label("我已阅读并同意以上承诺").check()
    page.get_by_role("button", name="提交申请").click()
    assert page.get_by_text("申请已提交").is_visible()
    assert page.get_by_role("heading", name="办理状态：已提交，等待审查").is_visible()
    visit.check("submitted")

    with kernel(app).db.read() as session:
        found = session.scalars(select(LegacyApplication)).one()
        assert (found.status, found.case, found.claim["employer"]) == ("submitted", "lost", "大足县人民医院")
        assert found.commitment_accepted_at is not None
