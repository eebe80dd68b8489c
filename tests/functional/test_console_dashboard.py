"""The dashboard counts certificates issued, corrected and revoked per office month (on
SQLite and PostgreSQL alike), adds the counts other features supply, and shows "—" for
those nobody supplies yet."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from console.dashboard import Month, ReviewQueue, dashboard, last_months
from ecert.clock import OFFICE_TZ
from ecert.models import CorrectionRequest
from issuer.services.issuance import Issuance, issue_decision
from issuer.services.lifecycle import correct
from tests import factories
from tests.functional.test_console_revoke import staff_client
from tests.functional.test_corrections import ask, bound_holder
from verifier.runtime import runtime


def at(moment: datetime):  # type: ignore[no-untyped-def]
    return lambda: moment


def test_counts_per_office_month_with_sources_and_gaps(issuance: Issuance) -> None:
    # 31 October 23:00 in the office is October; 01:00 on 1 November is November.
    october = replace(issuance, clock=at(datetime(2026, 10, 31, 15, 0, tzinfo=UTC)))
    november_first = replace(issuance, clock=at(datetime(2026, 10, 31, 17, 0, tzinfo=UTC)))
    issue_decision(october, factories.decision(name="王小明"))
    early = issue_decision(november_first, factories.decision(name="李四"))
    late = issue_decision(issuance, factories.decision(name="赵六"))  # 26 November
    assert not isinstance(correct(issuance, early.number, {"employer": "重庆市大足区中医院"}, reason="录入错误"), list)
    factories.revoked(issuance, late.number)

    def verified(session, months):  # type: ignore[no-untyped-def]
        return {Month(2026, 11): 7}

    now = datetime(2026, 11, 28, tzinfo=UTC)
    with issuance.db.read() as session:
        board = dashboard(
            session,
            now,
            sources={"verified": verified, "lookups": None},
            reviews=lambda session: ReviewQueue(open=3, oldest_since=now - timedelta(days=2, hours=5)),
            month_count=3,
        )
    assert board.names == ("issued", "corrected", "revoked", "verified", "lookups")
    table = {row.month.label: dict(row.counts) for row in board.months}
    assert table == {
        "2026-11": {"issued": 2, "corrected": 1, "revoked": 1, "verified": 7, "lookups": None},
        "2026-10": {"issued": 1, "corrected": 0, "revoked": 0, "verified": 0, "lookups": None},
        "2026-09": {"issued": 0, "corrected": 0, "revoked": 0, "verified": 0, "lookups": None},
    }
    assert board.total("issued") == 3 and board.total("lookups") is None
    assert board.reviews == ReviewQueue(3, now - timedelta(days=2, hours=5)) and board.waiting == timedelta(
        days=2, hours=5
    )


def test_the_months_are_the_office_months_across_a_year() -> None:
    months = last_months(datetime(2026, 12, 31, 16, 30, tzinfo=UTC), 3)  # 1 January 2027, 00:30 in the office
    assert [m.label for m in months] == ["2027-01", "2026-12", "2026-11"]
    assert months[0].start == datetime(2027, 1, 1, tzinfo=OFFICE_TZ) and months[1].end == months[0].start


def test_the_page_shows_this_months_counts_checks_and_open_requests(app, issuance: Issuance) -> None:  # type: ignore[no-untyped-def]
    now = datetime.now(UTC)
    today = replace(issuance, clock=at(now))
    issued = issue_decision(today, factories.decision(name="王小明"))
    factories.revoked(today, issue_decision(today, factories.decision(name="李四")).number)
    reviewer = staff_client(app, "li.reviewer", "reviewer")
    anonymous = app.test_client()
    for _ in range(3):  # three employers scan the QR code
        assert anonymous.get(f"/v/{issued.token}").status_code == 200
    runtime(app).history.flush()

    page = reviewer.get("/console/dashboard")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    month = now.astimezone(OFFICE_TZ).strftime("%Y-%m")
    row = re.search(rf'<tr><th scope="row" class="code">{month}</th>((?:<td class="num">[^<]*</td>)+)</tr>', html)
    assert row, html
    assert re.findall(r'<td class="num">([^<]*)</td>', row.group(1)) == ["2", "0", "1", "3"]
    assert re.search(r"<dt>待审核申请</dt><dd>0</dd>", html)


def test_open_correction_requests_are_the_review_queue_with_their_waiting_time(app, issuance: Issuance) -> None:  # type: ignore[no-untyped-def]
    client, _issued, certificate_id = bound_holder(app, issuance, "王小明", "13800138000")
    ask(client, certificate_id, field="employer", what_is_wrong="工作单位应为重庆市大足区中医院")
    reviewer = staff_client(app, "li.reviewer", "reviewer")
    with issuance.db.write() as session:  # the request came in two days and three hours ago
        session.execute(
            update(CorrectionRequest).values(created_at=datetime.now(UTC) - timedelta(days=2, hours=3, minutes=1))
        )
    html = reviewer.get("/console/dashboard").get_data(as_text=True)
    assert re.search(r"<dt>待审核申请</dt><dd>1</dd>", html)
    assert re.search(r"<dt>最久已等待</dt><dd>2 天 3 小时</dd>", html), html
