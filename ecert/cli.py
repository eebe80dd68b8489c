"""The ``ecert`` console script: a FlaskGroup, the one entry point for operators."""

from __future__ import annotations

import unicodedata
from importlib.metadata import version
from typing import Any

import click
from flask.cli import FlaskGroup, run_command
from sqlalchemy.exc import ArgumentError, OperationalError

from ecert import EcertError
from ecert.app import create_app
from ecert.audit import AuditError
from ecert.audit.commands import audit_group
from ecert.audit.commands import verify_command as audit_verify_command
from ecert.audit.words import error_text as audit_error_text
from ecert.backup.commands import backup_command, restore_command
from ecert.command import Failure
from ecert.i18n import CLI_META_KEY, _
from ecert.kernel import kernel
from ecert.migrate import needs_current_schema


def _remember_lang(context: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    # Kept in the context's meta, which every subcommand shares; ecert.i18n reads it.
    if value:
        context.meta[CLI_META_KEY] = value
    return value


class EcertGroup(FlaskGroup):
    """Flask's command group, showing operators our commands and options only.

    Flask's ``routes`` and ``shell`` are left out, ``run`` is kept, and Flask's own options
    (``--app``, ``--env-file``, ``--debug``) still work but are not listed."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        for param in self.params:
            if param.name in {"app", "env_file", "debug"} and isinstance(param, click.Option):
                param.hidden = True

    def invoke(self, ctx: click.Context) -> Any:
        # The last word on the kernel's own exceptions and on a database that cannot be
        # reached (a wrong DATABASE_URL, a server down): a sentence, never a traceback.
        try:
            return super().invoke(ctx)
        except AuditError as error:
            raise Failure(audit_error_text(error)) from None
        except EcertError as error:
            raise Failure(str(error)) from None
        except (OperationalError, ArgumentError) as error:
            # The app (and with it the catalogue) may not exist when the URL itself is unusable,
            # so this one line says it in both languages.
            reason = str(getattr(error, "orig", None) or error).splitlines()[0]
            raise Failure(f"无法使用数据库 (cannot use the database): {reason}") from None

    def _load_plugin_commands(self) -> None:
        super()._load_plugin_commands()
        self.commands.pop("limiter", None)  # Flask-Limiter's maintenance group, not for operators


@click.group(
    cls=EcertGroup,
    create_app=create_app,
    add_default_commands=False,
    add_version_option=False,
    load_dotenv=False,
)
@click.option(
    "--lang",
    type=click.Choice(["zh", "en"]),
    expose_value=False,
    is_eager=True,
    callback=_remember_lang,
    help="Language of messages: zh (default) or en; LANG=en_US.UTF-8 also selects English.",
)
@click.version_option(version("ecert"), "--version", prog_name="ecert", message="%(prog)s %(version)s")
def main() -> None:
    """职称电子证书 ecert: issue and verify electronic title certificates."""


main.add_command(run_command)
main.add_command(backup_command)
main.add_command(restore_command)


@main.group("db")
def db_group() -> None:
    """Database schema and audit log."""


@db_group.command("upgrade")
def db_upgrade() -> None:
    """Apply the Alembic migrations up to the latest revision."""
    from ecert.migrate import upgrade

    upgrade(kernel().settings.database_url)
    click.echo(_("数据库表结构已是最新版本"))


# The command's first name, kept as an alias of ``ecert audit verify``.
db_group.add_command(audit_verify_command, "verify-audit")
main.add_command(audit_group)


@db_group.command("verify-blobs")
@needs_current_schema
def db_verify_blobs() -> None:
    """Read every certificate's stored PDF (and photo) back; exit 1 if any is missing or altered."""
    from ecert.stored import verify_stored_files

    app_kernel = kernel()
    with app_kernel.db.read() as session:
        report = verify_stored_files(session, app_kernel.store)
    # The same sentences as the issuer's commands say for one certificate (one catalogue entry each).
    words = {
        "blob.missing": _(
            "证书 %(number)s 第 %(version)s 版的 PDF 文件不在文件库中（SHA-256 %(sha256)s）；请从备份恢复"
        ),
        "blob.altered": _(
            "证书 %(number)s 第 %(version)s 版的 PDF 文件已被改动：内容与登记的 SHA-256 %(sha256)s 不符；请从备份恢复"
        ),
        "blob.photo_missing": _(
            "证书 %(number)s 第 %(version)s 版的照片文件不在文件库中（SHA-256 %(sha256)s）；请从备份恢复"
        ),
        "blob.photo_altered": _(
            "证书 %(number)s 第 %(version)s 版的照片文件已被改动：内容与登记的 SHA-256 %(sha256)s 不符；请从备份恢复"
        ),
    }
    for problem in report.problems:
        click.echo(words[problem.code] % dict(problem.params), err=True)
    if report.ok:
        click.echo(_("已核对 %(versions)s 个证书版本的文件：全部完好", versions=report.versions))
    else:
        click.echo(
            _(
                "已核对 %(versions)s 个证书版本的文件：%(problems)s 个文件缺失或已被改动",
                versions=report.versions,
                problems=len(report.problems),
            )
        )
        raise SystemExit(1)


@main.command("list")
@click.option("--limit", default=20, show_default=True)
@needs_current_schema
def list_certificates(limit: int) -> None:
    """The most recently issued certificates with their verification pages."""
    from sqlalchemy import select

    from ecert.models import Certificate, CertificateStatus

    app_kernel = kernel()
    with app_kernel.db.read() as session:
        rows = session.execute(
            select(Certificate.number, Certificate.version, Certificate.status, Certificate.token)
            .where(Certificate.status != CertificateStatus.PENDING)
            .order_by(Certificate.id.desc())
            .limit(limit)
        ).all()
    words = {
        CertificateStatus.VALID: _("有效"),
        CertificateStatus.REVOKED: _("已撤销"),
        CertificateStatus.SUPERSEDED: _("已更正"),
    }
    width = max((_display_width(word) for word in words.values()), default=0)
    for number, number_version, status, token in rows:
        word = words[status]
        shown = word + " " * (width - _display_width(word))
        click.echo(f"{number}  v{number_version}  {shown}  {app_kernel.settings.verify_url(token)}")


def _display_width(text: str) -> int:
    # A Chinese character takes two columns on a terminal.
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)
