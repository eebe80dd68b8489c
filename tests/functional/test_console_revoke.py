"""An approver revokes one certificate in the console: the same 文号 rule and audit event as
``ecert revoke``, the staff member as the actor; the public page then says 已撤销. A
reviewer may look but not revoke; a holder finds no such page."""

from __future__ import annotations

from sqlalchemy import select

from ecert.models import AuditEvent
from issuer.services.issuance import Issuance, issue_decision
from tests import factories
from tests.functional.test_portal import csrf
from tests.functional.test_staff import create, log_in, now_code, secret_of


def staff_client(app, username: str, role: str):  # type: ignore[no-untyped-def]
    client = app.test_client()
    secret = secret_of(create(app, username, "--role", role, "--with-totp").output)
    assert log_in(client, username, now_code(secret)).status_code == 302
    return client


def revoke_form(client, number: str, **data: str):  # type: ignore[no-untyped-def]
    token = csrf(client, f"/console/certificates/{number}")
    return client.post(f"/console/certificates/{number}/revoke", data={"csrf_token": token, **data})


def test_an_approver_revokes_with_a_reason_and_a_doc_no(app, client, issuance: Issuance) -> None:  # type: ignore[no-untyped-def]
    issued = issue_decision(issuance, factories.decision(name="王小明"))
    approver = staff_client(app, "wang.approver", "approver")
    page = approver.get(f"/console/certificates/{issued.number}").get_data(as_text=True)
    assert "撤销此证书" in page and "王小明" in page

    unconfirmed = revoke_form(approver, issued.number, reason="fraud", doc_no="足人社发[2026]3号")
    assert unconfirmed.status_code == 400 and "请勾选确认后再撤销" in unconfirmed.get_data(as_text=True)
    bad = revoke_form(approver, issued.number, reason="fraud", doc_no="abc", confirm="y")
    assert bad.status_code == 400 and 'aria-invalid="true"' in bad.get_data(as_text=True)
    assert ">有效<" in client.get(f"/v/{issued.token}").get_data(as_text=True)  # nothing changed

    done = revoke_form(
        approver, issued.number, reason="fraud", doc_no="足人社发[2026]3号", note="材料造假", confirm="y"
    )
    assert done.status_code == 302 and "revoked=1" in done.headers["Location"]
    after = approver.get(done.headers["Location"]).get_data(as_text=True)
    assert "已撤销，并已记入审计日志" in after and "撤销此证书" not in after
    public = client.get(f"/v/{issued.token}").get_data(as_text=True)
    assert ">已撤销<" in public and "足人社发〔2026〕3号" in public  # the 文号 normalised as in the CSV
    with issuance.db.read() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "certificate.revoked")).one()
    assert event.actor.startswith("account:") and event.payload["doc_no"] == "足人社发〔2026〕3号"
    again = revoke_form(approver, issued.number, reason="fraud", doc_no="足人社发[2026]4号", confirm="y")
    assert again.status_code == 400  # revoked already: said, nothing changes


def test_a_reviewer_may_look_but_not_revoke(app, issuance: Issuance) -> None:  # type: ignore[no-untyped-def]
    issued = issue_decision(issuance, factories.decision(name="李四"))
    reviewer = staff_client(app, "li.reviewer", "reviewer")
    page = reviewer.get(f"/console/certificates/{issued.number}")
    assert page.status_code == 200 and "撤销此证书" not in page.get_data(as_text=True)
    assert revoke_form(reviewer, issued.number, reason="fraud", doc_no="足人社发[2026]3号").status_code == 403
    assert reviewer.get("/console/certificates/ZC500111-2026-999999-X").status_code == 404
