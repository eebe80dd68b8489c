"""The staff review's forms (Flask-WTF: every POST carries its CSRF token)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import AnyOf, InputRequired, Length, ValidationError

from ecert.i18n import _l
from legacy_import.review import CORRECTABLE, MAX_MESSAGE, MAX_VALUE

_TOO_LONG = _l("最多 %(max)d 个字")


def _stripped_required(message: object) -> object:
    def check(_form: FlaskForm, field: StringField) -> None:
        field.data = (field.data or "").strip()
        if not field.data:
            raise ValidationError(str(message))

    return check


_LINE_BREAKS = frozenset("\n\r\t")


def plain_text(_form: FlaskForm, field: StringField) -> None:
    """No control characters but line breaks: they print as nothing, and NUL is refused by
    PostgreSQL (a staff member's paste must get a message, not an error page)."""
    if any(not (ch.isprintable() or ch in _LINE_BREAKS) for ch in field.data or ""):
        raise ValidationError(str(_l("含有不可见的控制字符，请删除后重新输入")))


class StepForm(FlaskForm):
    """Recommend, approve: no fields, the CSRF token is the form."""


class ReturnForm(FlaskForm):
    message = TextAreaField(
        validators=[
            _stripped_required(_l("请写明需要申请人补正的内容")),
            Length(max=MAX_MESSAGE, message=_TOO_LONG),
            plain_text,
        ]
    )


class RejectForm(FlaskForm):
    reason = TextAreaField(
        validators=[
            _stripped_required(_l("请写明不予转换的原因")),
            Length(max=MAX_MESSAGE, message=_TOO_LONG),
            plain_text,
        ]
    )


class ChangeForm(FlaskForm):
    # The page lists the fields itself (a <select>); the field only checks the value.
    field = StringField(
        validators=[InputRequired(_l("请选择要更正的项目")), AnyOf(CORRECTABLE, message=_l("请选择要更正的项目"))]
    )
    value = StringField(validators=[Length(max=MAX_VALUE, message=_TOO_LONG), plain_text])
    reason = TextAreaField(
        validators=[
            _stripped_required(_l("请写明更正的依据（例如档案材料的哪一页）")),
            Length(max=MAX_MESSAGE, message=_TOO_LONG),
            plain_text,
        ]
    )
