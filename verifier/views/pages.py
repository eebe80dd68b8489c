"""Public pages: the QR landing page ``/v/<token>`` and the lookup by number and name.

Built for a phone camera and WeChat's in-app browser: no JavaScript (the CSP forbids
it), inline CSS only, the verdict first, then the minimum of personal data. The landing
page prints as a verification record (base.html's ``@media print``): verdict, fields, the
time of the check to the second and the page's address; the browser's own print command
does it (no script may call ``window.print()``), and the page says how.

Uniform answers: an unknown token, any malformed string and a wrong name all render
the same "未找到" verdict from the same template. Unknown and malformed tokens answer
404 (the resource does not exist; link checkers and search engines see that too);
certificates that exist answer 200 whatever their status, because "revoked" is a
verdict about an existing certificate, not an error. A token is 120 random bits, so the
status code tells an enumerator nothing the page's words do not.

A number of another shape than ours may be a pre-2021 paper certificate's
(``verifier.paper``): with the right name the lookup shows the certificate converted from
it, or "纸质证书存档记录存在，尚未转换为电子证书" (``verifier/_paper_record.html``) when an
archive roster lists it; otherwise the number's format error, as before, counted as a miss
of the name's budget (it was looked up).

Rate limits (per client address, Flask-Limiter), from ``Settings.ratelimits``: ``page``
(default 30/minute) for the landing page and ``lookup`` (default 10/minute) for lookup
submissions.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, make_response, render_template, request
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import TooManyRequests
from wtforms import StringField
from wtforms.validators import InputRequired, Length, ValidationError

from ecert import NumberFormatError
from ecert.clock import OFFICE_TZ
from ecert.i18n import _l, format_date, format_datetime
from ecert.kernel import kernel
from ecert.vocab.names import name_problem
from ecert.vocab.numbering import parse_number
from ecert.vocab.tokens import normalise_token
from ecert.web import limiter
from verifier import lookup, paper
from verifier.lookup import PublicCertificate
from verifier.paper import PaperRecord
from verifier.qr.check import claim_status, load_published_keyset
from verifier.runtime import runtime
from verifier.verdict import verdict_for
from verifier.views import name_budget
from verifier.words import claim as claim_words
from verifier.words import paper as paper_words
from verifier.words import verdict as verdict_words
from verifier.words.name import name_paused_text, name_problem_text
from verifier.words.number import number_problem

bp = Blueprint("verifier_pages", __name__, template_folder="templates")


def _page_limit() -> str:
    return kernel().settings.ratelimits.page


def _lookup_limit() -> str:
    return kernel().settings.ratelimits.lookup


# --------------------------------------------------------------------------- views


@bp.get("/v/", defaults={"token": ""})
@bp.get("/v/<path:token>")
@limiter.limit(_page_limit)
def landing(token: str) -> Response:
    """The QR landing page. ``path:`` so that any string, slashes included, answers alike."""
    now = kernel().clock()
    certificate = kernel().db.run_read(lambda connection: lookup.by_token_text(connection, token, now=now))
    if certificate is not None:
        runtime().record(certificate.token, "qr")
    claim = _claim_line(normalise_token(token) or token, certificate)
    context = _verdict_context(certificate)
    html = render_template("verifier/landing.html", **context, claim=claim, page_url=_page_url(certificate))
    return _no_store(html, 200 if certificate is not None else 404)


def _page_url(certificate: PublicCertificate | None) -> str | None:
    """The address the printed record names, so that an HR file can come back to it: the
    certificate's canonical QR address (its QR code's, without the claim). None when not
    found: unknown and malformed tokens answer alike, so nothing of the path is echoed."""
    return kernel().settings.verify_url(certificate.token) if certificate is not None else None


class LookupForm(FlaskForm):
    number = StringField(validators=[InputRequired(_l("请填写此项")), Length(max=64, message=_l("内容过长"))])
    name = StringField(validators=[InputRequired(_l("请填写此项")), Length(max=64, message=_l("内容过长"))])

    # The format error of a number that may be a paper certificate's: said only when no
    # paper certificate of that number and name is found either.
    number_problem: str | None = None

    def validate_number(self, field: StringField) -> None:
        try:
            parse_number(field.data or "")
        except NumberFormatError as error:
            if paper.may_be_paper_number(error) and paper.paper_number_forms(field.data or ""):
                self.number_problem = number_problem(error)
                return
            raise ValidationError(number_problem(error)) from None

    def validate_name(self, field: StringField) -> None:
        # The rule the issuer applies to names: a name it would refuse is said to be
        # wrong here too (like a number's typo), and never reaches the registry.
        problem = name_problem(field.data or "")
        if problem is not None:
            raise ValidationError(name_problem_text(problem))


@bp.route("/lookup", methods=["GET", "POST"])
@limiter.limit(_lookup_limit, methods=["POST"])
def lookup_page() -> Response:
    form = LookupForm()
    context: dict[str, Any] = {}
    status = 200
    if form.validate_on_submit():
        paused = name_budget.retry_after(form.name.data)
        if paused is not None:
            form.name.errors = [name_paused_text(paused)]
            response = _no_store(render_template("verifier/lookup.html", form=form), 429)
            response.headers["Retry-After"] = str(paused)
            return response
        with kernel().db.read() as session:
            answer = paper.by_number_text_and_name(session, form.number.data, form.name.data)
        if answer is None:
            name_budget.charge_miss(form.name.data)
            if form.number_problem is not None:  # no paper certificate either: the typo it looked like
                form.number.errors = [form.number_problem]
                return _no_store(render_template("verifier/lookup.html", form=form), 400)
        if isinstance(answer, PaperRecord):  # names no certificate: nothing to record in a history
            context = _paper_context(answer)
        else:
            if answer is not None:
                runtime().record(answer.token, "lookup")
            context = _verdict_context(answer)
        # The result shows the masked name; the full name is not echoed back, so a
        # screenshot or a shared screen keeps the mask.
        form.name.data = ""
    elif form.errors:
        status = 400
    return _no_store(render_template("verifier/lookup.html", form=form, **context), status)


@bp.errorhandler(CSRFError)
def _csrf_failed(_error: CSRFError) -> Response:
    form = LookupForm(formdata=None)
    html = render_template("verifier/lookup.html", form=form, form_expired=True)
    return _no_store(html, 400)


@bp.errorhandler(429)
def _too_many(error: TooManyRequests) -> Response:
    response = _no_store(render_template("verifier/busy.html"), 429)
    retry_after = getattr(error, "retry_after", None)
    if retry_after:
        response.headers["Retry-After"] = str(retry_after)
    return response


# --------------------------------------------------------------------------- helpers


def _claim_line(token: str, certificate: PublicCertificate | None) -> dict[str, Any] | None:
    """What the signed claim ``?c=`` of the QR URL says against the registry's record:
    ``{"ok": bool, "message": str}``, or None when the URL carries none."""
    if not (request.args.get("c") or "").strip():
        return None  # most visits: typed or shared links; no key set to stat and read
    try:
        status = claim_status(
            request.args.get("c"), certificate, token=token, keyset=load_published_keyset(current_app)
        )
    except Exception:  # fail closed: never "signature valid" when the check itself broke
        current_app.logger.exception("QR claim check failed")
        return {"ok": False, "message": claim_words.check_failed_line(), "headline": claim_words.headline("invalid")}
    if status.state == "absent":
        return None
    ok = status.state == "valid"
    return {
        "ok": ok,
        "message": claim_words.claim_line(status),
        "headline": None if ok else claim_words.headline(status.state),
    }


def _verdict_context(certificate: PublicCertificate | None) -> dict[str, Any]:
    """What the verdict partial needs; words and dates in the page's language."""
    verdict = verdict_for(certificate)
    settings = kernel().settings
    now = kernel().clock()
    context: dict[str, Any] = {
        "certificate": certificate,
        "verdict": verdict,
        "verdict_word": verdict_words.status_word(verdict.status),
        "verdict_sentence": verdict_words.sentence(verdict),
        "checked_at": format_datetime(now),
        # To the second, for the printed record: "checked at" is what an HR file keeps.
        "checked_at_exact": f"{now.astimezone(OFFICE_TZ):%Y-%m-%d %H:%M:%S}",
    }
    if certificate is not None:
        context["issuing_office"] = lookup.issuing_office_name(
            certificate.issuing_office_code, settings.office_code, settings.office_name
        )
        context["grant_date"] = format_date(certificate.grant_date)
    return context


def _paper_context(record: PaperRecord) -> dict[str, Any]:
    """What ``verifier/_paper_record.html`` needs."""
    office = kernel().settings.office_name
    return {
        "paper_record": record,
        "paper_colour": paper_words.PAPER_RECORD_COLOUR,
        "verdict_word": paper_words.paper_word(),
        "paper_sentence": paper_words.paper_sentence(office),
        "approval_year": paper_words.approval_year_text(record),
        "checked_at": format_datetime(kernel().clock()),
    }


def _no_store(html: str, status: int) -> Response:
    response = make_response(html, status)
    # The registry's status can change at any moment: no copy anywhere may be reused.
    response.headers["Cache-Control"] = "no-store"
    return response
