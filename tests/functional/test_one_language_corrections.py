"""The pages of recovery, the new mobile number and correction requests, for holders and for
staff, in one language per request: English with ``?lang=en`` (no Chinese beyond the
registry's data and what the holder typed) and Chinese with no English glued on."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from sqlalchemy import select

from ecert.models import Decision
from issuer.services.issuance import Issuance
from tests.functional.test_corrections import bound_holder, png_bytes, staff_client
from tests.functional.test_one_language import LATIN_ALLOWED, _text
from tests.functional.test_portal import csrf

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # wording does not depend on it

CHINESE = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]+")
TYPED = "工作单位应为重庆市大足区中医院"
LATIN = LATIN_ALLOWED | {"JPEG", "PNG", "MB", "reviewer"}
FILE_NAME = "证明材料.png"  # what the holder's file was called: data, shown as typed


def _pages(app: Any, issuance: Issuance, lang: str) -> tuple[dict[str, Any], set[str]]:
    client, issued, certificate_id = bound_holder(app, issuance, "王小明", "13800138000")
    q = f"?lang={lang}"
    form = f"/my/certificates/{certificate_id}/correction"
    got: dict[str, Any] = {
        "recover": app.test_client().get(f"/account/recover{q}"),
        "reset": app.test_client().get(f"/account/recover/{'x' * 43}{q}"),
        "mobile": client.get(f"/account/mobile{q}"),
        "mobile, wrong password": client.post(
            f"/account/mobile{q}",
            data={"csrf_token": csrf(client, "/account/mobile"), "password": "nope", "mobile": "13900139000"},
        ),
        "correction form": client.get(f"{form}{q}"),
        "correction refused": client.post(
            f"{form}{q}",
            data={
                "csrf_token": csrf(client, form),
                "field": "employer",
                "what_is_wrong": TYPED,
                "attachment": (io.BytesIO(b"MZ" + b"\x00" * 64), "a.pdf"),
            },
            content_type="multipart/form-data",
        ),
    }
    sent = client.post(
        form,
        data={
            "csrf_token": csrf(client, form),
            "field": "employer",
            "what_is_wrong": TYPED,
            "attachment": (io.BytesIO(png_bytes()), FILE_NAME),
        },
        content_type="multipart/form-data",
    )
    request_id = int(sent.headers["Location"].split("?")[0].rsplit("/", 1)[1])
    got["my corrections"] = client.get(f"/my/corrections{q}")
    got["my correction"] = client.get(f"/my/corrections/{request_id}{q}&sent=1")
    reviewer = staff_client(app, "li.reviewer", "reviewer")
    got["queue"] = reviewer.get(f"/console/corrections/{q}")
    got["request"] = reviewer.get(f"/console/corrections/{request_id}{q}")
    page = f"/console/corrections/{request_id}"
    got["answer refused"] = reviewer.post(
        f"{page}/answer{q}", data={"csrf_token": csrf(reviewer, page), "outcome": "declined", "text": ""}
    )
    reviewer.post(f"{page}/answer", data={"csrf_token": csrf(reviewer, page), "outcome": "declined", "text": "否"})
    got["answered"] = reviewer.get(f"{page}{q}&answered=1")
    got["my correction, answered"] = client.get(f"/my/corrections/{request_id}{q}")
    with issuance.db.read() as session:
        decision = session.scalars(select(Decision)).one()
        registry = {v for v in vars(decision).values() if isinstance(v, str)}
    data = registry | {issued.number, issuance.settings.office_name, TYPED, "否", FILE_NAME}
    return got, data


def test_english_pages_have_no_chinese_but_the_data(app, issuance: Issuance) -> None:  # type: ignore[no-untyped-def]
    pages, data = _pages(app, issuance, "en")
    for label, response in pages.items():
        assert response.status_code < 500, label
        html = response.get_data(as_text=True)
        assert '<html lang="en"' in html, label
        for line in _text(html):
            assert all(any(part in value for value in data) for part in CHINESE.findall(line)), (label, line)


def test_chinese_pages_have_no_english_glued_on(app, issuance: Issuance) -> None:  # type: ignore[no-untyped-def]
    pages, _ = _pages(app, issuance, "zh")
    for label, response in pages.items():
        assert response.status_code < 500, label
        html = response.get_data(as_text=True)
        assert '<html lang="zh-CN"' in html, label
        lines = [line for line in _text(html) if line != FILE_NAME]
        words = {w for line in lines for w in re.findall(r"[A-Za-z]{3,}", line)}
        bad = {w for w in words - LATIN if not w.startswith("ZC")}
        assert not bad, (label, bad)
