"""``POST /api/v1/batch``: the body, parsed once and bounded, and one result per item.

Untrusted sizes: the body is parsed once (:func:`batch_body`: the rate-limit cost and the
view both need it); nesting too deep for the parser is ``400 invalid_json``; numbers
echoed in results are cut to ``MAX_ECHO`` characters and over-long numbers or names are a
per-item ``too_long``.

An item whose number is a pre-2021 paper certificate's on an archive roster, not converted
yet, has ``status`` ``on_record_not_converted`` and ``paper_record`` (``verifier.paper``).
"""

from __future__ import annotations

import json
from typing import Any, cast

from flask import request
from sqlalchemy.orm import Session
from werkzeug.exceptions import HTTPException

from ecert import NumberFormatError
from ecert.i18n import _
from ecert.settings import Settings
from ecert.vocab.names import name_problem
from ecert.vocab.numbering import parse_number
from verifier import paper
from verifier.paper import PaperRecord
from verifier.runtime import runtime
from verifier.shapes import certificate_json, paper_record_json
from verifier.status import PublicStatus
from verifier.views import name_budget
from verifier.views.api.errors import ApiError
from verifier.views.api.responses import error_detail
from verifier.words.name import name_paused_text, name_problem_text
from verifier.words.number import number_problem

MAX_BATCH = 100
MAX_FIELD = 64  # longest number or name a batch item may have (the OpenAPI maxLength)
MAX_ECHO = 64  # longest number echoed back in a batch result

_INVALID_JSON = object()
_BODY_KEY = "ecert.api.batch_body"  # per request (g may outlive one in tests)


def batch_body() -> Any:
    """The batch request's JSON body, parsed once per request; ``_INVALID_JSON`` when it is
    not JSON, not UTF-8, or nested too deep for the parser (RecursionError: ``"[" * 100000``).
    Its size is bounded by ``MAX_CONTENT_LENGTH`` (over it: 413, raised again on every call)."""
    cached: tuple[str, Any] | None = request.environ.get(_BODY_KEY)
    if cached is None:
        try:
            cached = ("ok", json.loads(request.get_data(cache=True)) if request.is_json else None)
        except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
            cached = ("ok", _INVALID_JSON)
        except HTTPException as error:
            cached = ("raise", error)
        request.environ[_BODY_KEY] = cached
    kind, value = cached
    if kind == "raise":
        raise cast(HTTPException, value)
    return value


def batch_cost() -> int:
    """Rate-limit cost of a batch: its number of items; 1 for a batch that is refused
    (bad JSON, no items, more than ``MAX_BATCH``), which is answered without a lookup."""
    try:
        body = batch_body()
    except HTTPException:  # e.g. 413: the view raises it again and answers JSON
        return 1
    items = body.get("items") if isinstance(body, dict) else None
    return len(items) if isinstance(items, list) and 0 < len(items) <= MAX_BATCH else 1


def batch_items() -> list[Any]:
    if not request.is_json:
        raise ApiError(415, "unsupported_media_type", _("请以 Content-Type: application/json 提交"))
    body = batch_body()
    if body is _INVALID_JSON:
        raise ApiError(400, "invalid_json", _("请求内容不是有效的 JSON"))
    items = body.get("items") if isinstance(body, dict) else None
    if not isinstance(items, list) or not items:
        raise ApiError(400, "invalid_request", _('需要非空的 "items" 列表：{"items": [{"number": …, "name": …}, …]}'))
    if len(items) > MAX_BATCH:
        raise ApiError(400, "too_many_items", _("每次最多 %(max)s 项，收到 %(n)s 项", max=MAX_BATCH, n=len(items)))
    return items


def batch_result(session: Session, settings: Settings, index: int, item: Any) -> dict[str, Any]:
    number = item.get("number") if isinstance(item, dict) else None
    result: dict[str, Any] = {
        "index": index,
        "number": number[:MAX_ECHO] if isinstance(number, str) else None,
        "status": "error",
        "certificate": None,
        "paper_record": None,
        "error": None,
    }
    name = item.get("name") if isinstance(item, dict) else None
    if not isinstance(item, dict):
        result["error"] = error_detail("invalid_item", _('每项须为 {"number": …, "name": …}'))
    elif not isinstance(number, str) or not number.strip():
        result["error"] = error_detail("number_required", _("缺少证书编号 number"))
    elif not isinstance(name, str) or not name.strip():
        result["error"] = error_detail("name_required", _("缺少持证人姓名 name"))
    elif len(number) > MAX_FIELD or len(name) > MAX_FIELD:
        result["error"] = error_detail("too_long", _("证书编号或姓名超过 %(max)s 个字符", max=MAX_FIELD))
    elif (problem := name_problem(name)) is not None:
        result["error"] = error_detail("invalid_name", name_problem_text(problem))
    elif (typo := _number_problem(number)) is not None and not typo[1]:
        result["error"] = error_detail("invalid_number", typo[0])
    elif (paused := name_budget.retry_after(name)) is not None:
        # Counted per item: a batch of many numbers for one name spends its budget like
        # as many single lookups, and the rest of the batch is refused item by item.
        result["error"] = error_detail("name_rate_limited", name_paused_text(paused))
    else:
        answer = paper.by_number_text_and_name(session, number, name)
        if answer is None:
            name_budget.charge_miss(name)
            if typo is not None:  # no paper number we hold either: the typo it looked like
                result["error"] = error_detail("invalid_number", typo[0])
                return result
            result["status"] = PublicStatus.UNKNOWN.value
        elif isinstance(answer, PaperRecord):  # names no certificate: nothing to record
            result["status"] = answer.status
            result["paper_record"] = paper_record_json(answer, settings)
        else:
            runtime().record(answer.token, "api")
            result["status"] = answer.status.value
            result["certificate"] = certificate_json(answer, settings)
    return result


def _number_problem(number: str) -> tuple[str, bool] | None:
    """What is wrong with ``number`` as ours, and whether it may still be a paper number."""
    try:
        parse_number(number)
    except NumberFormatError as error:
        return number_problem(error), paper.may_be_paper_number(error) and bool(paper.paper_number_forms(number))
    return None
