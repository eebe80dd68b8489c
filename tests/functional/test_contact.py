"""The office's contact block (name, phone, address from settings) is at the foot of every
public page and every error page, in the page's language."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from ecert.settings import RateLimits, Settings
from issuer.services.issuance import Issuance, issue_decision
from tests import factories


def contact(html: str) -> str:
    match = re.search(r'<footer class="contact".*?</footer>', html, re.S)
    assert match, html[-800:]
    return match.group(0)


@pytest.fixture
def pages(issuance: Issuance) -> list[str]:
    token = issue_decision(issuance, factories.decision()).token
    return ["/", f"/v/{token}", "/v/" + "A" * 24, "/v/<script>", "/lookup", "/verify", "/no-such-page"]


def test_every_public_and_error_page_names_the_office_and_its_phone(client, pages: list[str]) -> None:  # type: ignore[no-untyped-def]
    for path in pages:
        response = client.get(path)
        block = contact(response.get_data(as_text=True))
        assert "联系发证机关" in block and "重庆市大足区职称改革办公室" in block, path
        assert "电话：023-43767539" in block and "地址" not in block, path  # no address configured: no line
    english = contact(client.get("/verify?lang=en").get_data(as_text=True))
    assert "Contact the issuing office" in english and "Phone: 023-43767539" in english and "电话" not in english
    # A refused form (no CSRF token) and a too-large body are pages too.
    refused = client.post("/lookup", data={"number": "x", "name": "y"})
    assert refused.status_code == 400 and "023-43767539" in contact(refused.get_data(as_text=True))


def test_the_contact_block_comes_from_settings(issuance: Issuance) -> None:
    from ecert.app import create_app

    settings = replace(
        issuance.settings,
        ratelimits=RateLimits(enabled=False),
        office_phone="023-12345678",
        office_address="重庆市大足区龙岗街道示例路 1 号",
    )
    client = create_app(settings).test_client()
    block = contact(client.get("/v/" + "A" * 24).get_data(as_text=True))
    assert "电话：023-12345678" in block and "地址：重庆市大足区龙岗街道示例路 1 号" in block
    assert "023-43767539" not in block


def test_settings_read_the_contact_from_the_environment(tmp_path) -> None:  # type: ignore[no-untyped-def]
    env = {"ECERT_HOME": str(tmp_path), "ECERT_OFFICE_PHONE": " 023-1 ", "ECERT_OFFICE_ADDRESS": "某路 2 号"}
    settings = Settings.from_env(env)
    assert (settings.office_phone, settings.office_address) == ("023-1", "某路 2 号")
