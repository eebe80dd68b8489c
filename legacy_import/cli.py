"""``ecert legacy …``: the legacy conversion's operator commands; thin: read, call the
service, say the outcome in the operator's language.

``ecert legacy purge-evidence [--dry-run]``: deletes the evidence files of rejected or
withdrawn applications past the retention period (``legacy_import.retention``).

``ecert legacy import-roster FILE``: exit status 0 when every row was read (stored or
already there), 1 when the file or a row was refused and nothing was stored, 3 when
``--skip-invalid`` stored the valid rows and skipped others (as ``ecert issue``).
"""

from __future__ import annotations

import getpass
import json
import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from ecert.command import Failure
from ecert.i18n import _
from ecert.kernel import kernel
from ecert.migrate import needs_current_schema
from issuer.cli.common import EXIT_INVALID, EXIT_PARTIAL, read_input
from legacy_import.retention import purge_evidence
from legacy_import.roster import RosterFileProblem
from legacy_import.roster_words import describe_problem, file_problem_text, problem_text
from legacy_import.rosters import import_roster


@click.group("legacy")
def legacy_group() -> None:
    """Pre-2021 paper certificates: archive rosters (see docs/rosters.md) and evidence."""


@legacy_group.command("import-roster")
@click.argument("roster_file", type=click.Path(path_type=Path))
@click.option("--source", "source_label", default="", help="Where the roster comes from (default: the file's name).")
@click.option("--skip-invalid", is_flag=True, help="Import the valid rows and report the invalid ones.")
@click.option("--json", "as_json", is_flag=True, help="Print the counts and the problems as one JSON object.")
@with_appcontext
@needs_current_schema
def import_roster_command(roster_file: Path, source_label: str, skip_invalid: bool, as_json: bool) -> None:
    """Import an archive roster (CSV or XLSX) of approvals before 2021."""
    data = read_input(roster_file)
    k = kernel()
    try:
        outcome = import_roster(
            k.db,
            data,
            file_name=roster_file.name,
            source_label=source_label,
            actor=f"cli:{getpass.getuser()}",
            clock=k.clock,
            skip_invalid=skip_invalid,
        )
    except RosterFileProblem as problem:
        text = _("%(path)s：%(problem)s", path=roster_file, problem=file_problem_text(problem))
        if as_json:
            errors = [
                {"sheet": problem.sheet, "row": None, "column": None, "code": p.code, "message": describe_problem(p)}
                for p in problem.problems
            ]
            click.echo(
                json.dumps({"imported": 0, "already_present": 0, "invalid": 0, "errors": errors}, ensure_ascii=False)
            )
        raise Failure(text) from None

    for error in outcome.errors:
        click.echo(problem_text(error), err=True)
    if as_json:
        record = outcome.as_json()
        for entry, error in zip(record["errors"], outcome.errors, strict=True):  # type: ignore[call-overload]
            entry["message"] = problem_text(error)
        click.echo(json.dumps(record, ensure_ascii=False))
    if outcome.refused:
        click.echo(
            _(
                "%(path)s 有 %(rows)s 行有问题（共 %(count)s 处），未导入任何行。请改正这些行，或加 --skip-invalid 只导入有效的行。",
                path=roster_file,
                rows=outcome.invalid,
                count=len(outcome.errors),
            ),
            err=True,
        )
        sys.exit(EXIT_INVALID)
    parsed = outcome.parsed
    if parsed is not None and parsed.ignored_columns:
        click.echo(_("未读取的列：%(columns)s", columns=_("、").join(parsed.ignored_columns)), err=True)
    if parsed is not None and parsed.skipped_sheets:
        click.echo(_("没有列名行、未读取的工作表：%(sheets)s", sheets=_("、").join(parsed.skipped_sheets)), err=True)
    if not as_json:
        click.echo(
            _(
                "导入 %(imported)s 行，早已导入 %(already)s 行（无新内容），跳过无效行 %(invalid)s 行",
                imported=outcome.imported,
                already=outcome.already_present,
                invalid=outcome.invalid,
            )
        )
    if outcome.invalid:
        sys.exit(EXIT_PARTIAL)


@legacy_group.command("purge-evidence")
@click.option("--dry-run", is_flag=True, help="Only list what would be deleted.")
@with_appcontext
@needs_current_schema
def purge_evidence_command(dry_run: bool) -> None:
    """Delete the evidence of rejected or withdrawn applications past the retention period."""
    k = kernel()
    days = k.settings.legacy_evidence_retention_days
    report = purge_evidence(k.db, k.store, now=k.clock(), retention_days=days, actor="cli", dry_run=dry_run)
    for item in report.applications:
        line = (
            _(
                "申请 %(id)s：将删除 %(evidence)s 份材料、%(blobs)s 个文件",
                id=item.application_id,
                evidence=item.evidence,
                blobs=item.blobs,
            )
            if dry_run
            else _(
                "申请 %(id)s：已删除 %(evidence)s 份材料、%(blobs)s 个文件",
                id=item.application_id,
                evidence=item.evidence,
                blobs=item.blobs,
            )
        )
        click.echo(line)
    summary = _(
        "保存期 %(days)s 天（%(cutoff)s 之前作出决定的不予转换或已撤回申请）：%(applications)s 件申请，%(evidence)s 份材料，%(blobs)s 个文件",
        days=days,
        cutoff=report.cutoff.date().isoformat(),
        applications=len(report.applications),
        evidence=report.evidence,
        blobs=report.blobs,
    )
    click.echo(_("试运行，未删除任何文件。") + summary if dry_run else summary)
