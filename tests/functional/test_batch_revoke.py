"""Revoking every certificate one approval 文号 granted, as two people: approver A fills the
form, the preview lists exactly what will be revoked, A proposes; A cannot confirm, B (a
second account, even one bearing A's name) can, and only then is each certificate revoked,
one event each. The frozen list is what is revoked: a certificate issued under the 文号
after the proposal stays valid, one revoked meanwhile is reported, not an error. A proposer
disabled or stripped of the role since proposing cannot have the act confirmed, and a
cancel that loses the race to a confirmation is refused."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from ecert.clock import utc_now
from ecert.models import Account, AuditEvent, TwoPersonAct
from issuer.services import acts
from issuer.services.issuance import Issuance, issue_decision
from issuer.services.lifecycle import RevocationReason
from tests import factories
from tests.functional.test_audit_verify import invoke
from tests.functional.test_portal import csrf
from tests.functional.test_staff import create, log_in, now_code, secret_of

GRANTED = "渝卫职改〔2025〕12号"


def staff(app, username: str, role: str, name: str = "李明"):  # type: ignore[no-untyped-def]
    client = app.test_client()
    secret = secret_of(create(app, username, "--role", role, "--name", name, "--with-totp").output)
    assert log_in(client, username, now_code(secret)).status_code == 302
    return client


def post_form(client, url: str, page: str, **data: str):  # type: ignore[no-untyped-def]
    return client.post(url, data={"csrf_token": csrf(client, page), **data})


def preview(client, granted: str, doc_no: str = "足人社发[2026]7号", **more: str):  # type: ignore[no-untyped-def]
    form = {"granted_by": granted, "doc_no": doc_no, "reason": "decision_withdrawn", "note": "评审程序违规", **more}
    return post_form(client, "/console/revocations/new", "/console/revocations/new", **form)


def hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, html
    return match.group(1)


def propose(client, page: str):  # type: ignore[no-untyped-def]
    """Press 提出 on a preview page: the hidden fields it carries, as the browser sends them."""
    names = ("granted_by", "doc_no", "reason", "note", "shown")
    form = {n: hidden(page, n) for n in names}
    return post_form(client, "/console/revocations/new", "/console/revocations/new", **form, step="propose")


def verdict(client, token: str) -> str:
    match = re.search(r'class="word"[^>]*>([^<]+)<', client.get(f"/v/{token}").get_data(as_text=True))
    assert match
    return match.group(1)


def test_the_preview_lists_exactly_what_a_second_person_then_revokes(app, client, issuance: Issuance) -> None:  # type: ignore[no-untyped-def]
    one = issue_decision(issuance, factories.decision(name="王小明"))
    two = issue_decision(issuance, factories.decision(name="李四"))
    other = issue_decision(issuance, factories.decision(name="赵六", doc_no="渝卫职改〔2025〕13号"))
    gone = factories.revoked(issuance, issue_decision(issuance, factories.decision(name="钱七")).number)
    a = staff(app, "wang.approver", "approver")
    b = staff(app, "li.admin", "admin")  # the same name as A: two accounts are two people

    assert "按批准文号批量撤销" in a.get("/console/").get_data(as_text=True)
    bad = preview(a, "渝卫职改〔2025〕12", doc_no="abc")
    html = bad.get_data(as_text=True)
    assert bad.status_code == 400 and html.count('aria-invalid="true"') == 2
    assert "文号 abc 的格式应如" in html and 'value="渝卫职改〔2025〕12"' in html  # nothing typed lost
    assert "没有由 渝卫职改〔2025〕99号 批准的有效证书" in preview(a, "渝卫职改[2025]99号").get_data(as_text=True)

    seen = preview(a, "渝卫职改 [2025] 12 号")  # normalised as the decisions file is
    page = seen.get_data(as_text=True)
    assert seen.status_code == 200 and "将撤销 2 张证书" in page and GRANTED in page and "足人社发〔2026〕7号" in page
    assert one.number in page and two.number in page and "王小明" in page and "李四" in page
    assert other.number not in page and gone.number not in page
    with issuance.db.read() as session:
        assert session.scalar(select(func.count()).select_from(TwoPersonAct)) == 0  # a preview changes nothing
        listed = session.scalars(select(AuditEvent).where(AuditEvent.action == "console.listed")).all()
    assert listed[-1].payload["shown"] == sorted([f"{one.number} v1", f"{two.number} v1"])  # full names: audited

    # Issued between the preview and 提出: the proposal is refused and the new list shown.
    three = issue_decision(issuance, factories.decision(name="孙八"))
    moved = propose(a, page)
    again = moved.get_data(as_text=True)
    assert moved.status_code == 409 and "预览之后" in again and three.number in again and "将撤销 3 张证书" in again
    done = propose(a, again)
    assert done.status_code == 302
    act_url = done.headers["Location"]
    act_id = int(act_url.rsplit("/", 1)[1])
    mine = a.get(act_url).get_data(as_text=True)
    assert "待确认" in mine and "取消此操作" in mine and "确认并执行" not in mine

    # After the proposal: one more issued (not in the frozen list), one revoked by hand.
    later = issue_decision(issuance, factories.decision(name="周九"))
    factories.revoked(issuance, two.number)

    refused = post_form(a, f"{act_url}/confirm", act_url)
    assert refused.status_code == 409 and "不能自己确认" in refused.get_data(as_text=True)
    assert verdict(client, one.token) == "有效"

    assert f"操作 {act_id}" in b.get("/console/acts/").get_data(as_text=True)
    theirs = b.get(act_url).get_data(as_text=True)
    assert "确认并执行" in theirs and "取消此操作" not in theirs and one.number in theirs
    confirmed = post_form(b, f"{act_url}/confirm", act_url)
    assert confirmed.status_code == 302
    result = b.get(act_url).get_data(as_text=True)
    assert "已执行：2 张证书已处理；1 张此前已有变动" in result and "确认人" in result and "li.admin" in result

    assert [verdict(client, c.token) for c in (one, two, three)] == ["已撤销"] * 3
    assert [verdict(client, c.token) for c in (later, other)] == ["有效", "有效"]
    with issuance.db.read() as session:
        by_act = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "certificate.revoked").order_by(AuditEvent.seq)
        ).all()
        steps = session.scalars(
            select(AuditEvent.action).where(AuditEvent.subject == f"act:{act_id}", AuditEvent.action.like("act.%"))
        ).all()
    revoked_by_act = [e for e in by_act if e.payload.get("act") == act_id]
    assert sorted(e.subject for e in revoked_by_act) == sorted(
        [f"certificate:{one.number}/v1", f"certificate:{three.number}/v1"]
    )
    assert all(
        e.payload["doc_no"] == "足人社发〔2026〕7号" and e.payload["reason"] == "decision_withdrawn"
        for e in revoked_by_act
    )
    assert steps == ["act.proposed", "act.confirmed", "act.executed"]
    assert post_form(b, f"{act_url}/confirm", act_url).status_code == 409  # once only
    assert "不能再确认或取消" in post_form(b, f"{act_url}/confirm", act_url).get_data(as_text=True)
    verified = invoke(app, "audit", "verify")
    assert verified.exit_code == 0 and "agrees with the registry" in verified.stdout, verified.output


def test_the_proposer_cancels_and_an_expired_act_cannot_be_confirmed(app, client, issuance: Issuance) -> None:  # type: ignore[no-untyped-def]
    one = issue_decision(issuance, factories.decision(name="王小明"))
    a = staff(app, "wang.approver", "approver")
    b = staff(app, "zhao.approver", "approver", name="赵二")
    act_url = propose(a, preview(a, GRANTED).get_data(as_text=True)).headers["Location"]
    not_theirs = post_form(b, f"{act_url}/cancel", act_url)
    assert not_theirs.status_code == 409 and "只有提出人可以取消" in not_theirs.get_data(as_text=True)
    assert post_form(a, f"{act_url}/cancel", act_url).status_code == 302
    assert "已取消" in b.get(act_url).get_data(as_text=True)
    assert post_form(b, f"{act_url}/confirm", act_url).status_code == 409
    assert verdict(client, one.token) == "有效"

    proposer = acts.staff_id(issuance.db, "wang.approver")
    assert proposer is not None
    yesterday = acts.propose_batch_revoke(
        issuance.db, granted=GRANTED, doc_no="足人社发〔2026〕8号", reason=RevocationReason.FRAUD, note="",
        shown=None, proposer=proposer, clock=lambda: utc_now() - timedelta(hours=25),
    )  # fmt: skip
    url = f"/console/acts/{yesterday}"
    late = post_form(b, f"{url}/confirm", url)
    assert late.status_code == 409 and "已过期" in late.get_data(as_text=True)
    assert f"操作 {yesterday}" not in b.get("/console/acts/").get_data(as_text=True)
    assert verdict(client, one.token) == "有效"


def test_only_approvers_propose_and_reviewers_confirm_nothing(app, issuance: Issuance) -> None:  # type: ignore[no-untyped-def]
    issue_decision(issuance, factories.decision(name="王小明"))
    a = staff(app, "wang.approver", "approver")
    reviewer = staff(app, "li.reviewer", "reviewer")
    admin = staff(app, "zhao.admin", "admin")
    act_url = propose(a, preview(a, GRANTED).get_data(as_text=True)).headers["Location"]
    form = {"granted_by": GRANTED, "doc_no": "足人社发〔2026〕7号", "reason": "fraud"}
    for refused in (reviewer, admin):  # admins confirm; they do not propose
        token = csrf(refused, "/console/")
        assert refused.post("/console/revocations/new", data={"csrf_token": token, **form}).status_code == 403
    token = csrf(reviewer, "/console/")
    assert reviewer.post(f"{act_url}/confirm", data={"csrf_token": token}).status_code == 403
    assert reviewer.get(act_url).status_code == 403
    assert admin.get("/console/acts/999999").status_code == 404


def test_a_proposer_disabled_or_stripped_of_the_role_cannot_have_the_act_confirmed(
    app, client, issuance: Issuance
) -> None:  # type: ignore[no-untyped-def]
    one = issue_decision(issuance, factories.decision(name="王小明"))
    a = staff(app, "wang.approver", "approver")
    c = staff(app, "qian.approver", "approver", name="钱三")
    b = staff(app, "zhao.admin", "admin", name="赵二")
    disabled_url = propose(a, preview(a, GRANTED).get_data(as_text=True)).headers["Location"]
    stripped_url = propose(c, preview(c, GRANTED).get_data(as_text=True)).headers["Location"]
    assert app.test_cli_runner().invoke(args=["users", "disable", "wang.approver"]).exit_code == 0
    with issuance.db.write() as session:
        session.execute(update(Account).where(Account.login == "qian.approver").values(roles="reviewer"))

    for url in (disabled_url, stripped_url):
        refused = post_form(b, f"{url}/confirm", url)
        assert refused.status_code == 409 and "已停用或已不再具有相应权限" in refused.get_data(as_text=True)
        assert "待确认" in b.get(url).get_data(as_text=True)
    assert verdict(client, one.token) == "有效"
    with issuance.db.read() as session:
        confirmed = session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "act.confirmed")
        )
    assert confirmed == 0


def test_a_cancel_racing_a_confirmation_never_leaves_the_act_both(
    app, issuance: Issuance, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """On PostgreSQL a confirmation may commit between cancel's read and its write. Here the
    confirmation's write lands in that gap (inside cancel's transaction, behind the ORM's back,
    as another connection's commit would on PostgreSQL): the cancel must be refused."""
    issue_decision(issuance, factories.decision(name="王小明"))
    a = staff(app, "wang.approver", "approver")
    staff(app, "zhao.admin", "admin", name="赵二")
    act_url = propose(a, preview(a, GRANTED).get_data(as_text=True)).headers["Location"]
    act_id = int(act_url.rsplit("/", 1)[1])
    confirmer = acts.staff_id(issuance.db, "zhao.admin")
    read = acts._open

    def confirmed_meanwhile(session, wanted: int, now):  # type: ignore[no-untyped-def]
        row = read(session, wanted, now)
        session.execute(
            update(TwoPersonAct).where(TwoPersonAct.id == wanted).values(confirmed_by=confirmer, confirmed_at=now),
            execution_options={"synchronize_session": False},
        )
        return row

    monkeypatch.setattr(acts, "_open", confirmed_meanwhile)
    proposer = acts.staff_id(issuance.db, "wang.approver")
    assert proposer is not None
    with pytest.raises(acts.ActError) as refused:
        acts.cancel(issuance.db, act_id, by=proposer, clock=utc_now)
    assert refused.value.code == "act.closed"
    with issuance.db.read() as session:
        row = session.get(TwoPersonAct, act_id)
        assert row is not None and row.cancelled_at is None
        cancelled = session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "act.cancelled")
        )
    assert cancelled == 0
