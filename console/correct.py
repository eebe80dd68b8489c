"""Correct a certificate from the console: the current version's correctable fields, what a
submitted form would change, and the form itself.

The preview checks the merged record with the very rules ``ecert correct`` uses
(``validate_record``) and compares after normalisation, as ``lifecycle.correct`` does, so
that the table shows what the new version will print and a correction that changes nothing
is refused before anyone confirms it. Confirming calls ``lifecycle.correct`` itself, which
checks everything again: the preview is advice, the service is the rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import HiddenField, StringField
from wtforms.validators import InputRequired, Length

from ecert.db import Database
from ecert.i18n import _l
from ecert.models import Certificate, CertificateStatus, Decision, Holder
from ecert.vocab.titles import GRANT_ROUTES
from issuer.decisions import RowError, validate_record
from issuer.decisions.fields import CORRECTABLE_COLUMNS, record_of, snapshot_values


@dataclass(frozen=True)
class Current:
    """The newest issued version of a certificate, as a correction starts from it."""

    number: str
    version: int
    status: CertificateStatus
    record: dict[str, str]  #: column → text, as a decisions-file row would give it
    values: dict[str, Any]  #: column → the stored (normalised) value
    #: A certificate converted from paper: its paper number, kept by every version (no form field).
    paper_number: str | None = None


@dataclass(frozen=True)
class Row:
    column: str
    current: str
    new: str
    changed: bool


@dataclass(frozen=True)
class Preview:
    rows: list[Row]
    changes: dict[str, str]  #: only the columns whose value really changes, as typed

    @property
    def unchanged(self) -> bool:
        return not self.changes


def current_version(db: Database, number: str) -> Current | None:
    with db.read() as session:
        found = session.execute(
            select(Certificate, Decision, Holder)
            .join(Decision, Certificate.decision_id == Decision.id)
            .join(Holder, Decision.holder_id == Holder.id)
            .where(Certificate.number == number, Certificate.status != CertificateStatus.PENDING)
            .order_by(Certificate.version.desc())
            .limit(1)
        ).first()
        if found is None:
            return None
        certificate, decision, holder = found
        return Current(
            number=number,
            version=certificate.version,
            status=certificate.status,
            record=record_of(decision, holder.id_number),
            values=snapshot_values(decision),
            paper_number=decision.paper_number,
        )


def preview(current: Current, submitted: Mapping[str, str], *, base_dir: Any, today: date) -> Preview | list[RowError]:
    """What the new version would say, field by field; row errors if it would be invalid."""
    typed = {name: submitted.get(name, "") for name in CORRECTABLE_COLUMNS}
    validated = validate_record({**current.record, **typed}, base_dir=base_dir, today=today)
    if isinstance(validated, list):
        return validated
    rows, changes = [], {}
    for name in CORRECTABLE_COLUMNS:
        new = getattr(validated, name)
        changed = new != current.values.get(name)
        if changed:
            changes[name] = typed[name]
        rows.append(Row(name, shown(name, current.values.get(name)), shown(name, new), changed))
    return Preview(rows, changes)


def shown(column: str, value: object) -> str:
    """A stored value as staff read it: dates in ISO form, a grant route by its label."""
    if isinstance(value, date):
        return value.isoformat()
    if column == "grant_route" and isinstance(value, str):
        return GRANT_ROUTES.get(value, value)
    return "" if value is None else str(value)


def prefilled(current: Current) -> dict[str, str]:
    """The form's starting values: the current version's, the grant route by its label."""
    return {name: shown(name, current.values.get(name)) for name in CORRECTABLE_COLUMNS}


class _Base(FlaskForm):
    reason = StringField(validators=[InputRequired(_l("请填写更正原因")), Length(max=200, message=_l("内容过长"))])
    # The version the staff member looked at: a confirmation must not apply to a newer one.
    version = HiddenField()
    step = HiddenField()  # "preview" (first submit) or "confirm"


def _correction_form() -> type[_Base]:
    # One text field per correctable column. Each column's own limit is the decisions file's
    # rule (``validate_record`` says it in its words); this bound only keeps a pasted page out.
    fields = {name: StringField(validators=[Length(max=200, message=_l("内容过长"))]) for name in CORRECTABLE_COLUMNS}
    return type("CorrectionForm", (_Base,), fields)


CorrectionForm = _correction_form()


def typed_values(form: _Base) -> dict[str, str]:
    return {name: (getattr(form, name).data or "") for name in CORRECTABLE_COLUMNS}
