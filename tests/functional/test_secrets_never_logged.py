"""Passwords and one-time codes never reach a log line or an audit event; staff never get a
session without their second factor, in production as in development.

Everything the service logs at any level while a holder registers, confirms, fails to log
in and logs in, and a staff member is created and logs in with a TOTP code, is captured:
none of the secrets typed appears in it, nor in any audit event's payload. The outbox is
the one place a code is written, because it is the development stand-in for the SMS.
"""

from __future__ import annotations

import json
import logging
from dataclasses import replace

import pytest
from sqlalchemy import select

from ecert.app import create_app
from ecert.models import AuditEvent
from issuer.services.issuance import Issuance
from tests.functional.test_portal import PASSWORD, code_in, outbox, post, register
from tests.functional.test_staff import PASSWORD as STAFF_PASSWORD
from tests.functional.test_staff import create, log_in, now_code, secret_of

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # logging does not depend on it


def _audit_text(issuance: Issuance) -> str:
    with issuance.db.read() as session:
        events = session.scalars(select(AuditEvent)).all()
    return "\n".join(json.dumps([e.actor, e.action, e.subject, e.payload], ensure_ascii=False) for e in events)


def test_passwords_and_codes_are_in_no_log_and_no_audit_event(app, client, issuance: Issuance, caplog) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.DEBUG)
    confirm = register(client, issuance, "王小明", "500111198803151232", "13800138000")
    code = code_in(outbox(issuance, "13800138000")[0])
    assert post(client, confirm, code=code).status_code == 302
    post(client, "/account/logout", "/my/")
    wrong_password = "not the password 2026"
    assert post(client, "/account/login", login="500111198803151232", password=wrong_password).status_code == 400
    assert post(client, "/account/login", login="500111198803151232", password=PASSWORD).status_code == 302
    post(client, "/account/logout", "/my/")

    made = create(app, "li.reviewer", "--role", "reviewer", "--with-totp")
    assert made.exit_code == 0, made.output
    secret = secret_of(made.output)
    totp_code = now_code(secret)
    assert log_in(client, "li.reviewer", totp_code).status_code == 302

    logged = caplog.text
    audited = _audit_text(issuance)
    for action in ("account.registration_started", "account.registered", "account.login"):
        assert action in audited, action  # the acts themselves are audited, without their secrets
    for secret_text in (PASSWORD, wrong_password, STAFF_PASSWORD, code, totp_code, secret):
        assert secret_text not in logged, secret_text
        assert secret_text not in audited, secret_text


def test_production_gives_a_staff_member_without_an_authenticator_no_session(app, issuance: Issuance) -> None:  # type: ignore[no-untyped-def]
    assert create(app, "zhao.approver", "--role", "approver").exit_code == 0  # no --with-totp: not enrolled
    settings = app.extensions["ecert"].settings
    production = create_app(
        replace(settings, environment="production", secret_key="a production secret key of enough length 0123")
    )
    production.testing = True
    try:
        client = production.test_client()
        first = post(client, "/account/login", login="zhao.approver", password=STAFF_PASSWORD)
        assert first.status_code == 302 and first.headers["Location"].endswith("/account/totp")
        # The password alone opens nothing: every staff page sends the person back to log in.
        for path in ("/console/", "/console/certificates/X"):
            assert client.get(path).status_code == 302, path
        assert "请在验证器中添加以下密钥" in client.get("/account/totp").get_data(as_text=True)
        wrong = post(client, "/account/totp", code="000000")
        assert wrong.status_code == 400 and client.get("/console/").status_code == 302
    finally:
        production.extensions["ecert"].db.dispose()
