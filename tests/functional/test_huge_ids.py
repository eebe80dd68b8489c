"""An id in an address beyond what the database stores is no such object: 404 on every route
that takes one, never the driver's overflow error (a 500)."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # SQLite overflows first


def test_every_route_with_an_id_answers_404_to_a_huge_one(app, client) -> None:  # type: ignore[no-untyped-def]
    rules = [rule for rule in app.url_map.iter_rules() if "<int:" in rule.rule]
    assert len(rules) >= 10, [r.rule for r in rules]  # use copies, notices, corrections, acts, versions, batches
    for rule in rules:
        for huge in ("99999999999999999999", str(2**31)):
            url = re.sub(r"<int:[^>]+>", huge, rule.rule)
            url = re.sub(r"<(?:path:)?[^>]+>", "ZC500111-2026-000001-H", url)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                assert client.open(url, method=method).status_code == 404, (method, url)
