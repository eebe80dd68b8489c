"""Rate limits are per client: behind a trusted proxy by X-Forwarded-For, otherwise by the
peer address, so a client cannot pick a fresh address per request with a header."""

from __future__ import annotations

from dataclasses import replace

from ecert.app import create_app
from ecert.settings import RateLimits
from issuer.services.issuance import Issuance

LIMITS = RateLimits(page="2/minute")


def statuses(client, forwarded_for: list[str]) -> list[int]:  # type: ignore[no-untyped-def]
    return [client.get("/v/" + "A" * 24, headers={"X-Forwarded-For": ip}).status_code for ip in forwarded_for]


def test_forwarded_for_is_ignored_without_a_trusted_proxy(issuance: Issuance) -> None:
    app = create_app(replace(issuance.settings, ratelimits=LIMITS))
    assert statuses(app.test_client(), ["10.0.0.1", "10.0.0.2", "10.0.0.3"]) == [404, 404, 429]


def test_each_client_behind_a_trusted_proxy_has_its_own_limit(issuance: Issuance) -> None:
    app = create_app(replace(issuance.settings, trusted_proxies=1, ratelimits=LIMITS))
    client = app.test_client()
    assert statuses(client, ["10.0.0.1", "10.0.0.2", "10.0.0.3"]) == [404, 404, 404]
    assert statuses(client, ["10.0.0.1", "10.0.0.1"]) == [404, 429]
