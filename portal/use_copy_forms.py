"""The use-copy forms (Flask-WTF: every POST carries its CSRF token)."""

from __future__ import annotations

from datetime import date

from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from ecert.i18n import _l
from ecert.vocab.use_copies import MAX_LENGTH

_REQUIRED = _l("请填写此项")


class UseCopyForm(FlaskForm):
    """制作加注件; one per certificate on 我的证书, so each is made with ``prefix`` (unique ids)."""

    recipient = StringField(
        validators=[
            InputRequired(_REQUIRED),
            Length(max=MAX_LENGTH["recipient"], message=_l("最多 %(max)d 个字")),
        ]
    )
    purpose = StringField(
        validators=[InputRequired(_REQUIRED), Length(max=MAX_LENGTH["purpose"], message=_l("最多 %(max)d 个字"))]
    )
    valid_until = StringField(validators=[InputRequired(_REQUIRED), Length(max=16, message=_l("内容过长"))])

    def validate_valid_until(self, field: StringField) -> None:
        try:
            date.fromisoformat((field.data or "").strip())
        except ValueError:
            raise ValidationError(_l("请按“年-月-日”填写日期，例如 2026-12-31")) from None

    @property
    def day(self) -> date:
        return date.fromisoformat(self.valid_until.data.strip())


class WithdrawForm(FlaskForm):
    confirm = BooleanField(validators=[DataRequired(_l("请勾选确认后再撤回"))])
