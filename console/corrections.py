"""The staff queue of holders' correction requests: the list, one request with its
attachment (each opening audited) and the answer form. Reviewers and approvers answer;
an accepted request is then corrected through the console's own correction."""

from __future__ import annotations

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse

from accounts.runtime import runtime
from console.views import staff_may
from ecert.kernel import kernel
from ecert.web import private_page
from portal import corrections
from portal.correction_forms import AnswerForm
from portal.correction_views import attachment_response
from portal.correction_words import FIELD_WORDS, OUTCOME_WORDS

bp = Blueprint("console_corrections", __name__, url_prefix="/console/corrections", template_folder="templates")


def _actor() -> str:
    return f"account:{current_user.account_id}"


@bp.get("/")
@staff_may("answer_corrections")
def queue() -> Response:
    with kernel().db.read() as session:
        found = corrections.queue(session)
    return private_page(render_template("console/corrections.html", found=found, fields=FIELD_WORDS))


@bp.get("/<int:request_id>")
@staff_may("answer_corrections")
def detail(request_id: int) -> Response:
    return _page(request_id, AnswerForm(formdata=None), 200)


@bp.post("/<int:request_id>/answer")
@staff_may("answer_corrections")
def answer(request_id: int) -> BaseResponse:
    form = AnswerForm()
    if form.validate_on_submit():
        k = kernel()
        done = corrections.answer(
            k.db, runtime().notifier, request_id, outcome=form.outcome.data, text=form.text.data,
            actor=_actor(), now=k.clock(),
        )  # fmt: skip
        if done:
            return redirect(url_for("console_corrections.detail", request_id=request_id, answered=1))
        with k.db.read() as session:
            if corrections.one(session, request_id) is None:
                abort(404)
        return redirect(url_for("console_corrections.detail", request_id=request_id))  # answered already
    return _page(request_id, form, 400)


@bp.get("/<int:request_id>/attachment")
@staff_may("answer_corrections")
def attachment(request_id: int) -> Response:
    k = kernel()
    found = corrections.attachment_viewed(k.db, request_id, actor=_actor(), now=k.clock())
    if found is None:
        abort(404)
    return attachment_response(k.store, found)


def _page(request_id: int, form: AnswerForm, status: int) -> Response:
    k = kernel()
    found = corrections.viewed(k.db, request_id, actor=_actor(), now=k.clock())
    if found is None:
        abort(404)
    html = render_template(
        "console/correction.html",
        r=found,
        form=form,
        fields=FIELD_WORDS,
        outcomes=OUTCOME_WORDS,
        answered=request.args.get("answered") == "1",
    )
    return private_page(html, status)
