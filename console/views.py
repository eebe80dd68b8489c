"""Console pages: the registry search, a certificate's versions, and revoking one."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from accounts.roles import may
from console.act_forms import ReinstateForm
from console.history import history
from console.revoke import REASON_CHOICES, RevokeForm
from console.search import search, versions_of
from ecert import NumberFormatError
from ecert.kernel import kernel
from ecert.status_words import status_word
from ecert.vocab.numbering import parse_number
from ecert.web import private_page
from issuer import IssuerError
from issuer.cli.words import issuer_error_text
from issuer.services.lifecycle import RevocationReason, revoke

bp = Blueprint("console", __name__, url_prefix="/console", template_folder="templates")


def staff_may(action: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Only a logged-in staff member whose roles allow ``action``; holders get 404."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        @login_required
        def checked(*args: Any, **kwargs: Any) -> Any:
            if current_user.is_holder:
                abort(404)
            if not may(current_user.roles, action):
                abort(403)
            return view(*args, **kwargs)

        return checked

    return decorate


@bp.get("/")
@staff_may("search")
def home() -> Response:
    query = request.args.get("q", "")[:64]
    k = kernel()
    found = search(k.db, query, actor=f"account:{current_user.account_id}", now=k.clock()) if query.strip() else None
    html = render_template(
        "console/home.html",
        query=query,
        found=found,
        status_word=lambda f: status_word(f.status),
        may_batch_revoke=may(current_user.roles, "batch_revoke"),
        may_confirm=may(current_user.roles, "confirm"),
    )
    return private_page(html)


@bp.get("/certificates/<path:number>")
@staff_may("search")
def certificate(number: str) -> Response:
    return certificate_page(number_or_404(number))


@bp.post("/certificates/<path:number>/revoke")
@staff_may("revoke")
def revoke_certificate(number: str) -> Any:
    number = number_or_404(number)
    form = RevokeForm()
    if form.validate_on_submit():
        k = kernel()
        try:
            revoke(
                k.db,
                number,
                reason=RevocationReason(form.reason.data),
                doc_no=form.doc_no.data,
                note=(form.note.data or "").strip(),
                actor=f"account:{current_user.account_id}",
                clock=k.clock,
            )
        except IssuerError as error:
            form.doc_no.errors = [issuer_error_text(error)]
        else:
            return redirect(url_for("console.certificate", number=number, revoked=1))
    return certificate_page(number, form=form, status=400)


def number_or_404(text: str) -> str:
    try:
        return parse_number(text).text
    except NumberFormatError:
        abort(404)


def certificate_page(
    number: str, *, form: RevokeForm | None = None, reinstate_form: FlaskForm | None = None, status: int = 200
) -> Response:
    """The certificate's versions, its history (revoked, reinstated...) and the forms the
    staff member's roles allow; a form handed in is shown with its errors."""
    k = kernel()
    versions = versions_of(k.db, number, actor=f"account:{current_user.account_id}", now=k.clock())
    if not versions:
        abort(404)
    html = render_template(
        "console/certificate.html",
        number=number,
        versions=versions,
        form=form or RevokeForm(formdata=None),
        reinstate_form=reinstate_form or ReinstateForm(formdata=None),
        history=history(k.db, number),
        reasons=REASON_CHOICES,
        reason_labels=dict(REASON_CHOICES),
        may_reinstate=may(current_user.roles, "reinstate") and versions[0].status.value == "revoked",
        may_revoke=may(current_user.roles, "revoke") and versions[0].status.value == "valid",
        revoked=request.args.get("revoked") == "1",
        status_word=lambda f: status_word(f.status),
    )
    return private_page(html, status)
