"""``/console/issue``: an approver uploads a decisions CSV; every row error is shown in a
table and nothing is issued, or the batch starts in the background and
``/console/issue/<batch_id>`` shows its progress, then what it issued.

The file is read in the request (a thousand rows in about a second): a file that cannot be
read, or rows the reading refuses, are answered at once. The other checks (fonts, the page,
the QR code, the registry: ~0.1 s a row) and the issuing (~0.25 s a certificate) run in the
background (``console.batch_runner``), and the batch's page shows their row errors.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from accounts.roles import may
from console import batch_runner
from console.issue_batches import (
    BatchJob,
    earlier_batches,
    is_live,
    is_stale,
    load_batch,
    open_batch,
    read_file,
    row_error_record,
)
from console.issue_upload import UploadForm, error_line, problem_text, read_limited, too_large_text
from console.views import staff_may
from ecert.clock import office_date
from ecert.i18n import _
from ecert.kernel import kernel
from ecert.web import private_page
from issuer.cli.words import describe_problems
from issuer.decisions import DecisionFileProblem

REFRESH_SECONDS = 2

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
    try:
        parsed = read_file(k.settings, data, today=office_date(k.clock()))
    except DecisionFileProblem as problem:
        return _form_page(form, 400, file_error=describe_problems(problem.problems))
    if not parsed.decisions and not parsed.errors:
        return _form_page(form, 400, file_error=_("文件只有列名行，没有审批决定"))
    # The reading's row errors at once; the slower checks (fonts, page, registry) run
    # with the batch, whose page shows theirs, and nothing is issued if there are any.
    if (parsed.errors and not form.skip_invalid.data) or not parsed.decisions:
        return _form_page(form, 400, errors=[error_line(row_error_record(e)) for e in parsed.errors])
    opened = open_batch(
        k.db,
        data=data,
        file_name=form.file.data.filename or "",
        actor=_actor(),
        skip_invalid=bool(form.skip_invalid.data),
        rows_total=len(parsed.decisions),
        at=k.clock(),
    )
    if opened.started:
        app = current_app._get_current_object()  # type: ignore[attr-defined]  # the thread outlives the request
        batch_runner.launch(app, _job(opened.batch_id, data, bool(form.skip_invalid.data)))
    location = url_for("console_issue.batch_page", batch_id=opened.batch_id)
    # The same file is being issued already: its batch, and the page says so.
    return redirect(location if opened.started else f"{location}?again=1", 303)


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
    live = is_live(batch) and not is_stale(batch, now)
    # The staff member may stop the refreshing (WCAG 2.2.1: a time limit the user can turn off).
    auto = live and request.args.get("auto") != "0"
    html = render_template(
        "console/issue_batch.html",
        batch=batch,
        live=live,
        auto=auto,
        stale=is_stale(batch, now),
        issued=issued,
        already=already,
        errors=[error_line(e) for e in batch.errors],
        invalid_rows=len({e["row"] for e in batch.errors}),
        problem=problem_text(batch.problem) if batch.problem else "",
        earlier=earlier_batches(k.db, batch),
    )
    response = private_page(html)
    if auto:
        # A Refresh header, no script (the CSP has none): the browser reloads the page every 2 s.
        response.headers["Refresh"] = str(REFRESH_SECONDS)
    return response


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
