"""One name cannot be swept across numbers (``verifier.views.name_budget``): lookups that
find nothing are counted per name and client and per name from all clients, on the
lookup page, the single API and the batch API alike (a batch counts per item)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from ecert.settings import RateLimits
from ecert.vocab.numbering import format_number, next_usable_seq
from issuer.services.issuance import Issuance, issue_decision
from tests import factories
from tests.functional.test_lookup import csrf_token

PER_CLIENT = 5  # the default budgets: 5 misses per name and client, 20 per name in all
SHARED = 20


def numbers(start: int) -> Iterator[str]:
    """Well-formed numbers (right check character) of this office, none of them issued."""
    seq = start
    while True:
        seq = next_usable_seq("500111", 2026, seq)
        yield format_number("500111", 2026, seq)
        seq += 1


def lookup_page(client, number: str, name: str, address: str = "127.0.0.1"):  # type: ignore[no-untyped-def]
    environ = {"REMOTE_ADDR": address}
    token = csrf_token(client)
    return client.post("/lookup", data={"csrf_token": token, "number": number, "name": name}, environ_base=environ)


def api(client, number: str, name: str, address: str = "127.0.0.1"):  # type: ignore[no-untyped-def]
    return client.get(
        f"/api/v1/certificates/{number}", query_string={"name": name}, environ_base={"REMOTE_ADDR": address}
    )


def batch(client, items: list[dict[str, Any]], address: str = "127.0.0.1"):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/batch", json={"items": items}, environ_base={"REMOTE_ADDR": address})


@pytest.fixture
def client(issuance: Issuance, renderer, signer, seal_png):  # type: ignore[no-untyped-def]
    """The app with its default rate limits on (the shared fixture turns them off)."""
    from ecert.app import create_app
    from issuer.runtime import runtime

    app = create_app(replace(issuance.settings, ratelimits=RateLimits(lookup="100/minute", api="100/minute")))
    app.testing = True
    runtime(app).__dict__.update(renderer=renderer, signer=signer, seal_png=seal_png)
    yield app.test_client()
    app.extensions["ecert"].db.dispose()


@pytest.fixture
def holder(issuance: Issuance) -> str:
    return issue_decision(issuance, factories.decision(name="王小明")).number


@pytest.mark.parametrize("path", ["page", "api"])
def test_a_sweep_from_one_client_stops_after_five_misses_even_at_the_right_number(
    client, holder: str, path: str
) -> None:  # type: ignore[no-untyped-def]
    ask = lookup_page if path == "page" else api
    sweep = numbers(900)
    for _ in range(PER_CLIENT):
        missed = ask(client, next(sweep), "王小明")
        assert missed.status_code == (200 if path == "page" else 404)
    refused = ask(client, holder, "王小明")  # the right number: the answer would tell
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 60
    if path == "page":
        html = refused.get_data(as_text=True)
        assert "暂停按此姓名查询" in html and 'aria-invalid="true"' in html and "王*明" not in html
    else:
        assert refused.get_json()["error"]["code"] == "name_rate_limited"
    # Another name, and the same name from another client, are not concerned.
    assert ask(client, next(sweep), "李四").status_code in (200, 404)
    found = ask(client, holder, "王小明", address="10.0.0.2")
    assert found.status_code == 200 and ("有效" in found.get_data(as_text=True))
    # Typed another way (spaces, full-width middle dot folding...): the same name, the same budget.
    assert ask(client, holder, " 王小明 ").status_code == 429


def test_finding_the_certificate_costs_nothing(client, holder: str) -> None:  # type: ignore[no-untyped-def]
    for _ in range(PER_CLIENT + 3):
        assert api(client, holder, "王小明").status_code == 200


def test_many_clients_together_stop_at_the_shared_budget(client, holder: str) -> None:  # type: ignore[no-untyped-def]
    sweep = numbers(900)
    clients = [f"10.1.0.{i}" for i in range(1, SHARED // PER_CLIENT + 1)]
    for address in clients:
        for _ in range(PER_CLIENT):
            assert api(client, next(sweep), "王小明", address=address).status_code == 404
    fresh = api(client, holder, "王小明", address="10.9.9.9")  # a new address: the name's budget is spent
    assert fresh.status_code == 429 and fresh.get_json()["error"]["code"] == "name_rate_limited"


def test_a_batch_of_many_numbers_for_one_name_is_counted_per_item(client, holder: str) -> None:  # type: ignore[no-untyped-def]
    sweep = numbers(900)
    items = [{"number": next(sweep), "name": "王小明"} for _ in range(8)] + [{"number": holder, "name": "王小明"}]
    items.append({"number": holder, "name": "李四"})  # another name in the same batch
    response = batch(client, items)
    assert response.status_code == 200
    results = response.get_json()["results"]
    assert [r["status"] for r in results[:PER_CLIENT]] == ["unknown"] * PER_CLIENT
    refused = results[PER_CLIENT:9]
    assert all(r["status"] == "error" and r["error"]["code"] == "name_rate_limited" for r in refused)
    assert all(r["certificate"] is None for r in refused)  # the right number among them says nothing
    assert results[9]["status"] == "unknown"  # 李四 has its own budget
    # The single lookup sees the same spent budget.
    assert api(client, holder, "王小明").status_code == 429


def test_malformed_numbers_are_not_misses(client, holder: str) -> None:  # type: ignore[no-untyped-def]
    for _ in range(PER_CLIENT + 2):
        assert api(client, "ZC500111-2026-000123-Q", "王小明").status_code == 400  # wrong check character
    assert api(client, holder, "王小明").status_code == 200
