"""A logout ends the login session in the database (``accounts.sessions``): the browser's
cookie, and any copy of it kept from before, is refused afterwards — by this process and
every other (``tests/integration/test_across_workers.py`` shows that across gunicorn workers).
The end is an audit event; a staff session's idle end is one too."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from ecert.models import AuditEvent, LoginSession
from issuer.services.issuance import Issuance
from tests import factories
from tests.functional.test_portal import code_in, csrf, outbox, post, register
from tests.functional.test_staff import create, log_in, now_code, secret_of


def _sessions(issuance: Issuance) -> list[tuple[str | None, bool]]:
    with issuance.db.read() as session:
        rows = session.scalars(select(LoginSession).order_by(LoginSession.id)).all()
        return [(row.end_reason, row.ended_at is not None) for row in rows]


def _logouts(issuance: Issuance) -> list[dict]:
    with issuance.db.read() as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.action == "account.logout")).all()
        return [event.payload for event in events]


def test_a_copy_of_the_cookie_kept_from_before_the_logout_is_refused(app, client, issuance: Issuance) -> None:  # type: ignore[no-untyped-def]
    secret = secret_of(create(app, "zhou.reviewer", "--role", "reviewer", "--with-totp").output)
    assert log_in(client, "zhou.reviewer", now_code(secret)).status_code == 302
    assert client.get("/console/").status_code == 200
    copy = client.get_cookie("session").value
    assert _sessions(issuance) == [(None, False)]

    assert client.post("/account/logout", data={"csrf_token": csrf(client, "/account/login")}).status_code == 302
    assert client.get("/console/").status_code == 302
    other = app.test_client()  # another browser, or another worker, with the copy
    other.set_cookie("session", copy)
    refused = other.get("/console/")
    assert refused.status_code == 302 and "/account/login" in refused.headers["Location"]
    assert _sessions(issuance) == [("logout", True)]
    assert _logouts(issuance) == [{"reason": "logout"}]


def test_a_holder_logout_ends_the_holder_session_too(app, client, issuance: Issuance) -> None:  # type: ignore[no-untyped-def]
    decision = factories.decision(name="王小明")  # no certificate yet: the account alone
    confirm = register(client, issuance, "王小明", decision.id_number, "13800138000")
    assert post(client, confirm, code=code_in(outbox(issuance, "13800138000")[0])).status_code == 302
    assert client.get("/my/").status_code == 200
    copy = client.get_cookie("session").value
    assert client.post("/account/logout", data={"csrf_token": csrf(client, "/account/login")}).status_code == 302
    other = app.test_client()
    other.set_cookie("session", copy)
    assert other.get("/my/").status_code == 302
    assert _logouts(issuance) == [{"reason": "logout"}]


def test_a_staff_session_ended_by_its_idle_timeout_is_ended_for_every_copy(app, client, issuance: Issuance) -> None:  # type: ignore[no-untyped-def]
    secret = secret_of(create(app, "wu.reviewer", "--role", "reviewer", "--with-totp").output)
    assert log_in(client, "wu.reviewer", now_code(secret)).status_code == 302
    copy = client.get_cookie("session").value
    kernel = app.extensions["ecert"]
    app.extensions["ecert"] = replace(kernel, clock=lambda: datetime.now(UTC) + timedelta(minutes=31))
    try:
        assert "expired=1" in client.get("/console/").headers["Location"]
    finally:
        app.extensions["ecert"] = kernel
    other = app.test_client()
    other.set_cookie("session", copy)
    assert other.get("/console/").status_code == 302  # the clock is back: only the row says no
    assert _sessions(issuance) == [("idle", True)]
    assert _logouts(issuance) == [{"reason": "idle"}]
