"""``/console/rosters``: staff with ``import_rosters`` (accounts.roles) see the imported
archive rosters and upload one (CSV or XLSX), as ``ecert legacy import-roster`` reads it:
every problem in a table by sheet, row and column and nothing imported, or the rows
imported (with "skip invalid rows" ticked, the valid ones) and the counts.

The console's own guard (``console.views.staff_may``): holders get 404, other staff 403.
An upload is read in the request: a roster of a few thousand rows takes about a second.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO, Any

from flask import Blueprint, Response, render_template
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms import BooleanField, StringField
from wtforms.validators import Length

from accounts.roles import may
from console.views import staff_actor, staff_may
from ecert.i18n import _, _l
from ecert.kernel import kernel
from ecert.web import private_page
from legacy_import.roster import RosterFileProblem, RosterProblem
from legacy_import.roster_words import column_text, describe, file_problem_text
from legacy_import.rosters import MAX_LABEL, RosterImport, import_roster, sources
from legacy_import.text_fields import lines

# An archive's roster is ~150 bytes a row in CSV, less in XLSX: 10 MB is tens of thousands
# of rows, and within the app's request limit (ECERT_MAX_REQUEST_BYTES, 16 MB by default).
MAX_ROSTER_BYTES = 10 * 1024 * 1024

bp = Blueprint("legacy_rosters", __name__, url_prefix="/console/rosters", template_folder="templates")


class RosterForm(FlaskForm):
    file = FileField(validators=[FileRequired(_l("请选择名册文件（CSV 或 XLSX）"))])
    source = StringField(validators=[Length(max=MAX_LABEL, message=_l("来源最多 %(max)d 个字")), lines])
    skip_invalid = BooleanField()


@dataclass(frozen=True)
class ErrorLine:
    sheet: str
    row: int
    column: str
    message: str


@bp.get("")
@staff_may("import_rosters")
def page() -> Response:
    return _page(RosterForm(formdata=None), 200)


@bp.post("")
@staff_may("import_rosters")
def upload() -> Response:
    form = RosterForm()
    if not form.validate_on_submit():
        return _page(form, 400)
    data = _read_limited(form.file.data.stream)
    if data is None:
        return _page(form, 413, file_error=_too_large_text())
    k = kernel()
    try:
        outcome = import_roster(
            k.db,
            data,
            file_name=form.file.data.filename or "",
            source_label=form.source.data or "",
            actor=staff_actor(),
            clock=k.clock,
            skip_invalid=bool(form.skip_invalid.data),
        )
    except RosterFileProblem as problem:
        return _page(form, 400, file_error=file_problem_text(problem))
    return _page(form, 400 if outcome.refused else 200, outcome=outcome)


def _page(form: RosterForm, status: int, *, file_error: str = "", outcome: RosterImport | None = None) -> Response:
    errors = [_line(error) for error in outcome.errors] if outcome else []
    html = render_template(
        "legacy_import/rosters.html",
        form=form,
        file_error=file_error,
        outcome=outcome,
        errors=errors,
        any_sheet=any(line.sheet for line in errors),
        sources=sources(kernel().db),
        max_mb=MAX_ROSTER_BYTES // (1024 * 1024),
    )
    return private_page(html, status)


def _line(error: RosterProblem) -> ErrorLine:
    return ErrorLine(
        error.sheet or "", error.row, column_text(error.column, error.header), describe(error.code, error.params)
    )


def _read_limited(stream: IO[bytes]) -> bytes | None:
    data = stream.read(MAX_ROSTER_BYTES + 1)
    return None if len(data) > MAX_ROSTER_BYTES else data


def _too_large_text() -> str:
    return _("文件太大：名册文件不能超过 %(mb)s MB；请分成几个文件上传", mb=MAX_ROSTER_BYTES // (1024 * 1024))


@bp.errorhandler(RequestEntityTooLarge)
def _entity_too_large(_error: RequestEntityTooLarge) -> Any:
    # Raised while the body is read, before the view's access check: only those who may import see the form.
    user = current_user
    if not user.is_authenticated or user.is_holder or not may(user.roles, "import_rosters"):
        return render_template("error.html", code=413, message=_("文件太大")), 413
    return _page(RosterForm(formdata=None), 413, file_error=_too_large_text())
