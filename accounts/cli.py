"""``ecert users activation-code ID_NUMBER``: a code the office hands to a holder in person."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from accounts import services
from accounts.runtime import code_secret
from ecert.i18n import _
from ecert.kernel import kernel
from ecert.vocab.idnumber import check_id_number, normalise_id_number


@click.group("users")
def users_group() -> None:
    """Accounts of holders and staff."""


@users_group.command("activation-code")
@click.argument("id_number")
@click.option("--as", "actor", default="cli", show_default=True, help="Who hands the code out (audited).")
@with_appcontext
def activation_code_command(id_number: str, actor: str) -> None:
    """Print an activation code (30 days) for the holder of ID_NUMBER, to hand over in person."""
    value = normalise_id_number(id_number)
    if check_id_number(value) is not None:
        click.echo(_("错误：身份证号码不正确"), err=True)
        raise SystemExit(2)
    k = kernel()
    try:
        code = services.issue_activation_code(k.db, code_secret(), value, actor=actor, now=k.clock())
    except services.NoSuchHolder:
        click.echo(_("错误：登记库中没有此身份证号码的持证人"), err=True)
        raise SystemExit(1) from None
    click.echo(_("激活码：%(code)s（30 天内有效；请当面交给持证人本人）", code=code))
