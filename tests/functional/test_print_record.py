"""The QR page as a verification record: the time of the check to the second in Beijing
time and the page's canonical address on the page; how to print it; no script (the CSP
allows none). How it prints is tests/browser/test_print_record.py."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from issuer.services.issuance import Issuance, issue_decision
from tests import factories
from tests.functional.test_pages import UNKNOWN_TOKEN, assert_light_page

# The rules tested here are the same on both databases; PostgreSQL runs where SQL differs.
pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def test_the_record_names_the_moment_in_beijing_time_and_the_pages_address(app, client, issuance: Issuance) -> None:  # type: ignore[no-untyped-def]
    issued = issue_decision(issuance, factories.decision(name="王小明"))
    # 12:15:03 UTC is 20:15:03 in Beijing: the record says the office's time, to the second.
    app.extensions["ecert"] = replace(
        app.extensions["ecert"], clock=lambda: datetime(2026, 12, 4, 12, 15, 3, tzinfo=UTC)
    )
    html = assert_light_page(client.get(f"/v/{issued.token}?c=CLAIM"))
    record = html.split('<section class="record"')[1].split("</section>")[0]
    assert "核验时间 2026-12-04 20:15:03（北京时间）" in record
    # The certificate's canonical address (what its QR code opens), not the claim a URL carried.
    assert f'<span class="url">{issuance.settings.verify_url(issued.token)}</span>' in record
    assert "CLAIM" not in record
    assert "打印核验记录" in html and "Ctrl+P" in html
    english = assert_light_page(client.get(f"/v/{issued.token}?lang=en"), lang="en")
    assert "Checked at 2026-12-04 20:15:03 (Beijing time)" in english and "Print the verification record" in english


def test_a_token_not_found_records_the_moment_but_echoes_no_address(app, client) -> None:  # type: ignore[no-untyped-def]
    html = assert_light_page(client.get(f"/v/{UNKNOWN_TOKEN}"))
    record = html.split('<section class="record"')[1].split("</section>")[0]
    assert "核验时间 " in record and "（北京时间）" in record
    assert UNKNOWN_TOKEN not in record and 'class="url"' not in record  # unknown and malformed answer alike
