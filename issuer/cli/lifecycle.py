"""``ecert revoke``, ``ecert reinstate`` and ``ecert correct``: changes to an issued certificate."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from accounts.runtime import runtime as accounts_runtime
from ecert.i18n import _
from ecert.kernel import kernel
from ecert.migrate import needs_current_schema
from ecert.stored import StoredFileProblem, read_stored
from issuer import IssuerError
from issuer.cli import acts
from issuer.cli.common import EXIT_INVALID, Failure, actor, ensure_writable, parsed_number, write_pdf
from issuer.cli.words import describe, issuer_error_text, row_error_text, stored_file_text
from issuer.decisions.fields import CORRECTABLE_COLUMNS, HEADER_NAMES
from issuer.runtime import runtime
from issuer.services.lifecycle import RevocationReason, correct, revoke


@click.command("revoke")
@click.argument("number", required=False)
@click.option("--reason", type=click.Choice([r.value for r in RevocationReason]), required=True)
@click.option("--doc-no", required=True, help="文号 of the revocation decision, e.g. 足人社发〔2026〕3号")
@click.option("--note", default="", help="Free text shown with the reason.")
@click.option(
    "--granted-by",
    metavar="文号",
    help="Instead of NUMBER: every valid certificate granted by this approval 文号 (a two-person act).",
)
@click.option(
    "--as",
    "as_user",
    metavar="USER",
    help="With --granted-by: the staff account proposing it; its TOTP code is read first, before the "
    "preview, from a hidden prompt or the first line of standard input.",
)
@click.option(
    "--confirm-by",
    metavar="USER",
    help="With --granted-by: a second staff account confirming it; its TOTP code is read after the "
    "preview, from a hidden prompt or the second line of standard input. Without it, only the preview "
    "is printed. Five wrong codes within 15 minutes lock an account's codes here for 15 minutes.",
)
@with_appcontext
@needs_current_schema
def revoke_command(
    number: str | None,
    reason: str,
    doc_no: str,
    note: str,
    granted_by: str | None,
    as_user: str | None,
    confirm_by: str | None,
) -> None:
    """Revoke the current version of certificate NUMBER, or (--granted-by) all that one 文号 granted."""
    app_kernel = kernel()  # revoking needs no signer: works where ECERT_SIGNER=none
    if granted_by is not None:
        if number:
            raise Failure(_("请只给出证书编号或 --granted-by 其中之一"))
        if not as_user:
            raise Failure(_("--granted-by 需要 --as 用户名：提出撤销的工作人员账号"))
        acts.batch_revoke(
            app_kernel, granted_by, doc_no=doc_no, reason=reason, note=note, as_user=as_user, confirm_by=confirm_by
        )
        return
    if not number:
        raise Failure(_("请给出证书编号，或用 --granted-by 文号 批量撤销"))
    if as_user or confirm_by:
        raise Failure(_("--as 与 --confirm-by 只用于 --granted-by 批量撤销"))
    try:
        changed = revoke(
            app_kernel.db,
            parsed_number(number),
            reason=RevocationReason(reason),
            doc_no=doc_no,
            note=note,
            actor=actor(),
            clock=app_kernel.clock,
            notifier=accounts_runtime().notifier,
        )
    except IssuerError as error:
        raise Failure(issuer_error_text(error)) from None
    click.echo(_("%(number)s 第 %(version)s 版 已撤销", number=changed.number, version=changed.version))


@click.command("reinstate")
@click.argument("number")
@click.option("--reason", required=True, help="Why the revocation was a mistake (kept in the audit log).")
@click.option("--doc-no", required=True, help="文号 of the decision that reinstates it.")
@click.option(
    "--as",
    "as_user",
    required=True,
    metavar="USER",
    help="The staff account proposing it (TOTP first, from a hidden prompt or standard input's first line).",
)
@click.option(
    "--confirm-by",
    metavar="USER",
    help="A second staff account confirming it (TOTP after the preview, from a hidden prompt or "
    "standard input's second line). Without it, only the preview is printed.",
)
@with_appcontext
@needs_current_schema
def reinstate_command(number: str, reason: str, doc_no: str, as_user: str, confirm_by: str | None) -> None:
    """Undo the mistaken revocation of certificate NUMBER (a two-person act)."""
    acts.reinstate(
        kernel(), parsed_number(number), doc_no=doc_no, reason=reason, as_user=as_user, confirm_by=confirm_by
    )


@click.command("correct")
@click.argument("number")
@click.option(
    "--set",
    "assignments",
    multiple=True,
    required=True,
    metavar="COLUMN=VALUE",
    help="A corrected field, by its decisions-file column name (English or Chinese); repeatable.",
)
@click.option("--reason", required=True, help="Why the certificate is corrected (kept in the audit log).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--accept-public-url-change",
    is_flag=True,
    help="Record this machine's ECERT_PUBLIC_URL over the one recorded in the database (QR codes are forever).",
)
@with_appcontext
@needs_current_schema
def correct_command(
    number: str, assignments: tuple[str, ...], reason: str, out_dir: Path | None, accept_public_url_change: bool
) -> None:
    """Re-issue certificate NUMBER as a new version with corrected fields."""
    changes = _changes(assignments)
    certificate_number = parsed_number(number)
    if out_dir:
        ensure_writable(out_dir)
    issuance = runtime(current_app).issuance(actor=actor(), accept_public_url_change=accept_public_url_change)
    try:
        result = correct(issuance, certificate_number, changes, reason=reason, notifier=accounts_runtime().notifier)
    except IssuerError as error:
        raise Failure(issuer_error_text(error)) from None
    except StoredFileProblem as problem:
        raise Failure(stored_file_text(problem)) from None
    if isinstance(result, list):
        for row_error in result:
            click.echo(row_error_text(row_error), err=True)
        sys.exit(EXIT_INVALID)
    click.echo(
        _(
            "%(number)s 第 %(version)s 版 已签发；第 %(previous)s 版 已被取代",
            number=result.number,
            version=result.version,
            previous=result.version - 1,
        )
    )
    if out_dir and result.sha256:
        try:
            pdf = read_stored(issuance.store, result.sha256, number=result.number, version=result.version)
        except StoredFileProblem as problem:
            raise Failure(stored_file_text(problem)) from None
        write_pdf(out_dir / f"{result.number}-v{result.version}.pdf", pdf)


def _changes(assignments: tuple[str, ...]) -> dict[str, str]:
    """``--set`` values by field name; a column may be named as in either header language."""
    changes = {}
    for assignment in assignments:
        column, sep, value = assignment.partition("=")
        if not sep:
            raise Failure(_("--set %(assignment)s：应写成 列名=值", assignment=assignment))
        typed = column.strip()
        name = HEADER_NAMES.get(typed) or HEADER_NAMES.get(typed.lower())
        if name not in CORRECTABLE_COLUMNS:
            problem = describe("not_correctable", {"columns": CORRECTABLE_COLUMNS})
            raise Failure(_("--set %(column)s：%(problem)s", column=typed, problem=problem))
        changes[name] = value.strip()
    return changes
