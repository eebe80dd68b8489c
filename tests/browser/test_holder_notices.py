"""A holder in a real browser at phone and desktop width: the notice of a revocation with its
unread count, marking it read, and the 核验记录 of the certificate; axe-core on every page."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from accounts.notifier import OutboxNotifier
from issuer.services.issuance import Issuance, issue_decision
from issuer.services.lifecycle import RevocationReason, revoke
from tests import factories
from tests.browser.conftest import Visit
from tests.functional.test_history import holder_client
from tests.functional.test_portal import PASSWORD
from verifier.runtime import runtime

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def test_a_holder_reads_a_notice_and_the_verification_history(
    app: Any, issuance: Issuance, served: str, visit: Visit
) -> None:
    decision = factories.decision(name="李晓梅")
    with ThreadPoolExecutor(1) as pool:
        issued = pool.submit(issue_decision, issuance, decision).result()
    holder_client(app, issuance, "李晓梅", decision.id_number, "13800138000")
    page = visit.page
    page.goto(f"{served}/v/{issued.token}")  # someone scans the QR code
    runtime(app).history.flush()
    notifier = OutboxNotifier(issuance.settings.home / "outbox")
    with ThreadPoolExecutor(1) as pool:
        pool.submit(
            revoke,
            issuance.db,
            issued.number,
            reason=RevocationReason.WRONGLY_GRANTED,
            doc_no="足人社发〔2026〕3号",
            actor="test",
            clock=issuance.clock,
            notifier=notifier,
        ).result()

    page.goto(f"{served}/account/login")
    page.get_by_label("身份证号码或用户名").fill(decision.id_number)
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    assert page.get_by_role("link", name="通知（1 条未读）").is_visible()
    visit.check("home-unread")
    page.get_by_role("link", name="核验记录").click()
    assert page.get_by_role("heading", name="核验记录").is_visible()
    assert page.get_by_text("扫描二维码").is_visible()
    visit.check("history")
    page.get_by_role("link", name="通知（1 条未读）").click()
    assert page.get_by_text(f"您的证书 {issued.number} 第 1 版已被撤销").is_visible()
    visit.check("notifications")
    page.get_by_role("button", name="标记为已读").click()
    assert page.get_by_role("link", name="通知", exact=True).is_visible()
    assert page.get_by_role("button", name="标记为已读").count() == 0
    visit.check("read")
