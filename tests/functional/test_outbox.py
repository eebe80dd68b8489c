"""The development notifier's outbox, readable by an admin in the console with a loud
banner; no such page where a real notifier (or none) is configured."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from accounts.notifier import OutboxNotifier
from ecert.settings import RateLimits
from issuer.services.issuance import Issuance
from tests.functional.test_staff import create, log_in, now_code, secret_of

# The rules tested here are the same on both databases; PostgreSQL runs where SQL differs.
pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def admin(app):  # type: ignore[no-untyped-def]
    client = app.test_client()
    secret = secret_of(create(app, "zhao.admin", "--role", "admin", "--with-totp").output)
    assert log_in(client, "zhao.admin", now_code(secret)).status_code == 302
    return client


def test_an_admin_reads_the_outbox_newest_first_under_a_loud_banner(app, issuance: Issuance) -> None:  # type: ignore[no-untyped-def]
    client = admin(app)
    empty = client.get("/console/outbox").get_data(as_text=True)
    assert "开发环境：短信未真正发出" in empty and "还没有消息" in empty
    assert "/console/outbox" in client.get("/console/").get_data(as_text=True)
    notifier = OutboxNotifier(issuance.settings.home / "outbox")
    start = datetime(2026, 12, 4, 8, 0, tzinfo=UTC)
    notifier.send("13800138000", "第一条：验证码 111111", at=start)
    notifier.send("13900139000", "第二条：验证码 222222", at=start + timedelta(minutes=1))
    response = client.get("/console/outbox")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert "消息：2 条（最新的在前）" in page and str(issuance.settings.home / "outbox") in page
    assert page.index("第二条：验证码 222222") < page.index("第一条：验证码 111111")
    assert page.index("13900139000") < page.index("13800138000")
    # A file someone left there by hand, short and not UTF-8, is listed, not a failure.
    (issuance.settings.home / "outbox" / "note.txt").write_bytes(b"\xff\xfe one line")
    assert client.get("/console/outbox").status_code == 200
    assert len(notifier.messages()) == 3


def test_no_outbox_page_without_the_development_notifier(issuance: Issuance, renderer, signer, seal_png) -> None:  # type: ignore[no-untyped-def]
    from ecert.app import create_app

    app = create_app(replace(issuance.settings, notifier="none", ratelimits=RateLimits(enabled=False)))
    app.testing = True
    client = admin(app)
    assert client.get("/console/outbox").status_code == 404
    assert "/console/outbox" not in client.get("/console/").get_data(as_text=True)
    app.extensions["ecert"].db.dispose()
