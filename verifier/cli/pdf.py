"""``ecert verify FILE.pdf [--json]``: the uploaded-PDF check from the command line.

Exit status: 0 valid, 1 not valid, 2 usage error (missing or unreadable file), 3 could
not check (every checker busy or the checker could not start: no verdict on the file; try
again). Uses the instance's pinned trust roots and registry, like ``POST /verify``.
Messages are Chinese unless ``ecert --lang en`` (or an English ``LANG``); ``--json`` prints
the API's documented form (both languages, stable codes).
"""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import with_appcontext

from ecert.i18n import _
from ecert.kernel import kernel
from verifier.runtime import runtime
from verifier.shapes import pdf_verdict_json
from verifier.words import pdf as pdf_words

_MARKS = {True: "✓", False: "✗", None: "–"}
EXIT_VALID, EXIT_NOT_VALID, EXIT_USAGE, EXIT_UNAVAILABLE = 0, 1, 2, 3


@click.command("verify")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the verdict as JSON (stable check codes).")
@with_appcontext
def verify_command(file: Path, as_json: bool) -> None:
    """Verify a certificate PDF: signature, signer, coverage and registry status.

    \b
    Exit status:
      0  valid
      1  not valid
      2  usage error (missing or unreadable file)
      3  could not check the file right now (busy or checker failed); try again
    """
    settings = kernel().settings
    try:
        with file.open("rb") as handle:
            data = handle.read(settings.max_pdf_bytes + 1)
    except OSError as exc:
        raise click.UsageError(_("无法读取 %(file)s：%(why)s", file=file, why=exc.strerror or exc)) from None
    verdict = runtime().check_pdf(data)
    if as_json:
        click.echo(json.dumps(pdf_verdict_json(verdict, settings), ensure_ascii=False, indent=2))
    else:
        click.echo(pdf_words.summary(verdict))
        click.echo("")
        for check in verdict.checks:
            click.echo(f"{_MARKS[check.passed]} {check.code}: {pdf_words.title(check)}")
            click.echo(f"    {pdf_words.explanation(check)}")
            if check.detail and (check.passed is False or verdict.unavailable):
                click.echo(f"    {_('技术细节')}: {check.detail}")
    if verdict.unavailable:
        raise SystemExit(EXIT_UNAVAILABLE)
    raise SystemExit(EXIT_VALID if verdict.valid else EXIT_NOT_VALID)
