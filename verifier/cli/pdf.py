"""``ecert verify FILE.pdf [--json]``: the uploaded-PDF check from the command line.

Exit status: the file's one status (``verifier.status``): 0 valid, 1 not valid (not ours,
altered, not in the registry), 2 usage error (missing or unreadable file), 3 could not check
(every checker busy, the checker starved of CPU or killed from outside, or it could not
start: no verdict on the file; try again),
4 revoked, 5 superseded (a genuine older version; the title stands), 6 a use copy expired or
withdrawn. Uses the instance's pinned trust roots and registry, like ``POST /verify``.
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
from verifier.pdf.report import PdfVerdict
from verifier.runtime import runtime
from verifier.shapes import pdf_verdict_json
from verifier.status import EXIT, EXIT_CODES_HELP, EXIT_NOT_VALID, EXIT_UNAVAILABLE
from verifier.words import paper as paper_words
from verifier.words import pdf as pdf_words

_MARKS = {True: "✓", False: "✗", None: "–"}


@click.command("verify", epilog=EXIT_CODES_HELP)
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the verdict as JSON (stable check codes).")
@with_appcontext
def verify_command(file: Path, as_json: bool) -> None:
    """Verify a certificate PDF: signature, signer, coverage and registry status."""
    settings = kernel().settings
    try:
        with file.open("rb") as handle:
            handle.read(1)
    except OSError as exc:
        raise click.UsageError(_("无法读取 %(file)s：%(why)s", file=file, why=exc.strerror or exc)) from None
    verdict = runtime().check_pdf(file.resolve())  # the sandboxed child reads the file itself
    if as_json:
        click.echo(json.dumps(pdf_verdict_json(verdict, settings), ensure_ascii=False, indent=2))
    else:
        click.echo(pdf_words.summary(verdict))
        if verdict.certificate is not None and verdict.certificate.provenance is not None:
            click.echo(paper_words.provenance_sentence(verdict.certificate.provenance))
        click.echo("")
        for check in verdict.checks:
            click.echo(f"{_MARKS[check.passed]} {check.code}: {pdf_words.title(check)}")
            click.echo(f"    {pdf_words.explanation(check)}")
            if check.detail and (check.passed is False or verdict.unavailable):
                click.echo(f"    {_('技术细节')}: {check.detail}")
    raise SystemExit(exit_status(verdict))


def exit_status(verdict: PdfVerdict) -> int:
    if verdict.unavailable:
        return EXIT_UNAVAILABLE
    status = verdict.status
    return EXIT_NOT_VALID if status is None else EXIT[status]
