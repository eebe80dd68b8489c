"""``ecert issue DECISIONS.csv``: validate every row, queue them as a batch, issue them with
worker processes and print each row's outcome in row order; thin: parse, call the services,
print."""

from __future__ import annotations

import json
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext

from ecert.clock import office_date
from ecert.i18n import _
from ecert.kernel import kernel
from ecert.migrate import needs_current_schema
from ecert.stored import StoredFileProblem, read_stored
from issuer import IssuerError
from issuer.batches.checks import check_rows_in_parallel, worth_spreading
from issuer.batches.enqueue import enqueue
from issuer.batches.follow import Finished
from issuer.batches.items import ItemFailure
from issuer.batches.local import workers_for
from issuer.batches.run import run_batch
from issuer.batches.store import BROKEN, STOPPED, SUPERSEDED
from issuer.cli.common import EXIT_INVALID, EXIT_PARTIAL, Failure, actor, ensure_writable, read_input, write_pdf
from issuer.cli.words import (
    PROBLEM_WORDS,
    describe,
    describe_problems,
    issuer_error_text,
    row_error_text,
    stored_file_text,
)
from issuer.decisions import DecisionFileProblem, parse_decisions
from issuer.runtime import runtime
from issuer.services.checking import check_rows
from issuer.services.issuance import IssueOutcome, IssueStatus, stale_reservations


@click.command("issue")
@click.argument("decisions_csv", type=click.Path(path_type=Path))
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), help="Write DIR/<number>.pdf.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per certificate, then a summary.")
@click.option("--skip-invalid", is_flag=True, help="Issue the valid rows and report the invalid ones.")
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    help="Worker processes (default: one per core, fewer for a small file).",
)
@click.option("--no-wait", is_flag=True, help="Queue the rows and print the batch id; `ecert worker` issues them.")
@click.option(
    "--accept-public-url-change",
    is_flag=True,
    help="Record this machine's ECERT_PUBLIC_URL over the one recorded in the database (QR codes are forever).",
)
@with_appcontext
@needs_current_schema
def issue_command(
    decisions_csv: Path,
    out_dir: Path | None,
    as_json: bool,
    skip_invalid: bool,
    workers: int | None,
    no_wait: bool,
    accept_public_url_change: bool,
) -> None:
    """Issue certificates for the approved decisions in DECISIONS_CSV (see docs/decisions-csv.md)."""
    if no_wait and out_dir:
        raise Failure(_("--out 不能与 --no-wait 同用：排队的行由 ecert worker 签发，之后用 ecert export 导出 PDF"))
    data = read_input(decisions_csv)
    try:
        parsed = parse_decisions(data, base_dir=decisions_csv.parent.resolve(), today=office_date(kernel().clock()))
    except DecisionFileProblem as error:
        raise Failure(
            _("%(path)s：%(problem)s", path=decisions_csv, problem=describe_problems(error.problems))
        ) from None
    issuance = runtime(current_app).issuance(actor=actor(), accept_public_url_change=accept_public_url_change)
    spread = workers_for(len(parsed.decisions), workers)
    try:
        if worth_spreading(len(parsed.decisions), spread):
            decisions, errors = check_rows_in_parallel(issuance, parsed, workers=spread)
        else:
            decisions, errors = check_rows(issuance, parsed)
    except IssuerError as error:  # not a row's fault (the public URL): nothing can be issued
        raise Failure(_("签发失败：%(reason)s", reason=issuer_error_text(error))) from None
    for row_error in errors:
        click.echo(row_error_text(row_error), err=True)
    if errors and not skip_invalid:
        click.echo(
            _(
                "%(path)s 有 %(count)s 处问题，未签发任何证书。请改正这些行，或加 --skip-invalid 只签发有效的行。",
                path=decisions_csv,
                count=len(errors),
            ),
            err=True,
        )
        sys.exit(EXIT_INVALID)

    if out_dir:
        ensure_writable(out_dir)
    queued = enqueue(
        issuance,
        source=str(decisions_csv),
        data=data,
        decisions=decisions,
        errors=errors,
        skip_invalid=skip_invalid,
        at=kernel().clock(),
    )
    if no_wait:
        if as_json:
            click.echo(json.dumps({"batch": queued.batch_id, "rows": len(decisions)}))
        else:
            click.echo(
                _(
                    "批次 %(batch)s 已排队（%(rows)s 行待签发）；由 ecert worker 签发，用 ecert batches %(batch)s 查看进度",
                    batch=queued.batch_id,
                    rows=len(decisions),
                )
            )
        return

    not_copied: list[str] = []

    def emit(outcome: IssueOutcome) -> None:
        path, problem = None, None
        if out_dir and outcome.sha256:
            try:
                pdf = read_stored(issuance.store, outcome.sha256, number=outcome.number, version=outcome.version)
            except StoredFileProblem as missing:
                # An already-issued certificate whose file was lost: say which, issue the rest.
                problem = stored_file_text(missing)
                not_copied.append(outcome.number)
                click.echo(problem, err=True)
            else:
                path = out_dir / f"{outcome.number}.pdf"
                write_pdf(path, pdf)
        if as_json:
            record = {**outcome.__dict__, "status": outcome.status.value, "path": str(path) if path else None}
            if problem:
                record["problem"] = problem
            click.echo(json.dumps(record, ensure_ascii=False))

    failed: list[ItemFailure] = []

    def report(failure: ItemFailure) -> None:
        failed.append(failure)
        text = failure_text(failure)
        click.echo(text, err=True)
        if as_json:
            record = {"row": failure.row, "status": "failed", "number": failure.number, "released": failure.released}
            click.echo(json.dumps({**record, "problem": text}, ensure_ascii=False))

    outcomes: list[IssueOutcome] = []

    def take(row: Finished) -> None:
        if row.failure is not None:
            if not row.failure.invalid:  # the invalid rows were named above
                report(row.failure)
        elif row.outcome is not None:
            outcomes.append(row.outcome)
            emit(row.outcome)

    count = workers_for(len(decisions), workers)
    with ExitStack() as stack:
        if not as_json and sys.stdout.isatty():
            bar = stack.enter_context(click.progressbar(length=len(decisions), label=_("签发证书")))
            shown = take

            def take(row: Finished) -> None:
                shown(row)
                if not (row.failure and row.failure.invalid):
                    bar.update(1)

        ended = run_batch(issuance, queued.batch_id, workers=count, on_row=take)

    if ended.status == BROKEN:
        raise Failure(_("签发失败：%(reason)s", reason=cause_text(ended.problem or {}))) from None
    if ended.status == SUPERSEDED:
        raise Failure(_("批次 %(batch)s 已由同一文件的另一次运行接手，本次不再等待", batch=queued.batch_id))
    if ended.status == STOPPED:
        # Without --skip-invalid the batch stops at the row; the rows before it stay issued.
        stop = next(f for f in failed if not f.invalid) if failed else None
        row = stop.row if stop else 0
        if any(o.row > row and o.status is IssueStatus.ISSUED for o in outcomes):
            raise Failure(
                _(
                    "第 %(row)s 行未能签发，批次已停止；其他工作进程已在签发的行已签发，其余的行未处理。"
                    "排除故障后重新运行（已签发的行不会重复签发），或加 --skip-invalid 跳过出错的行继续",
                    row=row,
                )
            )
        raise Failure(
            _(
                "第 %(row)s 行未能签发，其后的行未处理；之前的行已签发。排除故障后重新运行（已签发的行不会重复签发），"
                "或加 --skip-invalid 跳过出错的行继续",
                row=row,
            )
        )

    issued = sum(1 for o in outcomes if o.status is IssueStatus.ISSUED)
    already = len(outcomes) - issued
    invalid_rows = len({e.row for e in errors} | {f.row for f in failed})
    if as_json:
        click.echo(json.dumps({"summary": {"issued": issued, "already_issued": already, "invalid_rows": invalid_rows}}))
    else:
        for outcome in outcomes:
            if outcome.status is IssueStatus.ISSUED:
                line = _(
                    "第 %(row)s 行：%(number)s 第 %(version)s 版 已签发",
                    row=outcome.row,
                    number=outcome.number,
                    version=outcome.version,
                )
            else:
                line = _(
                    "第 %(row)s 行：%(number)s 第 %(version)s 版 早已签发，无新内容",
                    row=outcome.row,
                    number=outcome.number,
                    version=outcome.version,
                )
            click.echo(line)
        click.echo(
            _(
                "签发 %(issued)s 张，早已签发 %(already)s 张（无新内容），跳过无效行 %(invalid)s 行",
                issued=issued,
                already=already,
                invalid=invalid_rows,
            )
        )
    stale = stale_reservations(issuance)
    if stale:
        click.echo(
            _(
                "证书编号 %(numbers)s 仍在签发中：之前的一次运行在签发途中被中断；用那次的 CSV 文件重新运行 ecert issue，即以原编号完成",
                numbers=_("、").join(stale),
            ),
            err=True,
        )
    if not parsed.decisions and not errors:
        click.echo(_("%(path)s 只有列名行，没有审批决定", path=decisions_csv), err=True)
    if not_copied:
        click.echo(
            _(
                "%(count)s 张证书的 PDF 未能写入 %(dir)s（文件库中缺失或已被改动）：%(numbers)s；请运行 ecert db verify-blobs",
                count=len(not_copied),
                dir=out_dir,
                numbers=_("、").join(not_copied),
            ),
            err=True,
        )
        sys.exit(EXIT_INVALID)
    if errors or failed:
        sys.exit(EXIT_PARTIAL)


def failure_text(failure: ItemFailure) -> str:
    """Which row failed, why, and what became of the number it had reserved."""
    if failure.problem is not None:
        return row_error_text(failure.problem)
    reason = cause_text(
        {"cause_code": failure.cause_code, "cause_params": failure.cause_params, "cause_text": failure.cause_text}
    )
    if failure.number is None:
        return _("第 %(row)s 行：签发失败：%(reason)s（未占用证书编号）", row=failure.row, reason=reason)
    if failure.released:
        return _(
            "第 %(row)s 行：签发失败：%(reason)s；已释放预留的编号 %(number)s，它将用于下一张证书",
            row=failure.row,
            reason=reason,
            number=failure.number,
        )
    return _(
        "第 %(row)s 行：签发失败：%(reason)s；预留的编号 %(number)s 未能释放，下次运行会完成它",
        row=failure.row,
        reason=reason,
        number=failure.number,
    )


def cause_text(cause: dict[str, Any]) -> str:
    """What failed (``issuer.batches.items.cause_of``) in the reader's language where it
    carries a code; otherwise its own (English, technical) sentence."""
    code = cause.get("cause_code")
    if isinstance(code, str) and code in PROBLEM_WORDS:
        return describe(code, cause.get("cause_params") or {})
    return str(cause.get("cause_text") or "")
