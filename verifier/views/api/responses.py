"""JSON responses of the API: UTF-8 as it is, never cached."""

from __future__ import annotations

import json
from typing import Any

from flask import Response, current_app


def json_response(data: Any, status: int = 200) -> Response:
    # UTF-8 as it is: Chinese stays readable in logs and curl (RFC 8259: JSON is UTF-8). A
    # lone surrogate a client sent as \ud800 and we echo has no UTF-8: it goes back escaped.
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    body = text.encode("utf-8", "backslashreplace")
    response = current_app.response_class(body, status=status, mimetype="application/json")
    response.headers["Cache-Control"] = "no-store"
    return response


def error_detail(code: str, message: str) -> dict[str, str]:
    return {"code": code, "message": message}


def error_response(status: int, code: str, message: str) -> Response:
    return json_response({"error": error_detail(code, message)}, status)
