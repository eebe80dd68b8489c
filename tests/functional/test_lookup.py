"""Lookup by certificate number and the holder's full name (/lookup)."""

from __future__ import annotations

import re
from typing import Any

from issuer.services.issuance import Issuance, issue_decision
from tests import factories
from tests.functional.test_pages import CHECKED_AT, assert_light_page, verdict_section


def csrf_token(client) -> str:  # type: ignore[no-untyped-def]
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get("/lookup").get_data(as_text=True))
    assert match
    return match.group(1)


def submit(client, number: str, name: str, **extra: Any):  # type: ignore[no-untyped-def]
    return client.post("/lookup", data={"csrf_token": csrf_token(client), "number": number, "name": name, **extra})


def test_form_page(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/lookup")
    assert response.status_code == 200
    html = assert_light_page(response)
    assert 'method="post"' in html and 'name="number"' in html and 'name="name"' in html
    assert 'name="csrf_token"' in html
    assert 'class="verdict"' not in html
    english = assert_light_page(client.get("/lookup?lang=en"), lang="en")
    assert "Certificate number" in english and "Holder's full name" in english


def test_correct_number_and_name_gives_the_verdict(issuance: Issuance, client) -> None:  # type: ignore[no-untyped-def]
    issued = issue_decision(issuance, factories.decision(name="王小明"))
    response = submit(client, issued.number, "王小明")
    assert response.status_code == 200
    html = assert_light_page(response)
    assert ">有效<" in verdict_section(html)
    assert "王*明" in html and issued.number in html and "主治医师" in html
    # The full name typed in is not echoed back next to the masked one.
    assert "王小明" not in html
    # Typed the way people type: lower case, no hyphens, full-width, spaces around the name.
    sloppy = issued.number.replace("-", "").lower()
    assert ">有效<" in verdict_section(submit(client, sloppy, " 王小明 ").get_data(as_text=True))
    fullwidth = issued.number.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789-"})
    assert ">有效<" in verdict_section(submit(client, fullwidth, "王小明").get_data(as_text=True))


def test_revoked_certificate_by_number(issuance: Issuance, client) -> None:  # type: ignore[no-untyped-def]
    issued = issue_decision(issuance, factories.decision(name="李四"))
    factories.revoked(issuance, issued.number)
    verdict = verdict_section(submit(client, issued.number, "李四").get_data(as_text=True))
    assert ">已撤销<" in verdict and "足人社发〔2026〕3号" in verdict


def test_wrong_name_reveals_nothing(issuance: Issuance, client) -> None:  # type: ignore[no-untyped-def]
    issued = issue_decision(issuance, factories.decision(name="王小明"))
    wrong_name = submit(client, issued.number, "王小红")
    unknown_number = submit(client, "ZC500111-2026-000123-Y", "王小明")
    assert wrong_name.status_code == unknown_number.status_code == 200
    wrong_html, unknown_html = wrong_name.get_data(as_text=True), unknown_number.get_data(as_text=True)
    assert ">未找到<" in verdict_section(wrong_html)
    assert verdict_section(wrong_html) == verdict_section(unknown_html)
    # Apart from the number typed in, the pages are identical.
    strip = lambda html: re.sub(r'value="[^"]*"', "", re.sub(CHECKED_AT, "", html))  # noqa: E731
    assert strip(wrong_html) == strip(unknown_html)
    assert "主治医师" not in wrong_html and "王*明" not in wrong_html


def test_typo_in_the_number_is_caught_by_the_check_character(issuance: Issuance, client) -> None:  # type: ignore[no-untyped-def]
    issued = issue_decision(issuance, factories.decision(name="王小明"))
    # Swap two adjacent digits of the sequence number.
    head, seq, check = issued.number[:14], issued.number[14:20], issued.number[20:]
    swapped = seq[:4] + seq[5] + seq[4] if seq[4] != seq[5] else seq[:3] + seq[5] + seq[4] + seq[3]
    typo = head + swapped + check
    assert typo != issued.number
    response = submit(client, typo, "王小明")
    assert response.status_code == 400
    html = assert_light_page(response)
    assert "证书编号校验位不符" in html and "check character" not in html  # one language per page
    assert 'class="verdict"' not in html  # no verdict for a number that cannot exist
    assert f'value="{typo}"' in html  # kept, so it can be corrected
    english = client.post(
        "/lookup?lang=en", data={"csrf_token": csrf_token(client), "number": typo, "name": "王小明"}
    ).get_data(as_text=True)
    assert "check character does not match" in english and "校验位" not in english


def test_id_number_and_empty_fields(client) -> None:  # type: ignore[no-untyped-def]
    id_number = factories.id_number()
    html = submit(client, id_number, "王小明").get_data(as_text=True)
    assert "这像是身份证号码" in html
    response = submit(client, "", "")
    assert response.status_code == 400
    assert response.get_data(as_text=True).count("请填写此项") == 2
    english = client.post(
        "/lookup?lang=en", data={"csrf_token": csrf_token(client), "number": "", "name": "x"}
    ).get_data(as_text=True)
    assert "This field is required" in english


def test_missing_csrf_token_is_rejected(issuance: Issuance, client) -> None:  # type: ignore[no-untyped-def]
    issued = issue_decision(issuance, factories.decision(name="王小明"))
    response = client.post("/lookup", data={"number": issued.number, "name": "王小明"})
    assert response.status_code == 400
    html = assert_light_page(response)
    assert "表单已过期" in html
    assert 'class="verdict"' not in html and "王*明" not in html
    forged = client.post("/lookup", data={"csrf_token": "forged", "number": issued.number, "name": "王小明"})
    assert forged.status_code == 400 and "王*明" not in forged.get_data(as_text=True)
