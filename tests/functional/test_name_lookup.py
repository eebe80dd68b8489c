"""The lookup form and the API read a typed name by the issuer's one rule: variants of a
stored name find it, a name the issuer would refuse is said to be wrong (400) and never
reaches the registry."""

from __future__ import annotations

import pytest

from issuer.services.issuance import Issuance, issue_decision
from tests import factories
from tests.functional.test_api import BATCH, CERT, assert_openapi
from tests.functional.test_lookup import submit
from tests.functional.test_pages import verdict_section

STORED = "龍生·李"
# How the same name arrives from other keyboards and from text copied out of PDFs.
VARIANTS = {
    "compatibility ideograph U+F9C4": "\uf9c4生·李",
    "Kangxi radical U+2F63": "龍\u2f63·李",
    "katakana middle dot": "龍生\u30fb李",
    "decomposed nothing, spaces around": "  龍生·李\u3000",
}
# Refused names, with how the message names what is wrong.
REFUSED = {
    "ideographic space inside": ("龍\u3000生·李", "U+3000"),
    "no-break space inside": ("龍\u00a0生·李", "U+00A0"),
    "zero-width space inside": ("龍\u200b生·李", "U+200B"),
    "right-to-left override": ("龍生\u202e·李", "U+202E"),
    "Cyrillic A in a Latin word": ("\u0410nna", "U+0410 CYRILLIC CAPITAL LETTER A"),
}


@pytest.mark.postgres_sample(1)  # variants are folded in Python: the same query
@pytest.mark.parametrize("typed", list(VARIANTS.values()), ids=list(VARIANTS))
def test_a_variant_of_the_stored_name_finds_the_certificate(issuance: Issuance, client, typed: str) -> None:  # type: ignore[no-untyped-def]
    issued = issue_decision(issuance, factories.decision(name=STORED))
    assert ">有效<" in verdict_section(submit(client, issued.number, typed).get_data(as_text=True))
    response = client.get(f"/api/v1/certificates/{issued.number}", query_string={"name": typed})
    assert response.status_code == 200, response.get_json()


def test_a_refused_name_is_a_clear_400_on_every_path(issuance: Issuance, client) -> None:  # type: ignore[no-untyped-def]
    issued = issue_decision(issuance, factories.decision(name=STORED))
    for typed, named in REFUSED.values():
        api = client.get(f"/api/v1/certificates/{issued.number}", query_string={"name": typed})
        assert api.status_code == 400
        assert_openapi(api, CERT)
        assert api.get_json()["error"]["code"] == "invalid_name"
        message = api.get_json()["error"]["message"]
        # Invisible characters are named, never echoed; a look-alike word is shown with its odd letter.
        assert named in message and (typed.isalpha() or typed not in message)

        batch = client.post("/api/v1/batch", json={"items": [{"number": issued.number, "name": typed}]})
        assert batch.status_code == 200
        assert_openapi(batch, BATCH, "post")
        result = batch.get_json()["results"][0]
        assert result["status"] == "error" and result["error"]["code"] == "invalid_name"
        assert named in result["error"]["message"]

        page = submit(client, issued.number, typed)
        assert page.status_code == 400
        html = page.get_data(as_text=True)
        assert 'class="verdict"' not in html and named.split(" ")[0] in html


def test_a_refused_name_finds_nothing_even_if_stored_so(issuance: Issuance) -> None:
    # A row stored before the rule (written straight into the registry here) is not found by
    # typing the refused form: the rule decides before the registry is asked.
    from verifier import lookup

    issued = issue_decision(issuance, factories.decision(name="王小明"))
    with issuance.db.read() as session:
        assert lookup.by_number_and_name(session, issued.number, "王小明") is not None
        assert lookup.by_number_and_name(session, issued.number, "王\u200b小明") is None
