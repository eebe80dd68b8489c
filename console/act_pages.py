"""Console pages of the two-person acts: revoke what one approval 文号 granted (form,
preview, proposal), the acts waiting for a second person, one act's page (confirm, or
cancel by its proposer), and proposing a revoked certificate's reinstatement."""

from __future__ import annotations

from typing import Any

from flask import Response, abort, redirect, render_template, request, url_for
from flask_login import current_user

from accounts.runtime import runtime as accounts_runtime
from console.act_forms import ActForm, BatchRevokeForm, ReinstateForm
from console.revoke import REASON_CHOICES
from console.views import bp, certificate_page, number_or_404, staff_may
from ecert.kernel import kernel
from ecert.status_words import status_word
from ecert.web import private_page
from issuer import IssuerError
from issuer.cli.act_words import KIND_WORDS, STATE_WORDS, act_error_text
from issuer.services import act_listing, acts
from issuer.services.lifecycle import RevocationReason
from issuer.services.reinstatement import checked_doc_no


def _me() -> str:
    return f"account:{current_user.account_id}"


@bp.route("/revocations/new", methods=["GET", "POST"])
@staff_may("batch_revoke")
def new_revocation() -> Any:
    form = BatchRevokeForm(formdata=None) if request.method == "GET" else BatchRevokeForm()
    if request.method == "GET" or not form.validate_on_submit():
        return _revocation_form(form, 200 if request.method == "GET" else 400)
    k = kernel()
    found: list[act_listing.Listed] = []
    try:
        # Both 文号 read as the decisions file requires; shown normalised on the next page.
        form.doc_no.data = checked_doc_no(form.doc_no.data)
    except IssuerError as error:
        form.doc_no.errors = [act_error_text(error)]
    try:
        found = act_listing.granted_by(k.db, form.granted_by.data, actor=_me(), now=k.clock())
        form.granted_by.data = checked_doc_no(form.granted_by.data)
    except IssuerError as error:
        form.granted_by.errors = [act_error_text(error)]
    if not found and not form.granted_by.errors:
        form.granted_by.errors = [act_error_text(acts.ActError("act.empty", doc_no=form.granted_by.data))]
    if form.doc_no.errors or form.granted_by.errors:
        return _revocation_form(form, 400)
    changed = ""
    if form.step.data == "propose":
        try:
            act_id = acts.propose_batch_revoke(
                k.db,
                granted=form.granted_by.data,
                doc_no=form.doc_no.data,
                reason=RevocationReason(form.reason.data),
                note=(form.note.data or "").strip(),
                shown=tuple(n for n in (form.shown.data or "").split(",") if n),
                proposer=current_user.account_id,
                clock=k.clock,
            )
        except IssuerError as error:
            changed = act_error_text(error)  # the list moved since the preview: show the new one
        else:
            return redirect(url_for("console.act", act_id=act_id))
    form.shown.data = ",".join(f.number for f in found)
    html = render_template(
        "console/revocation_preview.html",
        form=form,
        found=found,
        changed=changed,
        reason_label=dict(REASON_CHOICES)[form.reason.data],
        status_word=lambda f: status_word(f.status),
    )
    return private_page(html, 409 if changed else 200)


def _revocation_form(form: BatchRevokeForm, status: int) -> Response:
    return private_page(render_template("console/revocation_new.html", form=form, reasons=REASON_CHOICES), status)


@bp.get("/acts/")
@staff_may("confirm")
def pending_acts() -> Response:
    k = kernel()
    html = render_template(
        "console/acts.html", acts=acts.pending(k.db, now=k.clock()), kinds=KIND_WORDS, me=current_user.account_id
    )
    return private_page(html)


@bp.get("/acts/<int:act_id>")
@staff_may("confirm")
def act(act_id: int) -> Response:
    return _act_page(act_id, "", 200)


@bp.post("/acts/<int:act_id>/confirm")
@staff_may("confirm")
def confirm_act(act_id: int) -> Any:
    if not ActForm().validate_on_submit():
        abort(400)
    k = kernel()
    try:
        acts.confirm(
            k.db, act_id, confirmer=current_user.account_id, clock=k.clock, notifier=accounts_runtime().notifier
        )
    except IssuerError as error:
        return _act_page(act_id, act_error_text(error), 409)
    return redirect(url_for("console.act", act_id=act_id))


@bp.post("/acts/<int:act_id>/cancel")
@staff_may("confirm")
def cancel_act(act_id: int) -> Any:
    if not ActForm().validate_on_submit():
        abort(400)
    k = kernel()
    try:
        acts.cancel(k.db, act_id, by=current_user.account_id, clock=k.clock)
    except IssuerError as error:
        return _act_page(act_id, act_error_text(error), 409)
    return redirect(url_for("console.act", act_id=act_id))


@bp.post("/certificates/<path:number>/reinstate")
@staff_may("reinstate")
def reinstate_certificate(number: str) -> Any:
    number = number_or_404(number)
    form = ReinstateForm()
    if form.validate_on_submit():
        k = kernel()
        try:
            act_id = acts.propose_reinstate(
                k.db,
                number,
                reason=form.reason.data.strip(),
                doc_no=form.doc_no.data,
                proposer=current_user.account_id,
                clock=k.clock,
            )
        except IssuerError as error:
            form.doc_no.errors = [act_error_text(error)]
        else:
            return redirect(url_for("console.act", act_id=act_id))
    return certificate_page(number, reinstate_form=form, status=400)


def _act_page(act_id: int, problem: str, status: int) -> Response:
    k = kernel()
    try:
        shown = acts.get(k.db, act_id, now=k.clock())
    except acts.ActError:
        abort(404)
    certificates = act_listing.listed(k.db, shown.numbers, actor=_me(), subject=f"act:{act_id}", now=k.clock())
    html = render_template(
        "console/act.html",
        act=shown,
        certificates=certificates,
        problem=problem,
        kind_word=KIND_WORDS.get(shown.kind, shown.kind),
        state_word=STATE_WORDS.get(shown.state, shown.state),
        reason_label=dict(REASON_CHOICES).get(shown.params.get("reason", ""), shown.params.get("reason", "")),
        form=ActForm(formdata=None),
        mine=shown.proposed_by == current_user.account_id,
        status_word=lambda f: status_word(f.status),
    )
    return private_page(html, status)
