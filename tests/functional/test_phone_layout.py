"""The public pages as a phone shows them: headless Chromium at 360 × 740 CSS pixels with
JavaScript off (WeChat's in-app browser and old phones), against the app served over HTTP.

What a person holding the phone would notice: the page scrolls sideways, the verdict is
not on the first screen, the certificate number breaks across lines (it then reads as two
numbers), text too small to read, a button too small to tap.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from issuer.services import issuance as services
from issuer.services import lifecycle
from issuer.services.issuance import Issuance
from issuer.services.lifecycle import RevocationReason
from tests import factories

WIDTH, HEIGHT = 360, 740

# One database is enough: layout does not depend on it.
pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
def phone(browser: Any, served: str) -> Iterator[tuple[Any, str]]:
    """A page in a phone-sized, script-less browser context, and the app's base URL."""
    context = browser.new_context(
        viewport={"width": WIDTH, "height": HEIGHT}, device_scale_factor=2, java_script_enabled=False, is_mobile=True
    )
    try:
        yield context.new_page(), served
    finally:
        context.close()


def off_the_browser_loop(func: Any, *args: Any, **kwargs: Any) -> Any:
    """Run ``func`` in a plain thread: Playwright's sync API keeps an asyncio loop running
    in this one, and pyHanko's synchronous signing calls ``asyncio.run``."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(func, *args, **kwargs).result()


def issue(issuance: Issuance, **fields: Any) -> Any:
    return off_the_browser_loop(services.issue_decision, issuance, factories.decision(**fields))


def open_page(phone: tuple[Any, str], path: str, status: int) -> Any:
    page, base = phone
    response = page.goto(base + path)
    assert response.status == status
    return page


def assert_fits_the_phone(page: Any) -> None:
    # page.evaluate runs through DevTools, not in the page (whose scripts are off and forbidden).
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH, "the page scrolls sideways"
    smallest = page.evaluate(
        """Math.min(...[...document.body.querySelectorAll('*')]
            .filter(e => [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()))
            .map(e => parseFloat(getComputedStyle(e).fontSize)))"""
    )
    assert smallest >= 12, f"text at {smallest}px is too small to read on a phone"


def assert_verdict_on_first_screen(page: Any, word: str) -> None:
    verdict = page.locator(".verdict .word")
    assert verdict.inner_text() == word
    box = verdict.bounding_box()
    assert box["y"] + box["height"] <= HEIGHT / 2, "the verdict is not at the top of the first screen"
    assert float(verdict.evaluate("e => getComputedStyle(e).fontSize").removesuffix("px")) >= 32


def assert_on_one_line(page: Any, selector: str, text: str) -> None:
    element = page.locator(selector)
    assert element.inner_text() == text
    line = float(element.evaluate("e => getComputedStyle(e).lineHeight").removesuffix("px"))
    assert element.bounding_box()["height"] < 1.5 * line, f"{text} breaks across lines"


def test_valid_certificate_on_a_phone(issuance: Issuance, phone: tuple[Any, str]) -> None:
    # The longest qualification and specialty the catalogue has make the widest rows.
    issued = issue(
        issuance,
        name="欧阳𠀾𪚥",
        series="工程",
        specialty="文物保护工程与古建筑修缮",
        level="正高级",
        qualification="正高级工程师",
    )
    page = open_page(phone, f"/v/{issued.token}", 200)
    assert_verdict_on_first_screen(page, "有效")
    assert_on_one_line(page, "dd.code", issued.number)
    assert_fits_the_phone(page)
    english = open_page(phone, f"/v/{issued.token}?lang=en", 200)
    assert_verdict_on_first_screen(english, "Valid")
    assert_fits_the_phone(english)


def test_revoked_and_superseded_on_a_phone(issuance: Issuance, phone: tuple[Any, str]) -> None:
    revoked = issue(issuance, name="李四")
    off_the_browser_loop(  # a revocation anchors the audit chain with a timestamp: asyncio too
        lifecycle.revoke,
        issuance.db,
        revoked.number,
        reason=RevocationReason.FRAUD,
        doc_no="足人社发[2026]3号",
        note="材料造假" * 8,
        actor=issuance.actor,
        clock=issuance.clock,
    )
    page = open_page(phone, f"/v/{revoked.token}", 200)
    assert_verdict_on_first_screen(page, "已撤销")
    assert_fits_the_phone(page)

    old = issue(issuance, name="赵六", employer="重庆市大足区中医院")
    off_the_browser_loop(
        lifecycle.correct, issuance, old.number, {"employer": "重庆市大足区人民医院"}, reason="工作单位填写错误"
    )
    page = open_page(phone, f"/v/{old.token}", 200)
    assert_verdict_on_first_screen(page, "已更正")
    link = page.locator("a.button")
    box = link.bounding_box()
    assert box["height"] >= 44 and box["y"] + box["height"] <= HEIGHT, "the link to the current version is hard to tap"
    assert_fits_the_phone(page)


@pytest.mark.parametrize(
    ("path", "status"),
    [("/v/AAAAAAAAAAAAAAAAAAAAAAAA", 404), ("/lookup", 200), ("/verify", 200), ("/", 200)],
)
def test_other_public_pages_fit_a_phone(phone: tuple[Any, str], path: str, status: int) -> None:
    page = open_page(phone, path, status)
    assert_fits_the_phone(page)
    for field in page.locator("input[type=text], input[type=file], button, .button").all():
        if field.is_visible():
            assert field.bounding_box()["height"] >= 40, "a form control is too small to tap"
