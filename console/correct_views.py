"""Correct a certificate in the browser: the form, the side-by-side preview, the confirmation
that signs the new version (in the request, as ``ecert correct`` does on the command line)."""

from __future__ import annotations

from typing import Any

from flask import Response, abort, current_app, redirect, render_template, url_for

from accounts.runtime import runtime as accounts_runtime
from console.correct import CorrectionForm, Current, Preview, current_version, prefilled, preview, typed_values
from console.views import bp, number_or_404, staff_actor, staff_may
from ecert.clock import office_date
from ecert.i18n import _, _l
from ecert.kernel import kernel
from ecert.models import CertificateStatus
from ecert.stored import StoredFileProblem
from ecert.web import private_page
from issuer import IssuerError
from issuer.cli.words import column_label, describe, issuer_error_text, row_error_text, stored_file_text
from issuer.decisions import RowError
from issuer.decisions.fields import CORRECTABLE_COLUMNS
from issuer.runtime import runtime
from issuer.services.lifecycle import correct

HINTS = {
    "gender": _l("男 或 女"),
    "approval_date": _l("格式 YYYY-MM-DD"),
    "grant_route": _l("评审、考核确定 或 确认"),
}


@bp.get("/certificates/<path:number>/correct")
@staff_may("correct")
def correct_form(number: str) -> Response:
    current = _current_or_404(number_or_404(number))
    form = CorrectionForm(formdata=None, data={**prefilled(current), "version": str(current.version)})
    return _form_page(current, form, [], 200)


@bp.post("/certificates/<path:number>/correct")
@staff_may("correct")
def correct_submit(number: str) -> Any:
    current = _current_or_404(number_or_404(number))
    form = CorrectionForm()
    if current.status is not CertificateStatus.VALID or not form.validate_on_submit():
        return _form_page(current, form, [], 400)
    if form.version.data != str(current.version):
        # Someone corrected it since this form was opened: what was typed stays, the
        # comparison starts again from the version that is now current.
        form.version.data = str(current.version)
        stale = _("此证书已有新的第 %(version)s 版；请对照新版本核对后再提交。", version=current.version)
        return _form_page(current, form, [stale], 409)
    k = kernel()
    result = preview(current, typed_values(form), base_dir=k.settings.home, today=office_date(k.clock()))
    if isinstance(result, list):
        return _form_page(current, form, _tie_errors(form, result), 400)
    if result.unchanged:
        unchanged = _(
            "与第 %(version)s 版相比没有任何改动（按规范化后的值比较），无需更正；未签发新版本。",
            version=current.version,
        )
        return _form_page(current, form, [unchanged], 400)
    step = form.step.data
    if step == "edit":
        return _form_page(current, form, [], 200)
    if step != "confirm":
        return _preview_page(current, form, result)
    return _confirm(current, form, result)


def _confirm(current: Current, form: Any, result: Preview) -> Any:
    issuance = runtime(current_app).issuance(actor=staff_actor())
    try:
        done = correct(
            issuance,
            current.number,
            result.changes,
            reason=form.reason.data.strip(),
            notifier=accounts_runtime().notifier,
        )
    except IssuerError as error:
        return _form_page(current, form, [issuer_error_text(error)], 409)
    except StoredFileProblem as problem:
        return _form_page(current, form, [stored_file_text(problem)], 409)
    if isinstance(done, list):  # e.g. a character no font prints: tied to its field
        return _form_page(current, form, _tie_errors(form, done), 400)
    return redirect(url_for("console.certificate", number=done.number, corrected=done.version))


def _tie_errors(form: Any, errors: list[RowError]) -> list[str]:
    """Each row error onto its field; those of columns the form has not (e.g. the ID
    number's age rule) as page-level sentences."""
    loose = []
    for error in errors:
        if error.column in CORRECTABLE_COLUMNS:
            getattr(form, error.column).errors.append(describe(error.code, error.params))
        else:
            loose.append(row_error_text(error))
    return loose


def _current_or_404(number: str) -> Current:
    current = current_version(kernel().db, number)
    if current is None:
        abort(404)
    return current


def _form_page(current: Current, form: Any, problems: list[str], status: int) -> Response:
    valid = current.status is CertificateStatus.VALID
    if not valid:  # revoked or corrected meanwhile: the form is not offered
        status = 409
    html = render_template(
        "console/correct.html",
        current=current,
        form=form,
        problems=problems,
        valid=valid,
        columns=CORRECTABLE_COLUMNS,
        label=column_label,
        hints=HINTS,
    )
    return private_page(html, status)


def _preview_page(current: Current, form: Any, result: Preview) -> Response:
    html = render_template(
        "console/correct_preview.html",
        current=current,
        form=form,
        rows=result.rows,
        changed=[row for row in result.rows if row.changed],
        columns=CORRECTABLE_COLUMNS,
        label=column_label,
    )
    return private_page(html)
