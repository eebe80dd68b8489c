"""An admin in a real browser: from the console's home to the API keys' page, which shows a
key's organisation, id and requests of the day (one made over HTTP with the key, one
revoked); axe-core on both pages, at phone and desktop width."""

from __future__ import annotations

import urllib.error
import urllib.request
from typing import Any

import pytest

from tests.browser.conftest import Visit, staff_signed_in
from tests.functional.test_api_keys import UNKNOWN, bearer, create_key

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def test_an_admin_sees_the_keys_and_their_usage(app: Any, served: str, visit: Visit) -> None:
    key_id, key = create_key(app, "甲市人社局")
    revoked_id, _ = create_key(app, "乙物流公司")
    assert app.test_cli_runner().invoke(args=["api-keys", "revoke", revoked_id]).exit_code == 0
    for _ in range(2):
        try:
            urllib.request.urlopen(urllib.request.Request(served + UNKNOWN, headers=bearer(key)), timeout=10)
        except urllib.error.HTTPError as answer:
            assert answer.code == 404
    staff_signed_in(app, visit, served, "zhou.admin", "admin")
    page = visit.page
    visit.check("console")
    page.get_by_role("link", name="API 密钥及其用量").click()
    visit.check("api-keys")
    first = page.locator("section.card", has_text="甲市人社局")
    assert key_id in first.inner_text() and "2 次" in first.inner_text() and "有效" in first.inner_text()
    assert "已撤销" in page.locator("section.card", has_text="乙物流公司").inner_text()
