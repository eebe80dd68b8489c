"""A mistaken revocation undone: approver A proposes the reinstatement from the revoked
certificate's console page, A cannot confirm it, B can; the public page says 有效 again, the
console's history shows revoked-then-reinstated, and ``ecert audit verify`` finds the
registry agreeing with the log (and names a revocation 文号 left behind on the row)."""

from __future__ import annotations

from sqlalchemy import update

from ecert.models import Certificate
from issuer.services.issuance import Issuance, issue_decision
from tests import factories
from tests.functional.test_audit_verify import invoke
from tests.functional.test_batch_revoke import post_form, staff, verdict


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
    revoked_at, reinstated_at = history.find("足人社发〔2026〕3号"), history.find("足人社发〔2026〕5号")
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
