"""The public lookups lend pool connections without pinging them first (a round trip per
page): a connection the server dropped must still cost the visitor nothing. PostgreSQL
only: SQLite has no server to drop a connection."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from issuer.services.issuance import Issuance, issue_decision
from tests import factories


def drop_every_connection_but_this_one(database_url: str) -> int:
    """What a database restart or a firewall's idle timeout does to the pool's connections."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            dropped = connection.execute(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            ).scalar_one()
    finally:
        engine.dispose()
    return int(dropped)


def test_a_dropped_connection_costs_the_qr_page_and_the_api_nothing(  # type: ignore[no-untyped-def]
    database_url: str, issuance: Issuance, client
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has no server to drop a connection")
    certificate = issue_decision(issuance, factories.decision())
    assert client.get(f"/v/{certificate.token}").status_code == 200  # the pool now holds a connection
    assert drop_every_connection_but_this_one(database_url) >= 1
    page = client.get(f"/v/{certificate.token}")
    assert page.status_code == 200
    assert "有效" in page.get_data(as_text=True)
    assert drop_every_connection_but_this_one(database_url) >= 1
    answer = client.get(f"/api/v1/tokens/{certificate.token}")
    assert answer.status_code == 200
    assert answer.get_json()["certificate"]["status"] == "valid"
