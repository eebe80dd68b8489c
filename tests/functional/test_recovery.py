"""Account recovery and a new mobile number, by the same one-time codes as registration:
the same answer whether or not an ID number has an account, every session of the account
ended by the new password, limits per account and per client, codes never logged."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import select

from ecert.models import Account, AuditEvent, Holder
from ecert.settings import RateLimits
from issuer.services.issuance import Issuance, issue_decision
from tests import factories
from tests.functional.test_portal import PASSWORD, code_in, csrf, outbox, post, register
from tests.functional.test_staff import create, log_in, now_code, secret_of

# The rules tested here are the same on both databases; PostgreSQL runs where SQL differs.
pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

NEW_PASSWORD = "a brand new password"
MOBILE = "13800138000"


def holder_account(app, issuance: Issuance, mobile: str = MOBILE, name: str = "王小明"):  # type: ignore[no-untyped-def]
    """A registered holder, logged in: (client, ID number)."""
    decision = factories.decision(name=name)
    issue_decision(issuance, decision)
    client = app.test_client()
    confirm = register(client, issuance, name, decision.id_number, mobile)
    assert post(client, confirm, code=code_in(outbox(issuance, mobile)[0])).status_code == 302
    return client, decision.id_number


def start(client, id_number: str):  # type: ignore[no-untyped-def]
    return post(client, "/account/recover", id_number=id_number)


def events(issuance: Issuance, action: str) -> list[AuditEvent]:
    with issuance.db.read() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all())


def test_a_holder_recovers_and_every_old_session_ends(app, issuance: Issuance) -> None:  # type: ignore[no-untyped-def]
    logged_in, id_number = holder_account(app, issuance)
    other_device, _ = app.test_client(), None
    assert post(other_device, "/account/login", login=id_number, password=PASSWORD).status_code == 302
    assert logged_in.get("/my/").status_code == 200 and other_device.get("/my/").status_code == 200

    stranger = app.test_client()
    assert "忘记密码" in stranger.get("/account/login").get_data(as_text=True)
    started = start(stranger, id_number.lower())
    assert started.status_code == 302 and "/account/recover/" in started.headers["Location"]
    reset = started.headers["Location"]
    [message] = [m for m in outbox(issuance, MOBILE) if "找回" in m]
    code = code_in(message)

    wrong = post(stranger, reset, code="000000" if code != "000000" else "111111", password=NEW_PASSWORD,
                 password2=NEW_PASSWORD)  # fmt: skip
    assert wrong.status_code == 400 and "验证码不正确" in wrong.get_data(as_text=True)
    mismatch = post(stranger, reset, code=code, password=NEW_PASSWORD, password2="something else")
    assert mismatch.status_code == 400 and "两次输入的密码不一致" in mismatch.get_data(as_text=True)
    done = post(stranger, reset, code=code, password=NEW_PASSWORD, password2=NEW_PASSWORD)
    assert done.status_code == 302 and done.headers["Location"].endswith("/account/login?reset=1")
    assert "密码已重置，请用新密码登录" in stranger.get(done.headers["Location"]).get_data(as_text=True)

    # Both sessions opened with the old password are gone; the old password opens nothing.
    assert logged_in.get("/my/").status_code == 302 and other_device.get("/my/").status_code == 302
    assert post(app.test_client(), "/account/login", login=id_number, password=PASSWORD).status_code == 400
    assert post(app.test_client(), "/account/login", login=id_number, password=NEW_PASSWORD).status_code == 302
    assert any("密码已重置" in m for m in outbox(issuance, MOBILE))
    # The code is spent.
    again = post(stranger, reset, code=code, password="yet another password", password2="yet another password")
    assert again.status_code == 400 and "验证码已失效" in again.get_data(as_text=True)

    [started_event] = events(issuance, "account.recovery_started")
    assert started_event.payload == {"existing_account": True, "code_sent": True}
    assert id_number not in started_event.subject
    [reset_event] = events(issuance, "account.password_reset")
    assert reset_event.payload == {"by": "sms_code"}


def test_the_answer_is_the_same_whether_or_not_the_id_number_has_an_account(app, issuance: Issuance) -> None:  # type: ignore[no-untyped-def]
    _client, id_number = holder_account(app, issuance)
    nobody = factories.id_number()
    assert nobody != id_number
    pages = []
    for who in (id_number, nobody):
        client = app.test_client()
        started = start(client, who)
        assert started.status_code == 302 and re.fullmatch(r"/account/recover/[\w-]{43}", started.headers["Location"])
        page = client.get(started.headers["Location"])
        pages.append((page.status_code, page.get_data(as_text=True).replace(started.headers["Location"], "T")))
        # A guess at the code is answered the same way too.
        guess = post(client, started.headers["Location"], code="123456", password=NEW_PASSWORD, password2=NEW_PASSWORD)
        pages.append((guess.status_code, re.sub(r"/account/recover/[\w-]{43}", "T", guess.get_data(as_text=True))))
    strip = [(status, re.sub(r'value="[^"]+"', "", html)) for status, html in pages]
    assert strip[0] == strip[2] and strip[1] == strip[3]
    assert len([m for m in outbox(issuance, MOBILE) if "找回" in m]) == 1  # nothing sent for the other


def test_staff_do_not_recover_by_sms(app, issuance: Issuance) -> None:  # type: ignore[no-untyped-def]
    create(app, "li.reviewer", "--role", "reviewer")
    client = app.test_client()
    page = client.get("/account/recover").get_data(as_text=True)
    assert "工作人员账号不能通过短信找回密码，请联系系统管理员重置" in page
    refused = start(client, "li.reviewer")
    assert refused.status_code == 400 and "工作人员账号请联系系统管理员重置密码" in refused.get_data(as_text=True)
    assert 'value="li.reviewer"' in refused.get_data(as_text=True)  # what was typed stays


def test_a_holder_changes_the_mobile_with_password_and_a_code_to_the_new_number(app, issuance: Issuance) -> None:  # type: ignore[no-untyped-def]
    client, id_number = holder_account(app, issuance)
    with issuance.db.write() as session:  # the registry's own number, as the office wrote it
        session.scalar(select(Holder).where(Holder.id_number == id_number)).mobile = "13700137000"
    page = client.get("/account/mobile").get_data(as_text=True)
    assert "138****8000" in page and "发证机关登记库中的联系电话不会因此改变" in page
    assert "更换手机号码" in client.get("/my/").get_data(as_text=True)

    wrong = post(client, "/account/mobile", password="not my password", mobile="13900139000")
    assert wrong.status_code == 400 and "密码不正确" in wrong.get_data(as_text=True)
    assert 'value="13900139000"' in wrong.get_data(as_text=True)
    same = post(client, "/account/mobile", password=PASSWORD, mobile=MOBILE)
    assert same.status_code == 400 and "这就是您账号现在的手机号码" in same.get_data(as_text=True)
    bad = post(client, "/account/mobile", password=PASSWORD, mobile="12345")
    assert bad.status_code == 400 and "请填写 11 位手机号码" in bad.get_data(as_text=True)
    assert outbox(issuance, "13900139000") == []

    started = post(client, "/account/mobile", password=PASSWORD, mobile="139 0013 9000")
    assert started.status_code == 302
    [message] = outbox(issuance, "13900139000")
    wrong_code = post(client, started.headers["Location"], code="000000" if code_in(message) != "000000" else "1")
    assert wrong_code.status_code == 400
    # Another holder cannot use this ticket, even with its code.
    other, _ = holder_account(app, issuance, "13600136000", "李四")
    stolen = post(other, started.headers["Location"], code=code_in(message))
    assert stolen.status_code == 400 and "验证码已失效" in stolen.get_data(as_text=True)

    done = post(client, started.headers["Location"], code=code_in(message))
    assert done.status_code == 302 and done.headers["Location"].endswith("/account/mobile?changed=1")
    assert "139****9000" in client.get(done.headers["Location"]).get_data(as_text=True)
    [notice] = [m for m in outbox(issuance, MOBILE) if "已改为" in m]
    assert "139****9000" in notice
    with issuance.db.read() as session:
        assert session.scalar(select(Account.mobile).where(Account.login == id_number)) == "13900139000"
        assert session.scalar(select(Holder.mobile).where(Holder.id_number == id_number)) == "13700137000"
    [changed] = events(issuance, "account.mobile_changed")
    assert changed.payload == {"from": "138****8000", "to": "139****9000"}
    assert len(events(issuance, "account.mobile_change_started")) == 1

    # Recovery now goes to the new number.
    start(app.test_client(), id_number)
    assert any("找回" in m for m in outbox(issuance, "13900139000"))
    assert not any("找回" in m for m in outbox(issuance, MOBILE))


def test_staff_have_no_mobile_page(app) -> None:  # type: ignore[no-untyped-def]
    client = app.test_client()
    secret = secret_of(create(app, "li.reviewer", "--role", "reviewer", "--with-totp").output)
    assert log_in(client, "li.reviewer", now_code(secret)).status_code == 302
    assert client.get("/account/mobile").status_code == 404


def test_no_code_or_password_reaches_the_log(app, issuance: Issuance, caplog: pytest.LogCaptureFixture) -> None:  # type: ignore[no-untyped-def]
    client, id_number = holder_account(app, issuance)
    caplog.clear()
    with caplog.at_level(logging.DEBUG):
        reset = start(app.test_client(), id_number).headers["Location"]
        code = code_in(next(m for m in outbox(issuance, MOBILE) if "找回" in m))
        post(app.test_client(), reset, code=code, password=NEW_PASSWORD, password2=NEW_PASSWORD)
        client = app.test_client()
        post(client, "/account/login", login=id_number, password=NEW_PASSWORD)
        started = post(client, "/account/mobile", password=NEW_PASSWORD, mobile="13900139000")
        mobile_code = code_in(outbox(issuance, "13900139000")[0])
        post(client, started.headers["Location"], code=mobile_code)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "DEVELOPMENT notifier" in logged  # the log was captured
    for secret in (code, mobile_code, NEW_PASSWORD, PASSWORD):
        assert secret not in logged


@pytest.fixture
def limited(issuance: Issuance, renderer, signer, seal_png) -> Iterator[Any]:  # type: ignore[no-untyped-def]
    from ecert.app import create_app
    from issuer.runtime import runtime

    app = create_app(replace(issuance.settings, ratelimits=RateLimits(login="8/minute")))
    app.testing = True
    runtime(app).__dict__.update(renderer=renderer, signer=signer, seal_png=seal_png)
    yield app
    app.extensions["ecert"].db.dispose()


def _from(app, address: str):  # type: ignore[no-untyped-def]
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_recovery_is_limited_per_account_from_any_address(limited, issuance: Issuance) -> None:  # type: ignore[no-untyped-def]
    _client, id_number = holder_account(limited, issuance)
    for i in range(5):
        assert start(_from(limited, f"10.0.1.{i}"), id_number).status_code == 302
    locked = start(_from(limited, "10.0.2.1"), id_number)
    assert locked.status_code == 429 and "尝试次数过多" in locked.get_data(as_text=True)
    assert len([m for m in outbox(issuance, MOBILE) if "找回" in m]) == 5  # no sixth SMS
    # An ID number with no account is limited the same way (the limit says nothing).
    nobody = factories.id_number()
    statuses = [start(_from(limited, f"10.0.3.{i}"), nobody).status_code for i in range(6)]
    assert statuses == [302] * 5 + [429]
    # Another account is untouched.
    assert start(_from(limited, "10.0.2.1"), factories.id_number()).status_code == 302


def test_recovery_is_limited_per_client(limited, issuance: Issuance) -> None:  # type: ignore[no-untyped-def]
    client = _from(limited, "10.0.9.9")
    statuses = [start(client, factories.id_number()).status_code for _ in range(9)]
    assert statuses == [302] * 8 + [429]
    assert "请 15 分钟后再试" in start(client, factories.id_number()).get_data(as_text=True)


def test_recovery_forms_refuse_a_post_without_csrf(app) -> None:  # type: ignore[no-untyped-def]
    client = app.test_client()
    csrf(client, "/account/recover")  # a session exists; its token is simply not sent
    assert client.post("/account/recover", data={"id_number": factories.id_number()}).status_code == 400
    assert client.post("/account/recover/" + "x" * 43, data={"code": "123456"}).status_code == 400


def test_an_admin_resets_a_staff_password_and_the_staff_sessions_end(app, issuance: Issuance) -> None:  # type: ignore[no-untyped-def]
    client = app.test_client()
    secret = secret_of(create(app, "li.reviewer", "--role", "reviewer", "--with-totp").output)
    assert log_in(client, "li.reviewer", now_code(secret)).status_code == 302
    assert client.get("/console/").status_code == 200
    short = app.test_cli_runner().invoke(args=["users", "reset-password", "li.reviewer"], input="short\n")
    assert short.exit_code == 1 and "密码至少 10 个字符" in short.output
    done = app.test_cli_runner().invoke(
        args=["users", "reset-password", "li.reviewer", "--as", "staff:zhao"], input="another staff password\n"
    )
    assert done.exit_code == 0 and "其已登录的会话均已结束" in done.output, done.output
    assert client.get("/console/").status_code == 302
    assert (
        post(app.test_client(), "/account/login", login="li.reviewer", password="staff password 2026").status_code
        == 400
    )
    fresh = app.test_client()
    assert log_in(fresh, "li.reviewer", now_code(secret, 30), password="another staff password").status_code == 302
    [event] = events(issuance, "staff.password_reset")
    assert event.actor == "staff:zhao" and event.payload == {"totp_reset": False}
    unknown = app.test_cli_runner().invoke(args=["users", "reset-password", "nobody"], input="another staff password\n")
    assert unknown.exit_code == 1 and "没有此工作人员账号" in unknown.output
