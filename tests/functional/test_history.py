"""Verification history: every verification path records its channel under the token checked,
with the minute and nothing of the verifier; a day keeps at most DETAILED_PER_DAY rows of
detail and counts the rest; the holder reads it in 我的证书 (核验记录), nobody else can."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, inspect, select

from ecert.models import VerificationCount, VerificationEvent
from ecert.verifications import DETAILED_PER_DAY, Check, history_of, verifications_per_month, write_checks
from issuer.services.issuance import Issuance, issue_decision
from tests import factories
from tests.functional.test_portal import activation_code, cid, code_in, outbox, post, register
from tests.functional.test_upload import upload
from verifier.runtime import runtime


def holder_client(app, issuance: Issuance, name: str, id_number: str, mobile: str):  # type: ignore[no-untyped-def]
    """A holder's logged-in client, bound to the registry by the office's activation code."""
    client = app.test_client()
    confirm = register(client, issuance, name, id_number, mobile)
    post(client, confirm, code=code_in(outbox(issuance, mobile)[-1]))
    assert post(client, "/my/activate", "/my/", code=activation_code(app, id_number)).status_code == 302
    return client


def counts(issuance: Issuance, token: str) -> dict[str, int]:
    with issuance.db.read() as session:
        rows = session.execute(
            select(VerificationCount.channel, VerificationCount.count).where(VerificationCount.token == token)
        )
        return {channel: count for channel, count in rows}


def test_every_verification_path_records_its_channel_and_no_verifier_data(app, client, issuance: Issuance) -> None:  # type: ignore[no-untyped-def]
    issued = issue_decision(issuance, factories.decision(name="王小明"))
    other = issue_decision(issuance, factories.decision(name="李四"))
    pdf = issuance.store.get(issued.sha256)

    assert client.get(f"/v/{issued.token}").status_code == 200
    assert client.get("/v/AAAAAAAAAAAAAAAAAAAAAAAA").status_code == 404  # unknown: nothing to record
    looked = post(client, "/lookup", number=issued.number, name="王小明")
    assert looked.status_code == 200 and ">有效<" in looked.get_data(as_text=True)
    assert post(client, "/lookup", number=issued.number, name="王大明").status_code == 200  # wrong name: not found
    assert upload(client, pdf).status_code == 200
    assert client.get(f"/api/v1/tokens/{issued.token}").status_code == 200
    assert client.get(f"/api/v1/certificates/{issued.number}?name=王小明").status_code == 200
    batch = client.post("/api/v1/batch", json={"items": [{"number": issued.number, "name": "王小明"}]})
    assert batch.status_code == 200 and batch.get_json()["counts"] == {"valid": 1}
    assert client.post("/api/v1/verify", data=pdf, content_type="application/pdf").status_code == 200
    runtime(app).history.flush()

    assert counts(issuance, issued.token) == {"qr": 1, "lookup": 1, "upload": 1, "api": 3, "api_pdf": 1}
    assert counts(issuance, other.token) == {}
    with issuance.db.read() as session:
        events = session.scalars(select(VerificationEvent).where(VerificationEvent.token == issued.token)).all()
        columns = {c["name"] for c in inspect(session.get_bind()).get_columns("verification_events")}
    assert sorted(e.channel for e in events) == ["api", "api", "api", "api_pdf", "lookup", "qr", "upload"]
    assert all(e.at.second == 0 and e.at.microsecond == 0 for e in events)  # the minute, no finer
    assert columns == {"id", "token", "channel", "at"}  # no address, no agent, no hash of either


def test_verification_history_off_records_nothing(app, issuance: Issuance) -> None:  # type: ignore[no-untyped-def]
    from dataclasses import replace

    from ecert.app import create_app

    issued = issue_decision(issuance, factories.decision(name="王小明"))
    quiet = create_app(replace(app.extensions["ecert"].settings, verification_history=False))
    assert quiet.test_client().get(f"/v/{issued.token}").status_code == 200
    assert runtime(quiet).history is None
    assert counts(issuance, issued.token) == {}
    quiet.extensions["ecert"].db.dispose()


def test_a_busy_day_keeps_twenty_rows_of_detail_and_counts_every_check(issuance: Issuance) -> None:
    token = "T" * 24
    morning = datetime(2026, 11, 26, 1, 0, 30, tzinfo=UTC)  # 09:00 in the office
    checks = [
        Check(token, "api" if i % 2 else "qr", morning + timedelta(minutes=i)) for i in range(DETAILED_PER_DAY + 15)
    ]
    with issuance.db.write() as session:
        write_checks(session, checks[:10])  # two batches: the limit holds across them
    with issuance.db.write() as session:
        write_checks(session, checks[10:])
        write_checks(session, [Check(token, "lookup", morning + timedelta(days=1))])
    assert counts(issuance, token) == {"qr": 18, "api": 17, "lookup": 1}
    with issuance.db.read() as session:
        days = history_of(session, token)
        assert verifications_per_month(session) == [("2026-11", 36)]
        assert verifications_per_month(session, ["nobody"]) == []
    assert [(d.day.isoformat(), d.total, len(d.events), d.undetailed) for d in days] == [
        ("2026-11-27", 1, 1, 0),
        ("2026-11-26", 35, DETAILED_PER_DAY, 15),
    ]
    assert days[1].events[0][0] == datetime(2026, 11, 26, 1, 19, tzinfo=UTC)  # the first twenty kept, newest first


def test_the_day_is_the_offices_day(issuance: Issuance) -> None:
    token = "D" * 24
    late = datetime(2026, 11, 26, 16, 30, tzinfo=UTC)  # 00:30 on 27 November in the office
    with issuance.db.write() as session:
        write_checks(session, [Check(token, "qr", late)])
    with issuance.db.read() as session:
        assert [d.day.isoformat() for d in history_of(session, token)] == ["2026-11-27"]


def test_the_holder_reads_the_history_and_another_holder_gets_404(app, client, issuance: Issuance) -> None:  # type: ignore[no-untyped-def]
    a = factories.decision(name="王小明")
    issued = issue_decision(issuance, a)
    b = factories.decision(name="李四")
    issue_decision(issuance, b)
    for _ in range(DETAILED_PER_DAY + 2):
        client.get(f"/v/{issued.token}")
    client.get(f"/api/v1/tokens/{issued.token}")
    runtime(app).history.flush()

    holder_a = holder_client(app, issuance, "王小明", a.id_number, "13800138000")
    home = holder_a.get("/my/").get_data(as_text=True)
    url = f"/my/certificates/{cid(issuance, issued)}/history"
    assert url in home
    page = holder_a.get(url)
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert "核验记录" in text and issued.number in text
    assert text.count("扫描二维码") == DETAILED_PER_DAY and "接口查询" not in text  # the twenty first, then counted
    assert "共 23 次" in text and "另有 3 次核验未列明细" in text
    assert re.search(r'<span class="code">\d\d:\d\d</span>', text)

    holder_b = holder_client(app, issuance, "李四", b.id_number, "13900139000")
    assert holder_b.get(url).status_code == 404
    assert holder_b.get("/my/certificates/999999/history").status_code == 404
    english = holder_a.get(url + "?lang=en").get_data(as_text=True)
    assert "Verification history" in english and "QR code scanned" in english


def test_each_version_has_its_own_history_linked_from_the_others(app, client, issuance: Issuance) -> None:  # type: ignore[no-untyped-def]
    from issuer.services.lifecycle import correct

    a = factories.decision(name="王小明")
    first = issue_decision(issuance, a)
    second = correct(issuance, first.number, {"employer": "重庆市大足区中医院"}, reason="单位填错")
    assert not isinstance(second, list)
    client.get(f"/v/{first.token}")  # an old print of version 1 scanned
    runtime(app).history.flush()
    holder = holder_client(app, issuance, "王小明", a.id_number, "13800138000")
    v1, v2 = (f"/my/certificates/{cid(issuance, o)}/history" for o in (first, second))
    page_v2 = holder.get(v2).get_data(as_text=True)
    assert "此版证书尚未被核验" in page_v2 and f'href="{v1}"' in page_v2
    page_v1 = holder.get(v1).get_data(as_text=True)
    assert "扫描二维码" in page_v1 and f'href="{v2}"' in page_v1


def test_a_history_that_cannot_be_written_never_breaks_a_verification(app, client, issuance: Issuance) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import text

    issued = issue_decision(issuance, factories.decision(name="王小明"))
    with issuance.db.write() as session:  # e.g. a verifier whose database user may not write there
        session.execute(text("DROP TABLE verification_counts"))
    for _ in range(3):
        page = client.get(f"/v/{issued.token}")
        assert page.status_code == 200 and ">有效<" in page.get_data(as_text=True)
    assert client.get(f"/api/v1/tokens/{issued.token}").get_json()["certificate"]["status"] == "valid"
    runtime(app).history.flush()  # the batch failed (logged); nothing waits, nothing raised
    with issuance.db.read() as session:
        assert session.scalar(select(func.count()).select_from(VerificationEvent)) == 0  # one transaction: none kept
