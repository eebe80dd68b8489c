"""The console's audit log: filtered by actor (shown by username), action, subject and
office date, 50 events a page newest first, under the verdict of ``ecert audit verify`` —
which turns to "not intact" when someone edits an event in the database."""

from __future__ import annotations

import re

from sqlalchemy import select, text

from ecert import audit
from ecert.models import Account
from issuer.services.issuance import Issuance, issue_decision
from tests import factories
from tests.functional.test_console_revoke import revoke_form, staff_client

ROW = re.compile(
    r'<tr><td class="num" data-label="序号">(\d+)</td><td class="code" data-label="时间">([^<]+)</td>'
    r'<td data-label="操作人">([^<]*)</td><td data-label="操作">([^<]*)</td><td data-label="对象">([^<]*)</td>'
)


def rows(response) -> list[tuple[int, str, str, str, str]]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.get_data(as_text=True)
    return [
        (int(seq), at, actor, action, subject)
        for seq, at, actor, action, subject in ROW.findall(response.get_data(as_text=True))
    ]


def test_the_log_filters_by_actor_action_subject_and_date(app, issuance: Issuance) -> None:  # type: ignore[no-untyped-def]
    first = issue_decision(issuance, factories.decision(name="王小明"))  # 26 November 2026, by "test"
    second = issue_decision(issuance, factories.decision(name="李四"))
    approver = staff_client(app, "wang.approver", "approver")
    assert (
        revoke_form(approver, second.number, reason="fraud", doc_no="足人社发[2026]3号", confirm="y").status_code == 302
    )
    with issuance.db.read() as session:
        account_id = session.scalar(select(Account.id).where(Account.login == "wang.approver"))

    everything = approver.get("/console/audit")
    page = everything.get_data(as_text=True)
    assert "审计日志完整，与登记一致" in page
    seqs = [row[0] for row in rows(everything)]
    assert seqs == sorted(seqs, reverse=True) and len(seqs) > 5

    mine = rows(approver.get("/console/audit?actor=wang.approver"))
    assert mine and {row[2] for row in mine} == {"wang.approver"}  # the username, not account:<id>
    assert "certificate.revoked" in {row[3] for row in mine}
    assert rows(approver.get(f"/console/audit?actor=account:{account_id}")) == mine  # as stored works too

    revoked = rows(approver.get("/console/audit?action=certificate.revoked"))
    assert [(row[2], row[4]) for row in revoked] == [("wang.approver", f"certificate:{second.number}/v1")]

    about_first = rows(approver.get(f"/console/audit?subject={first.number}"))
    assert about_first and all(first.number in row[4] for row in about_first)
    assert {"certificate.issued"} <= {row[3] for row in about_first}

    issuing_day = rows(approver.get("/console/audit?since=2026-11-26&until=2026-11-26&actor=test"))
    assert issuing_day and {row[1][:10] for row in issuing_day} == {"2026-11-26"}
    assert rows(approver.get("/console/audit?until=2026-11-25")) == []

    bad = approver.get("/console/audit?since=2026-02-30")
    assert bad.status_code == 400
    assert re.search(
        r'id="since" name="since" value="2026-02-30" aria-invalid="true" aria-describedby="since-error"',
        bad.get_data(as_text=True),
    )
    # Odd values a hand-edited address carries answer, never fail.
    far = approver.get("/console/audit?until=9999-12-31")
    assert far.status_code == 400 and "日期应在 2000-01-01 至 2999-12-31 之间" in far.get_data(as_text=True)
    for page in ("²", "99999999999999999999", "-1"):
        assert approver.get(f"/console/audit?page={page}").status_code == 200, page


def test_fifty_events_a_page_newest_first(app, issuance: Issuance) -> None:  # type: ignore[no-untyped-def]
    with issuance.db.write() as session:
        for i in range(60):
            audit.append(
                session, actor="test", action="test.filler", subject=f"filler:{i}", payload={}, at=issuance.clock()
            )
    approver = staff_client(app, "wang.approver", "approver")

    first = approver.get("/console/audit?action=test.filler")
    shown = rows(first)
    assert len(shown) == 50 and shown[0][4] == "filler:59" and shown[-1][4] == "filler:10"
    older = re.search(r'<a href="([^"]+)" rel="next">较早的事件</a>', first.get_data(as_text=True))
    assert older and "action=test.filler" in older.group(1)
    second = approver.get("/console/audit" + older.group(1).replace("&amp;", "&"))
    assert [row[4] for row in rows(second)] == [f"filler:{i}" for i in range(9, -1, -1)]
    assert 'rel="next"' not in second.get_data(as_text=True) and 'rel="prev"' in second.get_data(as_text=True)


def test_an_event_edited_in_the_database_shows_the_log_as_broken(app, issuance: Issuance) -> None:  # type: ignore[no-untyped-def]
    issue_decision(issuance, factories.decision())
    approver = staff_client(app, "wang.approver", "approver")
    assert "审计日志完整，与登记一致" in approver.get("/console/audit").get_data(as_text=True)

    with issuance.db.engine.begin() as connection:  # what someone with database access could do
        connection.execute(text("UPDATE audit_events SET actor = 'nobody' WHERE seq = 1"))

    # Within a minute and with the same head, a view reuses the last check; the link checks now.
    assert "审计日志完整，与登记一致" in approver.get("/console/audit").get_data(as_text=True)
    page = approver.get("/console/audit?verify=now").get_data(as_text=True)
    assert "审计日志未通过核查：1 处问题" in page
    assert "第 1 条事件：内容与其 MAC 不符（已被改动，或在没有审计密钥的情况下重算）" in page
    assert 'class="claim bad" role="alert"' in page
    assert "审计日志未通过核查" in approver.get("/console/audit").get_data(as_text=True)  # and it stays said
