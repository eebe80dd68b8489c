"""Console pages: the registry search, a certificate's versions with their audit trail and
PDFs, and revoking one (correcting: ``correct_views``; the audit log: ``audit_views``)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from accounts.notifier import OutboxNotifier
from accounts.roles import may
from accounts.runtime import runtime as accounts_runtime
from console.act_forms import ReinstateForm
from console.audit_log import certificate_trail
from console.history import history
from console.revoke import REASON_CHOICES, RevokeForm
from console.search import search, stored_version, versions_of
from ecert import NumberFormatError
from ecert.kernel import kernel
from ecert.status_words import status_word
from ecert.stored import StoredFileProblem
from ecert.vocab.numbering import parse_number
from ecert.web import private_page
from issuer import IssuerError
from issuer.cli.words import issuer_error_text, stored_file_text
from issuer.services.lifecycle import RevocationReason, revoke

bp = Blueprint("console", __name__, url_prefix="/console", template_folder="templates")


@bp.app_context_processor
def _may() -> dict[str, Any]:
    # The navigation offers only what the staff member may open (on the corrections
    # blueprint's pages too: hence app-wide; both are callables, evaluated only where used).
    return {
        "may": lambda action: may(getattr(current_user, "roles", ()), action),
        "outbox_open": lambda: isinstance(accounts_runtime().notifier, OutboxNotifier),
    }


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
    found = search(k.db, query, actor=staff_actor(), now=k.clock()) if query.strip() else None
    html = render_template("console/home.html", query=query, found=found, status_word=lambda f: status_word(f.status))
    return private_page(html)


@bp.get("/certificates/<path:number>")
@staff_may("search")
def certificate(number: str) -> Response:
    return certificate_page(number_or_404(number))


@bp.get("/certificates/<path:number>/versions/<int:version>.pdf")
@staff_may("search")
def version_pdf(number: str, version: int) -> Response:
    """Any signed version's PDF, the exact stored bytes; a download of personal data, audited."""
    k = kernel()
    number = number_or_404(number)  # as the registry spells it: also the file's name
    try:
        data = stored_version(k.db, k.store, number, version, actor=staff_actor(), now=k.clock())
    except StoredFileProblem as problem:
        return private_page(render_template("console/problem.html", problem=stored_file_text(problem)), 409)
    if data is None:
        abort(404)
    response = Response(data, mimetype="application/pdf")
    name = f"{number}-v{version}.pdf"  # ASCII by construction (parse_number)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


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
                actor=staff_actor(),
                clock=k.clock,
                notifier=accounts_runtime().notifier,
            )
        except IssuerError as error:
            form.doc_no.errors = [issuer_error_text(error)]
        else:
            return redirect(url_for("console.certificate", number=number, revoked=1))
    return certificate_page(number, form=form, status=400)


@bp.get("/outbox")
@staff_may("read_outbox")
def outbox() -> Response:
    """The development notifier's messages, newest first: in development the codes and
    notices go nowhere else, so staff read them here. No such page with a real notifier."""
    notifier = accounts_runtime().notifier
    if not isinstance(notifier, OutboxNotifier):
        abort(404)
    html = render_template("console/outbox.html", messages=notifier.entries(), folder=str(notifier.directory))
    return private_page(html)


def staff_actor() -> str:
    """How the logged-in staff member is named in the audit log."""
    return f"account:{current_user.account_id}"


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
    versions = versions_of(k.db, number, actor=staff_actor(), now=k.clock())
    if not versions:
        abort(404)
    may_read_audit = may(current_user.roles, "read_audit")
    trail = None
    if may_read_audit:
        with k.db.read() as session:
            trail = certificate_trail(session, number)
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
        corrected=request.args.get("corrected", ""),
        may_correct=may(current_user.roles, "correct") and versions[0].status.value == "valid",
        trail=trail,
        status_word=lambda f: status_word(f.status),
    )
    return private_page(html, status)
