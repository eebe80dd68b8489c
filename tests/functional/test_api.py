"""Employer API under /api/v1: every response here is checked against the OpenAPI document."""

from __future__ import annotations

import re
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from issuer.services.issuance import Issuance, issue_decision
from issuer.services.lifecycle import RevocationReason, correct
from tests import factories

OPENAPI = Path(__file__).resolve().parents[2] / "verifier" / "views" / "openapi.yaml"
_BASE = "urn:ecert:openapi"


@cache
def openapi() -> dict[str, Any]:
    return yaml.safe_load(OPENAPI.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


@cache
def _registry() -> Registry:
    return Registry().with_resource(_BASE, Resource.from_contents(openapi(), default_specification=DRAFT202012))


def _pointer(*parts: str) -> str:
    return "/".join(part.replace("~", "~0").replace("/", "~1") for part in parts)


def assert_openapi(response: Any, path: str, method: str = "get") -> Any:
    """The response's status is documented for the operation and its JSON body matches
    the documented schema; returns the parsed body."""
    assert response.mimetype == "application/json", response.get_data(as_text=True)[:200]
    assert response.headers["Cache-Control"] == "no-store"
    operation = openapi()["paths"][path][method]
    documented = operation["responses"].get(str(response.status_code))
    assert documented is not None, f"{method.upper()} {path} does not document {response.status_code}"
    if "$ref" in documented:
        ref = "#/" + documented["$ref"].removeprefix("#/")
        schema = {"$ref": f"{_BASE}{ref}/content/application~1json/schema"}
    else:
        schema = {
            "$ref": f"{_BASE}#/"
            + _pointer(
                "paths", path, method, "responses", str(response.status_code), "content", "application/json", "schema"
            )
        }
    body = response.get_json()
    Draft202012Validator(schema, registry=_registry()).validate(body)
    return body


def assert_error(response: Any, path: str, method: str, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)
    body = assert_openapi(response, path, method)
    assert body["error"]["code"] == code
    return body["error"]  # type: ignore[no-any-return]


CERT = "/api/v1/certificates/{number}"
TOKEN = "/api/v1/tokens/{token}"
BATCH = "/api/v1/batch"
VERIFY = "/api/v1/verify"


# --------------------------------------------------------------------------- the document


def test_openapi_document_is_served_and_describes_every_api_route(app, client) -> None:  # type: ignore[no-untyped-def]
    document = openapi()
    assert document["openapi"].startswith("3.1")
    yaml_response = client.get("/api/v1/openapi.yaml")
    assert yaml_response.status_code == 200 and yaml_response.mimetype == "application/yaml"
    assert yaml.safe_load(yaml_response.get_data(as_text=True)) == document
    assert client.get("/api/v1/openapi.json").get_json() == document

    documented = {re.sub(r"\{(\w+)\}", r"<\1>", path) for path in document["paths"]}
    routes = {re.sub(r"<(?:\w+:)?(\w+)>", r"<\1>", rule.rule) for rule in app.url_map.iter_rules()}
    assert {route for route in routes if route.startswith("/api/v1/")} == documented
    for _name, schema in document["components"]["schemas"].items():
        Draft202012Validator.check_schema(schema)


# --------------------------------------------------------------------------- single lookups


def test_by_number_and_name(issuance: Issuance, client) -> None:  # type: ignore[no-untyped-def]
    issued = issue_decision(issuance, factories.decision(name="王小明"))
    response = client.get(f"/api/v1/certificates/{issued.number}", query_string={"name": "王小明"})
    assert response.status_code == 200
    certificate = assert_openapi(response, CERT)["certificate"]
    assert certificate["number"] == issued.number
    assert certificate["status"] == "valid"
    assert certificate["masked_name"] == "王*明"
    assert certificate["verdict"]["word_zh"] == "有效"
    assert certificate["issuing_office"] == issuance.settings.office_name
    assert certificate["grant_date"] == "2025-12-20"
    assert "revoked_at" not in certificate and "current_url" not in certificate
    # Forgiving about case and hyphens, like the form.
    compact = issued.number.replace("-", "").lower()
    assert client.get(f"/api/v1/certificates/{compact}?name=王小明").status_code == 200


def test_wrong_name_is_the_same_404_as_an_unknown_number(issuance: Issuance, client) -> None:  # type: ignore[no-untyped-def]
    issued = issue_decision(issuance, factories.decision(name="王小明"))
    wrong_name = client.get(f"/api/v1/certificates/{issued.number}?name=王小红")
    unknown = client.get("/api/v1/certificates/ZC500111-2026-000123-Y?name=王小明")
    assert assert_error(wrong_name, CERT, "get", 404, "not_found") == assert_error(
        unknown, CERT, "get", 404, "not_found"
    )


def test_number_typos_and_missing_name_are_400(issuance: Issuance, client) -> None:  # type: ignore[no-untyped-def]
    issued = issue_decision(issuance, factories.decision(name="王小明"))
    typo = issued.number[:-1] + ("A" if issued.number[-1] != "A" else "B")
    error = assert_error(client.get(f"/api/v1/certificates/{typo}?name=王小明"), CERT, "get", 400, "invalid_number")
    assert "校验位" in error["message"]
    id_number = factories.id_number()
    error = assert_error(
        client.get(f"/api/v1/certificates/{id_number}?name=王小明"), CERT, "get", 400, "invalid_number"
    )
    assert "身份证" in error["message"]
    assert id_number not in error["message"]
    assert_error(client.get(f"/api/v1/certificates/{issued.number}"), CERT, "get", 400, "name_required")


def test_error_messages_in_the_language_asked_for_codes_stable(issuance: Issuance, client) -> None:  # type: ignore[no-untyped-def]
    """One language per answer: Chinese by default, English with ?lang=en or the cookie."""
    issued = issue_decision(issuance, factories.decision(name="王小明"))
    typo = issued.number[:-1] + ("A" if issued.number[-1] != "A" else "B")
    chinese = assert_error(client.get(f"/api/v1/certificates/{typo}?name=王小明"), CERT, "get", 400, "invalid_number")
    assert chinese["message"] == "证书编号校验位不符：有字符输错或两个字符颠倒了"
    english = assert_error(
        client.get(f"/api/v1/certificates/{typo}?name=王小明&lang=en"), CERT, "get", 400, "invalid_number"
    )
    assert "check character" in english["message"] and "校验位" not in english["message"]
    missing = client.get("/api/v1/tokens/" + "A" * 24)
    assert (
        assert_error(missing, TOKEN, "get", 404, "not_found")["message"] == "未找到与此对应的证书；请核对证书编号与姓名"
    )
    client.set_cookie("lang", "en")
    by_cookie = assert_error(client.get("/api/v1/tokens/" + "A" * 24), TOKEN, "get", 404, "not_found")
    assert by_cookie["message"] == "no matching certificate: check the number and the name"
    batch = client.post(BATCH, json={"items": [{"number": issued.number}]})
    assert assert_openapi(batch, BATCH, "post")["results"][0]["error"] == {
        "code": "name_required", "message": "the holder's full name (name) is required"
    }  # fmt: skip
    routing = client.get("/api/v1/no-such-thing")
    assert routing.get_json()["error"] == {"code": "not_found", "message": "Not found"}


def test_revoked_and_superseded_by_token(issuance: Issuance, client) -> None:  # type: ignore[no-untyped-def]
    revoked = issue_decision(issuance, factories.decision(name="李四"))
    factories.revoked(issuance, revoked.number)
    old = issue_decision(issuance, factories.decision(name="赵六", employer="重庆市大足区中医院"))
    new = correct(issuance, old.number, {"employer": "重庆市大足区人民医院"}, reason="工作单位填写错误")
    assert not isinstance(new, list)

    certificate = assert_openapi(client.get(f"/api/v1/tokens/{revoked.token}"), TOKEN)["certificate"]
    assert certificate["status"] == "revoked"
    assert certificate["revocation_doc_no"] == "足人社发〔2026〕3号"
    assert certificate["revocation_reason"].startswith("以弄虚作假")
    assert certificate["revoked_at"].endswith("Z")

    certificate = assert_openapi(client.get(f"/api/v1/tokens/{old.token}"), TOKEN)["certificate"]
    assert (certificate["status"], certificate["version"], certificate["current_version"]) == ("superseded", 1, 2)
    assert certificate["current_url"].endswith(f"/v/{new.token}")
    # By number: the latest version answers.
    latest = assert_openapi(client.get(f"/api/v1/certificates/{old.number}?name=赵六"), CERT)["certificate"]
    assert (latest["status"], latest["version"]) == ("valid", 2)


def test_unknown_and_malformed_tokens_answer_alike(issuance: Issuance, client) -> None:  # type: ignore[no-untyped-def]
    unknown = client.get("/api/v1/tokens/" + "A" * 24)
    expected = assert_error(unknown, TOKEN, "get", 404, "not_found")
    for malformed in ("x", "A" * 25, "../../etc/passwd", "1" * 24, "%00"):
        assert assert_error(client.get(f"/api/v1/tokens/{malformed}"), TOKEN, "get", 404, "not_found") == expected


# --------------------------------------------------------------------------- batch


def test_batch_mixed_results_in_order(issuance: Issuance, client) -> None:  # type: ignore[no-untyped-def]
    valid = issue_decision(issuance, factories.decision(name="王小明"))
    revoked = issue_decision(issuance, factories.decision(name="李四"))
    factories.revoked(issuance, revoked.number, reason=RevocationReason.WRONGLY_GRANTED, doc_no="足人社发〔2026〕4号")
    items: list[Any] = [
        {"number": valid.number, "name": "王小明"},
        {"number": revoked.number, "name": "李四"},
        {"number": valid.number, "name": "王小红"},  # wrong name
        {"number": "ZC500111-2026-000123-Y", "name": "张三"},  # unknown
        {"number": valid.number[:-1] + ("A" if valid.number[-1] != "A" else "B"), "name": "王小明"},  # typo
        {"number": valid.number},  # no name
        {"name": "王小明"},  # no number
        "not an object",
    ]
    response = client.post(BATCH, json={"items": items})
    assert response.status_code == 200
    body = assert_openapi(response, BATCH, "post")
    assert body["count"] == len(items)
    assert [r["index"] for r in body["results"]] == list(range(len(items)))
    assert [r["status"] for r in body["results"]] == [
        "valid", "revoked", "unknown", "unknown", "error", "error", "error", "error"
    ]  # fmt: skip
    assert [r["error"]["code"] for r in body["results"][4:]] == [
        "invalid_number", "name_required", "number_required", "invalid_item"
    ]  # fmt: skip
    assert body["results"][0]["certificate"]["masked_name"] == "王*明"
    assert body["results"][2] == {**body["results"][3], "index": 2, "number": valid.number}
    assert body["counts"] == {"valid": 1, "revoked": 1, "unknown": 2, "error": 4}


def test_batch_of_101_items_is_rejected(issuance: Issuance, client) -> None:  # type: ignore[no-untyped-def]
    items = [{"number": "ZC500111-2026-000123-Y", "name": "张三"}] * 101
    error = assert_error(client.post(BATCH, json={"items": items}), BATCH, "post", 400, "too_many_items")
    assert "100" in error["message"]
    ok = client.post(BATCH, json={"items": items[:100]})
    assert assert_openapi(ok, BATCH, "post")["counts"] == {"unknown": 100}


@pytest.mark.postgres_sample(1)  # the body is refused before any query
@pytest.mark.parametrize(
    ("body", "content_type", "status", "code"),
    [
        (b"{not json", "application/json", 400, "invalid_json"),
        (b'{"items": []}', "application/json", 400, "invalid_request"),
        (b'{"things": 1}', "application/json", 400, "invalid_request"),
        (b"[1, 2]", "application/json", 400, "invalid_request"),
        (b"items=1", "application/x-www-form-urlencoded", 415, "unsupported_media_type"),
    ],
)
def test_batch_bad_requests(client, body: bytes, content_type: str, status: int, code: str) -> None:  # type: ignore[no-untyped-def]
    response = client.post(BATCH, data=body, content_type=content_type)
    assert_error(response, BATCH, "post", status, code)


@pytest.mark.postgres_sample(1)  # the body is refused before any query
@pytest.mark.parametrize(
    "body",
    [
        "[" * 100_000 + "]" * 100_000,
        '{"items": ' + "[" * 100_000 + "]" * 100_000 + "}",
        '{"items": [{"number": ' + '{"a":' * 100_000 + "1" + "}" * 100_000 + "}]}",
        b'{"items": "\xff\xfe"}',  # not UTF-8
    ],
    ids=["array", "items", "item", "not-utf8"],
)
def test_batch_json_nested_too_deep_or_not_utf8_is_invalid_json(client, body: str | bytes) -> None:  # type: ignore[no-untyped-def]
    response = client.post(BATCH, data=body, content_type="application/json")
    assert_error(response, BATCH, "post", 400, "invalid_json")


def test_batch_does_not_echo_long_values(issuance: Issuance, client) -> None:  # type: ignore[no-untyped-def]
    issued = issue_decision(issuance, factories.decision(name="王小明"))
    items = [
        {"number": "Z" * 1_000_000, "name": "王小明"},
        {"number": issued.number, "name": "王" * 65},
        {"number": issued.number + " " * 100, "name": "王小明"},  # over 64 characters too
        {"number": issued.number, "name": "王小明"},
    ]
    response = client.post(BATCH, json={"items": items})
    assert len(response.get_data()) < 4096
    body = assert_openapi(response, BATCH, "post")  # BatchResult.number has maxLength 64
    assert [r["status"] for r in body["results"]] == ["error", "error", "error", "valid"]
    assert [r["error"]["code"] for r in body["results"][:3]] == ["too_long"] * 3
    assert body["results"][0]["number"] == "Z" * 64
    assert body["results"][1]["number"] == issued.number


# --------------------------------------------------------------------------- errors are JSON


def test_http_errors_under_the_api_are_json(app, client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"
    response = client.delete(BATCH)
    assert response.status_code == 405 and response.get_json()["error"]["code"] == "method_not_allowed"
    assert "POST" in response.headers["Allow"]
    response = client.get(BATCH)
    assert response.status_code == 405 and response.mimetype == "application/json"
    app.config["MAX_CONTENT_LENGTH"] = 1000
    response = client.post(BATCH, json={"items": [{"number": "x" * 2000, "name": "张三"}]})
    assert_error(response, BATCH, "post", 413, "too_large")
    # Outside the API the site keeps its HTML pages.
    page = client.get("/no-such-page")
    assert page.status_code == 404 and page.mimetype == "text/html"


# --------------------------------------------------------------------------- PDF check


def test_verify_refuses_other_media_types(client) -> None:  # type: ignore[no-untyped-def]
    response = client.post(VERIFY, data=b"%PDF-1.7", content_type="text/plain")
    assert_error(response, VERIFY, "post", 415, "unsupported_media_type")


def test_verify_an_issued_pdf_and_a_junk_file(issuance: Issuance, client) -> None:  # type: ignore[no-untyped-def]
    issued = issue_decision(issuance, factories.decision(name="王小明"))
    pdf = issuance.store.get(issued.sha256)
    body = assert_openapi(client.post(VERIFY, data=pdf, content_type="application/pdf"), VERIFY, "post")
    assert body["valid"] is True, body
    assert body["checks"] and all(check["passed"] for check in body["checks"])
    assert body["certificate"]["number"] == issued.number
    assert body["certificate"]["masked_name"] == "王*明"

    junk = assert_openapi(
        client.post(VERIFY, data=b"\xff\xd8\xff\xe0 not a pdf", content_type="application/pdf"), VERIFY, "post"
    )
    assert junk["valid"] is False
    assert any(check["passed"] is False for check in junk["checks"])


def test_verify_is_503_when_no_checker_is_free(issuance: Issuance, app) -> None:  # type: ignore[no-untyped-def]
    """Every sandbox slot busy (here: none at all, and no waiting) is not a verdict on the
    file: 503 ``unavailable`` with Retry-After, never ``valid: false``."""
    from ecert.settings import SandboxLimits

    issued = issue_decision(issuance, factories.decision(name="王小明"))
    from ecert.app import create_app

    starved = create_app(replace(app.extensions["ecert"].settings, sandbox=SandboxLimits(max_jobs=0, wait=0)))
    response = starved.test_client().post(
        VERIFY, data=issuance.store.get(issued.sha256), content_type="application/pdf"
    )
    error = assert_error(response, VERIFY, "post", 503, "unavailable")
    assert error["message"] == "暂时无法检查此文件，请稍后再试"
    assert response.headers["Retry-After"] == "30"
    pdf = issuance.store.get(issued.sha256)
    english = starved.test_client().post(f"{VERIFY}?lang=en", data=pdf, content_type="application/pdf")
    error = assert_error(english, VERIFY, "post", 503, "unavailable")
    assert error["message"] == "could not check the file right now; try again shortly"
