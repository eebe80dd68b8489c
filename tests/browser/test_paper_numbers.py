"""A converted certificate's QR page and a paper number's answer on the lookup, in a real
browser at phone and desktop width: axe-clean, screenshots in screenshots/."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from issuer.services.issuance import Issuance
from tests.browser.conftest import Visit
from tests.functional.test_paper_numbers import ON_RECORD, PAPER, converted, roster_row

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def test_a_converted_certificate_and_a_paper_record_read_calmly(issuance: Issuance, served: str, visit: Visit) -> None:
    with ThreadPoolExecutor(1) as pool:  # signing runs its own asyncio loop: not on Playwright's thread
        issued = pool.submit(converted, issuance).result()
    roster_row(issuance, name="王建国", paper_number="渝卫中字第0456号")

    visit.page.goto(f"{served}/v/{issued.token}")
    assert "由纸质证书转换" in visit.page.content() and PAPER in visit.page.content()
    visit.check("converted-qr-page")

    visit.page.goto(f"{served}/lookup")
    visit.page.locator("#number").fill("渝卫中字第0456号")
    visit.page.locator("#name").fill("王建国")
    visit.page.locator("button[type=submit]").click()
    assert ON_RECORD in visit.page.content()
    visit.check("paper-record")
