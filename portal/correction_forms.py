"""The forms of correction requests (Flask-WTF: every POST carries its CSRF token)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import StringField, TextAreaField
from wtforms.validators import AnyOf, InputRequired, Length, ValidationError

from ecert.i18n import _l
from portal.corrections import ACCEPTED, DECLINED, FIELDS

_REQUIRED = _l("请填写此项")
MAX_TEXT = 1000


class CorrectionForm(FlaskForm):
    # The page lists the fields itself (a <select>); the field only checks the value.
    field = StringField(
        validators=[InputRequired(_l("请选择哪一项有误")), AnyOf(FIELDS, message=_l("请选择哪一项有误"))]
    )
    what_is_wrong = TextAreaField(
        validators=[
            InputRequired(_l("请写明哪里有误、正确的内容是什么")),
            Length(max=MAX_TEXT, message=_l("最多 %(max)d 个字")),
        ]
    )
    attachment = FileField()

    def validate_what_is_wrong(self, field: TextAreaField) -> None:
        field.data = (field.data or "").strip()
        if not field.data:
            raise ValidationError(_l("请写明哪里有误、正确的内容是什么"))


class AnswerForm(FlaskForm):
    outcome = StringField(
        validators=[InputRequired(_l("请选择答复")), AnyOf((ACCEPTED, DECLINED), message=_l("请选择答复"))]
    )
    text = TextAreaField(validators=[Length(max=MAX_TEXT, message=_l("最多 %(max)d 个字"))])

    def validate_text(self, field: TextAreaField) -> None:
        field.data = (field.data or "").strip()
        if self.outcome.data == DECLINED and not field.data:
            raise ValidationError(_l("不予更正时，请写明原因"))
