"""The kernel's own commands: ``ecert db …`` and ``ecert list`` (``ecert.cli`` names them;
imported only when one of them runs)."""

from __future__ import annotations

import unicodedata

import click
from flask.cli import AppGroup, with_appcontext

from ecert.audit.commands import verify_command as audit_verify_command
from ecert.i18n import _
from ecert.kernel import kernel
from ecert.migrate import needs_current_schema


@click.group("db", cls=AppGroup)
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


@click.command("list")
@click.option("--limit", default=20, show_default=True)
@with_appcontext
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
