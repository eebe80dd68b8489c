"""Keyboard only, in a real browser: a holder and a staff member reach every field with Tab,
see where the focus is, submit with Enter, and read a mistake tied to the field it is about."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pyotp
import pytest

from issuer.services.issuance import Issuance, issue_decision
from tests import factories
from tests.browser.conftest import Visit
from tests.functional.test_staff import PASSWORD, create, secret_of

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

_FOCUS = """() => {
  const e = document.activeElement, s = getComputedStyle(e);
  return {id: e.id, tag: e.tagName, ring: s.outlineStyle !== 'none' && s.outlineWidth !== '0px' || s.boxShadow !== 'none'};
}"""


def _tab_to(page: Any, element_id: str, limit: int = 30) -> None:
    """Tab forward until ``element_id`` has the focus, asserting the focus is visible all the way."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focus = page.evaluate(_FOCUS)
        if focus["tag"] in ("INPUT", "BUTTON", "A", "SELECT", "TEXTAREA"):
            assert focus["ring"], ("no visible focus", focus)
        if focus["id"] == element_id:
            return
    raise AssertionError(f"#{element_id} is not reachable with Tab")


def test_a_holder_logs_in_with_the_keyboard_and_a_mistake_is_tied_to_its_field(
    app: Any, issuance: Issuance, served: str, visit: Visit
) -> None:
    with ThreadPoolExecutor(1) as pool:
        pool.submit(issue_decision, issuance, factories.decision(name="李晓梅")).result()
    page = visit.page
    page.goto(f"{served}/account/register")
    _tab_to(page, "name")
    page.keyboard.type("李晓梅")
    _tab_to(page, "id_number")
    page.keyboard.type("500111198803151232")
    _tab_to(page, "mobile")
    page.keyboard.type("13800138000")
    _tab_to(page, "password")
    page.keyboard.type("short")
    _tab_to(page, "password2")
    page.keyboard.type("short")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    field = page.get_by_label("设置密码")
    assert field.get_attribute("aria-invalid") == "true"
    described = (field.get_attribute("aria-describedby") or "").split()
    assert any("密码须为 10 至 128 个字符" in page.locator(f"#{ref}").inner_text() for ref in described)
    visit.check("register-mistake-by-keyboard")


def test_a_staff_member_logs_in_and_searches_with_the_keyboard(
    app: Any, issuance: Issuance, served: str, visit: Visit
) -> None:
    with ThreadPoolExecutor(1) as pool:
        issued = pool.submit(issue_decision, issuance, factories.decision(name="王小明")).result()
    secret = secret_of(create(app, "li.reviewer", "--role", "reviewer", "--with-totp").output)
    page = visit.page
    page.goto(f"{served}/account/login")
    _tab_to(page, "login")
    page.keyboard.type("li.reviewer")
    _tab_to(page, "password")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/account/totp"))
    _tab_to(page, "code")
    page.keyboard.type(pyotp.TOTP(secret).now())
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/console/"))
    _tab_to(page, "q")
    page.keyboard.type("王小明")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"[?&]q="))
    link = page.get_by_role("link", name=issued.number)
    assert link.is_visible()
    # The result is reached and opened with the keyboard too.
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.textContent") == issued.number:
            break
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/console/certificates/"))
    assert page.get_by_text("第 1 版").first.is_visible()
    visit.check("certificate-by-keyboard")
