"""Every error under ``/api/v1`` is JSON ``{"error": {"code": ..., "message": ...}}``.

The code is stable; the message is in the request's language (Chinese unless ``?lang=en``
or the ``lang`` cookie). The blueprint handles errors raised in its views, and the
app-level 404/405 handlers (routing errors have no blueprint) are wrapped so that paths
under the prefix answer JSON while the rest of the site keeps its pages.
"""

from __future__ import annotations

from typing import Any, cast

from flask import Blueprint, Flask, Response, request
from flask.blueprints import BlueprintSetupState
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

from ecert.i18n import _, _l
from verifier.views.api.responses import error_response


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


# Stable codes (and their messages) for HTTP errors not raised by our own checks.
HTTP_CODES = {
    400: ("bad_request", _l("请求无效")),
    404: ("not_found", _l("未找到")),
    405: ("method_not_allowed", _l("不支持此请求方法")),
    413: ("too_large", _l("请求内容过大")),
    415: ("unsupported_media_type", _l("不支持此内容类型")),
    429: ("rate_limited", _l("请求过于频繁，请稍后再试")),
    500: ("internal_error", _l("服务内部错误")),
    503: ("unavailable", _l("服务暂时不可用")),
}


def not_found() -> ApiError:
    """The one 404 of an unknown number, a wrong name and an unknown or malformed token."""
    return ApiError(404, "not_found", _("未找到与此对应的证书；请核对证书编号与姓名"))


def http_error_response(error: HTTPException) -> Response:
    status = error.code or 500
    code, message = HTTP_CODES.get(status, (f"http_{status}", error.name or "error"))
    response = error_response(status, code, str(message))
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response


def install_error_handlers(bp: Blueprint, prefix: str) -> None:
    """Make every error of ``bp``'s views, and routing errors under ``prefix``, JSON."""

    @bp.errorhandler(ApiError)
    def _api_error(error: ApiError) -> Response:
        return error_response(error.status, error.code, error.message)

    # Flask looks for handlers by status code in the blueprint *and the app* before it looks
    # by exception class, so the app's HTML pages for 404/413/429/500 would win over a
    # class-based handler: register ours per code too.
    bp.register_error_handler(HTTPException, http_error_response)
    for status in HTTP_CODES:
        bp.register_error_handler(status, http_error_response)

    @bp.record_once
    def _json_for_routing_errors(state: BlueprintSetupState) -> None:
        """Unmatched paths and methods belong to no blueprint, so the app-level handlers of
        ``ecert.web`` answer them; wrap those so that under ``prefix`` the answer is JSON."""
        app = cast(Flask, state.app)
        for status, exception in ((404, NotFound), (405, MethodNotAllowed)):
            previous = app.error_handler_spec[None][status].get(exception)

            def handler(error: HTTPException, previous: Any = previous) -> Any:
                if request.path == prefix or request.path.startswith(prefix + "/"):
                    return http_error_response(error)
                return previous(error) if previous is not None else error

            app.register_error_handler(status, handler)
