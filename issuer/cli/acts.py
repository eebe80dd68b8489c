"""The command line's side of two-person acts: ``ecert revoke --granted-by 文号`` and
``ecert reinstate``. Both people prove who they are with their TOTP codes: the proposer
(``--as``) before anything is shown, because the preview shows full names and records that
showing in the proposer's name; the confirmer (``--confirm-by``) after the preview. Codes
are read from a hidden prompt at a terminal, else from standard input (first line the
proposer's, second the confirmer's): never an argument, which ``ps`` would show to everyone
on the machine. Wrong codes are counted (``accounts.totp_attempts``). Without
``--confirm-by`` the preview is printed and the command exits ``EXIT_PREVIEW``: no act is
recorded, nothing changed."""

from __future__ import annotations

import sys

import click

from accounts.runtime import runtime as accounts_runtime
from accounts.totp_attempts import FAILURES, Attempt, check_totp_counted
from ecert.command import Failure
from ecert.i18n import _
from ecert.kernel import Kernel
from issuer import IssuerError
from issuer.cli.act_words import act_error_text
from issuer.cli.common import actor
from issuer.services import act_listing, acts
from issuer.services.lifecycle import LifecycleError, RevocationReason
from issuer.services.reinstatement import checked_doc_no

EXIT_PREVIEW = 4  # the preview was printed; nothing changed until a second person confirms


def staff(k: Kernel, option: str, login: str, action: str) -> int:
    account = acts.staff_id(k.db, login)
    if account is None:
        raise Failure(_("%(option)s %(login)s：没有此工作人员账号（或已停用）", option=option, login=login))
    try:
        acts.check_may(k.db, account, action)
    except IssuerError as error:
        raise Failure(_("%(option)s %(login)s：%(problem)s", option=option, login=login, problem=act_error_text(error)))
    return account


def two_people(k: Kernel, as_user: str, action: str, confirm_by: str | None) -> tuple[int, int | None]:
    """The proposer, once its TOTP code is accepted, and the named confirmer (not yet proven)."""
    proposer = staff(k, "--as", as_user, action)
    confirmer = None
    if confirm_by:
        confirmer = staff(k, "--confirm-by", confirm_by, "confirm")
        if confirmer == proposer:
            raise Failure(act_error_text(acts.ActError("act.same_person", act="-")))
    proven(k, proposer, "--as", as_user)
    return proposer, confirmer


def second_person(k: Kernel, confirmer: int | None, confirm_by: str | None) -> int:
    """The confirming account, once its TOTP code is accepted; exits after the preview without one."""
    if confirmer is None or not confirm_by:
        click.echo(_("未作任何改动：须由另一名工作人员确认，请加 --confirm-by 用户名，并输入其动态验证码。"), err=True)
        sys.exit(EXIT_PREVIEW)
    proven(k, confirmer, "--confirm-by", confirm_by)
    return confirmer


def proven(k: Kernel, account: int, option: str, login: str) -> None:
    """Read ``login``'s TOTP code (hidden prompt, else the next line of standard input) and check it."""
    if sys.stdin.isatty():
        code = click.prompt(_("%(login)s 的动态验证码", login=login), hide_input=True)
    else:
        code = sys.stdin.readline().strip()
    attempt = check_totp_counted(k.db, account, code, now=k.clock(), actor=actor())
    if attempt is Attempt.LOCKED:
        raise Failure(
            _(
                "%(option)s %(login)s：动态验证码输错已达 %(n)s 次，请 15 分钟后再试",
                option=option,
                login=login,
                n=FAILURES,
            )
        )
    if attempt is Attempt.WRONG:
        raise Failure(_("%(option)s %(login)s：动态验证码不正确或已用过", option=option, login=login))


def batch_revoke(
    k: Kernel, granted: str, *, doc_no: str, reason: str, note: str, as_user: str, confirm_by: str | None
) -> None:
    proposer, named = two_people(k, as_user, "batch_revoke", confirm_by)
    try:
        found = act_listing.granted_by(k.db, granted, actor=f"account:{proposer}", now=k.clock())
        checked_doc_no(doc_no)
    except IssuerError as error:
        raise Failure(act_error_text(error)) from None
    if not found:
        raise Failure(act_error_text(acts.ActError("act.empty", doc_no=checked_doc_no(granted))))
    click.echo(
        _(
            "将撤销由 %(granted)s 批准的 %(n)s 张证书（撤销文号 %(doc_no)s）：",
            granted=checked_doc_no(granted),
            n=len(found),
            doc_no=checked_doc_no(doc_no),
        )
    )
    for f in found:
        click.echo(_("  %(number)s 第 %(version)s 版 %(name)s %(qualification)s", **_listed(f)))
    confirmer = second_person(k, named, confirm_by)
    try:
        act_id = acts.propose_batch_revoke(
            k.db, granted=granted, doc_no=doc_no, reason=RevocationReason(reason), note=note,
            shown=tuple(f.number for f in found), proposer=proposer, clock=k.clock,
        )  # fmt: skip
        done = acts.confirm(k.db, act_id, confirmer=confirmer, clock=k.clock, notifier=accounts_runtime().notifier)
    except IssuerError as error:
        raise Failure(act_error_text(error)) from None
    _say_outcome(done, _("已撤销"))


def reinstate(k: Kernel, number: str, *, doc_no: str, reason: str, as_user: str, confirm_by: str | None) -> None:
    proposer, named = two_people(k, as_user, "reinstate", confirm_by)
    try:
        checked_doc_no(doc_no)
        found = act_listing.listed(
            k.db, (number,), actor=f"account:{proposer}", subject=f"certificate:{number}", now=k.clock()
        )
    except IssuerError as error:
        raise Failure(act_error_text(error)) from None
    if not found:
        raise Failure(act_error_text(LifecycleError("certificate.not_found", number=number)))
    click.echo(_("将恢复此证书的效力（恢复文号 %(doc_no)s）：", doc_no=checked_doc_no(doc_no)))
    click.echo(_("  %(number)s 第 %(version)s 版 %(name)s %(qualification)s", **_listed(found[0])))
    confirmer = second_person(k, named, confirm_by)
    try:
        act_id = acts.propose_reinstate(k.db, number, reason=reason, doc_no=doc_no, proposer=proposer, clock=k.clock)
        done = acts.confirm(k.db, act_id, confirmer=confirmer, clock=k.clock, notifier=accounts_runtime().notifier)
    except IssuerError as error:
        raise Failure(act_error_text(error)) from None
    _say_outcome(done, _("已恢复效力"))


def _listed(f: act_listing.Listed) -> dict[str, str | int]:
    return {"number": f.number, "version": f.version, "name": f.name, "qualification": f.qualification}


def _say_outcome(done: acts.Act, word: str) -> None:
    for number in done.outcome.get("done", []):
        click.echo(_("%(number)s %(word)s", number=number, word=word))
    for number in done.outcome.get("skipped", []):
        click.echo(_("%(number)s 此前已有变动，未作改动", number=number))
    click.echo(
        _(
            "操作 %(id)s：由 %(proposer)s 提出、%(confirmer)s 确认，已记入审计日志",
            id=done.id,
            proposer=done.proposer,
            confirmer=done.confirmer or "",
        )
    )
