"""The holder's application forms (Flask-WTF: every POST carries its CSRF token).

A draft keeps what is typed, as typed: the claim's fields check only their length and
that they hold no control or direction-override characters (which would make a name look
different to staff than it is). Whether the claim is complete is the submission's question
(``legacy_import.claim``), answered with the missing fields named.
"""

from __future__ import annotations

from collections.abc import Container
from typing import Final

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, StringField
from wtforms.validators import AnyOf, InputRequired, Length

from ecert.i18n import _l
from legacy_import import claim
from legacy_import.text_fields import one_line

# The longest text each field keeps: the roster's columns (ecert.models.RosterEntry).
MAX_LENGTHS: Final[dict[str, int]] = {
    "name": 64,
    "gender": 2,
    "qualification": 64,
    "series": 64,
    "specialty": 128,
    "level": 16,
    "grant_route": 16,
    "approval_date": 32,
    "approving_body": 200,
    "doc_no": 64,
    "paper_number": 64,
    "employer": 200,
}


def _claim_field(name: str) -> StringField:
    most = MAX_LENGTHS[name]
    return StringField(validators=[Length(max=most, message=_l("最多 %(max)d 个字")), one_line])


class StartForm(FlaskForm):
    case = StringField(
        validators=[InputRequired(_l("请选择您的情形")), AnyOf(claim.CASES, message=_l("请选择您的情形"))]
    )


class ApplicationForm(FlaskForm):
    """The claim, one upload (its kind and file), the commitment, and which button was pressed."""

    name = _claim_field("name")
    gender = _claim_field("gender")
    qualification = _claim_field("qualification")
    series = _claim_field("series")
    specialty = _claim_field("specialty")
    level = _claim_field("level")
    grant_route = _claim_field("grant_route")
    approval_date = _claim_field("approval_date")
    approving_body = _claim_field("approving_body")
    doc_no = _claim_field("doc_no")
    paper_number = _claim_field("paper_number")
    employer = _claim_field("employer")
    kind = StringField()
    evidence = FileField()
    commitment = BooleanField()
    # The signed key of the form (legacy_import.application_views): lets a form posted
    # after the login expired be kept until the holder logs in again.
    form_key = HiddenField()
    action = StringField()

    def typed(self, posted: Container[str]) -> dict[str, str]:
        """The claim's fields the POST carried (``posted``: its names), as typed; a field
        it did not carry is not touched."""
        return {name: self[name].data or "" for name in claim.CLAIM_FIELDS if name in posted}


class ConfirmForm(FlaskForm):
    """Withdraw, remove a file: a POST with its token and nothing else."""
