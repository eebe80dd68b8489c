"""A name typed with any middle dot finds its certificate, at /lookup and in the API."""

from __future__ import annotations

import pytest

from ecert.vocab.names import NAME_DOT, NAME_DOTS
from issuer.services.issuance import Issuance, issue_decision
from tests import factories
from tests.functional.test_lookup import submit
from tests.functional.test_pages import verdict_section

STORED = f"阿依古丽{NAME_DOT}买买提"
VARIANTS = [NAME_DOT, *NAME_DOTS]


# Every dot on SQLite. The dots are folded in Python before the query (normalise_name), so on
# PostgreSQL every variant sends the same SQL: the stored dot and one folded one stand for all.
DOT_CASES = [pytest.param("sqlite", dot, id=f"sqlite-U+{ord(dot):04X}") for dot in VARIANTS] + [
    pytest.param("postgresql", dot, id=f"postgresql-U+{ord(dot):04X}", marks=pytest.mark.postgres)
    for dot in (NAME_DOT, "\u30fb")
]


@pytest.mark.parametrize(("database_url", "dot"), DOT_CASES, indirect=["database_url"])
def test_every_middle_dot_finds_the_certificate(issuance: Issuance, client, dot: str) -> None:  # type: ignore[no-untyped-def]
    issued = issue_decision(issuance, factories.decision(name=STORED))
    typed = f" 阿依古丽{dot}买买提 "
    assert ">有效<" in verdict_section(submit(client, issued.number, typed).get_data(as_text=True))
    response = client.get(f"/api/v1/certificates/{issued.number}", query_string={"name": typed})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["certificate"]["number"] == issued.number


def test_a_full_stop_is_not_a_middle_dot(issuance: Issuance, client) -> None:  # type: ignore[no-untyped-def]
    issued = issue_decision(issuance, factories.decision(name=STORED))
    response = client.get(f"/api/v1/certificates/{issued.number}", query_string={"name": "阿依古丽.买买提"})
    # Not folded, so not this name; and a name the issuer refuses (a full stop) is a 400.
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_name"
