"""Console pages: the registry search, a certificate's versions, and revoking one."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from accounts.roles import may
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
        may_issue=may(current_user.roles, "issue"),
    )
    return private_page(html)


@bp.get("/certificates/<path:number>")
@staff_may("search")
def certificate(number: str) -> Response:
    return _certificate_page(_number_or_404(number), RevokeForm(formdata=None), 200)


@bp.post("/certificates/<path:number>/revoke")
@staff_may("revoke")
def revoke_certificate(number: str) -> Any:
    number = _number_or_404(number)
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
    return _certificate_page(number, form, 400)


def _number_or_404(text: str) -> str:
    try:
        return parse_number(text).text
    except NumberFormatError:
        abort(404)


def _certificate_page(number: str, form: RevokeForm, status: int) -> Response:
    k = kernel()
    versions = versions_of(k.db, number, actor=f"account:{current_user.account_id}", now=k.clock())
    if not versions:
        abort(404)
    html = render_template(
        "console/certificate.html",
        number=number,
        versions=versions,
        form=form,
        reasons=REASON_CHOICES,
        may_revoke=may(current_user.roles, "revoke") and versions[0].status.value == "valid",
        revoked=request.args.get("revoked") == "1",
        status_word=lambda f: status_word(f.status),
    )
    return private_page(html, status)
