"""The account forms (Flask-WTF: every POST carries its CSRF token)."""

from __future__ import annotations

import re

from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import EqualTo, InputRequired, Length, ValidationError

from accounts.codes import normalise_code
from accounts.passwords import MAX_LENGTH, MIN_LENGTH
from ecert.i18n import _l
from ecert.name_words import NAME_PROBLEM_WORDS
from ecert.vocab.idnumber import check_id_number, normalise_id_number
from ecert.vocab.names import name_problem, normalise_name

MOBILE = re.compile(r"1[3-9][0-9]{9}")
_REQUIRED = _l("请填写此项")


class RegisterForm(FlaskForm):
    name = StringField(validators=[InputRequired(_REQUIRED), Length(max=30, message=_l("内容过长"))])
    id_number = StringField(validators=[InputRequired(_REQUIRED), Length(max=32, message=_l("内容过长"))])
    mobile = StringField(validators=[InputRequired(_REQUIRED), Length(max=20, message=_l("内容过长"))])
    password = PasswordField(
        validators=[
            InputRequired(_REQUIRED),
            Length(min=MIN_LENGTH, max=MAX_LENGTH, message=_l("密码须为 %(min)d 至 %(max)d 个字符")),
        ]
    )
    password2 = PasswordField(
        validators=[InputRequired(_REQUIRED), EqualTo("password", message=_l("两次输入的密码不一致"))]
    )

    def validate_name(self, field: StringField) -> None:
        problem = name_problem(field.data or "")
        if problem is not None:
            words = NAME_PROBLEM_WORDS.get(problem.code)
            raise ValidationError(str(words) % dict(problem.params) if words and problem.params else str(words or ""))
        field.data = normalise_name(field.data)

    def validate_id_number(self, field: StringField) -> None:
        value = normalise_id_number(field.data or "")
        if check_id_number(value) is not None:
            raise ValidationError(_l("身份证号码不正确，请核对 18 位号码（最后一位可能是 X）"))
        field.data = value

    def validate_mobile(self, field: StringField) -> None:
        value = re.sub(r"[\s-]", "", (field.data or "").removeprefix("+86"))
        if not MOBILE.fullmatch(value):
            raise ValidationError(_l("请填写 11 位手机号码"))
        field.data = value


class CodeForm(FlaskForm):
    code = StringField(validators=[InputRequired(_REQUIRED), Length(max=32, message=_l("内容过长"))])

    def validate_code(self, field: StringField) -> None:
        field.data = normalise_code(field.data or "")


class LoginForm(FlaskForm):
    login = StringField(validators=[InputRequired(_REQUIRED), Length(max=64, message=_l("内容过长"))])
    password = PasswordField(validators=[InputRequired(_REQUIRED), Length(max=MAX_LENGTH, message=_l("内容过长"))])

    def validate_login(self, field: StringField) -> None:
        # Holders log in with their ID number, typed as people type it.
        value = (field.data or "").strip()
        field.data = normalise_id_number(value) if check_id_number(normalise_id_number(value)) is None else value


class RecoverForm(FlaskForm):
    id_number = StringField(validators=[InputRequired(_REQUIRED), Length(max=32, message=_l("内容过长"))])

    def validate_id_number(self, field: StringField) -> None:
        value = normalise_id_number(field.data or "")
        if check_id_number(value) is not None:
            raise ValidationError(
                _l("身份证号码不正确，请核对 18 位号码（最后一位可能是 X）；工作人员账号请联系系统管理员重置密码")
            )
        field.data = value


class ResetForm(FlaskForm):
    code = StringField(validators=[InputRequired(_REQUIRED), Length(max=32, message=_l("内容过长"))])
    password = PasswordField(
        validators=[
            InputRequired(_REQUIRED),
            Length(min=MIN_LENGTH, max=MAX_LENGTH, message=_l("密码须为 %(min)d 至 %(max)d 个字符")),
        ]
    )
    password2 = PasswordField(
        validators=[InputRequired(_REQUIRED), EqualTo("password", message=_l("两次输入的密码不一致"))]
    )

    def validate_code(self, field: StringField) -> None:
        field.data = normalise_code(field.data or "")


class MobileForm(FlaskForm):
    password = PasswordField(validators=[InputRequired(_REQUIRED), Length(max=MAX_LENGTH, message=_l("内容过长"))])
    mobile = StringField(validators=[InputRequired(_REQUIRED), Length(max=20, message=_l("内容过长"))])

    validate_mobile = RegisterForm.validate_mobile
