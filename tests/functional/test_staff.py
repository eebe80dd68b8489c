"""Staff: accounts made by an admin from the command line, login with a password *and* a
TOTP code (the first login enrols the authenticator), sessions that end after 30 idle
minutes, and the console's registry search, audited."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pyotp
from sqlalchemy import select

from ecert.models import AuditEvent
from issuer.services.issuance import Issuance, issue_decision
from tests import factories
from tests.functional.test_portal import csrf, post

PASSWORD = "staff password 2026"


def create(app, username: str, *args: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    return app.test_cli_runner().invoke(args=["users", "create", username, *args], input=password + "\n")


def secret_of(output: str) -> str:
    match = re.search(r"TOTP 密钥：([A-Z2-7]+)", output)
    assert match, output
    return match.group(1)


def log_in(client, username: str, code: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    first = post(client, "/account/login", login=username, password=password)
    assert first.status_code == 302 and first.headers["Location"].endswith("/account/totp"), first.get_data(
        as_text=True
    )
    return post(client, "/account/totp", code=code)


def now_code(secret: str, shift: int = 0) -> str:
    return pyotp.TOTP(secret).at(datetime.now(UTC) + timedelta(seconds=shift))


def test_staff_log_in_with_totp_and_search_the_registry_audited(app, client, issuance: Issuance) -> None:  # type: ignore[no-untyped-def]
    decision = factories.decision(name="王小明")
    issued = issue_decision(issuance, decision)
    made = create(app, "li.reviewer", "--role", "reviewer", "--name", "李审核", "--with-totp")
    assert made.exit_code == 0, made.output
    secret = secret_of(made.output)

    wrong = log_in(client, "li.reviewer", "000000" if now_code(secret) != "000000" else "111111")
    assert wrong.status_code == 400 and "动态验证码不正确" in wrong.get_data(as_text=True)
    assert client.get("/console/").status_code == 302  # the password alone opened nothing
    done = post(client, "/account/totp", code=now_code(secret))
    assert done.status_code == 302 and done.headers["Location"].endswith("/console/")

    for query in (issued.number, "王小明", decision.id_number):
        html = client.get("/console/", query_string={"q": query}).get_data(as_text=True)
        assert issued.number in html and "王小明" in html and decision.id_number in html, query
    with issuance.db.read() as session:
        searches = session.scalars(select(AuditEvent).where(AuditEvent.action == "console.search")).all()
    assert len(searches) == 3 and all(e.payload["shown"] == [f"{issued.number} v1"] for e in searches)
    assert {e.actor for e in searches} == {searches[0].actor} and searches[0].actor.startswith("account:")


def test_a_code_cannot_be_used_twice(app, client) -> None:  # type: ignore[no-untyped-def]
    secret = secret_of(create(app, "wang.approver", "--role", "approver", "--with-totp").output)
    code = now_code(secret)
    assert log_in(client, "wang.approver", code).status_code == 302
    client.post("/account/logout", data={"csrf_token": csrf(client, "/console/")})
    again = log_in(client, "wang.approver", code)
    assert again.status_code == 400 and client.get("/console/").status_code == 302


def test_the_first_login_enrols_the_authenticator(app, client) -> None:  # type: ignore[no-untyped-def]
    made = create(app, "zhao.admin", "--role", "admin")
    assert made.exit_code == 0 and "首次登录时须绑定身份验证器" in made.output
    post(client, "/account/login", login="zhao.admin", password=PASSWORD)
    page = client.get("/account/totp").get_data(as_text=True)
    match = re.search(r"otpauth://totp/[^<\"]*secret=([A-Z2-7]+)", page)
    assert match and "请在验证器中添加以下密钥" in page
    assert post(client, "/account/totp", code=now_code(match.group(1))).status_code == 302
    listed = app.test_cli_runner().invoke(args=["users", "list"]).output
    assert re.search(r"^zhao\.admin\tadmin\t500111\t已绑定验证器", listed, re.M), listed


def test_staff_sessions_end_after_30_idle_minutes(app, client) -> None:  # type: ignore[no-untyped-def]
    secret = secret_of(create(app, "sun.reviewer", "--role", "reviewer", "--with-totp").output)
    assert log_in(client, "sun.reviewer", now_code(secret)).status_code == 302
    assert client.get("/console/").status_code == 200
    kernel = app.extensions["ecert"]
    app.extensions["ecert"] = replace(kernel, clock=lambda: datetime.now(UTC) + timedelta(minutes=31))
    try:
        expired = client.get("/console/")
        assert expired.status_code == 302 and "expired=1" in expired.headers["Location"]
        assert "30 分钟未操作" in client.get(expired.headers["Location"]).get_data(as_text=True)
        assert client.get("/console/").status_code == 302
    finally:
        app.extensions["ecert"] = kernel


def test_holders_and_strangers_do_not_see_the_console(app, client, issuance: Issuance) -> None:  # type: ignore[no-untyped-def]
    from tests.functional.test_portal import code_in, outbox, register

    assert client.get("/console/").status_code == 302  # anonymous: to the login
    decision = factories.decision(name="王小明")
    issue_decision(issuance, decision)
    confirm = register(client, issuance, "王小明", decision.id_number, "13800138000")
    post(client, confirm, code=code_in(outbox(issuance, "13800138000")[0]))
    assert client.get("/console/").status_code == 404  # a holder: no such page


def test_disabling_an_account_ends_its_session_and_its_logins(app, client) -> None:  # type: ignore[no-untyped-def]
    secret = secret_of(create(app, "qian.reviewer", "--role", "reviewer", "--with-totp").output)
    assert log_in(client, "qian.reviewer", now_code(secret)).status_code == 302
    result = app.test_cli_runner().invoke(args=["users", "disable", "qian.reviewer", "--as", "admin"])
    assert result.exit_code == 0, result.output
    assert client.get("/console/").status_code == 302
    refused = post(client, "/account/login", login="qian.reviewer", password=PASSWORD)
    assert refused.status_code == 400


def test_the_command_names_each_mistake(app) -> None:  # type: ignore[no-untyped-def]
    cases = [
        (["Bad Name", "--role", "admin"], "用户名须为"),
        (["zhou.x", "--role", "superuser"], "未知角色 superuser"),
        (["zhou.y", "--role", "admin"], "密码至少 10 个字符"),
    ]
    for args, words in cases:
        result = create(app, *args, password="short" if args[0] == "zhou.y" else PASSWORD)
        assert result.exit_code == 1 and words in result.output, result.output
    assert create(app, "zhou.z", "--role", "admin").exit_code == 0
    again = create(app, "zhou.z", "--role", "admin")
    assert again.exit_code == 1 and "此用户名已存在" in again.output
