"""Revoke one certificate from the console: an approver's form, the issuer's own service
(the same 文号 rule and audit event as ``ecert revoke``), the staff member as the actor."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length

from ecert.i18n import _l
from issuer.services.lifecycle import RevocationReason

REASON_CHOICES = [
    (RevocationReason.FRAUD.value, _l("以弄虚作假等不正当手段取得")),
    (RevocationReason.WRONGLY_GRANTED.value, _l("不符合条件或程序错误")),
    (RevocationReason.DECISION_WITHDRAWN.value, _l("审批决定已撤回")),
]


class RevokeForm(FlaskForm):
    # The page lists REASON_CHOICES itself (a <select>); the field only checks the value.
    reason = StringField(
        validators=[
            InputRequired(_l("请填写此项")),
            AnyOf([value for value, _ in REASON_CHOICES], message=_l("请选择撤销原因")),
        ]
    )
    doc_no = StringField(validators=[InputRequired(_l("请填写此项")), Length(max=64, message=_l("内容过长"))])
    note = StringField(validators=[Length(max=200, message=_l("内容过长"))])
    # A revocation is undone only by a reinstatement: the box is the clerk's second look.
    confirm = BooleanField(validators=[DataRequired(_l("请勾选确认后再撤销"))])
