"""``ecert users``: staff accounts (create, list, disable) and the activation code the office
hands to a holder in person."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from accounts import services, staff
from accounts.runtime import code_secret
from accounts.totp import provisioning_uri
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


_STAFF_ERRORS = {
    "bad_username": lambda p: _("用户名须为 3 至 32 个小写字母、数字或 . _ -，以字母开头"),
    "unknown_role": lambda p: _("未知角色 %(role)s；可选 reviewer、approver、admin", role=p["role"]),
    "no_role": lambda p: _("至少需要一个角色（--role）"),
    "password_too_short": lambda p: _("密码至少 10 个字符"),
    "password_too_long": lambda p: _("密码最多 128 个字符"),
    "exists": lambda p: _("此用户名已存在"),
    "unknown_user": lambda p: _("没有此工作人员账号"),
}


def _staff_error(error: staff.StaffError) -> None:
    click.echo(_("错误：%(problem)s", problem=_STAFF_ERRORS[error.code](error.params)), err=True)
    raise SystemExit(1)


@users_group.command("create")
@click.argument("username")
@click.option("--role", "roles", multiple=True, required=True, help="reviewer, approver or admin (repeatable).")
@click.option("--name", default="", help="The staff member's name as shown in the console.")
@click.option("--office", "office_code", default=None, help="Division code of the office (default: this office).")
@click.option("--with-totp", is_flag=True, help="Enrol a TOTP secret now and print it (scripted set-ups).")
@click.option("--as", "actor", default="cli", show_default=True, help="Who creates the account (audited).")
@with_appcontext
def create_command(
    username: str, roles: tuple[str, ...], name: str, office_code: str | None, with_totp: bool, actor: str
) -> None:
    """Create a staff account; the password is read from standard input (never an argument)."""
    password = (
        click.prompt(_("密码"), hide_input=True, confirmation_prompt=True)
        if sys.stdin.isatty()
        else sys.stdin.readline().rstrip("\n")
    )
    k = kernel()
    try:
        secret = staff.create_staff(
            k.db,
            username=username,
            name=name,
            roles=list(roles),
            office_code=office_code or k.settings.office_code,
            password=password,
            actor=actor,
            now=k.clock(),
            with_totp=with_totp,
        )
    except staff.StaffError as error:
        _staff_error(error)
        return
    click.echo(_("已创建工作人员账号 %(username)s", username=username))
    if secret:
        click.echo(_("TOTP 密钥：%(secret)s", secret=secret))
        click.echo(provisioning_uri(secret, username, k.settings.office_name))
    else:
        click.echo(_("首次登录时须绑定身份验证器（TOTP）。"))


@users_group.command("list")
@with_appcontext
def list_command() -> None:
    """Staff accounts with their roles and whether their authenticator is enrolled."""
    for account in staff.list_staff(kernel().db):
        state = _("已停用") if not account.active else (_("已绑定验证器") if account.enrolled else _("未绑定验证器"))
        click.echo(
            f"{account.username}\t{','.join(account.roles)}\t{account.office_code or ''}\t{state}\t{account.name}"
        )


@users_group.command("disable")
@click.argument("username")
@click.option("--as", "actor", default="cli", show_default=True, help="Who disables the account (audited).")
@with_appcontext
def disable_command(username: str, actor: str) -> None:
    """Disable a staff account: it can no longer log in, and its sessions end."""
    k = kernel()
    try:
        staff.disable_staff(k.db, username, actor=actor, now=k.clock())
    except staff.StaffError as error:
        _staff_error(error)
        return
    click.echo(_("已停用 %(username)s", username=username))


DEMO_PASSWORD = "demo-password-2026"
DEMO_STAFF = (
    ("demo.reviewer", "reviewer", "演示审核员"),
    ("demo.approver", "approver", "演示审批人"),
    ("demo.admin", "admin", "演示管理员"),
)


@users_group.command("reset-password")
@click.argument("username")
@click.option("--reset-totp", is_flag=True, help="Also make the next login enrol a new authenticator (a lost phone).")
@click.option("--as", "actor", default="cli", show_default=True, help="Who resets it (audited).")
@with_appcontext
def reset_password_command(username: str, reset_totp: bool, actor: str) -> None:
    """Set a new password on a staff account, read from standard input; its sessions end."""
    password = (
        click.prompt(_("新密码"), hide_input=True, confirmation_prompt=True)
        if sys.stdin.isatty()
        else sys.stdin.readline().rstrip("\n")
    )
    k = kernel()
    try:
        staff.reset_password(k.db, username, password, actor=actor, now=k.clock(), reset_totp=reset_totp)
    except staff.StaffError as error:
        _staff_error(error)
        return
    click.echo(_("已重置工作人员 %(username)s 的密码；其已登录的会话均已结束。", username=username))


@users_group.command("demo")
@with_appcontext
def demo_command() -> None:
    """Development only: demo staff (one per role, TOTP enrolled) and a demo holder bound to
    the first holder in the registry; prints the logins. Safe to run again."""
    k = kernel()
    if k.settings.is_production:
        click.echo(_("错误：演示账号只用于开发环境"), err=True)
        raise SystemExit(2)
    lines = staff.demo_accounts(k.db, DEMO_STAFF, DEMO_PASSWORD, office_code=k.settings.office_code, now=k.clock())
    for login, role, secret in lines:
        if role == "holder":
            click.echo(_("持证人 %(login)s / %(password)s", login=login, password=DEMO_PASSWORD))
        else:
            click.echo(
                _(
                    "%(role)s %(login)s / %(password)s，TOTP 密钥 %(secret)s",
                    role=role,
                    login=login,
                    password=DEMO_PASSWORD,
                    secret=secret,
                )
            )
