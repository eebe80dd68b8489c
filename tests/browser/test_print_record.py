"""The QR page printed (Chromium's print media, to PDF): one A4 page, black on white, with the
verdict in words, the fields, the time of the check and the page's address; no navigation,
no language switch, no how-to note. axe-core still passes, on screen and in print."""

from __future__ import annotations

import re
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from issuer.services import lifecycle
from issuer.services.issuance import Issuance, issue_decision
from issuer.services.lifecycle import RevocationReason
from tests import factories
from tests.browser.conftest import Visit

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def _certificates(issuance: Issuance) -> dict[str, Any]:
    valid = issue_decision(issuance, factories.decision(name="王小明", qualification="主治医师"))
    revoked = issue_decision(issuance, factories.decision(name="李四"))
    lifecycle.revoke(
        issuance.db, revoked.number, reason=RevocationReason.FRAUD, doc_no="足人社发[2026]3号",
        actor=issuance.actor, clock=issuance.clock,
    )  # fmt: skip
    return {"valid": valid, "revoked": revoked}


def _printed(visit: Visit, url: str, tmp_path: Path, label: str) -> tuple[str, int]:
    """The page printed to PDF as Chromium prints it: (its text, its number of pages)."""
    visit.page.goto(url)
    visit.check(f"{label}-screen")
    assert visit.page.locator("#print-record").is_visible()  # on screen: how to print it
    visit.page.emulate_media(media="print")
    visit.check(f"{label}-print")
    style = visit.page.evaluate(
        "() => { const s = getComputedStyle(document.querySelector('section.verdict'));"
        " return [s.backgroundColor, s.color, s.borderTopStyle]; }"
    )
    assert style == ["rgb(255, 255, 255)", "rgb(0, 0, 0)", "solid"]  # black on white, framed
    pdf = tmp_path / f"{label}.pdf"
    visit.page.pdf(path=str(pdf), format="A4", print_background=True)
    visit.page.emulate_media(media="screen")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))  # type: ignore[union-attr]
    return text, pages


def test_the_qr_page_prints_as_a_one_page_record(issuance: Issuance, served: str, visit: Visit, tmp_path: Path) -> None:
    with ThreadPoolExecutor(1) as pool:  # signing runs its own asyncio loop: not on Playwright's thread
        made = pool.submit(_certificates, issuance).result()
    valid_url = f"{served}/v/{made['valid'].token}"
    text, pages = _printed(visit, valid_url, tmp_path, "valid")
    assert pages == 1
    flat = re.sub(r"\s+", "", text)
    assert "有效" in flat and "王*明" in flat and "主治医师" in flat
    for label in ("资格名称", "证书编号", "发证机关", "文号"):
        assert label in flat, label
    assert made["valid"].number in flat
    assert re.search(r"核验时间\d{4}-\d\d-\d\d\d\d:\d\d:\d\d（北京时间）", flat), text
    assert issuance.settings.verify_url(made["valid"].token) in flat  # the page's address
    for hidden in ("其他查验方式", "按证书编号和姓名查验", "上传PDF证书文件查验", "English", "Ctrl+P"):
        assert hidden not in flat, hidden

    text, pages = _printed(visit, f"{served}/v/{made['revoked'].token}", tmp_path, "revoked")
    flat = re.sub(r"\s+", "", text)
    assert pages == 1 and "已撤销" in flat and "足人社发〔2026〕3号" in flat and "核验时间" in flat

    english, pages = _printed(visit, f"{valid_url}?lang=en", tmp_path, "valid-en")
    assert pages == 1 and "Valid" in english and "Checked at" in english and "Beijing time" in english
    assert "Other ways to check" not in english and "中文" not in english
