"""``ecert export NUMBER [--version N] --out FILE``: a stored signed PDF, byte for byte."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from ecert.i18n import _
from ecert.kernel import kernel
from ecert.migrate import needs_current_schema
from ecert.models import CertificateStatus
from ecert.stored import StoredFileProblem
from issuer import IssuerError
from issuer.cli.common import Failure, parsed_number, write_pdf
from issuer.cli.words import issuer_error_text, stored_file_text
from issuer.services.export import stored_version


@click.command("export")
@click.argument("number")
@click.option("--version", "version", type=click.IntRange(min=1), help="Version N (default: the latest).")
@click.option("--out", "out_file", required=True, type=click.Path(dir_okay=False, path_type=Path), help="FILE.pdf")
@with_appcontext
@needs_current_schema
def export_command(number: str, version: int | None, out_file: Path) -> None:
    """Write the signed PDF of certificate NUMBER (any version) exactly as it was issued."""
    app_kernel = kernel()  # reading needs no signer: works where ECERT_SIGNER=none
    try:
        stored = stored_version(app_kernel.db, app_kernel.store, parsed_number(number), version)
    except IssuerError as error:
        raise Failure(issuer_error_text(error)) from None
    except StoredFileProblem as problem:
        raise Failure(stored_file_text(problem)) from None
    write_pdf(out_file, stored.pdf)
    status = {
        CertificateStatus.VALID: _("有效"),
        CertificateStatus.REVOKED: _("已撤销"),
        CertificateStatus.SUPERSEDED: _("已更正"),
    }[stored.status]
    click.echo(
        _(
            "%(number)s 第 %(version)s 版（%(status)s）已导出到 %(path)s",
            number=stored.number,
            version=stored.version,
            status=status,
            path=out_file,
        )
    )
