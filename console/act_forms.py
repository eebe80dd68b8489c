"""Forms of the two-person acts: revoke what one 文号 granted, reinstate one certificate,
and the bare (CSRF-only) form that confirms or cancels an act."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField
from wtforms.validators import AnyOf, InputRequired, Length

from console.revoke import REASON_CHOICES
from ecert.i18n import _l


class BatchRevokeForm(FlaskForm):
    granted_by = StringField(validators=[InputRequired(_l("请填写此项")), Length(max=64, message=_l("内容过长"))])
    doc_no = StringField(validators=[InputRequired(_l("请填写此项")), Length(max=64, message=_l("内容过长"))])
    reason = StringField(
        validators=[
            InputRequired(_l("请填写此项")),
            AnyOf([value for value, _ in REASON_CHOICES], message=_l("请选择撤销原因")),
        ]
    )
    note = StringField(validators=[Length(max=200, message=_l("内容过长"))])
    # The numbers the preview showed, so that what is proposed is exactly what was seen.
    shown = HiddenField()
    step = HiddenField(default="preview")


class ReinstateForm(FlaskForm):
    reason = StringField(validators=[InputRequired(_l("请填写此项")), Length(max=200, message=_l("内容过长"))])
    doc_no = StringField(validators=[InputRequired(_l("请填写此项")), Length(max=64, message=_l("内容过长"))])


class ActForm(FlaskForm):
    """Confirm or cancel: nothing to type, the CSRF token is the form."""
