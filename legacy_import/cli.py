"""``ecert legacy``: the conversion's operator commands (``purge-evidence`` here; the
roster import joins the same group)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from ecert.i18n import _
from ecert.kernel import kernel
from legacy_import.retention import purge_evidence


@click.group("legacy")
def legacy_group() -> None:
    """Pre-2021 paper certificates: rosters and evidence."""


@legacy_group.command("purge-evidence")
@click.option("--dry-run", is_flag=True, help="Only list what would be deleted.")
@with_appcontext
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
