"""``GET/POST /verify``: upload a certificate PDF and get the verdict with its named checks.

No JavaScript (the CSP forbids it): a plain multipart form with a CSRF token. The check is
admitted before the body is read (:mod:`verifier.views.intake`: the client's CPU budget,
one check at a time per client, a bounded queue: 429 or 503 with ``Retry-After``); the file
is then spooled to a temporary file (at most ``Settings.max_pdf_bytes``), never kept, and
checked by :func:`verifier.pdf.check.verify_pdf` (the sandboxed child reads it). A
bad file is a "not valid" page with status 200, never a 500; an oversize upload is a
friendly 413 page. When the file could not be checked at all (every checker busy, or the
checker failed to start: ``verdict.unavailable``) the answer is a friendly 503 page with
``Retry-After: 30``, never "not valid". Rate-limited per client address:
``Settings.ratelimits.upload`` (default 10/minute), as the check costs ~0.1–0.3 s of CPU.
"""

from __future__ import annotations

from flask import Blueprint, Response, make_response, render_template, request
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFError
from flask_wtf.file import FileField, FileRequired
from werkzeug.exceptions import RequestEntityTooLarge

from ecert.i18n import _, _l
from ecert.kernel import kernel
from ecert.web import csrf, limiter
from verifier.admission import Refusal
from verifier.pdf.report import RETRY_AFTER_SECONDS, PdfVerdict
from verifier.runtime import runtime
from verifier.verdict import COLOURS, pdf_tone
from verifier.views import intake
from verifier.words import pdf as pdf_words

bp = Blueprint("verifier_upload", __name__, template_folder="templates")

# The multipart envelope around the file (boundaries, headers, the CSRF token field).
_ENVELOPE = 64 * 1024


def _upload_limit() -> str:
    return kernel().settings.ratelimits.upload


class UploadForm(FlaskForm):
    file = FileField(validators=[FileRequired(_l("请选择证书的 PDF 文件。"))])


def _max_mb() -> int:
    return kernel().settings.max_pdf_bytes // (1024 * 1024)


def _page(template: str, status: int = 200, **context: object) -> Response:
    html = render_template(template, max_mb=_max_mb(), words=pdf_words, **context)
    response = make_response(html, status)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/verify", methods=["GET", "POST"])
@csrf.exempt  # checked in the view once the check is admitted: nothing reads the body before
@limiter.limit(_upload_limit, methods=["POST"])
def verify_upload() -> Response:
    settings = kernel().settings
    if request.method != "POST":
        return _page("verifier/upload.html", form=UploadForm())
    if (request.content_length or 0) > settings.max_pdf_bytes + _ENVELOPE:
        return _too_large()
    with intake.admitted() as refusal:
        if refusal is not None:
            return _refused(refusal)
        csrf.protect()
        form = UploadForm()
        if not form.validate_on_submit():
            return _page("verifier/upload.html", 400, form=form)
        with intake.spooled(form.file.data.stream, settings.max_pdf_bytes) as path:
            if path is None:
                return _too_large()
            verdict = runtime().check_pdf(path)
        intake.charge(verdict.cpu_seconds)
    if verdict.certificate is not None:
        runtime().record(verdict.certificate.token, "upload")
    return _verdict_page(verdict)


def _verdict_page(verdict: PdfVerdict) -> Response:
    if verdict.unavailable:
        response = _page("verifier/upload_unavailable.html", 503, verdict=verdict, form=UploadForm(formdata=None))
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return _page("verifier/upload_result.html", verdict=verdict, colour=COLOURS[pdf_tone(verdict)])


def _refused(refusal: Refusal) -> Response:
    response = _page(
        "verifier/upload_refused.html", refusal.status, message=intake.refusal_message(refusal), refusal=refusal
    )
    response.headers["Retry-After"] = str(refusal.retry_after)
    return response


def _too_large() -> Response:
    message = _("文件太大：证书 PDF 不会超过 %(mb)s MB。", mb=_max_mb())
    return _page("verifier/upload.html", 413, form=UploadForm(formdata=None), message=message)


@bp.errorhandler(RequestEntityTooLarge)
def _entity_too_large(_error: RequestEntityTooLarge) -> Response:
    return _too_large()


@bp.errorhandler(CSRFError)
def _csrf_failed(_error: CSRFError) -> Response:
    message = _("表单已过期，请重新选择文件再提交。")
    return _page("verifier/upload.html", 400, form=UploadForm(formdata=None), message=message)
