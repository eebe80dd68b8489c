"""Failed logins and codes are limited per account, whatever the address: a password cannot
be guessed from many places. A right login costs nothing; other accounts are untouched."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from ecert.settings import RateLimits
from issuer.services.issuance import Issuance, issue_decision
from tests import factories
from tests.functional.test_portal import PASSWORD, code_in, csrf, outbox, register
from tests.functional.test_staff import create, now_code, secret_of


@pytest.fixture
def limited(issuance: Issuance, renderer, signer, seal_png) -> Iterator[Any]:  # type: ignore[no-untyped-def]
    from ecert.app import create_app
    from issuer.runtime import runtime

    app = create_app(replace(issuance.settings, ratelimits=RateLimits(login="100/minute")))
    app.testing = True
    runtime(app).__dict__.update(renderer=renderer, signer=signer, seal_png=seal_png)
    yield app
    app.extensions["ecert"].db.dispose()


def login_from(app, address: str, login: str, password: str):  # type: ignore[no-untyped-def]
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    token = csrf(client, "/account/login")
    return client, client.post("/account/login", data={"csrf_token": token, "login": login, "password": password})


def test_five_wrong_passwords_from_five_addresses_lock_that_account_only(limited, issuance: Issuance) -> None:  # type: ignore[no-untyped-def]
    decision = factories.decision(name="王小明")
    issue_decision(issuance, decision)
    other = factories.decision(name="李四")
    issue_decision(issuance, other)
    for person, mobile in ((decision, "13800138000"), (other, "13900139000")):
        client = limited.test_client()
        confirm = register(client, issuance, person.name, person.id_number, mobile)
        client.post(confirm, data={"csrf_token": csrf(client, confirm), "code": code_in(outbox(issuance, mobile)[0])})

    assert login_from(limited, "10.0.0.1", decision.id_number, PASSWORD)[1].status_code == 302  # costs nothing
    for i in range(5):
        assert login_from(limited, f"10.0.1.{i}", decision.id_number, "wrong password")[1].status_code == 400
    _client, locked = login_from(limited, "10.0.2.1", decision.id_number.lower(), PASSWORD)  # the right one now
    assert locked.status_code == 429 and "尝试次数过多" in locked.get_data(as_text=True)
    assert int(locked.headers["Retry-After"]) > 60
    assert login_from(limited, "10.0.2.1", other.id_number, PASSWORD)[1].status_code == 302


def test_wrong_totp_codes_lock_that_staff_account(limited) -> None:  # type: ignore[no-untyped-def]
    secret = secret_of(create(limited, "li.reviewer", "--role", "reviewer", "--with-totp").output)
    wrong = "000000" if now_code(secret) != "000000" else "111111"
    for i in range(5):
        client, first = login_from(limited, f"10.0.3.{i}", "li.reviewer", "staff password 2026")
        assert first.status_code == 302
        assert (
            client.post("/account/totp", data={"csrf_token": csrf(client, "/account/totp"), "code": wrong}).status_code
            == 400
        )
    client, _first = login_from(limited, "10.0.4.1", "li.reviewer", "staff password 2026")
    right = client.post("/account/totp", data={"csrf_token": csrf(client, "/account/totp"), "code": now_code(secret)})
    assert right.status_code == 429
