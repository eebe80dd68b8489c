"""A real browser against the app served over HTTP (``browser`` and ``served``, from
tests/conftest.py): screenshots into ``screenshots/<test name>/``, and axe-core on every
page visited."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

AXE = Path(__file__).resolve().parents[2] / ".cache/npm/node_modules/axe-core/axe.min.js"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"


class Visit:
    """A browser page that screenshots and axe-checks every page it lands on."""

    def __init__(self, page: Any, folder: Path) -> None:
        self.page, self.folder, self.shots = page, folder, 0
        folder.mkdir(parents=True, exist_ok=True)

    def check(self, label: str) -> None:
        self.shots += 1
        self.page.screenshot(path=str(self.folder / f"{self.shots:02d}-{label}.png"), full_page=True)
        if not AXE.exists():
            pytest.fail(f"axe-core is missing at {AXE}: `make setup` installs it")
        self.page.add_script_tag(path=str(AXE))
        violations = self.page.evaluate(
            "async () => (await axe.run()).violations.map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.length}))"
        )
        serious = [v for v in violations if v["impact"] in ("serious", "critical")]
        assert serious == [], (label, self.page.url, serious)


@pytest.fixture(params=[(360, 740), (1280, 900)], ids=["phone", "desktop"])
def visit(browser: Any, request: pytest.FixtureRequest) -> Iterator[Visit]:
    width, height = request.param
    # The pages allow no script (CSP): axe is injected with the page's CSP bypassed.
    context = browser.new_context(viewport={"width": width, "height": height}, bypass_csp=True, accept_downloads=True)
    folder = SCREENSHOTS / re.sub(r"[^\w.-]+", "_", request.node.name)
    try:
        yield Visit(context.new_page(), folder)
    finally:
        context.close()
