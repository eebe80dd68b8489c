"""A mistaken revocation undone: approver A proposes the reinstatement from the revoked
certificate's console page, A cannot confirm it, B can; the public page says 有效 again, the
console's history shows revoked-then-reinstated, and ``ecert audit verify`` finds the
registry agreeing with the log (and names a revocation 文号 left behind on the row). The
holder is told, once, when it is valid again."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from ecert.models import Certificate
from issuer.services.issuance import Issuance, issue_decision
from tests import factories
from tests.functional.test_audit_verify import invoke
from tests.functional.test_batch_revoke import post_form, staff, verdict
from tests.functional.test_history import holder_client
from tests.functional.test_notifications import notices
from tests.functional.test_portal import outbox

# The rules tested here are the same on both databases; PostgreSQL runs where SQL differs.
pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def test_a_reinstatement_needs_two_people_and_stays_in_the_history(app, client, issuance: Issuance) -> None:  # type: ignore[no-untyped-def]
    issued = issue_decision(issuance, factories.decision(name="王小明"))
    factories.revoked(issuance, issued.number)
    a = staff(app, "wang.approver", "approver")
    b = staff(app, "zhao.admin", "admin", name="赵二")
    page_url = f"/console/certificates/{issued.number}"
    page = a.get(page_url).get_data(as_text=True)
    assert "恢复此证书的效力" in page and "撤销此证书" not in page
    assert "恢复此证书的效力" not in b.get(page_url).get_data(as_text=True)  # admins confirm, not propose

    url = f"{page_url}/reinstate"
    bad = post_form(a, url, page_url, reason="撤销决定有误", doc_no="abc")
    html = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "文号 abc 的格式应如" in html and 'value="撤销决定有误"' in html
    proposed = post_form(a, url, page_url, reason="撤销决定有误", doc_no="足人社发[2026]5号")
    assert proposed.status_code == 302
    act_url = proposed.headers["Location"]
    assert "恢复证书效力" in a.get(act_url).get_data(as_text=True)
    assert post_form(a, f"{act_url}/confirm", act_url).status_code == 409
    assert verdict(client, issued.token) == "已撤销"

    assert post_form(b, f"{act_url}/confirm", act_url).status_code == 302
    assert "已执行：1 张证书已处理" in b.get(act_url).get_data(as_text=True)
    assert verdict(client, issued.token) == "有效"
    public = client.get(f"/v/{issued.token}").get_data(as_text=True)
    assert "足人社发〔2026〕3号" not in public  # the revocation no longer shows publicly
    history = a.get(page_url).get_data(as_text=True)
    section = history[history.index('id="history"') :]  # the page's audit list above shows newest first
    revoked_at, reinstated_at = section.find("足人社发〔2026〕3号"), section.find("足人社发〔2026〕5号")
    assert 0 < revoked_at < reinstated_at and "恢复效力" in history and "撤销决定有误" in history
    assert "恢复此证书的效力" not in history and "撤销此证书" in history  # valid again: revocable again

    verified = invoke(app, "audit", "verify")
    assert verified.exit_code == 0 and "agrees with the registry" in verified.stdout, verified.output
    with issuance.db.write() as session:
        session.execute(
            update(Certificate)
            .where(Certificate.number == issued.number)
            .values(revocation_doc_no="足人社发〔2026〕3号")
        )
    tampered = invoke(app, "audit", "verify")
    assert tampered.exit_code == 1 and issued.number in tampered.stderr


def test_only_a_revoked_certificate_can_be_proposed_for_reinstatement(app, issuance: Issuance) -> None:  # type: ignore[no-untyped-def]
    issued = issue_decision(issuance, factories.decision(name="王小明"))
    a = staff(app, "wang.approver", "approver")
    reviewer = staff(app, "li.reviewer", "reviewer", name="李审")
    page_url = f"/console/certificates/{issued.number}"
    valid = post_form(a, f"{page_url}/reinstate", page_url, reason="误撤", doc_no="足人社发〔2026〕5号")
    assert valid.status_code == 400 and "不是已撤销状态" in valid.get_data(as_text=True)
    refused = post_form(reviewer, f"{page_url}/reinstate", page_url, reason="误撤", doc_no="足人社发〔2026〕5号")
    assert refused.status_code == 403


def test_the_holder_is_told_once_when_the_certificate_is_reinstated(app, issuance: Issuance) -> None:  # type: ignore[no-untyped-def]
    decision = factories.decision(name="王小明")
    issued = issue_decision(issuance, decision)
    holder = holder_client(app, issuance, "王小明", decision.id_number, "13800138000")
    factories.revoked(issuance, issued.number)
    a = staff(app, "wang.approver", "approver")
    b = staff(app, "zhao.admin", "admin", name="赵二")
    page_url = f"/console/certificates/{issued.number}"
    act_url = post_form(a, f"{page_url}/reinstate", page_url, reason="误撤", doc_no="足人社发[2026]5号").headers[
        "Location"
    ]
    assert [n.kind for n in notices(issuance)] == ["certificate.revoked"]  # a proposal tells nobody yet

    assert post_form(b, f"{act_url}/confirm", act_url).status_code == 302
    [notice] = [n for n in notices(issuance) if n.kind == "certificate.reinstated"]
    assert (notice.number, notice.params["version"], notice.params["doc_no"]) == (
        issued.number,
        1,
        "足人社发〔2026〕5号",
    )
    assert notice.sent_at is not None
    [message] = [m for m in outbox(issuance, "13800138000") if "恢复有效" in m]
    assert f"您的证书 {issued.number} 第 1 版经核查恢复有效（文号：足人社发〔2026〕5号）" in message
    page = holder.get("/my/notifications").get_data(as_text=True)
    assert "证书已恢复有效" in page and "经核查恢复有效" in page
