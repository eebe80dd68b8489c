"""The access log of a real HTTP server never records a QR claim (``ecert.access_log``)."""

from __future__ import annotations

import logging
import urllib.error
import urllib.request
from pathlib import Path

from issuer.services.issuance import issue_decision
from tests import factories
from tests.integration.test_one_answer import _qr_url as qr_url


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


def test_the_request_line_is_logged_without_the_claim(served: str, issuance, caplog, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    outcome = issue_decision(issuance, factories.decision())
    url = qr_url(issuance.store.get(outcome.sha256), tmp_path, "certificate")  # as a phone reads it
    path, claim = url.removeprefix(issuance.settings.public_url).split("?c=", 1)
    with caplog.at_level(logging.INFO, logger="werkzeug"):
        assert _get(f"{served}{path}?c={claim}") == 200
        assert _get(f"{served}{path}?lang=en&c={claim}&x=1") == 200
        assert _get(f"{served}/v/AAAAAAAAAAAAAAAAAAAAAAAA?c=SOMECLAIM") == 404
    lines = [record.getMessage() for record in caplog.records if record.name == "werkzeug"]
    assert len([line for line in lines if "/v/" in line]) == 3, lines
    joined = "\n".join(lines)
    assert claim not in joined and "SOMECLAIM" not in joined
    assert f"{path}?c=- " in joined and f"{path}?lang=en&c=-&x=1 " in joined  # the rest of the line stays
