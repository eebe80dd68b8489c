"""The QR landing page /v/<token>: verdicts, uniform answers, masking, language, size, limits."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from issuer.services.issuance import Issuance, issue_decision
from issuer.services.lifecycle import correct
from tests import factories
from tests.functional.test_api import assert_openapi

UNKNOWN_TOKEN = "A" * 24
# The "checked at" moment as ecert.i18n.format_datetime writes it, in either language.
CHECKED_AT = r"(?:\d{4}年\d{1,2}月\d{1,2}日|[A-Z][a-z]+ \d{1,2}, \d{4}) \d\d:\d\d"
ID_NUMBER = re.compile(r"\d{17}[\dX]")


def verdict_section(html: str) -> str:
    match = re.search(r'<section class="verdict".*?</section>', html, re.S)
    assert match, html
    return match.group(0)


def without_clock(html: str) -> str:
    # The "checked at" minute changes by itself; the language switch links to this very URL.
    html = re.sub(r'<a class="lang" href="[^"]*"', '<a class="lang"', html)
    html = re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", "", html)  # the QR page's record, to the second
    return re.sub(CHECKED_AT + "</p>", "</p>", html)


def assert_light_page(response: Any, lang: str = "zh-CN") -> str:
    html: str = response.get_data(as_text=True)
    assert f'<html lang="{lang}">' in html
    assert "<script" not in html.lower() and "javascript:" not in html.lower()
    assert 'rel="stylesheet"' not in html and "<img" not in html  # everything is inline
    assert len(response.get_data()) < 50 * 1024
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in html
    assert response.headers["Cache-Control"] == "no-store"
    assert "script-src" not in response.headers["Content-Security-Policy"]
    return html


# --------------------------------------------------------------------------- verdicts


def test_valid_certificate_page(issuance: Issuance, client) -> None:  # type: ignore[no-untyped-def]
    issued = issue_decision(issuance, factories.decision(name="王小明", qualification="主治医师"))
    response = client.get(f"/v/{issued.token}")
    assert response.status_code == 200
    html = assert_light_page(response)
    assert ">有效<" in verdict_section(html)
    # Verdict first: nothing of the record comes before the verdict block.
    assert html.index('class="verdict"') < html.index("王*明")
    for text in ("王*明", "主治医师", "中级", ">卫生<", ">临床医学<", "2025年12月20日", issued.number, "第 1 版"):
        assert text in html
    # The public decision HR cross-checks: the approving body and its 文号, labelled as on the PDF.
    decision = factories.decision(name="王小明")
    assert f"<dt>审批机关</dt><dd>{decision.approving_body}</dd>" in html
    assert f"<dt>文号</dt><dd>{decision.doc_no}</dd>" in html
    assert issuance.settings.office_name in html
    assert "王小明" not in html
    assert 'href="/lookup"' in html
    # The token is case-insensitive (people retype it from a printout).
    assert client.get(f"/v/{issued.token.lower()}").status_code == 200


def test_revoked_page_gives_reason_date_and_doc_no(issuance: Issuance, client) -> None:  # type: ignore[no-untyped-def]
    issued = issue_decision(issuance, factories.decision(name="李四"))
    factories.revoked(issuance, issued.number, doc_no="足人社发[2026]3号", note="材料造假")
    response = client.get(f"/v/{issued.token}")
    assert response.status_code == 200
    verdict = verdict_section(assert_light_page(response))
    assert ">已撤销<" in verdict
    assert "2026年11月26日" in verdict  # the issuance clock's day, in office time
    assert "以弄虚作假等不正当手段取得：材料造假" in verdict
    assert "足人社发〔2026〕3号" in verdict


def test_superseded_page_links_to_the_current_version(issuance: Issuance, client) -> None:  # type: ignore[no-untyped-def]
    old = issue_decision(issuance, factories.decision(name="赵六", employer="重庆市大足区中医院"))
    new = correct(issuance, old.number, {"employer": "重庆市大足区人民医院"}, reason="工作单位填写错误")
    assert not isinstance(new, list)
    html = assert_light_page(client.get(f"/v/{old.token}"))
    assert ">已更正<" in verdict_section(html)
    assert f'href="/v/{new.token}"' in html
    assert "第 1 版" in html and "第 2 版" in html
    current = client.get(f"/v/{new.token}")
    assert current.status_code == 200 and ">有效<" in verdict_section(current.get_data(as_text=True))


MALFORMED = [
    "x",
    UNKNOWN_TOKEN.lower() + "A",  # 25 characters
    "1" * 24,  # base32 has no 0, 1, 8, 9
    "../../etc/passwd",
    "A" * 4000,
    "%E5%BC%A0%E4%B8%89",  # 张三
    "<script>alert(1)</script>",
    "' OR '1'='1",
    "",
]


def test_unknown_and_malformed_tokens_answer_exactly_alike(issuance: Issuance, client) -> None:  # type: ignore[no-untyped-def]
    unknown = client.get(f"/v/{UNKNOWN_TOKEN}")
    assert unknown.status_code == 404
    html = assert_light_page(unknown)
    assert ">未找到<" in verdict_section(html)
    assert "证书编号" not in html.split("</section>")[1].split("<nav")[0]  # no record fields
    expected = without_clock(html)
    for token in MALFORMED:
        response = client.get(f"/v/{token}")
        assert response.status_code == 404, token
        assert without_clock(response.get_data(as_text=True)) == expected, token
        assert "<script>alert" not in response.get_data(as_text=True)


def test_revoked_answers_in_the_same_shape_as_unknown(issuance: Issuance, client) -> None:  # type: ignore[no-untyped-def]
    issued = issue_decision(issuance, factories.decision(name="李四"))
    factories.revoked(issuance, issued.number)

    def skeleton(html: str) -> list[str]:
        return re.findall(r"<(?:section|nav|header|main|dl)\b[^>]*class=\"(\w+)", html)

    revoked = client.get(f"/v/{issued.token}").get_data(as_text=True)
    unknown = client.get(f"/v/{UNKNOWN_TOKEN}").get_data(as_text=True)
    assert skeleton(unknown) == [name for name in skeleton(revoked) if name != "fields"]


def lang_href(html: str) -> str:
    match = re.search(r'<a class="lang" href="([^"]*)"', html)
    assert match, html
    return match.group(1)


def test_huge_urls_are_not_echoed(issuance: Issuance, client) -> None:  # type: ignore[no-untyped-def]
    """The language switch keeps the QR claim, but neither a ``c`` longer than any claim
    nor a junk path of any length comes back: the page stays small and looks like any
    other "not found"."""
    plain = client.get(f"/v/{UNKNOWN_TOKEN}").get_data(as_text=True)
    bad_claim = client.get(f"/v/{UNKNOWN_TOKEN}?c=CLAIM").get_data(as_text=True)
    assert 'class="verdict alert"' in bad_claim

    huge_claim = client.get(f"/v/{UNKNOWN_TOKEN}?c={'A' * 60_000}&x={'B' * 60_000}")
    assert huge_claim.status_code == 404
    html = assert_light_page(huge_claim)
    assert lang_href(html) == f"/v/{UNKNOWN_TOKEN}?lang=en"
    alert = r'<section class="verdict alert".*?</section>'
    assert re.sub(alert, "", without_clock(html), flags=re.S) == re.sub(alert, "", without_clock(bad_claim), flags=re.S)

    huge_path = client.get(f"/v/{'A' * 60_000}")
    assert huge_path.status_code == 404
    html = assert_light_page(huge_path)
    assert lang_href(html) == "/v/?lang=en"
    assert without_clock(html) == without_clock(plain)
    both = client.get(f"/v/{'A' * 60_000}?c={'A' * 60_000}")
    assert len(both.get_data()) < 50 * 1024 and "AAAAAAAAAAAAAAAAAAAAAAAAA" not in both.get_data(as_text=True)

    elsewhere = client.get(f"/lookup?c={'A' * 60_000}")
    assert lang_href(assert_light_page(elsewhere)) == "/lookup?lang=en"
    page = client.get("/no-such-page")
    assert page.status_code == 404 and "页面不存在" in page.get_data(as_text=True)
    english = client.get("/no-such-page?lang=en").get_data(as_text=True)
    assert "page not found" in english and "页面不存在" not in english and '<html lang="en">' in english
    client.set_cookie("lang", "zh")
    missing = client.get(f"/{'A' * 60_000}")
    assert missing.status_code == 404 and len(missing.get_data()) < 50 * 1024
    assert lang_href(missing.get_data(as_text=True)) == "/?lang=en"


# --------------------------------------------------------------------------- language


def test_english_version_and_remembered_choice(issuance: Issuance, client) -> None:  # type: ignore[no-untyped-def]
    issued = issue_decision(issuance, factories.decision(name="王小明"))
    zh = assert_light_page(client.get(f"/v/{issued.token}?c=CLAIM"))
    assert f'href="/v/{issued.token}?c=CLAIM&amp;lang=en"' in zh  # the switch keeps the QR claim
    response = client.get(f"/v/{issued.token}?lang=en")
    html = assert_light_page(response, lang="en")
    assert ">Valid<" in verdict_section(html)
    assert "Certificate number" in html and "December 20, 2025" in html and "version 1" in html
    # One language per page: none of the Chinese words of the page in the English one.
    for chinese in ("有效", "证书编号", "姓名", "第 1 版", "2025年12月20日", "查验时间"):
        assert chinese not in html, chinese
    assert f'href="/v/{issued.token}?lang=zh"' in html
    assert "lang=en" in response.headers["Set-Cookie"]
    # Remembered for the next page of this visitor, until switched back.
    assert 'lang="en"' in client.get(f"/v/{UNKNOWN_TOKEN}").get_data(as_text=True)
    assert_light_page(client.get(f"/v/{issued.token}?lang=zh"), lang="zh-CN")
    assert_light_page(client.get(f"/v/{issued.token}"), lang="zh-CN")


def test_home_links_to_lookup_and_upload(client) -> None:  # type: ignore[no-untyped-def]
    html = assert_light_page_home(client.get("/"))
    assert 'href="/lookup"' in html and 'href="/verify"' in html
    english = client.get("/?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in english and 'href="/lookup?lang=en"' in english


def assert_light_page_home(response: Any) -> str:
    html: str = response.get_data(as_text=True)
    assert response.status_code == 200 and '<html lang="zh-CN">' in html and "<script" not in html
    return html


# --------------------------------------------------------------------------- personal data


HOLDERS = [
    ("王小明", "19850312"),
    ("欧阳小锋", "19791105"),
    ("张三", "20000229"),
]


def _birth_forms(birth: str) -> list[str]:
    day = date(int(birth[:4]), int(birth[4:6]), int(birth[6:]))
    return [
        birth,
        day.isoformat(),
        f"{day.year}年{day.month}月{day.day}日",
        f"{day.year}年{day.month:02d}月{day.day:02d}日",
        f"{day.year}/{day.month:02d}/{day.day:02d}",
    ]


def _public_texts(client, issued: Any, name: str) -> Iterator[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """Every public answer about a certificate, as text (JSON with its characters unescaped)."""
    for lang in ("zh", "en"):
        yield f"page {lang}", client.get(f"/v/{issued.token}?lang={lang}").get_data(as_text=True)
    form = client.get("/lookup?lang=zh").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form)
    assert csrf
    yield (
        "lookup",
        client.post("/lookup", data={"csrf_token": csrf.group(1), "number": issued.number, "name": name}).get_data(
            as_text=True
        ),
    )
    for label, response in (
        ("api number", client.get(f"/api/v1/certificates/{issued.number}", query_string={"name": name})),
        ("api token", client.get(f"/api/v1/tokens/{issued.token}")),
        ("api batch", client.post("/api/v1/batch", json={"items": [{"number": issued.number, "name": name}]})),
    ):
        assert response.status_code == 200, label
        yield label, response.get_data(as_text=True) + json.dumps(response.get_json(), ensure_ascii=False)


def test_no_id_number_birth_date_or_full_name_in_any_public_answer(issuance: Issuance, client) -> None:  # type: ignore[no-untyped-def]
    issued = []
    for name, birth in HOLDERS:
        id_number = factories.id_number(birth=birth)
        issued.append(
            (issue_decision(issuance, factories.decision(name=name, id_number=id_number)), name, birth, id_number)
        )
    factories.revoked(issuance, issued[1][0].number)

    checked = 0
    for certificate, name, birth, id_number in issued:
        for label, text in _public_texts(client, certificate, name):
            assert not ID_NUMBER.search(text), (label, ID_NUMBER.search(text))
            assert id_number not in text and id_number[6:14] not in text, label
            for form in _birth_forms(birth):
                assert form not in text, (label, form)
            assert name not in text, (label, name)  # only the masked name is shown
            checked += 1
    assert checked == len(HOLDERS) * 6


# --------------------------------------------------------------------------- rate limits


@pytest.fixture
def limited_client(issuance: Issuance):  # type: ignore[no-untyped-def]
    """The app with rate limits on and set low (the shared ``app`` fixture turns them off)."""
    from ecert.app import create_app
    from ecert.settings import RateLimits

    limits = RateLimits(page="3/minute", lookup="2/minute", api="2/minute", api_batch="5/minute")
    app = create_app(replace(issuance.settings, ratelimits=limits))
    yield app.test_client()
    app.extensions["ecert"].db.dispose()


def test_landing_page_is_rate_limited_with_a_friendly_page(limited_client) -> None:  # type: ignore[no-untyped-def]
    for _ in range(3):
        allowed = limited_client.get(f"/v/{UNKNOWN_TOKEN}")
        assert allowed.status_code == 404
        # an answered request is not told to retry (Flask-Limiter would say so on every one)
        assert "Retry-After" not in allowed.headers and "X-RateLimit-Remaining" in allowed.headers
    response = limited_client.get(f"/v/{UNKNOWN_TOKEN}")
    assert response.status_code == 429
    html = assert_light_page(response)
    assert "查询过于频繁" in html and "请稍候一分钟" in html
    assert int(response.headers["Retry-After"]) > 0
    english = limited_client.get(f"/v/{UNKNOWN_TOKEN}?lang=en")
    assert english.status_code == 429 and "Too many requests" in english.get_data(as_text=True)


def test_lookup_submissions_are_rate_limited(limited_client) -> None:  # type: ignore[no-untyped-def]
    form = limited_client.get("/lookup").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form)
    assert csrf
    data = {"csrf_token": csrf.group(1), "number": "ZC500111-2026-000123-Y", "name": "张三"}
    for _ in range(2):
        assert ">未找到<" in limited_client.post("/lookup", data=data).get_data(as_text=True)
    response = limited_client.post("/lookup", data=data)
    assert response.status_code == 429 and "查询过于频繁" in response.get_data(as_text=True)
    assert limited_client.get("/lookup").status_code == 200  # reading the form is not limited


def test_api_rate_limit_answers_json(limited_client) -> None:  # type: ignore[no-untyped-def]
    for _ in range(2):
        assert limited_client.get(f"/api/v1/tokens/{UNKNOWN_TOKEN}").status_code == 404
    response = limited_client.get(f"/api/v1/tokens/{UNKNOWN_TOKEN}")
    assert response.status_code == 429
    assert assert_openapi(response, "/api/v1/tokens/{token}")["error"]["code"] == "rate_limited"
    assert int(response.headers["Retry-After"]) > 0


def test_batch_items_count_against_the_limit(limited_client) -> None:  # type: ignore[no-untyped-def]
    items = [{"number": "ZC500111-2026-000123-Y", "name": "张三"}] * 3
    assert limited_client.post("/api/v1/batch", json={"items": items}).status_code == 200
    response = limited_client.post("/api/v1/batch", json={"items": items})  # 6 items > 5/minute
    assert response.status_code == 429
    assert assert_openapi(response, "/api/v1/batch", "post")["error"]["code"] == "rate_limited"


def test_a_refused_batch_costs_one(limited_client) -> None:  # type: ignore[no-untyped-def]
    item = {"number": "ZC500111-2026-000123-Y", "name": "张三"}
    too_many = limited_client.post("/api/v1/batch", json={"items": [item] * 101})
    assert too_many.status_code == 400 and too_many.get_json()["error"]["code"] == "too_many_items"
    # The cost function parses the body too: a body nested too deep is 400 there as well.
    deep = limited_client.post("/api/v1/batch", data="[" * 100_000 + "]" * 100_000, content_type="application/json")
    assert deep.status_code == 400 and deep.get_json()["error"]["code"] == "invalid_json"
    assert limited_client.post("/api/v1/batch", json={"items": [item] * 3}).status_code == 200  # 1 + 1 + 3 = 5
    assert limited_client.post("/api/v1/batch", json={"items": [item]}).status_code == 429


# --------------------------------------------------------------------------- the QR claim


def test_landing_page_says_whether_the_qr_claim_matches(issuance: Issuance, client) -> None:  # type: ignore[no-untyped-def]
    from ecert.qr_claim import ClaimFields

    decision = factories.decision(name="王小明")
    issued = issue_decision(issuance, decision)
    fields = ClaimFields(
        number=issued.number,
        masked_name="王*明",
        qualification=decision.qualification,
        grant_date=decision.approval_date,
        version=issued.version,
        token=issued.token,
        issue_date=date(2026, 11, 26),
    )
    claim = issuance.claim_signer.sign(fields)

    html = client.get(f"/v/{issued.token}?c={claim}").get_data(as_text=True)
    assert '<p class="claim">二维码签名有效，内容与登记信息一致。</p>' in html
    assert html.index('class="verdict"') < html.index('class="claim')
    assert "王小明" not in html
    english = client.get(f"/v/{issued.token}?c={claim}&lang=en").get_data(as_text=True)
    assert "signature is valid and matches the registry" in english

    tampered = claim[:-6] + ("A" if claim[-6] != "A" else "B") + claim[-5:]
    html = client.get(f"/v/{issued.token}?c={tampered}&lang=zh").get_data(as_text=True)
    # A broken claim leads the page, before the registry's green word; the registry is still shown.
    assert html.index('class="verdict alert"') < html.index('<section class="verdict"')
    assert "二维码签名无效" in html.split("</section>")[0] and ">有效<" in verdict_section(html)
    assert "<title>二维码签名无效 · " in html
    other = client.get(f"/v/{UNKNOWN_TOKEN}?c={claim}")
    assert other.status_code == 404 and 'class="verdict alert"' in other.get_data(as_text=True)
    # A claim that holds but disagrees with the registry (another name, another title): that leads.
    for differing in (replace(fields, masked_name="王*红"), replace(fields, qualification="副主任医师")):
        html = client.get(f"/v/{issued.token}?c={issuance.claim_signer.sign(differing)}").get_data(as_text=True)
        assert html.index('class="verdict alert"') < html.index('<section class="verdict"')
        assert "二维码内容与登记信息不符" in html.split("</section>")[0] and "王*红" not in html
    assert 'class="claim' not in client.get(f"/v/{issued.token}").get_data(as_text=True)
