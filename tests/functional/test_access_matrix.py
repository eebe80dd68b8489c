"""Every route × {anonymous, holder A, holder B, reviewer, approver, admin}: the status each
person gets (README, "Roles and actions"), and CSRF refused on every state-changing form.

Every form POST without its CSRF token is 400 for everyone (Flask-WTF's CSRFProtect runs
before the view); the API's POSTs carry no cookie and no CSRF token. A route added without
a row here fails ``test_every_route_has_a_row``: access is decided
for each route when it is written, not discovered later.
"""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from ecert.clock import office_date, utc_now
from ecert.models import Certificate, Decision
from issuer.services import acts
from issuer.services.issuance import Issuance, issue_decision
from issuer.services.lifecycle import RevocationReason
from issuer.services.use_copy import make_use_copy
from tests import factories
from tests.functional.test_corrections import png_bytes
from tests.functional.test_portal import activation_code, code_in, csrf, outbox, post, register
from tests.functional.test_staff import create, log_in, now_code, secret_of

PEOPLE = ("anonymous", "holder_a", "holder_b", "reviewer", "approver", "admin")
HOLDERS_ONLY = {"anonymous": 302, "holder_a": 200, "holder_b": 200, "reviewer": 404, "approver": 404, "admin": 404}
A_ONLY = {"anonymous": 302, "holder_a": 200, "holder_b": 404, "reviewer": 404, "approver": 404, "admin": 404}
CORRECTORS = {"anonymous": 302, "holder_a": 404, "holder_b": 404, "reviewer": 200, "approver": 200, "admin": 403}
STAFF = {"reviewer": 200, "approver": 200, "admin": 200}
ALL_200 = dict.fromkeys(PEOPLE, 200)
# Issuing (accounts.roles, "issue"): approvers only; other staff 403, holders 404.
APPROVERS = {"anonymous": 302, "holder_a": 404, "holder_b": 404, "reviewer": 403, "approver": 200, "admin": 403}

# Legacy conversion review (accounts.roles "review" / "approve"): reviewers and approvers.
REVIEWERS_AND_APPROVERS = {
    "anonymous": 302,
    "holder_a": 404,
    "holder_b": 404,
    "reviewer": 200,
    "approver": 200,
    "admin": 403,
}
# Importing archive rosters (accounts.roles, "import_rosters"): reviewers and admins.
ROSTER_IMPORTERS = {"anonymous": 302, "holder_a": 404, "holder_b": 404, "reviewer": 200, "approver": 403, "admin": 200}

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # access does not depend on it


def _expected(world: dict[str, Any]) -> dict[tuple[str, str], tuple[str, dict[str, int]]]:
    """(rule, method) → (the URL tried, status per person)."""
    a = world["a"]
    return {
        ("/", "GET"): ("/", ALL_200),
        ("/.well-known/ecert-qr-keys.json", "GET"): ("/.well-known/ecert-qr-keys.json", ALL_200),
        # --- load balancer checks (ecert.health): everyone, no login, nothing to hide ---
        ("/healthz", "GET"): ("/healthz", ALL_200),
        ("/readyz", "GET"): ("/readyz", ALL_200),
        # --- end of load balancer checks ---
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
        ("/my/use-copies/<int:copy_id>", "GET"): (
            f"/my/use-copies/{world['a_copy']}",
            {"anonymous": 302, "holder_a": 200, "holder_b": 404, **dict.fromkeys(STAFF, 404)},
        ),
        ("/my/use-copies/<int:copy_id>.pdf", "GET"): (
            f"/my/use-copies/{world['a_copy']}.pdf",
            {"anonymous": 302, "holder_a": 200, "holder_b": 404, **dict.fromkeys(STAFF, 404)},
        ),
        ("/my/certificates/<int:certificate_id>/history", "GET"): (
            f"/my/certificates/{world['a_id']}/history",
            {"anonymous": 302, "holder_a": 200, "holder_b": 404, **dict.fromkeys(STAFF, 404)},
        ),
        ("/my/notifications", "GET"): (
            "/my/notifications",
            {"anonymous": 302, "holder_a": 200, "holder_b": 200, **dict.fromkeys(STAFF, 404)},
        ),
        ("/console/", "GET"): ("/console/", {"anonymous": 302, "holder_a": 404, "holder_b": 404, **STAFF}),
        ("/console/certificates/<path:number>", "GET"): (
            f"/console/certificates/{a.number}",
            {"anonymous": 302, "holder_a": 404, "holder_b": 404, **STAFF},
        ),
        ("/console/api-keys", "GET"): (
            "/console/api-keys",
            {"anonymous": 302, "holder_a": 404, "holder_b": 404, "reviewer": 403, "approver": 200, "admin": 200},
        ),
        ("/console/certificates/<path:number>/correct", "GET"): (
            f"/console/certificates/{a.number}/correct",
            {"anonymous": 302, "holder_a": 404, "holder_b": 404, "reviewer": 403, "approver": 200, "admin": 403},
        ),
        ("/console/certificates/<path:number>/correct", "POST"): (
            f"/console/certificates/{a.number}/correct",
            dict.fromkeys(PEOPLE, 400),
        ),
        ("/console/certificates/<path:number>/versions/<int:version>.pdf", "GET"): (
            f"/console/certificates/{a.number}/versions/1.pdf",
            {"anonymous": 302, "holder_a": 404, "holder_b": 404, **STAFF},
        ),
        ("/console/audit", "GET"): (
            "/console/audit",
            {"anonymous": 302, "holder_a": 404, "holder_b": 404, "reviewer": 403, "approver": 200, "admin": 200},
        ),
        ("/console/dashboard", "GET"): (
            "/console/dashboard",
            {"anonymous": 302, "holder_a": 404, "holder_b": 404, **STAFF},
        ),
        ("/console/certificates/<path:number>/revoke", "POST"): (
            f"/console/certificates/{a.number}/revoke",
            dict.fromkeys(PEOPLE, 400),
        ),
        ("/account/recover", "GET"): ("/account/recover", ALL_200),
        ("/account/recover/<ticket>", "GET"): ("/account/recover/" + "x" * 43, ALL_200),
        ("/account/mobile", "GET"): ("/account/mobile", HOLDERS_ONLY),
        ("/account/mobile/<ticket>", "GET"): ("/account/mobile/" + "x" * 43, HOLDERS_ONLY),
        ("/console/outbox", "GET"): (
            "/console/outbox",
            {"anonymous": 302, "holder_a": 404, "holder_b": 404, "reviewer": 403, "approver": 403, "admin": 200},
        ),
        ("/my/certificates/<int:certificate_id>/correction", "GET"): (
            f"/my/certificates/{world['a_id']}/correction",
            A_ONLY,
        ),
        ("/my/corrections", "GET"): ("/my/corrections", HOLDERS_ONLY),
        ("/my/corrections/<int:request_id>", "GET"): (f"/my/corrections/{world['a_request']}", A_ONLY),
        ("/my/corrections/<int:request_id>/attachment", "GET"): (
            f"/my/corrections/{world['a_request']}/attachment",
            A_ONLY,
        ),
        ("/console/corrections/", "GET"): ("/console/corrections/", CORRECTORS),
        ("/console/corrections/<int:request_id>", "GET"): (f"/console/corrections/{world['a_request']}", CORRECTORS),
        ("/console/corrections/<int:request_id>/attachment", "GET"): (
            f"/console/corrections/{world['a_request']}/attachment",
            CORRECTORS,
        ),
        ("/console/issue", "GET"): ("/console/issue", APPROVERS),
        ("/console/issue/<batch_id>", "GET"): ("/console/issue/no-such-batch", {**APPROVERS, "approver": 404}),
        ("/console/issue", "POST"): ("/console/issue", dict.fromkeys(PEOPLE, 400)),
        # --- archive rosters (legacy conversion): reviewers and admins import them ---
        ("/console/rosters", "GET"): ("/console/rosters", ROSTER_IMPORTERS),
        ("/console/rosters", "POST"): ("/console/rosters", dict.fromkeys(PEOPLE, 400)),
        # --- end of archive rosters ---
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
        ("/my/certificates/<int:certificate_id>/use-copies", "POST"): (
            f"/my/certificates/{world['a_id']}/use-copies",
            dict.fromkeys(PEOPLE, 400),
        ),
        ("/my/use-copies/<int:copy_id>/withdraw", "POST"): (
            f"/my/use-copies/{world['a_copy']}/withdraw",
            dict.fromkeys(PEOPLE, 400),
        ),
        ("/my/notifications/<int:notice_id>/read", "POST"): ("/my/notifications/1/read", dict.fromkeys(PEOPLE, 400)),
        ("/account/login", "POST"): ("/account/login", dict.fromkeys(PEOPLE, 400)),
        ("/account/register", "POST"): ("/account/register", dict.fromkeys(PEOPLE, 400)),
        ("/account/confirm/<ticket>", "POST"): ("/account/confirm/" + "x" * 43, dict.fromkeys(PEOPLE, 400)),
        ("/account/totp", "POST"): ("/account/totp", dict.fromkeys(PEOPLE, 400)),
        ("/lookup", "POST"): ("/lookup", dict.fromkeys(PEOPLE, 400)),
        ("/account/recover", "POST"): ("/account/recover", dict.fromkeys(PEOPLE, 400)),
        ("/account/recover/<ticket>", "POST"): ("/account/recover/" + "x" * 43, dict.fromkeys(PEOPLE, 400)),
        ("/account/mobile", "POST"): ("/account/mobile", dict.fromkeys(PEOPLE, 400)),
        ("/account/mobile/<ticket>", "POST"): ("/account/mobile/" + "x" * 43, dict.fromkeys(PEOPLE, 400)),
        ("/my/certificates/<int:certificate_id>/correction", "POST"): (
            f"/my/certificates/{world['a_id']}/correction",
            dict.fromkeys(PEOPLE, 400),
        ),
        ("/console/corrections/<int:request_id>/answer", "POST"): (
            f"/console/corrections/{world['a_request']}/answer",
            dict.fromkeys(PEOPLE, 400),
        ),
        ("/verify", "POST"): ("/verify", dict.fromkeys(PEOPLE, 400)),
        # Paper-certificate applications (legacy conversion, holder side): holders only,
        # holder A's application 404 for everyone else; its POSTs without their token 400.
        ("/my/paper-certificates/", "GET"): ("/my/paper-certificates/", HOLDERS_ONLY),
        ("/my/paper-certificates/", "POST"): ("/my/paper-certificates/", dict.fromkeys(PEOPLE, 400)),
        ("/my/paper-certificates/<int:application_id>", "GET"): (f"/my/paper-certificates/{world['a_paper']}", A_ONLY),
        ("/my/paper-certificates/<int:application_id>", "POST"): (
            f"/my/paper-certificates/{world['a_paper']}",
            dict.fromkeys(PEOPLE, 400),
        ),
        ("/my/paper-certificates/<int:application_id>/withdraw", "GET"): (
            f"/my/paper-certificates/{world['a_paper']}/withdraw",
            A_ONLY,
        ),
        ("/my/paper-certificates/<int:application_id>/withdraw", "POST"): (
            f"/my/paper-certificates/{world['a_paper']}/withdraw",
            dict.fromkeys(PEOPLE, 400),
        ),
        ("/my/paper-certificates/<int:application_id>/evidence/<int:evidence_id>/remove", "POST"): (
            f"/my/paper-certificates/{world['a_paper']}/evidence/{world['a_paper_evidence']}/remove",
            dict.fromkeys(PEOPLE, 400),
        ),
        # --- legacy conversion: staff review (/console/conversions) ---
        # Reviewers and approvers open the queue, an application and its evidence; other
        # staff 403, holders (the applicant too) 404. Its forms without their token: 400.
        ("/console/conversions/", "GET"): ("/console/conversions/", REVIEWERS_AND_APPROVERS),
        ("/console/conversions/<int:application_id>", "GET"): (
            f"/console/conversions/{world['a_conversion']}",
            REVIEWERS_AND_APPROVERS,
        ),
        ("/console/conversions/evidence/<int:evidence_id>", "GET"): (
            f"/console/conversions/evidence/{world['a_evidence']}",
            REVIEWERS_AND_APPROVERS,
        ),
        ("/console/conversions/evidence/<int:evidence_id>/thumbnail.png", "GET"): (
            f"/console/conversions/evidence/{world['a_evidence']}/thumbnail.png",
            REVIEWERS_AND_APPROVERS,
        ),
        **{
            (f"/console/conversions/<int:application_id>/{step}", "POST"): (
                f"/console/conversions/{world['a_conversion']}/{step}",
                dict.fromkeys(PEOPLE, 400),
            )
            for step in ("return", "reject", "recommend", "approve", "changes")
        },
        # --- end of legacy conversion: staff review ---
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
    copy = make_use_copy(
        issuance,
        holder_id=_holder_id(issuance, a_id),
        certificate_id=a_id,
        recipient="某某医院",
        purpose="应聘",
        valid_until=office_date(utc_now()) + timedelta(days=10),
    )
    asked = clients["holder_a"].post(
        f"/my/certificates/{a_id}/correction",
        data={
            "csrf_token": csrf(clients["holder_a"], f"/my/certificates/{a_id}/correction"),
            "field": "employer",
            "what_is_wrong": "工作单位应为重庆市大足区中医院",
            "attachment": (io.BytesIO(png_bytes()), "证明.png"),
        },
    )
    assert asked.status_code == 302, asked.get_data(as_text=True)
    a_request = int(asked.headers["Location"].split("/")[-1].split("?")[0])
    # A pending two-person act (revoke all 渝卫职改〔2025〕12号 granted), for its pages' rows.
    approver = acts.staff_id(issuance.db, "demo.approver")
    assert approver is not None
    act_id = acts.propose_batch_revoke(
        issuance.db, granted="渝卫职改〔2025〕12号", doc_no="足人社发〔2026〕3号", reason=RevocationReason.FRAUD,
        note="", shown=None, proposer=approver, clock=utc_now,
    )  # fmt: skip
    a_paper, a_paper_evidence = _paper_application(clients["holder_a"])
    world = {
        "a": a, "a_id": a_id, "a_copy": copy.id, "a_request": a_request, "clients": clients, "act_id": act_id,
        "a_paper": a_paper, "a_paper_evidence": a_paper_evidence,
    }  # fmt: skip
    world.update(_legacy_conversion(issuance, holders["holder_a"][0].id_number))
    return world


def _paper_application(client) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """Holder A's paper-certificate application with one evidence file."""
    started = client.post(
        "/my/paper-certificates/", data={"csrf_token": csrf(client, "/my/paper-certificates/"), "case": "lost"}
    )
    application_id = int(started.headers["Location"].rstrip("/").split("/")[-1])
    page = client.get(f"/my/paper-certificates/{application_id}").get_data(as_text=True)
    key = page.split('name="form_key" value="')[1].split('"')[0]
    uploaded = client.post(
        f"/my/paper-certificates/{application_id}",
        data={
            "form_key": key,
            "action": "upload",
            "kind": "review_form",
            "evidence": (io.BytesIO(png_bytes()), "评审表.png"),
        },
    )
    assert uploaded.status_code == 302, uploaded.get_data(as_text=True)
    page = client.get(f"/my/paper-certificates/{application_id}").get_data(as_text=True)
    evidence_id = int(page.split("/evidence/")[1].split("/")[0])
    return application_id, evidence_id


# --- legacy conversion: holder A's submitted application with one evidence file ---


def _legacy_conversion(issuance: Issuance, id_number: str) -> dict[str, int]:
    from ecert.models import Account, LegacyApplication, LegacyEvidence

    now = utc_now()
    with issuance.db.write() as session:
        account_id = session.scalars(select(Account.id).where(Account.login == id_number)).one()
        application = LegacyApplication(
            account_id=account_id, id_number=id_number, case="intact", status="submitted",
            claim={"name": "王小明", "qualification": "主治医师"}, staff_changes=[], findings=[], max_severity=0,
            submitted_at=now, created_at=now, updated_at=now,
        )  # fmt: skip
        session.add(application)
        session.flush()
        data = png_bytes()
        evidence = LegacyEvidence(
            application_id=application.id, kind="paper_certificate", sha256=issuance.store.put(data),
            original_sha256=issuance.store.put(data), content_type="image/png", original_name="证书.png",
            size=len(data), pages=1, thumbnail_sha256=issuance.store.put(data), uploaded_at=now,
        )  # fmt: skip
        session.add(evidence)
        session.flush()
        return {"a_conversion": application.id, "a_evidence": evidence.id}


def _holder_id(issuance: Issuance, certificate_id: int) -> int:
    with issuance.db.read() as session:
        return int(
            session.scalar(
                select(Decision.holder_id)
                .join(Certificate, Certificate.decision_id == Decision.id)
                .where(Certificate.id == certificate_id)
            )
        )


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


def test_with_their_token_only_holder_a_reaches_the_forms_of_her_use_copy(world: dict[str, Any]) -> None:
    expected = {"anonymous": 302, "holder_a": 400, "holder_b": 404, **dict.fromkeys(STAFF, 404)}
    got = {}
    for person in PEOPLE:
        client = world["clients"][person]
        # Not confirmed / no fields: holder A gets the form back (400), nothing changes.
        withdrawn = post(client, f"/my/use-copies/{world['a_copy']}/withdraw", "/account/login")
        made = post(client, f"/my/certificates/{world['a_id']}/use-copies", "/account/login")
        assert withdrawn.status_code == made.status_code, (person, withdrawn.status_code, made.status_code)
        got[person] = withdrawn.status_code
    assert got == expected


def test_with_their_token_only_approvers_reach_the_upload(world: dict[str, Any]) -> None:
    expected = {"anonymous": 302, "holder_a": 404, "holder_b": 404, "reviewer": 403, "approver": 400, "admin": 403}
    got = {}
    for person in PEOPLE:
        client = world["clients"][person]
        # No file: an approver gets the form back (400), nothing is issued.
        got[person] = post(client, "/console/issue", "/account/login").status_code
    assert got == expected


def test_with_their_token_only_reviewers_and_admins_reach_the_roster_upload(world: dict[str, Any]) -> None:
    expected = {**ROSTER_IMPORTERS, "reviewer": 400, "admin": 400}
    got = {}
    for person in PEOPLE:
        client = world["clients"][person]
        # No file: the form comes back (400) to those who may import; nothing is imported.
        got[person] = post(client, "/console/rosters", "/account/login").status_code
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


def test_with_their_token_only_reviewers_and_approvers_answer_corrections(world: dict[str, Any]) -> None:
    expected = {"anonymous": 302, "holder_a": 404, "holder_b": 404, "reviewer": 400, "approver": 400, "admin": 403}
    got = {}
    for person in PEOPLE:
        client = world["clients"][person]
        url = f"/console/corrections/{world['a_request']}/answer"
        # No outcome chosen: the form comes back (400) to those who may answer; nothing is answered.
        got[person] = post(client, url, "/account/login", outcome="", text="").status_code
    assert got == expected


def test_with_their_token_only_holder_a_reaches_her_paper_application(world: dict[str, Any]) -> None:
    base = f"/my/paper-certificates/{world['a_paper']}"
    removed, withdrawn = {}, {}
    for person in PEOPLE:
        client = world["clients"][person]
        # No such file of hers: 404 for holder A too; nothing is removed.
        removed[person] = post(client, base + "/evidence/0/remove", "/account/login").status_code
    for person in PEOPLE:
        # Holder A withdraws her application; nobody else reaches it.
        withdrawn[person] = post(world["clients"][person], base + "/withdraw", "/account/login").status_code
    assert removed == {"anonymous": 302, **dict.fromkeys(PEOPLE[1:], 404)}
    assert withdrawn == {"anonymous": 302, "holder_a": 302, "holder_b": 404, **dict.fromkeys(STAFF, 404)}


def test_with_their_token_only_approvers_reach_the_correct_form(world: dict[str, Any]) -> None:
    expected = {"anonymous": 302, "holder_a": 404, "holder_b": 404, "reviewer": 403, "approver": 400, "admin": 403}
    got = {}
    for person in PEOPLE:
        client = world["clients"][person]
        url = f"/console/certificates/{world['a'].number}/correct"
        # No reason given: an approver gets the form back (400), nothing is issued.
        got[person] = post(client, url, "/account/login", step="confirm", version="1", reason="").status_code
    assert got == expected


def test_with_their_token_each_conversion_step_is_for_its_role(world: dict[str, Any]) -> None:
    """Refused posts first (nothing changes), then the one who may: a reviewer recommends,
    only then may an approver approve (and the reviewer may not)."""
    url = f"/console/conversions/{world['a_conversion']}"
    got: dict[str, dict[str, int]] = {}
    # Forms with a missing required text: the form comes back (400) to reviewers and approvers.
    for step, data in (("return", {"message": ""}), ("reject", {"reason": ""}), ("changes", {"field": ""})):
        got[step] = {
            p: post(world["clients"][p], f"{url}/{step}", "/account/login", **data).status_code for p in PEOPLE
        }
    got["recommend"] = {
        p: post(world["clients"][p], f"{url}/recommend", "/account/login").status_code
        for p in ("anonymous", "holder_a", "holder_b", "approver", "admin", "reviewer")
    }
    got["approve"] = {
        p: post(world["clients"][p], f"{url}/approve", "/account/login").status_code
        for p in ("anonymous", "holder_a", "holder_b", "reviewer", "admin", "approver")
    }
    refused = {"anonymous": 302, "holder_a": 404, "holder_b": 404, "admin": 403}
    assert got == {
        "return": {**refused, "reviewer": 400, "approver": 400},
        "reject": {**refused, "reviewer": 400, "approver": 400},
        "changes": {**refused, "reviewer": 400, "approver": 400},
        "recommend": {**refused, "approver": 403, "reviewer": 302},
        # The claim lacks what a certificate needs: the approver reaches the check (400), nothing is issued.
        "approve": {**refused, "reviewer": 403, "approver": 400},
    }
