"""Use copies (加注件), after review: a copy's own withdrawal or expiry is the answer even
when its certificate was corrected; ``ecert verify-qr`` reads the app's clock; the holder
sees the copy's own verification history; the audit names the account, a withdrawal at
once writes one event, and the replay names a copy handed to another recipient."""

from __future__ import annotations

import io
import json
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from pathlib import Path

import pikepdf
import pytest
from flask import Flask
from sqlalchemy import select, update

from ecert.models import Account, Holder, UseCopy
from issuer.services.issuance import Issuance, issue_decision
from issuer.services.lifecycle import correct
from issuer.services.use_copy import UseCopyError, withdraw_use_copy
from tests import factories
from tests.functional.test_portal import cid
from tests.functional.test_use_copies import (
    NOW,
    audit_verify,
    copy_id_of,
    events,
    log_in_holder,
    make,
    move_clock,
    token_of,
    withdraw,
)
from verifier.runtime import runtime as verifier_runtime

# The rules tested here are the same on both databases; PostgreSQL runs where SQL differs.
pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

MOBILE = "13800138000"


@pytest.fixture
def copy_holder(app: Flask, issuance: Issuance):  # type: ignore[no-untyped-def]
    decision = factories.decision(name="王小明")
    outcome = issue_decision(issuance, decision)
    client = log_in_holder(app, issuance, "王小明", decision.id_number, MOBILE)
    return client, outcome, cid(issuance, outcome)


def qr_url_of(pdf: bytes) -> str:
    """The QR code's URL, as the copy's embedded record has it (the code prints the same)."""
    with pikepdf.open(io.BytesIO(pdf)) as document:
        record = json.loads(document.attachments["certificate.json"].get_file().read_bytes())
    return str(record["verify_url"])


def verify(app: Flask, *args: str):  # type: ignore[no-untyped-def]
    return app.test_cli_runner().invoke(args=list(args))


def test_a_withdrawn_or_expired_copy_of_a_corrected_certificate_says_so_everywhere(  # type: ignore[no-untyped-def]
    app, issuance: Issuance, copy_holder, tmp_path: Path
) -> None:
    client, outcome, certificate_id = copy_holder
    move_clock(app, NOW)
    withdrawn_id = copy_id_of(make(client, certificate_id, until=date(2026, 12, 20)))
    expiring_id = copy_id_of(make(client, certificate_id, until=date(2026, 12, 10), recipient="重庆市大足区中医院"))
    in_force_id = copy_id_of(make(client, certificate_id, until=date(2026, 12, 20), recipient="重庆市第一中学"))
    second = correct(issuance, outcome.number, {"employer": "重庆市大足区中医院"}, reason="工作单位填写错误")
    assert not isinstance(second, list)
    assert withdraw(client, withdrawn_id, confirm="y").status_code == 302
    move_clock(app, datetime(2026, 12, 10, 16, 0, tzinfo=UTC))  # the 11th in Shanghai: one copy has expired

    for copy_id, word, sentence in (
        (withdrawn_id, "已撤回", "该加注件已由持证人撤回"),
        (expiring_id, "已过期", "该加注件已过期"),
    ):
        token = token_of(issuance, copy_id)
        page = client.get(f"/v/{token}").get_data(as_text=True)
        assert f'<p class="word">{word}</p>' in page and sentence in page, page
        assert "所依据的证书：已更正" in page and "加注件：仅供" in page
        # Not the corrected certificate's answer: the copy is no longer to be used.
        assert "证书所载职称仍然有效" not in page and "查看当前有效版本" not in page
        api = client.get(f"/api/v1/tokens/{token}").get_json()["certificate"]
        assert api["status"] == {"已撤回": "withdrawn", "已过期": "expired"}[word]
        assert api["use_copy"]["certificate_status"] == "superseded" and "current_url" not in api
        assert f"状态：{word}" in client.get(f"/my/use-copies/{copy_id}").get_data(as_text=True)

        pdf = client.get(f"/my/use-copies/{copy_id}.pdf").data
        path = tmp_path / f"copy{copy_id}.pdf"
        path.write_bytes(pdf)
        checked = verify(app, "verify", str(path))
        assert checked.exit_code == 6, checked.output
        assert "所依据的证书：已更正" in checked.output
        scanned = verify(app, "verify-qr", qr_url_of(pdf))
        assert scanned.exit_code == 6, scanned.output
        assert f"结论：        {word}".replace(" ", "") in scanned.output.replace(" ", "")
        assert "所依据的证书：已更正" in scanned.output

    # A copy still in force of a corrected certificate stays 已更正, as before.
    token = token_of(issuance, in_force_id)
    page = client.get(f"/v/{token}").get_data(as_text=True)
    assert '<p class="word">已更正</p>' in page and "所依据的证书：已更正" in page
    assert client.get(f"/api/v1/tokens/{token}").get_json()["certificate"]["status"] == "superseded"
    pdf = client.get(f"/my/use-copies/{in_force_id}.pdf").data
    assert verify(app, "verify-qr", qr_url_of(pdf)).exit_code == 5


def test_verify_qr_judges_a_copys_expiry_by_the_apps_clock(app, issuance: Issuance, copy_holder) -> None:  # type: ignore[no-untyped-def]
    client, _outcome, certificate_id = copy_holder
    move_clock(app, NOW)
    copy_id = copy_id_of(make(client, certificate_id, until=date(2026, 12, 10)))
    url = qr_url_of(client.get(f"/my/use-copies/{copy_id}.pdf").data)
    # Whatever the real date is, one of the two moments disagrees with it.
    move_clock(app, datetime(2026, 12, 10, 15, 59, 59, tzinfo=UTC))  # 23:59:59 on the 10th in Shanghai
    last = verify(app, "verify-qr", url)
    assert last.exit_code == 0 and "有效" in last.output, last.output
    move_clock(app, datetime(2026, 12, 10, 16, 0, tzinfo=UTC))
    after = verify(app, "verify-qr", url)
    assert after.exit_code == 6 and "已过期" in after.output, after.output


def test_the_holder_sees_when_and_how_a_copy_was_checked(app, issuance: Issuance, copy_holder) -> None:  # type: ignore[no-untyped-def]
    client, outcome, certificate_id = copy_holder
    move_clock(app, NOW)
    copy_id = copy_id_of(make(client, certificate_id, until=date(2026, 12, 20)))
    page = client.get(f"/my/use-copies/{copy_id}").get_data(as_text=True)
    assert "核验记录" in page and "此加注件尚未被核验。" in page
    token = token_of(issuance, copy_id)
    assert client.get(f"/v/{token}").status_code == 200
    assert client.get(f"/v/{token}").status_code == 200
    assert client.get(f"/v/{outcome.token}").status_code == 200  # the certificate's check is not the copy's
    verifier_runtime(app).history.flush()

    page = client.get(f"/my/use-copies/{copy_id}").get_data(as_text=True)
    history = page.split('id="copy-history"')[1].split("</section>")[0]
    assert "2026年12月4日" in history and "共 2 次" in history, history
    assert history.count("10:00</span> — 扫描二维码") == 2 and "此加注件尚未被核验" not in history
    english = client.get(f"/my/use-copies/{copy_id}?lang=en").get_data(as_text=True)
    assert "When and how this use copy was checked" in english and "10:00</span> — QR code scanned" in english
    assert "核验记录" not in english
    client.get(f"/my/use-copies/{copy_id}?lang=zh")

    other = factories.decision(name="李四", id_number=factories.id_number())
    issue_decision(issuance, other)
    b = log_in_holder(app, issuance, "李四", other.id_number, "13900139000")
    assert b.get(f"/my/use-copies/{copy_id}").status_code == 404


def test_the_audit_names_the_account_and_two_withdrawals_at_once_write_one_event(  # type: ignore[no-untyped-def]
    app, issuance: Issuance, copy_holder
) -> None:
    client, _outcome, certificate_id = copy_holder
    move_clock(app, NOW)
    first = copy_id_of(make(client, certificate_id, until=date(2026, 12, 20)))
    assert withdraw(client, first, confirm="y").status_code == 302
    with issuance.db.read() as session:
        account_id = session.scalar(select(Account.id).where(Account.mobile == MOBILE))
        holder_id = int(session.scalar(select(Holder.id)))
    (issued,) = events(issuance, "use_copy.issued")
    (withdrawn,) = events(issuance, "use_copy.withdrawn")
    assert issued.actor == withdrawn.actor == f"account:{account_id}"

    second = copy_id_of(make(client, certificate_id, until=date(2026, 12, 20)))
    k = app.extensions["ecert"]

    def one(_: int) -> str:
        try:
            withdraw_use_copy(k.db, holder_id=holder_id, copy_id=second, actor=f"account:{account_id}", clock=k.clock)
        except UseCopyError as error:
            return error.code
        return "withdrawn"

    with ThreadPoolExecutor(4) as pool:
        outcomes = sorted(pool.map(one, range(4)))
    assert outcomes == ["use_copy.not_valid"] * 3 + ["withdrawn"]
    assert [e.subject for e in events(issuance, "use_copy.withdrawn")] == [f"use_copy:{first}", f"use_copy:{second}"]
    assert audit_verify(app).exit_code == 0


def test_the_audit_names_a_copy_handed_to_another_recipient_or_certificate(  # type: ignore[no-untyped-def]
    app, issuance: Issuance, copy_holder
) -> None:
    client, _outcome, certificate_id = copy_holder
    move_clock(app, NOW)
    copy_id = copy_id_of(make(client, certificate_id, until=date(2026, 12, 20)))
    assert audit_verify(app).exit_code == 0
    with issuance.db.write() as session:
        session.execute(update(UseCopy).values(recipient="某某公司"))
    tampered = audit_verify(app)
    assert tampered.exit_code == 1
    assert f"加注件 {copy_id}：登记的 recipient 不是审计日志在制作时记录的那一个" in tampered.output, tampered.output

    with issuance.db.write() as session:
        session.execute(update(UseCopy).values(recipient="重庆市大足区人民医院", purpose="投标"))
    tampered = audit_verify(app)
    assert f"加注件 {copy_id}：登记的 purpose 不是" in tampered.output and "recipient 不是" not in tampered.output

    other = issue_decision(issuance, factories.decision(name="李四", id_number=factories.id_number()))
    with issuance.db.write() as session:
        session.execute(update(UseCopy).values(purpose="应聘", certificate_id=cid(issuance, other)))
    tampered = audit_verify(app)
    assert f"加注件 {copy_id}：登记的 certificate 不是" in tampered.output, tampered.output
