"""``/console/issue``: an approver uploads a decisions CSV; every row error is shown in a
table and nothing is issued, or the batch starts in the background and
``/console/issue/<batch_id>`` shows its progress, then what it issued.

The file is checked in the request (reading and checking a row takes milliseconds); only
issuing (~0.25 s a certificate) goes to the background (``console.batch_runner``).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, current_app, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from accounts.roles import may
from console import batch_runner
from console.issue_batches import (
    BatchJob,
    BatchStatus,
    earlier_batches,
    is_stale,
    load_batch,
    open_batch,
    read_and_check,
)
from console.issue_upload import UploadForm, error_line, issuer_failure_text, problem_text, read_limited, too_large_text
from console.views import staff_may
from ecert.clock import office_date
from ecert.i18n import _
from ecert.kernel import kernel
from ecert.web import private_page
from issuer import IssuerError
from issuer.cli.words import describe_problems
from issuer.decisions import DecisionFileProblem
from issuer.runtime import runtime

bp = Blueprint("console_issue", __name__, url_prefix="/console", template_folder="templates")


def _actor() -> str:
    return f"account:{current_user.account_id}"


@bp.get("/issue")
@staff_may("issue")
def upload_page() -> Response:
    return _form_page(UploadForm(formdata=None), 200)


@bp.post("/issue")
@staff_may("issue")
def upload() -> Any:
    form = UploadForm()
    if not form.validate_on_submit():
        return _form_page(form, 400)
    data = read_limited(form.file.data.stream)
    if data is None:
        return _form_page(form, 413, file_error=too_large_text())
    k = kernel()
    issuance = runtime(current_app).issuance(actor=_actor())
    try:
        decisions, errors = read_and_check(issuance, data, today=office_date(k.clock()))
    except DecisionFileProblem as problem:
        return _form_page(form, 400, file_error=describe_problems(problem.problems))
    except IssuerError as error:  # no row's fault (the public URL): nothing can be issued
        return _form_page(form, 400, file_error=issuer_failure_text(error))
    lines = [error_line({**e.__dict__, "params": dict(e.params)}) for e in errors]
    if not decisions and not errors:
        return _form_page(form, 400, file_error=_("文件只有列名行，没有审批决定"))
    if (errors and not form.skip_invalid.data) or not decisions:
        return _form_page(form, 400, errors=lines)
    opened = open_batch(
        k.db,
        data=data,
        file_name=form.file.data.filename or "",
        actor=_actor(),
        skip_invalid=bool(form.skip_invalid.data),
        rows_total=len(decisions),
        at=k.clock(),
    )
    if opened.started:
        app = current_app._get_current_object()  # type: ignore[attr-defined]  # the thread outlives the request
        batch_runner.launch(app, _job(opened.batch_id, data, bool(form.skip_invalid.data)))
    return redirect(
        url_for("console_issue.batch_page", batch_id=opened.batch_id, again=0 if opened.started else 1), 303
    )


def _job(batch_id: str, data: bytes, skip_invalid: bool) -> BatchJob:
    return BatchJob(batch_id=batch_id, data=data, skip_invalid=skip_invalid, actor=_actor())


@bp.get("/issue/<batch_id>")
@staff_may("issue")
def batch_page(batch_id: str) -> Response:
    k = kernel()
    batch = load_batch(k.db, batch_id[:32])
    if batch is None:
        abort(404)
    now = k.clock()
    issued = [r for r in batch.results if r["status"] == "issued"]
    already = [r for r in batch.results if r["status"] != "issued"]
    html = render_template(
        "console/issue_batch.html",
        batch=batch,
        running=batch.status == BatchStatus.RUNNING and not is_stale(batch, now),
        stale=is_stale(batch, now),
        issued=issued,
        already=already,
        errors=[error_line(e) for e in batch.errors],
        invalid_rows=len({e["row"] for e in batch.errors}),
        problem=problem_text(batch.problem) if batch.problem else "",
        earlier=earlier_batches(k.db, batch),
    )
    return private_page(html)


def _form_page(form: UploadForm, status: int, *, file_error: str = "", errors: list[Any] | None = None) -> Response:
    html = render_template("console/issue.html", form=form, file_error=file_error, errors=errors)
    return private_page(html, status)


@bp.errorhandler(RequestEntityTooLarge)
def _entity_too_large(_error: RequestEntityTooLarge) -> Any:
    # Raised while the body is read, before the view's access check: only an approver sees the form.
    user = current_user
    if not user.is_authenticated or user.is_holder or not may(user.roles, "issue"):
        return render_template("error.html", code=413, message=_("文件太大")), 413
    return _form_page(UploadForm(formdata=None), 413, file_error=too_large_text())
