"""Public pages: the QR landing page ``/v/<token>`` and the lookup by number and name.

Built for a phone camera and WeChat's in-app browser: no JavaScript (the CSP forbids
it), inline CSS only, the verdict first, then the minimum of personal data.

Uniform answers: an unknown token, any malformed string and a wrong name all render
the same "未找到" verdict from the same template. Unknown and malformed tokens answer
404 (the resource does not exist; link checkers and search engines see that too);
certificates that exist answer 200 whatever their status, because "revoked" is a
verdict about an existing certificate, not an error. A token is 120 random bits, so the
status code tells an enumerator nothing the page's words do not.

Rate limits (per client address, Flask-Limiter), from ``app.config``:
``VERIFIER_PAGE_RATELIMIT`` (default 30/minute) for the landing page and
``VERIFIER_LOOKUP_RATELIMIT`` (default 10/minute) for lookup submissions.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, cast

from flask import Blueprint, Flask, Response, current_app, make_response, render_template, request
from flask.blueprints import BlueprintSetupState
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import TooManyRequests
from wtforms import StringField
from wtforms.validators import InputRequired, Length, ValidationError

from ecert import NumberFormatError
from ecert.clock import OFFICE_TZ
from ecert.kernel import kernel
from ecert.vocab.numbering import parse_number
from ecert.web import limiter
from verifier import lookup
from verifier.views import i18n
from verifier.lookup import PublicCertificate
from verifier.verdict import Verdict, format_date, verdict_for

bp = Blueprint("verifier_pages", __name__, template_folder="templates")



def _page_limit() -> str:
    return kernel().settings.ratelimits.page


def _lookup_limit() -> str:
    return kernel().settings.ratelimits.lookup


@bp.record_once
def _install(state: BlueprintSetupState) -> None:
    app = cast(Flask, state.app)
    i18n.install(app)

    @app.context_processor
    def _site() -> dict[str, Any]:
        return {"site_office_name": kernel(app).settings.office_name}


# --------------------------------------------------------------------------- views


@bp.get("/v/", defaults={"token": ""})
@bp.get("/v/<path:token>")
@limiter.limit(_page_limit)
def landing(token: str) -> Response:
    """The QR landing page. ``path:`` so that any string, slashes included, answers alike."""
    with kernel().db.read() as session:
        certificate = lookup.by_token_text(session, token)
    claim = _claim_line(lookup.normalise_token(token) or token, certificate)
    html = render_template("verifier/landing.html", **_verdict_context(certificate), claim=claim)
    return _no_store(html, 200 if certificate is not None else 404)


class LookupForm(FlaskForm):
    # Messages are i18n keys, translated in the template; parse_number's own messages
    # are bilingual and shown as they are.
    number = StringField(validators=[InputRequired("required"), Length(max=64, message="too_long")])
    name = StringField(validators=[InputRequired("required"), Length(max=64, message="too_long")])

    def validate_number(self, field: StringField) -> None:
        try:
            parse_number(field.data or "")
        except NumberFormatError as error:
            raise ValidationError(str(error)) from None


@bp.route("/lookup", methods=["GET", "POST"])
@limiter.limit(_lookup_limit, methods=["POST"])
def lookup_page() -> Response:
    form = LookupForm()
    context: dict[str, Any] = {}
    if form.validate_on_submit():
        with kernel().db.read() as session:
            certificate = lookup.by_number_text_and_name(session, form.number.data, form.name.data)
        context = _verdict_context(certificate)
        # The result shows the masked name; the full name is not echoed back, so a
        # screenshot or a shared screen keeps the mask.
        form.name.data = ""
    status = 400 if form.errors else 200
    return _no_store(render_template("verifier/lookup.html", form=form, **context), status)


@bp.errorhandler(CSRFError)
def _csrf_failed(_error: CSRFError) -> Response:
    form = LookupForm(formdata=None)
    html = render_template("verifier/lookup.html", form=form, form_message="form_expired")
    return _no_store(html, 400)


@bp.errorhandler(429)
def _too_many(error: TooManyRequests) -> Response:
    response = _no_store(render_template("verifier/busy.html"), 429)
    retry_after = getattr(error, "retry_after", None)
    if retry_after:
        response.headers["Retry-After"] = str(retry_after)
    return response


# --------------------------------------------------------------------------- helpers


@dataclass(frozen=True)
class ClaimLine:
    """What the QR claim in the URL says about this page, in both languages."""

    state: str  # "valid", "mismatch" or "invalid" ("absent" is not shown)
    message_zh: str
    message_en: str

    @property
    def ok(self) -> bool:
        return self.state == "valid"

    def message(self, lang: str) -> str:
        return self.message_en if lang == i18n.EN else self.message_zh


def _claim_line(token: str, certificate: PublicCertificate | None) -> ClaimLine | None:
    """Check the signed claim ``?c=`` of the QR URL against the registry's record.

    ``verifier.qr.check`` is imported lazily: it loads the published key set, and the
    page must still give the registry's verdict if that part is not deployed.
    """
    try:
        qr_check = importlib.import_module("verifier.qr.check")
    except ModuleNotFoundError as error:
        if error.name != "verifier.qr.check":
            raise
        return None
    try:
        status = qr_check.claim_status(
            request.args.get("c"),
            certificate,
            token=token,
            keyset=qr_check.load_published_keyset(current_app),
        )
    except Exception:  # fail closed: never "signature valid" when the check itself broke
        current_app.logger.exception("QR claim check failed")
        return ClaimLine("invalid", "无法核验二维码中的签名。", "The signature in the QR code could not be checked.")
    if status.state == "absent":
        return None
    return ClaimLine(status.state, status.message_zh, status.message_en)


def _verdict_context(certificate: PublicCertificate | None) -> dict[str, Any]:
    """What the verdict partial needs; words and dates in the page's language."""
    lang = i18n.current_lang()
    verdict: Verdict = verdict_for(certificate)
    settings = kernel().settings
    context: dict[str, Any] = {
        "certificate": certificate,
        "verdict": verdict,
        "checked_at": kernel().clock().astimezone(OFFICE_TZ).strftime("%Y-%m-%d %H:%M"),
    }
    if certificate is not None:
        context["office_name"] = lookup.issuing_office_name(
            certificate.issuing_office_code, settings.office_code, settings.office_name
        )
        context["grant_date"] = format_date(certificate.grant_date, lang)
    return context


def _no_store(html: str, status: int) -> Response:
    response = make_response(html, status)
    # The registry's status can change at any moment: no copy anywhere may be reused.
    response.headers["Cache-Control"] = "no-store"
    return response
