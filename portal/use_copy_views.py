"""加注件 pages of 我的证书: make one (signed in the request), see it, download it, withdraw it.

Signing a copy takes well under a second here, so the form waits for it and the next page
says it is ready; every object is checked against the logged-in holder (404 otherwise).
"""

from __future__ import annotations

import time
from urllib.parse import quote

import segno
from flask import Response, abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response as BaseResponse

from ecert.clock import OFFICE_TZ
from ecert.i18n import _
from ecert.kernel import kernel
from ecert.verifications import DETAILED_PER_DAY, history_of
from ecert.web import private_page
from issuer import IssuerError
from issuer.runtime import runtime
from issuer.services.use_copy import UseCopyError, make_use_copy, withdraw_use_copy
from portal.certificates import one_held_by
from portal.history_words import CHANNEL_WORDS
from portal.use_copies import HeldCopy, one_copy
from portal.use_copy_forms import UseCopyForm, WithdrawForm
from portal.use_copy_words import error_text
from portal.views import _holder, bp, render_home
from verifier.words.verdict import status_word


def _bound_holder() -> int:
    _holder()
    if current_user.holder_id is None:
        abort(404)
    return int(current_user.holder_id)


@bp.post("/certificates/<int:certificate_id>/use-copies")
@login_required
def make_copy(certificate_id: int) -> BaseResponse:
    holder_id = _bound_holder()
    with kernel().db.read() as session:  # another holder's certificate: 404 before any field is read
        if one_held_by(session, holder_id, certificate_id) is None:
            abort(404)
    form = UseCopyForm(prefix=f"c{certificate_id}")
    if form.validate_on_submit():
        started = time.perf_counter()
        try:
            made = make_use_copy(
                runtime(current_app).issuance(actor=f"account:{current_user.account_id}"),
                holder_id=holder_id,
                certificate_id=certificate_id,
                recipient=form.recipient.data,
                purpose=form.purpose.data,
                valid_until=form.day,
            )
        except UseCopyError as error:
            if error.code in ("use_copy.certificate_not_found", "use_copy.not_found"):
                abort(404)
            field = getattr(form, error.field) if error.field else None
            if field is not None:
                field.errors = [error_text(error)]
            else:
                form.form_errors.append(error_text(error))
        except (IssuerError, OSError):  # the signer, the timestamp authority, the disk: nothing was recorded
            current_app.logger.exception("use copy of certificate %s could not be made", certificate_id)
            form.form_errors.append(_("暂时无法制作加注件，请稍后再试；您填写的内容已保留。"))
            return render_home({certificate_id: form}, 503)
        else:
            seconds = f"{time.perf_counter() - started:.1f}"
            return redirect(url_for("portal.use_copy", copy_id=made.id, made=seconds))
    return render_home({certificate_id: form}, 400)


@bp.get("/use-copies/<int:copy_id>")
@login_required
def use_copy(copy_id: int) -> Response:
    return _copy_page(_held_copy(copy_id), WithdrawForm())


@bp.get("/use-copies/<int:copy_id>.pdf")
@login_required
def use_copy_pdf(copy_id: int) -> Response:
    copy = _held_copy(copy_id)
    response = Response(kernel().store.get(copy.pdf_sha256), mimetype="application/pdf")
    name = f"{copy.number}-v{copy.version}-加注件{copy.id}.pdf"
    ascii_name = name.encode("ascii", "replace").decode("ascii").replace("?", "_")
    response.headers["Content-Disposition"] = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/use-copies/<int:copy_id>/withdraw")
@login_required
def withdraw_copy(copy_id: int) -> BaseResponse:
    copy = _held_copy(copy_id)
    form = WithdrawForm()
    if form.validate_on_submit():
        k = kernel()
        try:
            withdraw_use_copy(
                k.db,
                holder_id=_bound_holder(),
                copy_id=copy.id,
                actor=f"account:{current_user.account_id}",
                clock=k.clock,
            )
        except UseCopyError as error:
            if error.code == "use_copy.not_found":
                abort(404)
            form.confirm.errors = [error_text(error)]
        else:
            return redirect(url_for("portal.use_copy", copy_id=copy.id, withdrawn=1))
    return _copy_page(copy, form, 400)


def _held_copy(copy_id: int) -> HeldCopy:
    holder_id = _bound_holder()
    k = kernel()
    with k.db.read() as session:
        copy = one_copy(session, holder_id, copy_id, k.clock())
    if copy is None:
        abort(404)
    return copy


def _copy_page(copy: HeldCopy, form: WithdrawForm, status: int = 200) -> Response:
    k = kernel()
    url = k.settings.verify_url(copy.token)
    with k.db.read() as session:  # the copy's own checks: they are recorded under its token
        days = history_of(session, copy.token)
    try:  # the seconds the signing took, as the redirect said; anything else is not shown
        made: float | None = round(float(request.args.get("made", "")), 1)
    except ValueError:
        made = None
    return private_page(
        render_template(
            "portal/use_copy.html",
            copy=copy,
            form=form,
            status_word=status_word(copy.status),
            verify_url=url,
            qr=segno.make(url, error="m").svg_data_uri(scale=4, border=4),
            made=made if made is not None and 0 <= made < 600 else None,
            withdrawn=request.args.get("withdrawn") == "1" and copy.withdrawn_at is not None,
            days=days,
            channel_word=lambda channel: str(CHANNEL_WORDS.get(channel, channel)),
            format_time=lambda at: f"{at.astimezone(OFFICE_TZ):%H:%M}",
            detailed_per_day=DETAILED_PER_DAY,
        ),
        status,
    )
