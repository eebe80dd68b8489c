"""``ecert verify FILE.pdf [--json]``: the uploaded-PDF check from the command line.

Exit status: 0 valid, 1 not valid, 2 usage error (missing or unreadable file), 3 could
not check (every checker busy or the checker could not start: no verdict on the file; try
again). Uses the instance's pinned trust roots and registry, like ``POST /verify``.
"""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import with_appcontext

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
    from ecert.kernel import kernel
    from verifier.pdf.check import MAX_PDF_BYTES, verify_pdf
    from verifier.runtime import runtime

    try:
        with file.open("rb") as handle:
            data = handle.read(MAX_PDF_BYTES + 1)
    except OSError as exc:
        raise click.UsageError(f"cannot read {file}: {exc.strerror or exc}") from None
    verdict = verify_pdf(data, db=kernel().db, trust_roots=runtime().trust_roots)
    if as_json:
        click.echo(json.dumps(verdict.to_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(verdict.summary_zh)
        click.echo(verdict.summary_en)
        click.echo("")
        for check in verdict.checks:
            click.echo(f"{_MARKS[check.passed]} {check.code}: {check.title_zh} / {check.title_en}")
            click.echo(f"    {check.explanation_zh}")
            click.echo(f"    {check.explanation_en}")
            if check.detail and (check.passed is False or verdict.unavailable):
                click.echo(f"    detail: {check.detail}")
    if verdict.unavailable:
        raise SystemExit(EXIT_UNAVAILABLE)
    raise SystemExit(EXIT_VALID if verdict.valid else EXIT_NOT_VALID)
