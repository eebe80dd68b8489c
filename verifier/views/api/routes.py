"""The API's views.

As on the pages, an unknown number, a wrong name and an unknown or malformed token
give the same ``404 not_found``: the API cannot be used to learn that a number exists.

A number of another shape than ours may be a pre-2021 paper certificate's
(``verifier.paper``): with the right name the answer is the certificate converted from it,
or ``200 {"certificate": null, "paper_record": {...}}`` when an archive roster lists it and
nothing was converted yet; otherwise the ``400 invalid_number`` it always was, counted as a
miss of the name's budget (it was looked up).

Rate limits per client address (``Settings.ratelimits``): ``api`` (60/minute) for single
lookups, ``api_batch`` (300/minute) for batches, counted per *item* (a batch of 100 costs
100; a batch refused as a whole costs 1), and ``api_verify`` (10/minute) for PDF checks.
The buckets are separate: a client may make 60 single *and* 300 batched lookups a minute.
(One shared bucket at the single rate would make a batch of 100 impossible.)
With an API key the limits count per key instead, at ``api_key`` (or the key's own limit)
and ``api_key_batch`` (:mod:`verifier.views.api.keys`).

``POST /verify`` answers ``503 unavailable`` with ``Retry-After`` when the file could not
be checked right now (every sandbox slot busy, the checker starved or killed): that is not
a verdict on the file. Before its body is read it may also answer ``429 cpu_budget`` (the
client's CPU seconds of checking spent), ``429 one_at_a_time`` or ``503 busy`` (the queue
full), each with ``Retry-After`` (:mod:`verifier.views.intake`).
The sandbox's limits and the largest PDF come from the settings.
"""

from __future__ import annotations

from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, request

from ecert import NumberFormatError
from ecert.i18n import _
from ecert.kernel import kernel
from ecert.vocab.names import name_problem
from ecert.vocab.numbering import parse_number
from ecert.web import csrf, limiter
from verifier import lookup, paper
from verifier.paper import PaperRecord
from verifier.pdf.report import RETRY_AFTER_SECONDS
from verifier.runtime import runtime
from verifier.shapes import certificate_json, paper_record_json, pdf_verdict_json
from verifier.views import intake, name_budget
from verifier.views.api import keys
from verifier.views.api.batch import batch_cost, batch_items, batch_result
from verifier.views.api.errors import ApiError, install_error_handlers, not_found
from verifier.views.api.responses import error_response, json_response
from verifier.words.name import name_paused_text, name_problem_text
from verifier.words.number import number_problem

PREFIX = "/api/v1"
OPENAPI_FILE = Path(__file__).resolve().parent.parent / "openapi.yaml"

bp = Blueprint("verifier_api", __name__, url_prefix=PREFIX)
csrf.exempt(bp)  # no cookies, no session: nothing for a cross-site request to ride on
install_error_handlers(bp, PREFIX)
keys.install(bp)


def _api_limit() -> str:
    limits, caller = kernel().settings.ratelimits, keys.current_caller()
    if caller is None:
        return limits.api
    return caller.rate_limit or limits.api_key


def _batch_limit() -> str:
    limits = kernel().settings.ratelimits
    return limits.api_batch if keys.current_caller() is None else limits.api_key_batch


def _verify_limit() -> str:
    return kernel().settings.ratelimits.api_verify


@bp.get("/certificates/<path:number>")
@limiter.limit(_api_limit)
def certificate_by_number(number: str) -> Response:
    name = request.args.get("name", "").strip()
    if not name:
        raise ApiError(400, "name_required", _("请提供持证人完整姓名 name"))
    problem = name_problem(name)
    if problem is not None:  # a name the issuer refuses is no holder's: say why, as for a number
        raise ApiError(400, "invalid_name", name_problem_text(problem))
    malformed = None
    try:
        parse_number(number)
    except NumberFormatError as error:
        if not (paper.may_be_paper_number(error) and paper.paper_number_forms(number)):
            raise ApiError(400, "invalid_number", number_problem(error)) from None
        malformed = number_problem(error)
    paused = name_budget.retry_after(name)
    if paused is not None:
        response = error_response(429, "name_rate_limited", name_paused_text(paused))
        response.headers["Retry-After"] = str(paused)
        return response
    with kernel().db.read() as session:
        answer = paper.by_number_text_and_name(session, number, name)
    if answer is None:
        name_budget.charge_miss(name)
        if malformed is not None:
            raise ApiError(400, "invalid_number", malformed)
        raise not_found()
    if isinstance(answer, PaperRecord):  # names no certificate: nothing to record in a history
        return json_response({"certificate": None, "paper_record": paper_record_json(answer, kernel().settings)})
    runtime().record(answer.token, "api")
    return json_response({"certificate": certificate_json(answer, kernel().settings)})


@bp.get("/tokens/<path:token>")
@limiter.limit(_api_limit)
def certificate_by_token(token: str) -> Response:
    now = kernel().clock()
    certificate = kernel().db.run_read(lambda connection: lookup.by_token_text(connection, token, now=now))
    if certificate is None:
        raise not_found()
    runtime().record(certificate.token, "api")
    return json_response({"certificate": certificate_json(certificate, kernel().settings)})


@bp.post("/batch")
@limiter.limit(_batch_limit, cost=batch_cost)
def batch() -> Response:
    items = batch_items()
    settings = kernel().settings
    with kernel().db.read() as session:
        results = [batch_result(session, settings, index, item) for index, item in enumerate(items)]
    counts = Counter(result["status"] for result in results)
    return json_response({"count": len(results), "counts": dict(sorted(counts.items())), "results": results})


@bp.post("/verify")
@limiter.limit(_verify_limit)
def verify() -> Response:
    if request.mimetype not in ("application/pdf", "application/octet-stream"):
        raise ApiError(415, "unsupported_media_type", _("请以 Content-Type: application/pdf 上传 PDF 文件"))
    settings = kernel().settings
    with intake.admitted() as refusal:  # before the body is read
        if refusal is not None:
            response = error_response(refusal.status, refusal.code, intake.refusal_message(refusal))
            response.headers["Retry-After"] = str(refusal.retry_after)
            return response
        # Spooled to disk in chunks, never whole in memory; over MAX_CONTENT_LENGTH: 413 as JSON.
        with intake.spooled(request.stream, settings.max_pdf_bytes) as path:
            verdict = runtime().check_pdf(path) if path is not None else None
        if verdict is None:
            mb = settings.max_pdf_bytes // (1024 * 1024)
            raise ApiError(413, "too_large", _("文件太大：证书 PDF 不会超过 %(mb)s MB。", mb=mb))
        intake.charge(verdict.cpu_seconds)
    if verdict.unavailable:  # e.g. every checker busy: says nothing about the file
        response = error_response(503, "unavailable", _("暂时无法检查此文件，请稍后再试"))
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    if verdict.certificate is not None:
        runtime().record(verdict.certificate.token, "api_pdf")
    return json_response(pdf_verdict_json(verdict, settings))


@bp.get("/openapi.yaml")
def openapi_yaml() -> Response:
    return Response(OPENAPI_FILE.read_text(encoding="utf-8"), mimetype="application/yaml")


@bp.get("/openapi.json")
def openapi_json() -> Response:
    return json_response(openapi_document())


@cache
def openapi_document() -> dict[str, Any]:
    import yaml  # only for serving the JSON form; the YAML file is served as it is

    document: dict[str, Any] = yaml.safe_load(OPENAPI_FILE.read_text(encoding="utf-8"))
    return document
