"""The staff review's forms (Flask-WTF: every POST carries its CSRF token)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import AnyOf, InputRequired, Length, ValidationError

from ecert.i18n import _l
from legacy_import.review import CORRECTABLE, MAX_MESSAGE, MAX_VALUE
from legacy_import.text_fields import lines

_TOO_LONG = _l("最多 %(max)d 个字")


def _stripped_required(message: object) -> object:
    def check(_form: FlaskForm, field: StringField) -> None:
        field.data = (field.data or "").strip()
        if not field.data:
            raise ValidationError(str(message))

    return check


class StepForm(FlaskForm):
    """Recommend, approve: no fields, the CSRF token is the form."""


class ReturnForm(FlaskForm):
    message = TextAreaField(
        validators=[
            _stripped_required(_l("请写明需要申请人补正的内容")),
            Length(max=MAX_MESSAGE, message=_TOO_LONG),
            lines,
        ]
    )


class RejectForm(FlaskForm):
    reason = TextAreaField(
        validators=[
            _stripped_required(_l("请写明不予转换的原因")),
            Length(max=MAX_MESSAGE, message=_TOO_LONG),
            lines,
        ]
    )


class ChangeForm(FlaskForm):
    # The page lists the fields itself (a <select>); the field only checks the value.
    field = StringField(
        validators=[InputRequired(_l("请选择要更正的项目")), AnyOf(CORRECTABLE, message=_l("请选择要更正的项目"))]
    )
    value = StringField(validators=[Length(max=MAX_VALUE, message=_TOO_LONG), lines])
    reason = TextAreaField(
        validators=[
            _stripped_required(_l("请写明更正的依据（例如档案材料的哪一页）")),
            Length(max=MAX_MESSAGE, message=_TOO_LONG),
            lines,
        ]
    )
