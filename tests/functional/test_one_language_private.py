"""The holder's and the staff's pages, like the public ones, in one language per request:
every page of 我的证书, the account pages and the console read in English with ``?lang=en``
(no Chinese beyond the registry's own data) and in Chinese without English glued on."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

import pytest

from issuer.services.issuance import Issuance, issue_decision
from tests import factories
from tests.functional.test_one_language import LATIN_ALLOWED, _text
from tests.functional.test_portal import activation_code, code_in, csrf, outbox, register
from tests.functional.test_staff import create, log_in, now_code, secret_of

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # wording does not depend on it

CHINESE = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]+")
# Latin a Chinese staff page may carry besides the public pages' words: the authenticator's
# standard's name (the otpauth link shown at enrolment is skipped: it is data).
STAFF_LATIN = {"TOTP"}
IDENTIFIER = re.compile(r"[\w/-]+[.:][\w.:/-]+")
USERNAMES = {"approver", "admin", "new", "test"}  # li.approver, new.admin, the issuing actor "test": data
# Chinese an English staff page may gloss: the name of the document field staff type it from.
GLOSSED = {"文号", "足人社发〔2026〕3号"}


def _holder_pages(app, client, issuance: Issuance, lang: str) -> tuple[dict[str, Any], set[str]]:  # type: ignore[no-untyped-def]
    decision = factories.decision(name="王小明")
    issued = issue_decision(issuance, decision)
    q = f"?lang={lang}"
    pages: dict[str, Callable[[], Any]] = {
        "login": lambda: client.get(f"/account/login{q}"),
        "register": lambda: client.get(f"/account/register{q}"),
    }
    got = {label: fetch() for label, fetch in pages.items()}
    confirm = register(client, issuance, "王小明", decision.id_number, "13800138000")
    got["confirm"] = client.get(f"{confirm}{q}")
    got["confirm, wrong code"] = client.post(
        f"{confirm}{q}", data={"csrf_token": csrf(client, confirm), "code": "000000"}
    )
    code = code_in(outbox(issuance, "13800138000")[0])
    client.post(confirm, data={"csrf_token": csrf(client, confirm), "code": code})
    got["my, not yet bound"] = client.get(f"/my/{q}")
    got["my, wrong activation code"] = client.post(
        f"/my/activate{q}", data={"csrf_token": csrf(client, "/my/"), "code": "ABCDEFGH"}
    )
    client.post(
        "/my/activate", data={"csrf_token": csrf(client, "/my/"), "code": activation_code(app, decision.id_number)}
    )
    got["my"] = client.get(f"/my/{q}")
    data = {str(v) for v in asdict(decision).values() if isinstance(v, str)}
    data |= {issued.number, issuance.settings.office_name}
    return got, data


def _staff_pages(app, client, issuance: Issuance, lang: str) -> tuple[dict[str, Any], set[str]]:  # type: ignore[no-untyped-def]
    decision = factories.decision(name="王小明")
    issued = issue_decision(issuance, decision)
    q = f"?lang={lang}"
    create(app, "new.admin", "--role", "admin")
    client.post(
        "/account/login",
        data={"csrf_token": csrf(client, "/account/login"), "login": "new.admin", "password": "staff password 2026"},
    )
    got: dict[str, Any] = {"totp, enrolment": client.get(f"/account/totp{q}")}
    client.post("/account/logout", data={"csrf_token": csrf(client, "/account/login")})
    secret = secret_of(create(app, "li.approver", "--role", "approver", "--with-totp").output)
    assert log_in(client, "li.approver", now_code(secret)).status_code == 302
    got["console"] = client.get(f"/console/{q}")
    got["console, search"] = client.get(f"/console/{q}&q=王小明")
    got["console, search, nothing"] = client.get(f"/console/{q}&q=ZC999")
    got["certificate"] = client.get(f"/console/certificates/{issued.number}{q}")
    page = f"/console/certificates/{issued.number}"
    got["certificate, revoke refused"] = client.post(
        f"{page}/revoke{q}", data={"csrf_token": csrf(client, page), "reason": "fraud", "doc_no": "abc"}
    )
    data = {str(v) for v in asdict(decision).values() if isinstance(v, str)}
    data |= {issued.number, issuance.settings.office_name, "王*明", *GLOSSED}
    return got, data


KINDS = {"holder": _holder_pages, "staff": _staff_pages}


@pytest.mark.parametrize("kind", KINDS)
def test_english_private_pages_have_no_chinese_but_the_data(app, client, issuance: Issuance, kind: str) -> None:  # type: ignore[no-untyped-def]
    pages, data = KINDS[kind](app, client, issuance, "en")
    for label, response in pages.items():
        assert response.status_code < 500, label
        html = response.get_data(as_text=True)
        assert '<html lang="en"' in html, label
        for line in _text(html):
            chinese = CHINESE.findall(line)
            assert all(any(part in value for value in data) for part in chinese), (label, line)


@pytest.mark.parametrize("kind", KINDS)
def test_chinese_private_pages_have_no_english_glued_on(app, client, issuance: Issuance, kind: str) -> None:  # type: ignore[no-untyped-def]
    pages, _ = KINDS[kind](app, client, issuance, "zh")
    for label, response in pages.items():
        assert response.status_code < 500, label
        html = response.get_data(as_text=True)
        assert '<html lang="zh-CN"' in html, label
        # An audit trail's machine words are data: event payloads, and action and subject
        # identifiers such as certificate.issued or account:3.
        html = re.sub(r'<span class="payload">.*?</span>', "", html, flags=re.S)
        lines = [IDENTIFIER.sub("", line) for line in _text(html) if not line.startswith("otpauth://")]
        words = {w for line in lines for w in re.findall(r"[A-Za-z]{3,}", line)}
        bad = {w for w in words - LATIN_ALLOWED - STAFF_LATIN - USERNAMES if not w.isupper() and not w.startswith("ZC")}
        assert not bad, (label, bad)
