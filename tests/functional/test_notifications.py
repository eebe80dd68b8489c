"""Notices: a revocation or a correction writes exactly one notice for the holder in its own
transaction, sends it to the holder's account mobile once committed, and shows it in
我的证书 with an unread count; marking it read is the holder's alone (another holder: 404)."""

from __future__ import annotations

import re
from dataclasses import asdict
from datetime import datetime

import pytest
from sqlalchemy import func, select

from accounts.notifier import OutboxNotifier
from ecert.models import AuditEvent, Notification
from ecert.notifications import notify
from issuer.services.issuance import Issuance, issue_decision
from issuer.services.lifecycle import LifecycleError, RevocationReason, revoke_many
from tests import factories
from tests.functional.test_console_revoke import revoke_form, staff_client
from tests.functional.test_history import holder_client
from tests.functional.test_one_language import LATIN_ALLOWED, _text
from tests.functional.test_portal import cid, csrf, outbox
from verifier.runtime import runtime

# The rules tested here are the same on both databases; PostgreSQL runs where SQL differs.
pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def notices(issuance: Issuance) -> list[Notification]:
    with issuance.db.read() as session:
        return list(session.scalars(select(Notification).order_by(Notification.id)))


def test_a_revocation_in_the_console_notifies_its_holder_only(app, issuance: Issuance) -> None:  # type: ignore[no-untyped-def]
    a, b = factories.decision(name="王小明"), factories.decision(name="李四")
    issued = issue_decision(issuance, a)
    issue_decision(issuance, b)
    holder_a = holder_client(app, issuance, "王小明", a.id_number, "13800138000")
    holder_b = holder_client(app, issuance, "李四", b.id_number, "13900139000")
    assert "通知（" not in holder_a.get("/my/").get_data(as_text=True)  # nothing unread yet

    approver = staff_client(app, "wang.approver", "approver")
    approver.get("/console/?lang=en")  # the approver reads English; the holder's text stays Chinese
    done = revoke_form(approver, issued.number, reason="fraud", doc_no="足人社发[2026]3号", confirm="y")
    assert done.status_code == 302

    [notice] = notices(issuance)
    assert (notice.kind, notice.number, notice.read_at) == ("certificate.revoked", issued.number, None)
    assert notice.params["doc_no"] == "足人社发〔2026〕3号" and notice.sent_at is not None
    [message] = [m for m in outbox(issuance, "13800138000") if "撤销" in m]
    assert issued.number in message and "足人社发〔2026〕3号" in message and "以弄虚作假" in message
    assert not [m for m in outbox(issuance, "13900139000") if "撤销" in m]

    home = holder_a.get("/my/").get_data(as_text=True)
    assert "通知（1 条未读）" in home
    page = holder_a.get("/my/notifications").get_data(as_text=True)
    assert "证书已撤销" in page and issued.number in page and "标记为已读" in page
    assert issued.number not in holder_b.get("/my/notifications").get_data(as_text=True)
    assert "通知（" not in holder_b.get("/my/").get_data(as_text=True)

    read_url = f"/my/notifications/{notice.id}/read"
    refused = holder_b.post(read_url, data={"csrf_token": csrf(holder_b, "/my/notifications")})
    assert refused.status_code == 404 and notices(issuance)[0].read_at is None
    assert approver.post(read_url, data={"csrf_token": csrf(approver, "/console/")}).status_code == 404
    assert holder_a.post(read_url).status_code == 400  # no CSRF token
    read = holder_a.post(read_url, data={"csrf_token": csrf(holder_a, "/my/notifications")})
    assert read.status_code == 302 and read.headers["Location"].endswith("/my/notifications")
    again = holder_a.post(read_url, data={"csrf_token": csrf(holder_a, "/my/notifications")})
    assert again.status_code == 302  # read twice: nothing more happens
    assert notices(issuance)[0].read_at is not None
    assert "通知（" not in holder_a.get("/my/").get_data(as_text=True)
    assert "标记为已读" not in holder_a.get("/my/notifications").get_data(as_text=True)
    with issuance.db.read() as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.action == "notification.read")).all()
    assert [e.subject for e in events] == [f"notification:{notice.id}"]


def test_a_correction_from_the_command_line_notifies_once(app, issuance: Issuance) -> None:  # type: ignore[no-untyped-def]
    a = factories.decision(name="王小明")
    issued = issue_decision(issuance, a)
    holder_a = holder_client(app, issuance, "王小明", a.id_number, "13800138000")
    result = app.test_cli_runner().invoke(
        args=["correct", issued.number, "--set", "employer=重庆市大足区中医院", "--reason", "单位填错"]
    )
    assert result.exit_code == 0, result.output

    [notice] = notices(issuance)
    assert (notice.kind, notice.params) == ("certificate.corrected", {"version": 2, "previous": 1})
    [message] = [m for m in outbox(issuance, "13800138000") if "更正" in m]
    assert "第 2 版已签发" in message and issued.number in message
    page = holder_a.get("/my/notifications?lang=en").get_data(as_text=True)
    assert "Certificate corrected" in page and issued.number in page


def test_a_holder_without_an_account_gets_the_notice_but_no_message(app, issuance: Issuance) -> None:  # type: ignore[no-untyped-def]
    issued = issue_decision(issuance, factories.decision(name="王小明"))
    result = app.test_cli_runner().invoke(
        args=["revoke", issued.number, "--reason", "fraud", "--doc-no", "足人社发〔2026〕3号"]
    )
    assert result.exit_code == 0, result.output
    [notice] = notices(issuance)
    assert notice.kind == "certificate.revoked" and notice.sent_at is None
    assert OutboxNotifier(issuance.settings.home / "outbox").messages() == []


def test_a_refused_revocation_leaves_no_notice(issuance: Issuance) -> None:
    first = issue_decision(issuance, factories.decision(name="王小明"))
    outbox_notifier = OutboxNotifier(issuance.settings.home / "outbox")
    try:
        revoke_many(
            issuance.db,
            [first.number, "ZC500111-2026-999999-X"],
            reason=RevocationReason.FRAUD,
            doc_no="足人社发〔2026〕3号",
            actor="test",
            clock=issuance.clock,
            notifier=outbox_notifier,
        )
    except LifecycleError as error:
        assert error.code == "certificate.not_found"
    else:
        raise AssertionError("an unknown number must refuse the whole batch")
    assert notices(issuance) == [] and outbox_notifier.messages() == []


def test_notify_is_the_one_way_to_add_a_notice(issuance: Issuance) -> None:
    issue_decision(issuance, factories.decision(name="王小明"))
    with issuance.db.write() as session:
        holder_id = session.scalar(select(func.min(Notification.holder_id)))  # none yet
        assert holder_id is None
        from ecert.models import Holder

        holder_id = session.scalars(select(Holder.id)).one()
        notice = notify(
            session, holder_id, "correction_request.answered", number="ZC1", at=issuance.clock(), answer="ok"
        )
        assert notice.id is not None
    [stored] = notices(issuance)
    assert (stored.holder_id, stored.kind, stored.params) == (
        holder_id,
        "correction_request.answered",
        {"answer": "ok"},
    )


def test_the_holders_new_pages_are_in_one_language(app, issuance: Issuance) -> None:  # type: ignore[no-untyped-def]
    decision = factories.decision(name="王小明")
    issued = issue_decision(issuance, decision)
    holder = holder_client(app, issuance, "王小明", decision.id_number, "13800138000")
    holder.get(f"/v/{issued.token}")
    runtime(app).history.flush()
    approver = staff_client(app, "wang.approver", "approver")
    revoke_form(approver, issued.number, reason="fraud", doc_no="足人社发[2026]3号", note="材料造假", confirm="y")
    history = f"/my/certificates/{cid(issuance, issued)}/history"
    data = {str(v) for v in asdict(decision).values() if isinstance(v, str)} | {"足人社发〔2026〕3号", "材料造假"}
    data.add(issuance.settings.office_name)
    for url in (history, "/my/notifications"):
        english = holder.get(f"{url}?lang=en").get_data(as_text=True)
        assert '<html lang="en"' in english and "Notifications (1 unread)" in english
        for line in _text(english):
            chinese = re.findall(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]+", line)
            assert all(any(part in value for value in data) for part in chinese), (url, line)
        chinese_page = holder.get(f"{url}?lang=zh").get_data(as_text=True)
        words = {w for line in _text(chinese_page) for w in re.findall(r"[A-Za-z]{3,}", line)} - LATIN_ALLOWED
        assert {w for w in words if not w.isupper() and not w.startswith("ZC")} == set(), (url, words)
    english = holder.get("/my/notifications?lang=en").get_data(as_text=True)
    assert "Reason: obtained by fraud or other improper means: 材料造假" in english


class BrokenGateway:
    """An SMS gateway that is down: every send fails."""

    def send(self, to: str, text: str, *, at: datetime) -> None:
        raise ConnectionError("gateway down")


def test_a_failed_send_keeps_the_revocation_and_the_notice(app, issuance: Issuance) -> None:  # type: ignore[no-untyped-def]
    a = factories.decision(name="王小明")
    issued = issue_decision(issuance, a)
    holder = holder_client(app, issuance, "王小明", a.id_number, "13800138000")
    changed = revoke_many(
        issuance.db,
        [issued.number],
        reason=RevocationReason.FRAUD,
        doc_no="足人社发〔2026〕3号",
        actor="test",
        clock=issuance.clock,
        notifier=BrokenGateway(),
    )
    assert [c.status for c in changed] == ["revoked"]
    [notice] = notices(issuance)
    assert notice.sent_at is None
    assert "通知（1 条未读）" in holder.get("/my/").get_data(as_text=True)


def test_a_correction_in_the_console_notifies_its_holder(app, issuance: Issuance) -> None:  # type: ignore[no-untyped-def]
    from tests.functional.test_console_correct import NEW_EMPLOYER, correction

    a = factories.decision(name="王小明")
    issued = issue_decision(issuance, a)
    holder_client(app, issuance, "王小明", a.id_number, "13800138000")
    approver = staff_client(app, "wang.approver", "approver")
    assert correction(approver, issued.number, "confirm", employer=NEW_EMPLOYER).status_code == 302
    [notice] = notices(issuance)
    assert notice.kind == "certificate.corrected" and notice.sent_at is not None
    [message] = [m for m in outbox(issuance, "13800138000") if "更正" in m]
    assert "第 2 版已签发" in message and issued.number in message
