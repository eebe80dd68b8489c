"""The upload page and the API name what is wrong with a changed copy of a certificate:
modified after signing (with the part that changed), encrypted, broken xref."""

from __future__ import annotations

from issuer.services.issuance import Issuance, issue_decision
from tests import factories
from tests.functional.test_upload import upload, verdict_word
from tests.integration import pdf_damage as d
from tests.integration import pdf_variants as v

VERIFY = "/api/v1/verify"


def _check(body: dict, code: str) -> dict:  # type: ignore[type-arg]
    return next(c for c in body["checks"] if c["code"] == code)  # type: ignore[no-any-return]


def test_a_changed_title_is_modified_after_signing_on_the_page_and_in_the_api(issuance: Issuance, client) -> None:  # type: ignore[no-untyped-def]
    issued = issue_decision(issuance, factories.decision(name="王小明"))
    changed = v.info_title_added(issuance.store.get(issued.sha256))
    html = upload(client, changed).get_data(as_text=True)
    assert verdict_word(html) == "无效"
    assert "签名后文件被改动过：修改了文档信息" in html and "/Info /Title" in html
    body = client.post(VERIFY, data=changed, content_type="application/pdf").get_json()
    assert body["valid"] is False and body["status"] == "invalid"
    coverage = _check(body, "coverage")
    assert coverage["passed"] is False and coverage["reason"] == "modified"
    assert "/Info /Title" in coverage["explanation_zh"] and "document information" in coverage["explanation_en"]
    assert body["summary_zh"].startswith("无效：文件在签名后被修改过")


def test_an_encrypted_copy_and_a_broken_xref_say_what_they_are(issuance: Issuance, client) -> None:  # type: ignore[no-untyped-def]
    issued = issue_decision(issuance, factories.decision(name="王小明"))
    genuine = issuance.store.get(issued.sha256)
    for data, reason, words, english in (
        (d.encrypted(genuine, user="1234"), "encrypted", "文件已加密，无法核验", "encrypted"),
        (d.xref_offset_wrong_in_signed_revision(genuine), "xref_broken", "文件交叉引用表损坏", "cross-reference"),
    ):
        html = upload(client, data).get_data(as_text=True)
        assert verdict_word(html) == "无效" and words in html and "没有电子签名" not in html
        response = client.post(VERIFY, data=data, content_type="application/pdf")
        assert response.status_code == 200
        body = response.get_json()
        is_pdf = _check(body, "is_pdf")
        assert (is_pdf["passed"], is_pdf["reason"]) == (False, reason)
        assert words in is_pdf["explanation_zh"] and english in is_pdf["explanation_en"]
        assert words in body["summary_zh"]
