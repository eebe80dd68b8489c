"""Use copies (加注件): a holder makes one on 我的证书 for a named recipient, purpose and
expiry; its own QR page, the token API, the PDF upload check and ``ecert verify`` say the
annotation and the status; it expires at the end of its day (Asia/Shanghai) and can be
withdrawn; at most 3 are made per certificate in any rolling 90 days; nobody else sees them."""

from __future__ import annotations

import io
import json
import re
import statistics
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from flask import Flask
from sqlalchemy import select, update

from ecert.cli import main
from ecert.models import AuditEvent, Holder, UseCopy
from ecert.settings import Settings
from issuer.runtime import runtime
from issuer.services.issuance import Issuance, issue_decision
from issuer.services.lifecycle import RevocationReason, correct, revoke
from issuer.services.use_copy import UseCopyError, make_use_copy
from issuer.signing.signers import build_document_signer
from tests import factories
from tests.functional.test_api import assert_openapi
from tests.functional.test_portal import activation_code, cid, code_in, csrf, outbox, post, register
from verifier.runtime import runtime as verifier_runtime

RECIPIENT, PURPOSE = "重庆市大足区人民医院", "应聘"


def log_in_holder(app: Flask, issuance: Issuance, name: str, id_number: str, mobile: str):  # type: ignore[no-untyped-def]
    client = app.test_client()
    confirm = register(client, issuance, name, id_number, mobile)
    post(client, confirm, code=code_in(outbox(issuance, mobile)[0]))
    assert post(client, "/my/activate", "/my/", code=activation_code(app, id_number)).status_code == 302
    return client


def move_clock(app: Flask, moment: datetime) -> None:
    """Every part of the app reads ``moment`` as now: the pages, the signer's runs, the PDF check."""
    moved = replace(app.extensions["ecert"], clock=lambda: moment)
    app.extensions["ecert"] = moved
    runtime(app).kernel = moved
    verifier_runtime(app).kernel = moved


def make(client, certificate_id: int, *, until: date | str, recipient: str = RECIPIENT, purpose: str = PURPOSE):  # type: ignore[no-untyped-def]
    prefix = f"c{certificate_id}"
    return client.post(
        f"/my/certificates/{certificate_id}/use-copies",
        data={
            "csrf_token": csrf(client, "/my/"),
            f"{prefix}-recipient": recipient,
            f"{prefix}-purpose": purpose,
            f"{prefix}-valid_until": until if isinstance(until, str) else until.isoformat(),
        },
    )


def copy_id_of(response) -> int:  # type: ignore[no-untyped-def]
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    match = re.search(r"/my/use-copies/(\d+)\?made=", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def token_of(issuance: Issuance, copy_id: int) -> str:
    with issuance.db.read() as session:
        return str(session.scalar(select(UseCopy.token).where(UseCopy.id == copy_id)))


def events(issuance: Issuance, action: str) -> list[AuditEvent]:
    with issuance.db.read() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)))


def text_of(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "copy.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def audit_verify(app: Flask):  # type: ignore[no-untyped-def]
    return app.test_cli_runner().invoke(main, ["--lang", "zh", "audit", "verify"])


def withdraw(client, copy_id: int, **data: Any):  # type: ignore[no-untyped-def]
    page = f"/my/use-copies/{copy_id}"
    return client.post(f"{page}/withdraw", data={"csrf_token": csrf(client, page), **data})


@pytest.fixture
def holder(app: Flask, issuance: Issuance):  # type: ignore[no-untyped-def]
    decision = factories.decision(name="王小明")
    outcome = issue_decision(issuance, decision)
    client = log_in_holder(app, issuance, "王小明", decision.id_number, "13800138000")
    return client, outcome, cid(issuance, outcome)


# The app's clock for these tests: 4 December 2026, 10:00 in the office.
NOW = datetime(2026, 12, 4, 2, 0, tzinfo=UTC)


def test_a_holder_makes_a_use_copy_that_verifies_with_its_annotation_everywhere(  # type: ignore[no-untyped-def]
    app, issuance: Issuance, holder, tmp_path: Path
) -> None:
    client, outcome, certificate_id = holder
    move_clock(app, NOW)
    home = client.get("/my/").get_data(as_text=True)
    assert "制作加注件" in home and 'value="2027-01-03"' in home  # the default: 30 days on

    made = make(client, certificate_id, until=date(2026, 12, 26))
    copy_id = copy_id_of(made)
    page = client.get(made.headers["Location"]).get_data(as_text=True)
    assert "加注件已制作完成并已签名" in page and "状态：有效" in page
    assert f"仅供 {RECIPIENT} {PURPOSE} 使用，有效期至 2026年12月26日" in page
    token = token_of(issuance, copy_id)
    assert token != outcome.token and issuance.settings.verify_url(token) in page
    assert 'src="data:image/svg+xml' in page  # the QR code, shown to be scanned

    pdf = client.get(f"/my/use-copies/{copy_id}.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF") and pdf.data != issuance.store.get(outcome.sha256)
    printed = text_of(pdf.data, tmp_path)
    assert f"加注件：仅供 {RECIPIENT} {PURPOSE} 使用，有效期至 2026年12月26日" in printed
    assert outcome.number in printed and "王小明" in printed

    landing = client.get(f"/v/{token}")
    said = landing.get_data(as_text=True)
    assert landing.status_code == 200 and '<p class="word">有效</p>' in said
    assert f"加注件：仅供 {RECIPIENT} {PURPOSE} 使用，有效期至 2026年12月26日" in said and "所依据的证书：有效" in said
    # The QR URL printed on the copy carries a claim signed for the copy's own token.
    with pikepdf.open(io.BytesIO(pdf.data)) as document:  # kept open while its attachment is read
        record = json.loads(document.attachments["certificate.json"].get_file().read_bytes())
    assert record["use_copy"]["valid_until"] == "2026-12-26" and record["number"] == outcome.number
    qr_url = record["verify_url"]
    assert qr_url.startswith(issuance.settings.verify_url(token) + "?c=")
    scanned = client.get(qr_url.removeprefix(issuance.settings.public_url)).get_data(as_text=True)
    assert "二维码签名有效，内容与登记信息一致。" in scanned and "加注件：仅供" in scanned
    checked_qr = app.test_cli_runner().invoke(args=["verify-qr", qr_url])
    assert checked_qr.exit_code == 0, checked_qr.output
    assert f"加注件：仅供 {RECIPIENT} {PURPOSE} 使用，有效期至 2026年12月26日" in checked_qr.output

    api = assert_openapi(client.get(f"/api/v1/tokens/{token}"), "/api/v1/tokens/{token}")["certificate"]
    assert api["status"] == "valid" and api["number"] == outcome.number
    assert api["use_copy"]["annotation_zh"] == f"加注件：仅供 {RECIPIENT} {PURPOSE} 使用，有效期至 2026年12月26日"
    assert api["use_copy"]["state"] == "valid" and api["use_copy"]["certificate_status"] == "valid"
    assert api["use_copy"]["annotation_en"].startswith(f"Use copy: only for {RECIPIENT}")

    with app.app_context():  # the office's name to check the signer against is the app's
        checked = verifier_runtime(app).check_pdf(pdf.data)
    assert checked.valid and checked.certificate is not None and checked.certificate.use_copy is not None
    upload = client.post(
        "/verify", data={"csrf_token": csrf(client, "/verify"), "file": (tmp_path / "copy.pdf").open("rb")}
    )
    assert upload.status_code == 200 and "有效期至 2026年12月26日" in upload.get_data(as_text=True)

    (issued,) = events(issuance, "use_copy.issued")
    assert issued.subject == f"use_copy:{copy_id}" and issued.payload["valid_until"] == "2026-12-26"
    assert issued.payload["sha256"] == checked.sha256

    home = client.get("/my/").get_data(as_text=True)
    assert f"/my/use-copies/{copy_id}" in home and "已制作 1 份" in home

    mine = client.get("/my/?lang=en").get_data(as_text=True)
    assert "Make a use copy" in mine and f"Only for {RECIPIENT}, for {PURPOSE}; valid until" in mine
    assert "制作加注件" not in mine and "加注件" not in mine
    english = client.get(f"/v/{token}?lang=en").get_data(as_text=True)
    assert f"Use copy: only for {RECIPIENT}, for {PURPOSE}; valid until December 26, 2026" in english
    assert "The certificate it copies: Valid" in english and "加注件" not in english


def test_the_cli_verifies_a_use_copy_file_and_says_its_annotation(
    app, issuance: Issuance, holder, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    client, _outcome, certificate_id = holder
    copy_id = copy_id_of(make(client, certificate_id, until=date.today() + timedelta(days=5)))
    path = tmp_path / "copy.pdf"
    path.write_bytes(client.get(f"/my/use-copies/{copy_id}.pdf").data)
    result = app.test_cli_runner().invoke(args=["verify", str(path)])
    assert result.exit_code == 0, result.output
    assert f"加注件：仅供 {RECIPIENT} {PURPOSE} 使用" in result.output and "所依据的证书：有效" in result.output


def test_a_use_copy_expires_at_the_end_of_its_day_in_shanghai(app, issuance: Issuance, holder, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    client, _outcome, certificate_id = holder
    move_clock(app, NOW)
    copy_id = copy_id_of(make(client, certificate_id, until=date(2026, 12, 10)))
    token = token_of(issuance, copy_id)
    pdf = client.get(f"/my/use-copies/{copy_id}.pdf").data

    move_clock(app, datetime(2026, 12, 10, 15, 59, 59, tzinfo=UTC))  # 23:59:59 on the 10th in Shanghai
    assert '<p class="word">有效</p>' in client.get(f"/v/{token}").get_data(as_text=True)
    assert app.test_cli_runner().invoke(args=["use-copies", "expire"]).output.strip() == "已记录 0 份加注件过期"

    move_clock(app, datetime(2026, 12, 10, 16, 0, tzinfo=UTC))  # midnight: the 11th has begun
    page = client.get(f"/v/{token}").get_data(as_text=True)
    assert '<p class="word">已过期</p>' in page and "该加注件已过期" in page and "所依据的证书：有效" in page
    assert client.get(f"/api/v1/tokens/{token}").get_json()["certificate"]["status"] == "expired"
    with app.app_context():
        assert verifier_runtime(app).check_pdf(pdf).status.value == "expired"
    path = tmp_path / "copy.pdf"
    path.write_bytes(pdf)
    assert app.test_cli_runner().invoke(args=["verify", str(path)]).exit_code == 6
    assert "已过期" in client.get(f"/my/use-copies/{copy_id}").get_data(as_text=True)
    assert "撤回加注件" not in client.get(f"/my/use-copies/{copy_id}").get_data(as_text=True)

    runner = app.test_cli_runner()
    assert runner.invoke(args=["use-copies", "expire"]).output.strip() == "已记录 1 份加注件过期"
    assert runner.invoke(args=["use-copies", "expire"]).output.strip() == "已记录 0 份加注件过期"
    (expired,) = events(issuance, "use_copy.expired")
    assert expired.subject == f"use_copy:{copy_id}"
    audit = audit_verify(app)
    assert audit.exit_code == 0 and "已将 1 份加注件的登记状态与审计日志核对" in audit.output, audit.output

    # An UPDATE that brings the expired copy back to life is named by the replay.
    with issuance.db.write() as session:
        session.execute(update(UseCopy).values(valid_until=date(2027, 1, 1)))
    tampered = audit_verify(app)
    assert (
        tampered.exit_code == 1
        and f"加注件 {copy_id}：登记的 valid_until 不是审计日志在制作时记录的那一个" in tampered.output
    )


def test_a_holder_withdraws_a_use_copy_after_confirming(app, issuance: Issuance, holder, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    client, _outcome, certificate_id = holder
    move_clock(app, NOW)
    copy_id = copy_id_of(make(client, certificate_id, until=date(2026, 12, 20)))
    token = token_of(issuance, copy_id)

    english = client.get(f"/my/use-copies/{copy_id}?lang=en").get_data(as_text=True)
    assert "Status: Valid" in english and "Withdraw the use copy" in english and "I confirm" in english
    main = english.split("</header>")[1].split("<footer")[0]  # the office's name above and below is data
    for data in (RECIPIENT, PURPOSE, "王小明"):  # so are the holder's name and what she typed
        main = main.replace(data, "")
    assert not re.search(r"[\u4e00-\u9fff]", main), main  # one language: no Chinese words left
    client.get(f"/my/use-copies/{copy_id}?lang=zh")

    unconfirmed = withdraw(client, copy_id)
    assert unconfirmed.status_code == 400 and "请勾选确认后再撤回" in unconfirmed.get_data(as_text=True)
    assert '<p class="word">有效</p>' in client.get(f"/v/{token}").get_data(as_text=True)

    done = withdraw(client, copy_id, confirm="y")
    assert done.status_code == 302
    page = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "加注件已撤回" in page and "状态：已撤回" in page and "撤回加注件</button>" not in page
    verdict = client.get(f"/v/{token}").get_data(as_text=True)
    assert '<p class="word">已撤回</p>' in verdict and "所依据的证书：有效" in verdict
    assert f"加注件：仅供 {RECIPIENT} {PURPOSE} 使用，有效期至 2026年12月20日" in verdict
    assert client.get(f"/api/v1/tokens/{token}").get_json()["certificate"]["use_copy"]["state"] == "withdrawn"
    again = withdraw(client, copy_id, confirm="y")
    assert again.status_code == 400 and "已撤回或已过期" in again.get_data(as_text=True)
    assert [e.subject for e in events(issuance, "use_copy.withdrawn")] == [f"use_copy:{copy_id}"]
    assert audit_verify(app).exit_code == 0
    move_clock(app, NOW + timedelta(days=30))  # past its end: still 已撤回, and no expiry to record
    assert '<p class="word">已撤回</p>' in client.get(f"/v/{token}").get_data(as_text=True)
    assert app.test_cli_runner().invoke(args=["use-copies", "expire"]).output.strip() == "已记录 0 份加注件过期"

    with issuance.db.write() as session:  # withdrawn without the holder: no event says so
        session.execute(update(UseCopy).values(withdrawn_at=None))
    tampered = audit_verify(app)
    assert tampered.exit_code == 1 and f"加注件 {copy_id}：登记状态为 有效，审计日志记录为 已撤回" in tampered.output


def test_at_most_three_copies_in_any_ninety_days_withdrawn_ones_included(app, issuance: Issuance, holder) -> None:  # type: ignore[no-untyped-def]
    client, _outcome, certificate_id = holder
    move_clock(app, NOW)
    first = copy_id_of(make(client, certificate_id, until=date(2026, 12, 20)))
    assert withdraw(client, first, confirm="y").status_code == 302
    move_clock(app, NOW + timedelta(days=10))
    for _ in range(2):
        copy_id_of(make(client, certificate_id, until=date(2026, 12, 30), recipient="某某大学"))
    refused = make(client, certificate_id, until=date(2026, 12, 30), recipient="第四家单位")
    body = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "近 90 天内此证书已制作 3 份加注件（已撤回的也计算在内），2027年3月4日起可再制作。" in body
    assert 'value="第四家单位"' in body  # nothing typed is lost
    assert len(events(issuance, "use_copy.issued")) == 3

    move_clock(app, NOW + timedelta(days=90, seconds=1))  # the first leaves the window
    copy_id_of(make(client, certificate_id, until=date(2027, 3, 10), recipient="第四家单位"))
    refused = make(client, certificate_id, until=date(2027, 3, 10), recipient="第五家单位")
    assert refused.status_code == 400 and "2027年3月14日起可再制作" in refused.get_data(as_text=True)


@pytest.mark.postgres_sample(1)  # the form is refused in Python before any write
@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("recipient", "", "请填写此项"),
        ("recipient", "单" * 31, "最多 30 个字"),
        ("purpose", "用" * 21, "最多 20 个字"),
        ("valid_until", "明年", "请按“年-月-日”填写日期"),
        ("valid_until", "2026-12-03", "有效期不能早于今天（2026年12月4日）"),
        ("valid_until", "2027-03-05", "有效期最长 90 天，最晚可选 2027年3月4日"),
    ],
)
def test_bad_input_is_said_at_its_field_and_kept(
    app, issuance: Issuance, holder, field: str, value: str, message: str
) -> None:  # type: ignore[no-untyped-def]
    client, _outcome, certificate_id = holder
    move_clock(app, NOW)
    values = {"recipient": RECIPIENT, "purpose": PURPOSE, "valid_until": "2026-12-20", field: value}
    response = make(
        client, certificate_id, until=values["valid_until"], recipient=values["recipient"], purpose=values["purpose"]
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert re.search(rf'<p class="error" id="c{certificate_id}-{field}-error">{re.escape(message)}', body), body[-3000:]
    if value:
        assert f'value="{value}"' in body
    assert events(issuance, "use_copy.issued") == []


def test_another_holder_gets_404_for_everything_of_a_use_copy(app, issuance: Issuance, holder) -> None:  # type: ignore[no-untyped-def]
    client, _outcome, certificate_id = holder
    copy_id = copy_id_of(make(client, certificate_id, until=date.today() + timedelta(days=3)))
    other = factories.decision(name="李四", id_number=factories.id_number())
    issue_decision(issuance, other)
    b = log_in_holder(app, issuance, "李四", other.id_number, "13900139000")
    assert b.get(f"/my/use-copies/{copy_id}").status_code == 404
    assert b.get(f"/my/use-copies/{copy_id}.pdf").status_code == 404
    assert (
        b.post(f"/my/use-copies/{copy_id}/withdraw", data={"csrf_token": csrf(b, "/my/"), "confirm": "y"}).status_code
        == 404
    )
    assert make(b, certificate_id, until=date.today() + timedelta(days=3)).status_code == 404
    assert RECIPIENT not in b.get("/my/").get_data(as_text=True)
    assert events(issuance, "use_copy.withdrawn") == [] and len(events(issuance, "use_copy.issued")) == 1
    assert '<p class="word">有效</p>' in client.get(f"/v/{token_of(issuance, copy_id)}").get_data(as_text=True)


def test_a_copy_says_its_certificate_was_corrected_or_revoked(app, issuance: Issuance, holder) -> None:  # type: ignore[no-untyped-def]
    client, outcome, certificate_id = holder
    copy_id = copy_id_of(make(client, certificate_id, until=date.today() + timedelta(days=3)))
    token = token_of(issuance, copy_id)
    second = correct(issuance, outcome.number, {"employer": "重庆市大足区中医院"}, reason="工作单位填写错误")
    assert not isinstance(second, list)
    page = client.get(f"/v/{token}").get_data(as_text=True)
    assert '<p class="word">已更正</p>' in page and "所依据的证书：已更正" in page and "加注件：仅供" in page
    # Only the current valid version offers the form; the old version's copy stays listed.
    home = client.get("/my/").get_data(as_text=True)
    assert home.count("制作加注件</h3>") == 1 and f"/my/use-copies/{copy_id}" in home
    assert make(client, certificate_id, until=date.today() + timedelta(days=3)).status_code == 400
    revoke(
        issuance.db,
        second.number,
        reason=RevocationReason.FRAUD,
        doc_no="足人社发〔2026〕3号",
        actor="test",
        clock=issuance.clock,
    )
    assert '<p class="word">已撤销</p>' in client.get(f"/v/{token}").get_data(as_text=True)
    # 我的证书 says what the copy's page says: the revocation of the current version prevails.
    assert "状态：已撤销" in client.get(f"/my/use-copies/{copy_id}").get_data(as_text=True)


def test_a_timestamp_authority_that_does_not_answer_makes_no_copy_and_keeps_the_form(
    app, issuance: Issuance, holder
) -> None:  # type: ignore[no-untyped-def]
    client, _outcome, certificate_id = holder
    # The real signer, pointed at an authority nobody listens for (port 9, discard).
    unreachable = Settings(home=issuance.settings.home, database_url="sqlite://", tsa_url="http://127.0.0.1:9/tsa")
    runtime(app).__dict__["signer"] = build_document_signer(unreachable)
    response = make(client, certificate_id, until=date.today() + timedelta(days=3), recipient="某某大学")
    body = response.get_data(as_text=True)
    assert response.status_code == 503 and "暂时无法制作加注件，请稍后再试" in body and 'value="某某大学"' in body
    assert events(issuance, "use_copy.issued") == []
    with issuance.db.read() as session:
        assert session.scalars(select(UseCopy)).all() == []


def test_two_tabs_at_once_make_no_copy_beyond_the_limit(issuance: Issuance) -> None:
    decision = factories.decision(name="王小明")
    outcome = issue_decision(issuance, decision)
    certificate_id = cid(issuance, outcome)
    with issuance.db.read() as session:
        holder_id = int(session.scalar(select(Holder.id)))
    until = date(2026, 12, 20)  # the issuance clock is 26 November 2026

    def one(recipient: str) -> str:
        try:
            make_use_copy(
                issuance,
                holder_id=holder_id,
                certificate_id=certificate_id,
                recipient=recipient,
                purpose=PURPOSE,
                valid_until=until,
            )
        except UseCopyError as error:
            return error.code
        return "made"

    assert [one("甲"), one("乙")] == ["made", "made"]
    # Both pass the first check while the other signs: the check in the completion decides
    # (the row lock closes what is left of the race on PostgreSQL; this test cannot force that).
    with ThreadPoolExecutor(2) as pool:
        outcomes = sorted(pool.map(one, ["丙", "丁"]))
    assert outcomes == ["made", "use_copy.limit"]
    assert len(events(issuance, "use_copy.issued")) == 3


def test_making_a_copy_in_the_request_takes_well_under_a_second(app, issuance: Issuance, holder) -> None:  # type: ignore[no-untyped-def]
    client, _outcome, certificate_id = holder
    # A second certificate of the same holder: six copies to time (three per certificate).
    with issuance.db.read() as session:
        id_number = session.scalar(select(Holder.id_number))
    more = issue_decision(
        issuance,
        factories.decision(
            name="王小明",
            id_number=id_number,
            qualification="副主任医师",
            level="副高级",
            doc_no="渝卫职改〔2025〕30号",
        ),
    )
    make(client, certificate_id, until=date.today() + timedelta(days=3))  # warm: fonts, keys, seal
    wall, cpu = [], []
    for target in (certificate_id, certificate_id, cid(issuance, more), cid(issuance, more), cid(issuance, more)):
        prefix, token = f"c{target}", csrf(client, "/my/")
        form = {"csrf_token": token, f"{prefix}-recipient": RECIPIENT, f"{prefix}-purpose": PURPOSE}
        form[f"{prefix}-valid_until"] = (date.today() + timedelta(days=3)).isoformat()
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.post(f"/my/certificates/{target}/use-copies", data=form)
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)  # the test client runs the request in this process
        copy_id_of(response)
    print(
        f"use copy made in the request: median {statistics.median(wall):.3f} s wall {[round(s, 3) for s in wall]}, "
        f"{statistics.median(cpu):.3f} s CPU {[round(s, 3) for s in cpu]}"
    )
    # CPU, not wall time: on a shared, loaded machine the wall clock measures the neighbours.
    assert statistics.median(cpu) < 1.0
