"""Each page in one language per request: no English glued onto a Chinese page, no Chinese
words on an English page beyond the certificate's own data (names, titles, the office's
name and 文号 are what the registry holds) and the link to the other language."""

from __future__ import annotations

import io
import re
from dataclasses import asdict

import pytest

from issuer.services.issuance import Issuance, issue_decision
from tests import factories
from tests.functional.test_lookup import csrf_token

# Latin words a Chinese page may carry: names of formats and standards, keys on a keyboard,
# and the link to English. Addresses (the QR page's record prints its own) are data.
LATIN_ALLOWED = {"English", "PDF", "QR", "JSON", "OpenAPI", "API", "HR", "A4", "PAdES", "Ctrl"}
URL = re.compile(r"https?://\S+")
TAGS = re.compile(r"<[^>]+>")


def _text(html: str) -> list[str]:
    html = re.sub(r"<(style|script)[^>]*>.*?</\1>", "", html, flags=re.S)
    html = re.sub(r'<a class="lang"[^>]*>[^<]*</a>', "", html)  # the switch to the other language
    lines = (URL.sub("", line).strip() for line in TAGS.sub("\n", html).splitlines())
    return [line for line in lines if line]


def _pages(issuance: Issuance, client, lang: str):  # type: ignore[no-untyped-def]
    decision = factories.decision(name="王小明")
    issued = issue_decision(issuance, decision)
    revoked = issue_decision(issuance, factories.decision(name="李四"))
    factories.revoked(issuance, revoked.number)
    q = f"?lang={lang}"
    pdf = issuance.store.get(issued.sha256)

    def lookup(number: str, name: str):  # type: ignore[no-untyped-def]
        return client.post(f"/lookup{q}", data={"csrf_token": csrf_token(client), "number": number, "name": name})

    def upload(data: bytes):  # type: ignore[no-untyped-def]
        form = client.get(f"/verify{q}").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form)
        assert token
        body = {"csrf_token": token.group(1), "file": (io.BytesIO(data), "c.pdf")}
        return client.post(f"/verify{q}", data=body, content_type="multipart/form-data")

    pages = {
        "home": client.get(f"/{q}"),
        "landing": client.get(f"/v/{issued.token}{q}"),
        "landing, unknown": client.get(f"/v/AAAA{q}"),
        "landing, revoked": client.get(f"/v/{revoked.token}{q}"),
        "lookup": client.get(f"/lookup{q}"),
        "lookup, found": lookup(issued.number, "王小明"),
        "lookup, not found": lookup(issued.number, "王小红"),
        "lookup, bad number": lookup("ZC1", "王小明"),
        "upload": client.get(f"/verify{q}"),
        "upload, genuine": upload(pdf),
        "upload, not a PDF": upload(b"hello"),
        "upload, altered": upload(pdf.replace(b"/Producer", b"/Pxoducer", 1)),
        "404": client.get(f"/nope{q}"),
        "recover": client.get(f"/account/recover{q}"),
        "recover, bad ID number": client.post(
            f"/account/recover{q}", data={"csrf_token": csrf_token(client), "id_number": "li.reviewer"}
        ),
        "reset": client.get(f"/account/recover/{'x' * 43}{q}"),
    }
    data = {str(v) for v in asdict(decision).values() if isinstance(v, str)}
    data |= {"王*明", "李*", "足人社发〔2026〕3号", issuance.settings.office_name}
    return pages, data


def test_chinese_pages_have_no_english_glued_on(issuance: Issuance, client) -> None:  # type: ignore[no-untyped-def]
    pages, _ = _pages(issuance, client, "zh")
    for label, response in pages.items():
        assert response.status_code < 500, label
        words = {w for line in _text(response.get_data(as_text=True)) for w in re.findall(r"[A-Za-z]{3,}", line)}
        words -= LATIN_ALLOWED
        bad = {w for w in words if not w.isupper() and not w.startswith("ZC")}
        assert not bad, (label, words)


def test_english_pages_have_no_chinese_words_but_the_data(issuance: Issuance, client) -> None:  # type: ignore[no-untyped-def]
    pages, data = _pages(issuance, client, "en")
    for label, response in pages.items():
        assert response.status_code < 500, label
        for line in _text(response.get_data(as_text=True)):
            chinese = re.findall(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]+", line)
            assert all(any(part in value for value in data) for part in chinese), (label, line)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_page_says_its_language(issuance: Issuance, client, lang: str) -> None:  # type: ignore[no-untyped-def]
    pages, _ = _pages(issuance, client, lang)
    for label, response in pages.items():
        assert f'<html lang="{"zh-CN" if lang == "zh" else "en"}"' in response.get_data(as_text=True), label
