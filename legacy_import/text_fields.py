"""The one check of what holders and staff type into the conversion's forms: nothing that
does not print (controls, bidirectional overrides, NUL, which PostgreSQL refuses), so that
a paste gets a message at its field, never an error page or text that reorders itself."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import Field
from wtforms.validators import ValidationError

from ecert.i18n import _l

_LINE_BREAKS = frozenset("\n\r\t")


def _check(field: Field, *, line_breaks: bool) -> None:
    allowed = _LINE_BREAKS if line_breaks else frozenset()
    if any(not (ch.isprintable() or ch in allowed) for ch in field.data or ""):
        raise ValidationError(str(_l("含有不可见的控制字符，请删除后重新输入")))


def one_line(_form: FlaskForm, field: Field) -> None:
    """A one-line field: every character prints (bidirectional controls do not)."""
    _check(field, line_breaks=False)


def lines(_form: FlaskForm, field: Field) -> None:
    """A text area: every character prints, line breaks and tabs aside."""
    _check(field, line_breaks=True)
