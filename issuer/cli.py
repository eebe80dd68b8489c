"""Operator commands: ``ecert issue`` and ``ecert pki ...``. Thin: parse, call a service, print."""

from __future__ import annotations

import getpass
import json
import sys
from datetime import date
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from ecert.clock import office_date
from ecert.kernel import kernel
from ecert import NumberFormatError
from ecert.vocab.numbering import parse_number
from issuer import DecisionFileError, IssuerError
from issuer.decisions import parse_decisions
from issuer.services.lifecycle import RevocationReason, correct, revoke
from issuer.runtime import runtime
from issuer.services.issuance import IssueOutcome, IssueStatus, issue_decisions, split_printable

EXIT_INVALID = 1
EXIT_PARTIAL = 3  # --skip-invalid: the valid rows were issued, some rows were not


@click.command("issue")
@with_appcontext
@click.argument("decisions_csv", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), help="Write DIR/<number>.pdf.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per certificate, then a summary.")
@click.option("--skip-invalid", is_flag=True, help="Issue the valid rows and report the invalid ones.")
def issue_command(decisions_csv: Path, out_dir: Path | None, as_json: bool, skip_invalid: bool) -> None:
    """Issue certificates for the approved decisions in DECISIONS_CSV (see docs/decisions-csv.md)."""
    app_kernel = kernel()
    today: date = office_date(app_kernel.clock())
    try:
        parsed = parse_decisions(decisions_csv.read_bytes(), base_dir=decisions_csv.parent.resolve(), today=today)
    except DecisionFileError as error:
        raise click.ClickException(f"{decisions_csv}: {error}") from None
    issuance = runtime(current_app).issuance(actor=f"cli:{getpass.getuser()}")
    decisions, unprintable = split_printable(issuance.renderer, parsed.decisions)
    errors = sorted(parsed.errors + unprintable, key=lambda e: e.row)
    for row_error in errors:
        click.echo(str(row_error), err=True)
    if errors and not skip_invalid:
        click.echo(
            f"{len(errors)} problem(s) in {decisions_csv}; nothing was issued. "
            "Fix the rows, or pass --skip-invalid to issue the valid rows only.",
            err=True,
        )
        sys.exit(EXIT_INVALID)

    if out_dir:
        _ensure_writable(out_dir)

    def emit(outcome: IssueOutcome) -> None:
        path = None
        if out_dir and outcome.sha256:
            path = out_dir / f"{outcome.number}.pdf"
            path.write_bytes(issuance.store.get(outcome.sha256))
        if as_json:
            record = {**outcome.__dict__, "status": outcome.status.value, "path": str(path) if path else None}
            click.echo(json.dumps(record, ensure_ascii=False))

    try:
        if as_json or not sys.stdout.isatty():
            outcomes = issue_decisions(issuance, decisions, on_done=emit)
        else:
            with click.progressbar(length=len(decisions), label="签发证书 issuing") as bar:

                def emit_and_advance(outcome: IssueOutcome) -> None:
                    emit(outcome)
                    bar.update(1)

                outcomes = issue_decisions(issuance, decisions, on_done=emit_and_advance)
    except IssuerError as error:
        raise click.ClickException(str(error)) from None
    except OSError as error:
        raise click.ClickException(f"writing a certificate PDF failed: {error}") from None

    issued = sum(1 for o in outcomes if o.status is IssueStatus.ISSUED)
    already = len(outcomes) - issued
    summary = {"summary": {"issued": issued, "already_issued": already, "invalid_rows": len({e.row for e in errors})}}
    if as_json:
        click.echo(json.dumps(summary, ensure_ascii=False))
    else:
        for outcome in outcomes:
            mark = "issued" if outcome.status is IssueStatus.ISSUED else "already issued, nothing new"
            click.echo(f"row {outcome.row}: {outcome.number} v{outcome.version} {mark}")
        click.echo(f"{issued} issued, {already} already issued (nothing new), {summary['summary']['invalid_rows']} invalid row(s) skipped")
    if not parsed.decisions and not errors:
        click.echo(f"{decisions_csv} has a header but no decision rows", err=True)
    if errors:
        sys.exit(EXIT_PARTIAL)


@click.command("revoke")
@with_appcontext
@click.argument("number")
@click.option("--reason", type=click.Choice([r.value for r in RevocationReason]), required=True)
@click.option("--doc-no", required=True, help="文号 of the revocation decision, e.g. 足人社发〔2026〕3号")
@click.option("--note", default="", help="Free text shown with the reason.")
def revoke_command(number: str, reason: str, doc_no: str, note: str) -> None:
    """Revoke the current version of certificate NUMBER."""
    issuance = runtime(current_app).issuance(actor=f"cli:{getpass.getuser()}")
    try:
        changed = revoke(issuance, _parsed(number), reason=RevocationReason(reason), doc_no=doc_no, note=note)
    except IssuerError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"{changed.number} v{changed.version} revoked")


@click.command("correct")
@with_appcontext
@click.argument("number")
@click.option("--set", "assignments", multiple=True, required=True, metavar="COLUMN=VALUE",
              help="A corrected field, by its decisions-file column name; repeatable.")
@click.option("--reason", required=True, help="Why the certificate is corrected (kept in the audit log).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path))
def correct_command(number: str, assignments: tuple[str, ...], reason: str, out_dir: Path | None) -> None:
    """Re-issue certificate NUMBER as a new version with corrected fields."""
    changes = {}
    for assignment in assignments:
        column, sep, value = assignment.partition("=")
        if not sep:
            raise click.UsageError(f"--set {assignment}: expected COLUMN=VALUE")
        changes[column.strip()] = value.strip()
    issuance = runtime(current_app).issuance(actor=f"cli:{getpass.getuser()}")
    try:
        result = correct(issuance, _parsed(number), changes, reason=reason)
    except IssuerError as error:
        raise click.ClickException(str(error)) from None
    if isinstance(result, list):
        for row_error in result:
            click.echo(f"column {row_error.column}: {row_error.message}", err=True)
        sys.exit(EXIT_INVALID)
    if out_dir and result.sha256:
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / f"{result.number}-v{result.version}.pdf").write_bytes(issuance.store.get(result.sha256))
    click.echo(f"{result.number} v{result.version} issued; v{result.version - 1} is now superseded")


def _parsed(number: str) -> str:
    try:
        return parse_number(number).text
    except NumberFormatError as error:
        raise click.BadParameter(str(error), param_hint="NUMBER") from None


def _ensure_writable(out_dir: Path) -> None:
    """Fail before issuing anything, not after, if the PDFs cannot be written."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        probe = out_dir / ".ecert-write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as error:
        raise click.ClickException(f"--out {out_dir}: cannot write there ({error.strerror or error})") from None


@click.group("pki")
def pki_group() -> None:
    """Signing keys and trust roots."""


@pki_group.command("export-roots")
@with_appcontext
def export_roots() -> None:
    """Print the trust root(s) a verifier should pin, as PEM."""
    settings = kernel().settings
    if settings.trust_roots_file:
        click.echo(settings.trust_roots_file.read_text(), nl=False)
        return
    from issuer.pki.development import DevelopmentPKI

    pki = DevelopmentPKI.load_or_create(settings.pki_dir, settings.office_name, settings.public_url)
    click.echo(pki.roots_pem(), nl=False)


@pki_group.command("init")
@with_appcontext
def init_pki() -> None:
    """Create the development PKI if it does not exist yet (development only)."""
    settings = kernel().settings
    if settings.signer != "development":
        click.echo(f"signer is {settings.signer}: no development PKI needed")
        return
    from issuer.pki.development import DevelopmentPKI

    DevelopmentPKI.load_or_create(settings.pki_dir, settings.office_name, settings.public_url)
    click.echo(f"development PKI ready in {settings.pki_dir} (DEVELOPMENT ONLY, not for production)")
