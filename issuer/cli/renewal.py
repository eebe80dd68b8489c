"""``ecert renew-timestamps [--before DATE] [--dry-run]``: thin over ``issuer.services.renewal``.

Exit status as ``ecert issue``: 0 every due certificate renewed (or none was due), 1 nothing
could be done (bad date, no archiver), 3 some renewed and some failed (each named).
"""

from __future__ import annotations

import datetime as dt
import json
import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from ecert.clock import OFFICE_TZ, office_date
from ecert.command import Failure
from ecert.i18n import _
from ecert.migrate import needs_current_schema
from ecert.stored import StoredFileProblem
from issuer import IssuerError
from issuer.cli.common import EXIT_INVALID, EXIT_PARTIAL, actor
from issuer.cli.words import issuer_error_text, stored_file_text
from issuer.runtime import runtime
from issuer.services.renewal import (
    Due,
    RenewalFailed,
    RenewalOutcome,
    RenewalStatus,
    TSANotNewer,
    due_certificates,
    renew_due,
)


def _before(text: str | None, default: dt.datetime) -> dt.datetime:
    if text is None:
        return default
    try:
        day = dt.date.fromisoformat(text.strip())
    except ValueError:
        raise Failure(_("--before %(value)s：日期应写成 2028-12-31 这样的年-月-日", value=text)) from None
    return dt.datetime.combine(day, dt.time(), OFFICE_TZ).astimezone(dt.UTC)


def _why(item: Due) -> str:
    if item.reason == "expires" and item.expires_at is not None:
        return _("时间戳证书将于 %(day)s 到期", day=office_date(item.expires_at).isoformat())
    if item.reason == "weak":
        return _("时间戳所用算法已不再安全")
    return _("文件无法读取")


def _failure_text(failure: RenewalFailed) -> str:
    cause = failure.cause
    if isinstance(cause, TSANotNewer):
        reason = _(
            "当前时间戳服务的证书于 %(day)s 到期，不晚于要续期的时间戳：请先轮换时间戳服务（ecert pki rotate --tsa）",
            day=office_date(cause.expires_at).isoformat(),
        )
    elif isinstance(cause, StoredFileProblem):
        reason = stored_file_text(cause)
    elif isinstance(cause, IssuerError):
        reason = issuer_error_text(cause)
    else:
        reason = f"{type(cause).__name__}: {cause}"
    return _(
        "%(number)s 第 %(version)s 版：未能续期：%(reason)s（该证书未作任何改动）",
        number=failure.number,
        version=failure.version,
        reason=reason,
    )


@click.command("renew-timestamps")
@click.option(
    "--before", "before_text", metavar="DATE", help="Renew timestamps whose TSA certificate expires before DATE."
)
@click.option("--dry-run", is_flag=True, help="List what is due; change nothing.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per certificate, then a summary.")
@with_appcontext
@needs_current_schema
def renew_timestamps_command(before_text: str | None, dry_run: bool, as_json: bool) -> None:
    """Add a fresh document timestamp to every valid certificate whose newest one is due."""
    issuer_runtime = runtime(current_app)
    try:
        renewal = issuer_runtime.renewal(actor=actor())
    except IssuerError as error:
        raise Failure(_("无法续期时间戳：%(reason)s", reason=issuer_error_text(error))) from None
    before = _before(before_text, renewal.default_before())
    due = list(due_certificates(renewal, before))
    day = office_date(before).isoformat()
    if dry_run:
        for item in due:
            if as_json:
                record = {"number": item.number, "version": item.version, "reason": item.reason, "status": "due"}
                click.echo(json.dumps(record, ensure_ascii=False))
            else:
                click.echo(
                    _("%(number)s 第 %(version)s 版：%(why)s", number=item.number, version=item.version, why=_why(item))
                )
        if as_json:
            click.echo(json.dumps({"summary": {"due": len(due), "before": day}}))
        else:
            click.echo(_("%(day)s 之前需续期 %(count)s 张（试运行，未作改动）", day=day, count=len(due)))
        return

    failed: list[RenewalFailed] = []

    def done(outcome: RenewalOutcome) -> None:
        if as_json:
            record = {
                "number": outcome.number,
                "version": outcome.version,
                "status": outcome.status.value,
                "revision": outcome.revision,
                "sha256": outcome.sha256,
                "previous_sha256": outcome.previous_sha256,
                "timestamp_expires_at": outcome.expires_at.isoformat() if outcome.expires_at else None,
            }
            click.echo(json.dumps(record, ensure_ascii=False))

    def fail(failure: RenewalFailed) -> None:
        failed.append(failure)
        text = _failure_text(failure)
        click.echo(text, err=True)
        if as_json:
            record = {"number": failure.number, "version": failure.version, "status": "failed", "problem": text}
            click.echo(json.dumps(record, ensure_ascii=False))

    if as_json or not sys.stdout.isatty():
        outcomes = renew_due(renewal, due, before=before, on_done=done, on_failed=fail)
    else:
        with click.progressbar(length=len(due), label=_("续期时间戳")) as bar:

            def done_and_advance(outcome: RenewalOutcome) -> None:
                done(outcome)
                bar.update(1)

            def fail_and_advance(failure: RenewalFailed) -> None:
                fail(failure)
                bar.update(1)

            outcomes = renew_due(renewal, due, before=before, on_done=done_and_advance, on_failed=fail_and_advance)
    renewed = [o for o in outcomes if o.status is RenewalStatus.RENEWED]
    if as_json:
        summary = {"renewed": len(renewed), "not_due": len(outcomes) - len(renewed), "failed": len(failed)}
        click.echo(json.dumps({"summary": {**summary, "before": day}}))
    else:
        for outcome in renewed:
            click.echo(
                _(
                    "%(number)s 第 %(version)s 版：已加盖新的存档时间戳（修订本 %(revision)s）",
                    number=outcome.number,
                    version=outcome.version,
                    revision=outcome.revision,
                )
            )
        click.echo(
            _(
                "续期 %(renewed)s 张，失败 %(failed)s 张（截止 %(day)s）",
                renewed=len(renewed),
                failed=len(failed),
                day=day,
            )
        )
    if failed:
        sys.exit(EXIT_PARTIAL if renewed else EXIT_INVALID)
