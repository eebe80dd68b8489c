"""``ecert batches [BATCH]``: the batches and their rows; ``ecert worker``: issue queued rows."""

from __future__ import annotations

import json
import signal
from types import FrameType

import click
from flask import current_app
from flask.cli import with_appcontext

from ecert.clock import OFFICE_TZ
from ecert.i18n import _
from ecert.kernel import kernel
from ecert.migrate import needs_current_schema
from issuer.batches import store
from issuer.batches.listing import BatchSummary, list_batches
from issuer.batches.worker import Worker
from issuer.cli.common import Failure
from issuer.cli.issue import cause_text, failure_text
from issuer.runtime import runtime


def _status_words() -> dict[str, str]:
    return {
        store.OPEN: _("进行中"),
        store.FINISHED: _("已完成"),
        store.STOPPED: _("已停止（一行未能签发）"),
        store.BROKEN: _("失败"),
        store.SUPERSEDED: _("已由同一文件的重新运行接手"),
    }


@click.command("batches")
@click.argument("batch_id", required=False, type=int)
@click.option("--limit", default=20, show_default=True, type=click.IntRange(min=1), help="The newest N batches.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per batch.")
@with_appcontext
@needs_current_schema
def batches_command(batch_id: int | None, limit: int, as_json: bool) -> None:
    """List the batches of `ecert issue` (newest first) with their rows by state and the failed rows' reasons;
    with BATCH_ID, that batch and every failed row."""
    summaries = list_batches(
        kernel().db, batch_id=batch_id, limit=limit, failed_limit=None if batch_id is not None else 10
    )
    if batch_id is not None and not summaries:
        raise Failure(_("没有批次 %(batch)s；ecert batches 列出现有的批次", batch=batch_id))
    for summary in summaries:
        if as_json:
            click.echo(json.dumps(_record(summary), ensure_ascii=False))
        else:
            _show(summary)
    if not summaries and not as_json:
        click.echo(_("还没有批次：ecert issue FILE.csv 签发时建立"))


def _record(summary: BatchSummary) -> dict[str, object]:
    return {
        "batch": summary.id,
        "source": summary.source,
        "actor": summary.actor,
        "status": summary.status,
        "created_at": summary.created_at.isoformat(),
        "finished_at": summary.finished_at.isoformat() if summary.finished_at else None,
        "rows": summary.rows_total,
        **summary.counts,
        "failures": [{"row": f.row, "reason": failure_text(f)} for f in summary.failures],
        "problem": cause_text(summary.problem) if summary.problem else None,
    }


def _show(summary: BatchSummary) -> None:
    counts = summary.counts
    click.echo(
        _(
            "批次 %(batch)s  %(created)s  %(source)s  %(status)s：共 %(total)s 行，已完成 %(done)s，待签发 %(pending)s，签发中 %(running)s，失败 %(failed)s",
            batch=summary.id,
            created=summary.created_at.astimezone(OFFICE_TZ).strftime("%Y-%m-%d %H:%M"),
            source=summary.source,
            status=_status_words().get(summary.status, summary.status),
            total=summary.rows_total,
            done=counts[store.DONE],
            pending=counts[store.PENDING],
            running=counts[store.RUNNING],
            failed=counts[store.FAILED],
        )
    )
    if summary.problem:
        click.echo("  " + _("签发失败：%(reason)s", reason=cause_text(summary.problem)))
    for failure in summary.failures:
        click.echo("  " + failure_text(failure))
    more = counts[store.FAILED] - len(summary.failures)
    if more > 0:
        click.echo("  " + _("……另有 %(count)s 行失败；ecert batches %(batch)s 列出全部", count=more, batch=summary.id))


@click.command("worker")
@click.option("--batch", "batch_id", type=int, help="Only the rows of batch BATCH.")
@click.option("--until-idle", is_flag=True, help="Stop when no row is pending (default: wait for more).")
@with_appcontext
@needs_current_schema
def worker_command(batch_id: int | None, until_idle: bool) -> None:
    """Issue the pending rows of queued batches (`ecert issue --no-wait`), on this machine or any other sharing the database."""
    issuance = runtime(current_app).issuance()
    worker = Worker(issuance, batch_id=batch_id)
    stopping: list[int] = []

    def stop(signum: int, _frame: FrameType | None) -> None:
        stopping.append(signum)  # finish the row in hand, then stop

    click.echo(_("工作进程 %(name)s 开始签发排队的行", name=worker.name), err=True)
    if issuance.settings.queue == "procrastinate":
        from issuer.batches import procrastinate_engine

        # Procrastinate's worker stops on SIGTERM/SIGINT itself, after the job in hand.
        procrastinate_engine.run_worker(issuance, name=worker.name, until_idle=until_idle)
        tally = procrastinate_engine.tally(issuance.db, worker.name)
    else:
        store.requeue(issuance.db, at=issuance.clock())
        previous = {signum: signal.signal(signum, stop) for signum in (signal.SIGTERM, signal.SIGINT)}
        try:
            tally = worker.run(until_idle=until_idle, should_stop=lambda: bool(stopping))
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
    click.echo(
        _(
            "工作进程 %(name)s 结束：完成 %(done)s 行，失败 %(failed)s 行",
            name=worker.name,
            done=tally.get("done", 0),
            failed=sum(tally.get(key, 0) for key in ("failed", "stopped")),
        )
    )
