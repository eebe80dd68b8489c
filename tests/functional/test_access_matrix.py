"""Every route × {anonymous, holder A, holder B, reviewer, approver, admin}: the status each
person gets (README, "Roles and actions"), and CSRF refused on every state-changing form.

Every form POST without its CSRF token is 400 for everyone (Flask-WTF's CSRFProtect runs
before the view); the API's POSTs carry no cookie and no CSRF token. A route added without
a row here fails ``test_every_route_has_a_row``: access is decided
for each route when it is written, not discovered later.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from ecert.clock import utc_now
from ecert.models import Certificate
from issuer.services import acts
from issuer.services.issuance import Issuance, issue_decision
from issuer.services.lifecycle import RevocationReason
from tests import factories
from tests.functional.test_portal import activation_code, code_in, outbox, post, register
from tests.functional.test_staff import create, log_in, now_code, secret_of

PEOPLE = ("anonymous", "holder_a", "holder_b", "reviewer", "approver", "admin")
STAFF = {"reviewer": 200, "approver": 200, "admin": 200}
ALL_200 = dict.fromkeys(PEOPLE, 200)

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # access does not depend on it


def _expected(world: dict[str, Any]) -> dict[tuple[str, str], tuple[str, dict[str, int]]]:
    """(rule, method) → (the URL tried, status per person)."""
    a = world["a"]
    return {
        ("/", "GET"): ("/", ALL_200),
        ("/.well-known/ecert-qr-keys.json", "GET"): ("/.well-known/ecert-qr-keys.json", ALL_200),
        ("/static/<path:filename>", "GET"): ("/static/nothing.css", dict.fromkeys(PEOPLE, 404)),
        ("/account/login", "GET"): ("/account/login", ALL_200),
        ("/account/register", "GET"): ("/account/register", ALL_200),
        ("/account/confirm/<ticket>", "GET"): ("/account/confirm/" + "x" * 43, ALL_200),
        ("/account/totp", "GET"): ("/account/totp", dict.fromkeys(PEOPLE, 302)),  # no password step pending
        ("/lookup", "GET"): ("/lookup", ALL_200),
        ("/verify", "GET"): ("/verify", ALL_200),
        ("/v/", "GET"): ("/v/", dict.fromkeys(PEOPLE, 404)),
        ("/v/<path:token>", "GET"): (f"/v/{a.token}", ALL_200),
        ("/api/v1/openapi.json", "GET"): ("/api/v1/openapi.json", ALL_200),
        ("/api/v1/openapi.yaml", "GET"): ("/api/v1/openapi.yaml", ALL_200),
        ("/api/v1/tokens/<path:token>", "GET"): (f"/api/v1/tokens/{a.token}", ALL_200),
        ("/api/v1/certificates/<path:number>", "GET"): (f"/api/v1/certificates/{a.number}?name=王小明", ALL_200),
        ("/my/", "GET"): ("/my/", {"anonymous": 302, "holder_a": 200, "holder_b": 200, **dict.fromkeys(STAFF, 404)}),
        ("/my/certificates/<int:certificate_id>.pdf", "GET"): (
            f"/my/certificates/{world['a_id']}.pdf",
            {"anonymous": 302, "holder_a": 200, "holder_b": 404, **dict.fromkeys(STAFF, 404)},
        ),
        ("/console/", "GET"): ("/console/", {"anonymous": 302, "holder_a": 404, "holder_b": 404, **STAFF}),
        ("/console/certificates/<path:number>", "GET"): (
            f"/console/certificates/{a.number}",
            {"anonymous": 302, "holder_a": 404, "holder_b": 404, **STAFF},
        ),
        ("/console/certificates/<path:number>/revoke", "POST"): (
            f"/console/certificates/{a.number}/revoke",
            dict.fromkeys(PEOPLE, 400),
        ),
        # Two-person acts (batch revocation, reinstatement): approvers propose, approvers
        # and admins confirm; reviewers are refused, holders find no such page.
        ("/console/revocations/new", "GET"): (
            "/console/revocations/new",
            {"anonymous": 302, "holder_a": 404, "holder_b": 404, "reviewer": 403, "approver": 200, "admin": 403},
        ),
        ("/console/revocations/new", "POST"): ("/console/revocations/new", dict.fromkeys(PEOPLE, 400)),
        ("/console/acts/", "GET"): (
            "/console/acts/",
            {"anonymous": 302, "holder_a": 404, "holder_b": 404, "reviewer": 403, "approver": 200, "admin": 200},
        ),
        ("/console/acts/<int:act_id>", "GET"): (
            f"/console/acts/{world['act_id']}",
            {"anonymous": 302, "holder_a": 404, "holder_b": 404, "reviewer": 403, "approver": 200, "admin": 200},
        ),
        ("/console/acts/<int:act_id>/confirm", "POST"): (
            f"/console/acts/{world['act_id']}/confirm",
            dict.fromkeys(PEOPLE, 400),
        ),
        ("/console/acts/<int:act_id>/cancel", "POST"): (
            f"/console/acts/{world['act_id']}/cancel",
            dict.fromkeys(PEOPLE, 400),
        ),
        ("/console/certificates/<path:number>/reinstate", "POST"): (
            f"/console/certificates/{a.number}/reinstate",
            dict.fromkeys(PEOPLE, 400),
        ),
        # State-changing forms, posted without their CSRF token: refused (400) before any
        # view runs, for everyone. Who may use them with a token is tested per feature.
        ("/account/logout", "POST"): ("/account/logout", dict.fromkeys(PEOPLE, 400)),
        ("/my/activate", "POST"): ("/my/activate", dict.fromkeys(PEOPLE, 400)),
        ("/account/login", "POST"): ("/account/login", dict.fromkeys(PEOPLE, 400)),
        ("/account/register", "POST"): ("/account/register", dict.fromkeys(PEOPLE, 400)),
        ("/account/confirm/<ticket>", "POST"): ("/account/confirm/" + "x" * 43, dict.fromkeys(PEOPLE, 400)),
        ("/account/totp", "POST"): ("/account/totp", dict.fromkeys(PEOPLE, 400)),
        ("/lookup", "POST"): ("/lookup", dict.fromkeys(PEOPLE, 400)),
        ("/verify", "POST"): ("/verify", dict.fromkeys(PEOPLE, 400)),
        # The API has no cookies and no CSRF: its POSTs are public, JSON-checked.
        ("/api/v1/batch", "POST"): ("/api/v1/batch", dict.fromkeys(PEOPLE, 415)),
        ("/api/v1/verify", "POST"): ("/api/v1/verify", dict.fromkeys(PEOPLE, 415)),
    }


@pytest.fixture
def world(app, issuance: Issuance) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    holders = {}
    for person, name in (("holder_a", "王小明"), ("holder_b", "李四")):
        decision = factories.decision(name=name)
        holders[person] = (decision, issue_decision(issuance, decision))
    a = holders["holder_a"][1]
    with issuance.db.read() as session:
        a_id = session.scalar(select(Certificate.id).where(Certificate.token == a.token))
    clients = {"anonymous": app.test_client()}
    for i, (person, (decision, _outcome)) in enumerate(holders.items()):
        client = app.test_client()
        mobile = f"1380013800{i}"
        confirm = register(client, issuance, decision.name, decision.id_number, mobile)
        post(client, confirm, code=code_in(outbox(issuance, mobile)[0]))
        assert post(client, "/my/activate", "/my/", code=activation_code(app, decision.id_number)).status_code == 302
        clients[person] = client
    for role in ("reviewer", "approver", "admin"):
        client = app.test_client()
        secret = secret_of(create(app, f"demo.{role}", "--role", role, "--with-totp").output)
        assert log_in(client, f"demo.{role}", now_code(secret)).status_code == 302
        clients[role] = client
    # A pending two-person act (revoke all 渝卫职改〔2025〕12号 granted), for its pages' rows.
    approver = acts.staff_id(issuance.db, "demo.approver")
    assert approver is not None
    act_id = acts.propose_batch_revoke(
        issuance.db, granted="渝卫职改〔2025〕12号", doc_no="足人社发〔2026〕3号", reason=RevocationReason.FRAUD,
        note="", shown=None, proposer=approver, clock=utc_now,
    )  # fmt: skip
    return {"a": a, "a_id": a_id, "clients": clients, "act_id": act_id}


def test_every_route_has_a_row(app, world: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    routes = {(rule.rule, method) for rule in app.url_map.iter_rules() for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert routes == set(_expected(world))


def test_each_person_gets_the_status_of_the_table(world: dict[str, Any]) -> None:
    wrong = []
    for (_rule, method), (url, statuses) in _expected(world).items():
        for person in PEOPLE:
            client = world["clients"][person]
            response = client.open(url, method=method, data={} if method == "POST" else None)
            if response.status_code != statuses[person]:
                wrong.append((method, url, person, statuses[person], response.status_code))
    assert wrong == [], "\n".join(map(str, wrong))


def test_holder_b_sees_nothing_of_holder_a(world: dict[str, Any]) -> None:
    page = world["clients"]["holder_b"].get("/my/").get_data(as_text=True)
    assert world["a"].number not in page and "李四" in page
    assert world["clients"]["holder_a"].get(f"/my/certificates/{world['a_id']}.pdf").data.startswith(b"%PDF")


def test_with_their_token_only_holders_reach_the_holder_forms(world: dict[str, Any]) -> None:
    expected = {"anonymous": 302, "holder_a": 302, "holder_b": 302, **dict.fromkeys(STAFF, 404)}
    got = {}
    for person in PEOPLE:
        client = world["clients"][person]
        # Holders are bound already: back to 我的证书. Anonymous: to the login. Staff: no such page.
        got[person] = post(client, "/my/activate", "/account/login", code="ABCDEFGH").status_code
    assert got == expected


def test_with_their_token_only_approvers_reach_the_revoke_form(world: dict[str, Any]) -> None:
    expected = {"anonymous": 302, "holder_a": 404, "holder_b": 404, "reviewer": 403, "approver": 400, "admin": 403}
    got = {}
    for person in PEOPLE:
        client = world["clients"][person]
        url = f"/console/certificates/{world['a'].number}/revoke"
        # A malformed 文号: an approver gets the form back (400), nothing is revoked.
        got[person] = post(client, url, "/account/login", reason="fraud", doc_no="abc").status_code
    assert got == expected
