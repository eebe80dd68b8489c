"""A real browser against the app served over HTTP (``browser`` and ``served``, from
tests/conftest.py): screenshots into ``screenshots/<test name>/``, and axe-core on every
distinct page, at phone and desktop width.

Each flow runs once, at phone width (360 × 740: where a control is likeliest to be covered,
cut off or out of reach, so Playwright's clicks test it there). Every page it lands on is
also shown at desktop width (1280 × 900) by resizing the same page: a screenshot, axe-core,
and the same controls visible. The layout is fluid (one ``max-width`` media query, which a
resize applies), so this is what a desktop browser shows, without running the flow twice.

axe-core runs once per distinct page, width and media across the session: a page whose
kinds of element (tag, classes, id, attribute names; the values of inline styles such as a
verdict's colour, of label and description references, of roles and states such as
``aria-invalid``; whether it holds text) were all already checked at that width is not
checked again. The same template with other data (another certificate, another name, more
rows of the same kind) is not checked twice; a mistake said at its field, another verdict,
another language, another template is a new page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Error as PlaywrightError

AXE = Path(__file__).resolve().parents[2] / ".cache/npm/node_modules/axe-core/axe.min.js"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}

# What axe-core looks at, without the data: one string per kind of element on the page.
_SHAPE = """() => {
  const kept = ['style', 'role', 'type', 'lang', 'dir', 'for', 'aria-describedby', 'aria-labelledby',
                'aria-invalid', 'aria-hidden', 'aria-current', 'aria-expanded', 'disabled', 'hidden', 'open',
                'tabindex', 'scope'];
  const kinds = new Set();
  for (const e of document.querySelectorAll('*')) {
    const names = [...e.attributes].map(a => a.name).filter(n => n !== 'class').sort();
    const values = kept.filter(n => e.hasAttribute(n)).map(n => n + '=' + e.getAttribute(n));
    const text = [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    kinds.add([e.tagName, [...e.classList].sort().join('.'), e.id, names.join(','), values.join(','), text].join('|'));
  }
  return [document.documentElement.lang, matchMedia('print').matches, ...[...kinds].sort()].join('\\n');
}"""

# The controls a person can see, by their place in the page (the same at both widths).
_CONTROLS = """() => [...document.querySelectorAll('a[href],button,input:not([type=hidden]),select,textarea,summary')]
  .map((e, i) => [i, e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden'])
  .filter(([, shown]) => shown).map(([i]) => i)"""

_checked: set[tuple[int, str]] = set()  # (width, shape) axe-checked this session


class Visit:
    """A browser page that screenshots and axe-checks, at phone and desktop width, every
    distinct page it lands on."""

    def __init__(self, page: Any, folder: Path) -> None:
        self.page, self.folder, self.shots = page, folder, 0
        folder.mkdir(parents=True, exist_ok=True)

    def check(self, label: str) -> None:
        self.shots += 1
        shape = self._shape()
        flow = self.page.viewport_size
        other = DESKTOP if flow["width"] < DESKTOP["width"] else PHONE
        controls = self.page.evaluate(_CONTROLS)
        self._look(label, shape, flow)
        self.page.set_viewport_size(other)
        try:
            # A control the flow used at one width must be there at the other.
            assert self.page.evaluate(_CONTROLS) == controls, (label, self.page.url, "controls differ", other)
            self._look(label, shape, other)
        finally:
            self.page.set_viewport_size(flow)

    def _shape(self) -> str:
        for _ in range(20):  # a page just navigated to may have no document yet
            self.page.wait_for_load_state()
            try:
                return str(self.page.evaluate(_SHAPE))
            except PlaywrightError:
                self.page.wait_for_timeout(100)
        return str(self.page.evaluate(_SHAPE))

    def _look(self, label: str, shape: str, size: dict[str, int]) -> None:
        if (size["width"], shape) in _checked:
            return  # this page, at this width, already passed axe (and was screenshot) this session
        self.page.screenshot(path=str(self.folder / f"{self.shots:02d}-{label}-{size['width']}.png"), full_page=True)
        if not AXE.exists():
            pytest.fail(f"axe-core is missing at {AXE}: `make setup` installs it")
        if not self.page.evaluate("() => typeof axe !== 'undefined'"):
            self.page.add_script_tag(path=str(AXE))
        violations = self.page.evaluate(
            "async () => (await axe.run()).violations.map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.length}))"
        )
        serious = [v for v in violations if v["impact"] in ("serious", "critical")]
        assert serious == [], (label, size["width"], self.page.url, serious)
        _checked.add((size["width"], shape))


def new_visit(browser: Any, folder: Path) -> tuple[Any, Visit]:
    """A fresh browser context at phone width (no cookies) and its Visit: ``(context, visit)``."""
    # The pages allow no script (CSP): axe is injected with the page's CSP bypassed.
    context = browser.new_context(viewport=PHONE, bypass_csp=True, accept_downloads=True, locale="zh-CN")
    return context, Visit(context.new_page(), folder)


@pytest.fixture
def visit(browser: Any, request: pytest.FixtureRequest) -> Iterator[Visit]:
    context, made = new_visit(browser, SCREENSHOTS / re.sub(r"[^\w.-]+", "_", request.node.name))
    try:
        yield made
    finally:
        context.close()


def staff_signed_in(app: Any, visit: Visit, served: str, username: str, role: str) -> None:
    """A staff account made from the command line, logged in with its password and TOTP code
    (tests/functional/test_staff.py ``create``, ``secret_of``, ``log_in``), that session in
    ``visit``'s browser, on the console's home."""
    from tests.functional.test_staff import create, log_in, now_code, secret_of

    secret = secret_of(create(app, username, "--role", role, "--with-totp").output)
    client = app.test_client()
    # Flask-Login's strong session protection ties the session to the browser's address and
    # User-Agent: the test client logs in as that browser does.
    client.environ_base["HTTP_USER_AGENT"] = visit.page.evaluate("() => navigator.userAgent")
    assert log_in(client, username, now_code(secret)).status_code == 302
    signed_in(visit, served, client)
    visit.page.goto(f"{served}/console/")


def signed_in(visit: Visit, served: str, client: Any) -> None:
    """Carry the session of a Flask test client that has logged in (tests/functional/test_staff.py
    ``log_in``) into the browser: the browser is then logged in as that person. The login pages
    themselves are walked through in the browser by test_staff_revoke, test_staff_correct and
    test_keyboard_only."""
    cookie = client.get_cookie("session")
    assert cookie is not None, "the test client is not logged in"
    visit.page.context.add_cookies([{"name": "session", "value": cookie.value, "url": served}])
