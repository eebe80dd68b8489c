"""A holder's correction requests: the form on a certificate of 我的证书, the list of the
holder's requests with their answers, and the holder's own attachment. Everything is
checked against the logged-in holder: another holder's request is 404."""

from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response as BaseResponse

from ecert.i18n import _
from ecert.kernel import kernel
from ecert.storage import BlobStore
from ecert.web import limiter, private_page
from portal import corrections
from portal.attachments import EXTENSIONS, MAX_BYTES, Cleaned, clean
from portal.certificates import one_held_by
from portal.correction_forms import CorrectionForm
from portal.correction_words import FIELD_WORDS, OUTCOME_WORDS, REFUSAL_WORDS

bp = Blueprint("corrections", __name__, url_prefix="/my", template_folder="templates")


def _limit() -> str:
    return kernel().settings.ratelimits.corrections


def _account_key() -> str:
    return f"correction:{current_user.account_id}"


@bp.errorhandler(429)
def _too_many(_error: Exception) -> BaseResponse:
    message = _("提交过于频繁，请 1 小时后再试；已提交的申请不受影响。")
    return private_page(render_template("error.html", code=429, message=message), 429)


def _holder_id() -> int:
    # Staff have the console; an unbound holder has no certificate to ask about.
    if not current_user.is_holder or current_user.holder_id is None:
        abort(404)
    return int(current_user.holder_id)


@bp.route("/certificates/<int:certificate_id>/correction", methods=["GET", "POST"])
@login_required
@limiter.limit(_limit, key_func=_account_key, methods=["POST"])
def ask(certificate_id: int) -> BaseResponse:
    holder_id = _holder_id()
    k = kernel()
    with k.db.read() as session:
        held = one_held_by(session, holder_id, certificate_id)
    if held is None or held.status.value != "valid":
        abort(404)
    form = CorrectionForm()
    if form.validate_on_submit():
        upload = request.files.get("attachment")
        cleaned: Cleaned | None = None
        if upload is not None and upload.filename:
            # One byte over the limit is enough to know: never read a hostile upload whole.
            outcome = clean(upload.stream.read(MAX_BYTES + 1))
            if isinstance(outcome, Cleaned):
                cleaned = outcome
            else:
                form.attachment.errors = [str(REFUSAL_WORDS[outcome.code])]
        if not form.attachment.errors:
            request_id = corrections.submit(
                k.db, k.store, holder_id=holder_id, account_id=current_user.account_id,
                certificate_id=certificate_id, field=form.field.data,
                what_is_wrong=form.what_is_wrong.data.strip(), attachment=cleaned,
                attachment_name=upload.filename if cleaned is not None and upload is not None else None,
                now=k.clock(),
            )  # fmt: skip
            if request_id is None:
                abort(404)
            return redirect(url_for("corrections.detail", request_id=request_id, sent=1))
    html = render_template("portal/correction_form.html", form=form, held=held, fields=FIELD_WORDS)
    return private_page(html, 400 if form.errors else 200)


@bp.get("/corrections")
@login_required
def mine() -> Response:
    holder_id = _holder_id()
    with kernel().db.read() as session:
        found = corrections.of_holder(session, holder_id)
    return private_page(render_template("portal/corrections.html", found=found, fields=FIELD_WORDS))


@bp.get("/corrections/<int:request_id>")
@login_required
def detail(request_id: int) -> Response:
    holder_id = _holder_id()
    with kernel().db.read() as session:
        found = corrections.one_of_holder(session, holder_id, request_id)
    if found is None:
        abort(404)
    html = render_template(
        "portal/correction.html",
        r=found,
        fields=FIELD_WORDS,
        outcomes=OUTCOME_WORDS,
        sent=request.args.get("sent") == "1",
    )
    return private_page(html)


@bp.get("/corrections/<int:request_id>/attachment")
@login_required
def attachment(request_id: int) -> Response:
    holder_id = _holder_id()
    k = kernel()
    with k.db.read() as session:
        found = corrections.one_of_holder(session, holder_id, request_id)
    if found is None:
        abort(404)
    return attachment_response(k.store, found)


def attachment_response(store: BlobStore, found: corrections.Request) -> Response:
    """The stored, cleaned bytes as a download (never shown inline), named by us."""
    if found.attachment_sha256 is None or found.attachment_type is None:
        abort(404)
    response = Response(store.get(found.attachment_sha256), mimetype=found.attachment_type)
    name = f"correction-{found.id}.{EXTENSIONS.get(found.attachment_type, 'bin')}"
    response.headers["Content-Disposition"] = f"attachment; filename=\"{name}\"; filename*=UTF-8''{quote(name)}"
    response.headers["Cache-Control"] = "private, no-store"
    return response
