"""Every public page (and the account pages a visitor sees) passes axe-core with no serious
or critical violation, in Chinese and in English, at phone and desktop width."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from issuer.services import lifecycle
from issuer.services.issuance import Issuance, issue_decision
from issuer.services.lifecycle import RevocationReason
from tests import factories
from tests.browser.conftest import Visit

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def _certificates(issuance: Issuance) -> dict[str, Any]:
    valid = issue_decision(issuance, factories.decision(name="王小明"))
    revoked = issue_decision(issuance, factories.decision(name="李四"))
    lifecycle.revoke(
        issuance.db, revoked.number, reason=RevocationReason.FRAUD, doc_no="足人社发[2026]3号",
        actor=issuance.actor, clock=issuance.clock,
    )  # fmt: skip
    return {"valid": valid, "revoked": revoked}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_public_pages_pass_axe(issuance: Issuance, served: str, visit: Visit, lang: str) -> None:
    # Signing and anchoring run their own asyncio loops: not on Playwright's thread.
    with ThreadPoolExecutor(1) as pool:
        made = pool.submit(_certificates, issuance).result()
    pages = {
        "home": "/",
        "landing-valid": f"/v/{made['valid'].token}",
        "landing-revoked": f"/v/{made['revoked'].token}",
        "landing-unknown": "/v/AAAAAAAAAAAAAAAAAAAAAAAA",
        "lookup": "/lookup",
        "upload": "/verify",
        "login": "/account/login",
        "register": "/account/register",
        "not-found": "/nope",
    }
    for label, path in pages.items():
        visit.page.goto(f"{served}{path}?lang={lang}")
        visit.check(f"{lang}-{label}")
    # A lookup that finds the certificate, as a clerk submits it.
    visit.page.goto(f"{served}/lookup?lang={lang}")
    visit.page.locator("#number").fill(made["valid"].number)
    visit.page.locator("#name").fill("王小明")
    visit.page.locator("button[type=submit]").click()
    visit.check(f"{lang}-lookup-result")
