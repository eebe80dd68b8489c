"""Employer API, versioned under ``/api/v1``: JSON in, JSON out, described by
``verifier/openapi.yaml`` (served at ``/api/v1/openapi.yaml`` and ``/api/v1/openapi.json``).

Every error under ``/api/v1`` is JSON ``{"error": {"code": ..., "message": ...}}`` with
a stable code, never an HTML page: the blueprint handles errors raised in its views,
and the app-level 404/405 handlers (routing errors have no blueprint) are wrapped so
that paths under the prefix answer JSON while the rest of the site keeps its pages.

As on the pages, an unknown number, a wrong name and an unknown or malformed token
give the same ``404 not_found``: the API cannot be used to learn that a number exists.

Rate limits per client address (``app.config``): ``VERIFIER_API_RATELIMIT`` (60/minute)
for single lookups, ``VERIFIER_API_BATCH_RATELIMIT`` (300/minute) for batches, counted per
*item* (a batch of 100 costs 100; a batch refused as a whole costs 1), and
``VERIFIER_API_VERIFY_RATELIMIT`` (10/minute) for PDF checks. The buckets are separate:
a client may make 60 single *and* 300 batched lookups a minute. (One shared bucket at
the single rate would make a batch of 100 impossible, so they are kept apart on purpose.)

Untrusted sizes: the batch body is parsed once (:func:`_batch_body`), nesting too deep
for the parser is ``400 invalid_json``; numbers echoed in batch results are cut to
``MAX_ECHO`` characters and over-long numbers or names are a per-item ``too_long``.

``POST /verify`` answers ``503 unavailable`` with ``Retry-After`` when the file could not
be checked right now (e.g. every sandbox slot busy): that is not a verdict on the file.
``VERIFIER_SANDBOX_LIMITS`` (a ``ecert.sandbox.SandboxLimits``) in ``app.config``, if
set, is passed to the check.
"""

from __future__ import annotations

import importlib
import json
from collections import Counter
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import Any, cast

from flask import Blueprint, Flask, Response, current_app, request
from flask.blueprints import BlueprintSetupState
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

from ecert import NumberFormatError
from ecert.kernel import kernel
from ecert.web import csrf, limiter
from verifier import lookup
from verifier.lookup import PublicCertificate, PublicStatus
from verifier.verdict import verdict_for

PREFIX = "/api/v1"
MAX_BATCH = 100
MAX_FIELD = 64  # longest number or name a batch item may have (the OpenAPI maxLength)
MAX_ECHO = 64  # longest number echoed back in a batch result
RETRY_AFTER_SECONDS = 30  # when the PDF check is unavailable for now (API and upload page)
OPENAPI_FILE = Path(__file__).with_name("openapi.yaml")


bp = Blueprint("verifier_api", __name__, url_prefix=PREFIX)
csrf.exempt(bp)  # no cookies, no session: nothing for a cross-site request to ride on

# Stable codes for HTTP errors not raised by our own checks.
_HTTP_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
    500: "internal_error",
    503: "unavailable",
}
_HTTP_MESSAGES = {
    404: "未找到 (not found)",
    405: "不支持此请求方法 (method not allowed)",
    413: "请求内容过大 (request body too large)",
    429: "请求过于频繁，请稍后再试 (too many requests: slow down and retry later)",
    500: "服务内部错误 (internal error)",
}
UNAVAILABLE_MESSAGE = "暂时无法检查此文件，请稍后再试 (could not check the file right now; try again shortly)"
NOT_FOUND_MESSAGE = (
    "未找到与此对应的证书；请核对证书编号与姓名 (no matching certificate: check the number and the name)"
)


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _api_limit() -> str:
    return kernel().settings.ratelimits.api


def _batch_limit() -> str:
    return kernel().settings.ratelimits.api_batch


def _verify_limit() -> str:
    return kernel().settings.ratelimits.api_verify


def _batch_cost() -> int:
    """Rate-limit cost of a batch: its number of items; 1 for a batch that is refused
    (bad JSON, no items, more than ``MAX_BATCH``), which is answered without a lookup."""
    try:
        body = _batch_body()
    except HTTPException:  # e.g. 413: the view raises it again and answers JSON
        return 1
    items = body.get("items") if isinstance(body, dict) else None
    return len(items) if isinstance(items, list) and 0 < len(items) <= MAX_BATCH else 1


# --------------------------------------------------------------------------- views


@bp.get("/certificates/<path:number>")
@limiter.limit(_api_limit)
def certificate_by_number(number: str) -> Response:
    name = request.args.get("name", "").strip()
    if not name:
        raise ApiError(400, "name_required", "请提供持证人完整姓名 name (the holder's full name is required)")
    try:
        with kernel().db.read() as session:
            certificate = lookup.by_number_text_and_name(session, number, name)
    except NumberFormatError as error:
        raise ApiError(400, "invalid_number", str(error)) from None
    if certificate is None:
        raise ApiError(404, "not_found", NOT_FOUND_MESSAGE)
    return json_response({"certificate": certificate_json(certificate)})


@bp.get("/tokens/<path:token>")
@limiter.limit(_api_limit)
def certificate_by_token(token: str) -> Response:
    with kernel().db.read() as session:
        certificate = lookup.by_token_text(session, token)
    if certificate is None:
        raise ApiError(404, "not_found", NOT_FOUND_MESSAGE)
    return json_response({"certificate": certificate_json(certificate)})


@bp.post("/batch")
@limiter.limit(_batch_limit, cost=_batch_cost)
def batch() -> Response:
    items = _batch_items()
    results = []
    with kernel().db.read() as session:
        for index, item in enumerate(items):
            results.append(_batch_result(session, index, item))
    counts = Counter(result["status"] for result in results)
    return json_response({"count": len(results), "counts": dict(sorted(counts.items())), "results": results})


@bp.post("/verify")
@limiter.limit(_verify_limit)
def verify() -> Response:
    if request.mimetype not in ("application/pdf", "application/octet-stream"):
        raise ApiError(415, "unsupported_media_type", "请以 Content-Type: application/pdf 上传 PDF 文件 (send the PDF as application/pdf)")
    data = request.get_data(cache=False)  # over MAX_CONTENT_LENGTH: 413, answered as JSON below
    try:
        pdf_check = importlib.import_module("verifier.pdf.check")
    except ModuleNotFoundError as error:
        if error.name != "verifier.pdf.check":
            raise
        raise ApiError(503, "unavailable", "PDF 查验暂不可用 (PDF verification is not available)") from None
    from verifier.runtime import runtime

    result = pdf_check.verify_pdf(
        data,
        db=kernel().db,
        trust_roots=runtime().trust_roots,
        limits=kernel().settings.sandbox,
    )
    return pdf_verdict_response(result)


@bp.get("/openapi.yaml")
def openapi_yaml() -> Response:
    return Response(OPENAPI_FILE.read_text(encoding="utf-8"), mimetype="application/yaml")


@bp.get("/openapi.json")
def openapi_json() -> Response:
    return json_response(openapi_document())


# --------------------------------------------------------------------------- JSON shapes


def certificate_json(certificate: PublicCertificate) -> dict[str, Any]:
    """The public fields: the same minimum as the landing page (masked name; no ID number,
    birth date or photo)."""
    settings = kernel().settings
    verdict = verdict_for(certificate)
    data: dict[str, Any] = {
        "number": certificate.number,
        "version": certificate.version,
        "status": certificate.status.value,
        "verdict": {
            "word_zh": verdict.word_zh,
            "word_en": verdict.word_en,
            "explanation_zh": verdict.sentence_zh,
            "explanation_en": verdict.sentence_en,
        },
        "masked_name": certificate.masked_name,
        "qualification": certificate.qualification,
        "level": certificate.level,
        "series": certificate.series,
        "specialty": certificate.specialty,
        "grant_date": certificate.grant_date.isoformat(),
        "issuing_office": lookup.issuing_office_name(
            certificate.issuing_office_code, settings.office_code, settings.office_name
        ),
        "issuing_office_code": certificate.issuing_office_code,
        "issued_at": _timestamp(certificate.issued_at),
    }
    if certificate.status is PublicStatus.REVOKED:
        data["revoked_at"] = _timestamp(certificate.revoked_at)
        data["revocation_reason"] = certificate.revocation_reason
        data["revocation_doc_no"] = certificate.revocation_doc_no
    if certificate.status is PublicStatus.SUPERSEDED:
        data["current_version"] = certificate.current_version
        data["current_url"] = settings.verify_url(certificate.current_token) if certificate.current_token else None
    return data


def pdf_verdict_response(result: Any) -> Response:
    """200 with the verdict; 503 ``unavailable`` when the file could not be checked right
    now (``PdfVerdict.unavailable``: e.g. every checker busy), which says nothing about it."""
    if getattr(result, "unavailable", False):
        response = error_response(503, "unavailable", UNAVAILABLE_MESSAGE)
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return json_response(pdf_verdict_json(result))


def pdf_verdict_json(result: Any) -> dict[str, Any]:
    """Our own, documented shape built from ``verifier.pdf.check.PdfVerdict``'s fields, so
    that the API contract does not change with that module's internals."""
    certificate = getattr(result, "certificate", None)
    return {
        "valid": bool(result.valid),
        "summary_zh": result.summary_zh,
        "summary_en": result.summary_en,
        "checks": [
            {
                "code": check.code,
                "passed": check.passed,
                "title_zh": check.title_zh,
                "title_en": check.title_en,
                "explanation_zh": check.explanation_zh,
                "explanation_en": check.explanation_en,
                "detail": _json_safe(check.detail),
            }
            for check in result.checks
        ],
        "certificate": certificate_json(certificate) if certificate is not None else None,
    }


def json_response(data: Any, status: int = 200) -> Response:
    # UTF-8 as it is: Chinese stays readable in logs and curl (RFC 8259: JSON is UTF-8).
    response = current_app.response_class(
        json.dumps(data, ensure_ascii=False, separators=(",", ":")), status=status, mimetype="application/json"
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def error_response(status: int, code: str, message: str) -> Response:
    return json_response({"error": {"code": code, "message": message}}, status)


@cache
def openapi_document() -> dict[str, Any]:
    import yaml  # only for serving the JSON form; the YAML file is served as it is

    document: dict[str, Any] = yaml.safe_load(OPENAPI_FILE.read_text(encoding="utf-8"))
    return document


# --------------------------------------------------------------------------- batch input


_INVALID_JSON = object()
_BODY_KEY = "ecert.api.batch_body"  # per request (g may outlive one in tests)


def _batch_body() -> Any:
    """The batch request's JSON body, parsed once per request (the rate-limit cost and the
    view both need it); ``_INVALID_JSON`` when it is not JSON, not UTF-8, or nested too
    deep for the parser (RecursionError: ``"[" * 100000``). Its size is bounded by
    ``MAX_CONTENT_LENGTH`` (over it: 413, raised again on every call)."""
    cached: tuple[str, Any] | None = request.environ.get(_BODY_KEY)
    if cached is None:
        try:
            if not request.is_json:
                cached = ("ok", None)
            else:
                cached = ("ok", json.loads(request.get_data(cache=True)))
        except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
            cached = ("ok", _INVALID_JSON)
        except HTTPException as error:
            cached = ("raise", error)
        request.environ[_BODY_KEY] = cached
    kind, value = cached
    if kind == "raise":
        raise cast(HTTPException, value)
    return value


def _batch_items() -> list[Any]:
    if not request.is_json:
        raise ApiError(415, "unsupported_media_type", "请以 Content-Type: application/json 提交 (send JSON)")
    body = _batch_body()
    if body is _INVALID_JSON:
        raise ApiError(400, "invalid_json", "请求内容不是有效的 JSON (the body is not valid JSON)")
    items = body.get("items") if isinstance(body, dict) else None
    if not isinstance(items, list) or not items:
        raise ApiError(
            400, "invalid_request", '需要 {"items": [{"number": ..., "name": ...}, ...]} (expected a non-empty "items" list)'
        )
    if len(items) > MAX_BATCH:
        raise ApiError(
            400, "too_many_items", f"每次最多 {MAX_BATCH} 项，收到 {len(items)} 项 (at most {MAX_BATCH} items per batch)"
        )
    return items


def _batch_result(session: Any, index: int, item: Any) -> dict[str, Any]:
    number = item.get("number") if isinstance(item, dict) else None
    result: dict[str, Any] = {
        "index": index,
        "number": number[:MAX_ECHO] if isinstance(number, str) else None,
        "status": "error",
        "certificate": None,
        "error": None,
    }
    name = item.get("name") if isinstance(item, dict) else None
    if not isinstance(item, dict):
        result["error"] = _error("invalid_item", '每项须为 {"number": ..., "name": ...} (each item must be an object)')
    elif not isinstance(number, str) or not number.strip():
        result["error"] = _error("number_required", "缺少证书编号 number (the certificate number is required)")
    elif not isinstance(name, str) or not name.strip():
        result["error"] = _error("name_required", "缺少持证人姓名 name (the holder's full name is required)")
    elif len(number) > MAX_FIELD or len(name) > MAX_FIELD:
        result["error"] = _error(
            "too_long", f"证书编号或姓名超过 {MAX_FIELD} 个字符 (number or name longer than {MAX_FIELD} characters)"
        )
    else:
        try:
            certificate = lookup.by_number_text_and_name(session, number, name)
        except NumberFormatError as error:
            result["error"] = _error("invalid_number", str(error))
        else:
            result["status"] = certificate.status.value if certificate else PublicStatus.UNKNOWN.value
            result["certificate"] = certificate_json(certificate) if certificate else None
    return result


def _error(code: str, message: str) -> dict[str, str]:
    return {"code": code, "message": message}


# --------------------------------------------------------------------------- errors


@bp.errorhandler(ApiError)
def _api_error(error: ApiError) -> Response:
    return error_response(error.status, error.code, error.message)


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException) -> Response:
    return _http_error_response(error)


# Flask looks for handlers by status code in the blueprint *and the app* before it looks
# by exception class, so the app's HTML pages for 404/413/429/500 would win over the
# class-based handler above: register ours per code too.
for _status in _HTTP_CODES:
    bp.register_error_handler(_status, _http_error)


def _http_error_response(error: HTTPException) -> Response:
    status = error.code or 500
    code = _HTTP_CODES.get(status, f"http_{status}")
    message = _HTTP_MESSAGES.get(status) or (error.description or error.name or "error")
    response = error_response(status, code, message)
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response


@bp.record_once
def _json_for_routing_errors(state: BlueprintSetupState) -> None:
    """Unmatched paths and methods belong to no blueprint, so the app-level handlers of
    ``ecert.web`` answer them; wrap those so that under ``/api/v1`` the answer is JSON."""
    app = cast(Flask, state.app)
    for status, exception in ((404, NotFound), (405, MethodNotAllowed)):
        previous = app.error_handler_spec[None][status].get(exception)

        def handler(error: HTTPException, previous: Any = previous) -> Any:
            if request.path == PREFIX or request.path.startswith(PREFIX + "/"):
                return _http_error_response(error)
            return previous(error) if previous is not None else error

        app.register_error_handler(status, handler)


# --------------------------------------------------------------------------- small helpers


def _timestamp(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    # SQLite returns naive datetimes for timezone-aware columns; they are stored in UTC.
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _json_safe(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (list, tuple)):
        return [_json_safe(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _json_safe(item) for key, item in value.items()}
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)
