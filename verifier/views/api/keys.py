"""API keys at the API's door: ``Authorization: Bearer <key>`` or ``X-API-Key: <key>``.

No key: anonymous, limited per address as before. A valid key: the limits count per key
(``ecert.web.client_key``) at the key's own rate or ``RateLimits.api_key``/``api_key_batch``,
and each request is counted for the key and the day. A key that is malformed, unknown or
revoked is ``401 invalid_api_key``, never served as anonymous (the caller would not notice
it had lost its own limits). Failed keys count against the address's ``api`` rate, so
trying keys is no cheaper than anonymous look-ups.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request
from flask_limiter.util import get_remote_address
from limits import parse_many
from sqlalchemy.exc import SQLAlchemyError

from ecert.api_keys import service
from ecert.clock import office_date
from ecert.i18n import _
from ecert.kernel import kernel
from ecert.web import API_CALLER, limiter
from verifier.views.api.responses import error_response

FAILURES = "ecert-api-key-failures"
OPEN = {"verifier_api.openapi_yaml", "verifier_api.openapi_json"}  # the document: no key needed, none checked


def presented_key() -> str | None:
    """The key text the request presents, "" for an Authorization header that is not Bearer,
    None when it presents none."""
    authorization = request.headers.get("Authorization")
    if authorization is not None:
        scheme, _sep, value = authorization.strip().partition(" ")
        return value.strip() if scheme.lower() == "bearer" else ""
    header = request.headers.get("X-API-Key")
    return header.strip() if header is not None else None


def _failure_budget_spent() -> bool:
    settings = kernel().settings
    if not settings.ratelimits.enabled:
        return False
    return not all(
        limiter.limiter.test(item, FAILURES, get_remote_address()) for item in parse_many(settings.ratelimits.api)
    )


def _charge_failure() -> None:
    settings = kernel().settings
    if settings.ratelimits.enabled:
        for item in parse_many(settings.ratelimits.api):
            limiter.limiter.hit(item, FAILURES, get_remote_address())


def current_caller() -> service.Caller | None:
    caller: service.Caller | None = request.environ.get(API_CALLER)
    return caller


def install(bp: Blueprint) -> None:
    @bp.before_request
    def _authenticate() -> Response | None:
        presented = presented_key()
        if presented is None or request.endpoint in OPEN:
            return None
        caller = service.authenticate(kernel().db, presented) if presented else None
        if caller is None:
            # Only failures spend the address's budget, and only failures are refused by it:
            # strangers behind the same carrier address must not lock out a valid key.
            if _failure_budget_spent():
                return error_response(429, "rate_limited", _("请求过于频繁，请稍后再试"))
            _charge_failure()
            response = error_response(
                401,
                "invalid_api_key",
                _("API 密钥无效或已撤销；请核对 Authorization: Bearer <密钥> 请求头，或向发证机关申请新密钥"),
            )
            response.headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
            return response
        request.environ[API_CALLER] = caller
        return None

    @bp.after_request
    def _count(response: Response) -> Response:
        caller = current_caller()
        if caller is not None:
            k = kernel()
            try:
                service.count_use(k.db, caller, office_date(k.clock()), refused=response.status_code == 429)
            except SQLAlchemyError:  # a lost count must not take the answer with it; say so in the log
                current_app.logger.exception("API key %s: its use could not be counted", caller.key_id)
        return response
