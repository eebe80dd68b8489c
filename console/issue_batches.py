"""Issuing a decisions CSV uploaded in the console: the batch's record, and its run.

The file is read and checked exactly as ``ecert issue`` reads and checks it
(``issuer.decisions.parse_decisions``, ``issuer.services.checking.check_rows``) and issued
by the same service (``issuer.services.issuance.issue_decisions``), so the same file gives
the same row errors, the same numbers and the same idempotency: a decision already issued
is "already issued", and a reservation a killed run left pending is completed with its
number and token by the next run of the same file.

What the console adds is the ``issue_batches`` row: who uploaded which file (SHA-256), how
many rows are done, and at the end what was issued and which rows were not. Its start and
its end are audit events of the staff account, in the same transactions as the row; the
certificates' own events name the same account.
"""

from __future__ import annotations

import enum
import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select, update

from ecert import audit
from ecert.db import Database
from ecert.models import IssueBatch
from ecert.settings import Settings
from issuer import IssuerError
from issuer.decisions import Decision, ParsedDecisions, RowError, parse_decisions
from issuer.services.checking import check_rows
from issuer.services.issuance import IssuanceFailed, IssueOutcome, IssueStatus, issue_decisions
from issuer.services.pipeline import Issuance

# A running batch not heard of for this long was killed (a restart): each row takes well
# under a second, a slow timestamp authority tens of seconds.
HEARTBEAT_STALE = timedelta(minutes=2)
# Checking a row for print (fonts, fitting, the QR code) takes ~0.1 s: the heartbeat and the
# count of rows checked are written after each chunk of this many rows.
CHECK_CHUNK = 20


class BatchStatus(enum.StrEnum):
    CHECKING = "checking"
    RUNNING = "running"
    FINISHED = "finished"
    STOPPED = "stopped"
    REJECTED = "rejected"
    FAILED = "failed"
    INTERRUPTED = "interrupted"


_LIVE = (BatchStatus.CHECKING, BatchStatus.RUNNING)


@dataclass(frozen=True)
class BatchJob:
    """Everything a worker needs to run one batch: plain values, so it can be queued."""

    batch_id: str
    data: bytes
    skip_invalid: bool
    actor: str


def photo_folder(settings: Settings) -> Path:
    """The folder an uploaded file's photo paths are read from. A browser sends one file,
    never its folder, so this one does not exist: a photo column is a row error
    (``photo.missing``; a path leading out, ``photo.outside``: nothing outside is opened)."""
    return settings.home / "console-uploads-have-no-photo-folder"


def read_file(settings: Settings, data: bytes, *, today: date) -> ParsedDecisions:
    """The file as ``ecert issue`` reads it: its rows and their own row errors (fast: no
    fonts, no registry). Raises ``DecisionFileProblem`` for a file that cannot be read."""
    return parse_decisions(data, base_dir=photo_folder(settings), today=today)


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Opened:
    batch_id: str
    started: bool  # False: the same file is being issued already, by ``batch_id``
    resumed: tuple[str, ...] = ()  # interrupted batches of the same file this one takes over


def open_batch(
    db: Database, *, data: bytes, file_name: str, actor: str, skip_invalid: bool, rows_total: int, at: datetime
) -> Opened:
    """Record a new batch of ``data`` (with its audit event), unless a live batch of the
    same file runs already; batches of it killed mid-way are marked interrupted."""
    sha256 = sha256_of(data)
    with db.write() as session:
        running = session.scalars(
            select(IssueBatch).where(IssueBatch.file_sha256 == sha256, IssueBatch.status.in_(_LIVE))
        ).all()
        live = [batch for batch in running if at - batch.updated_at < HEARTBEAT_STALE]
        if live:
            return Opened(batch_id=live[0].id, started=False)
        for dead in running:
            dead.status = BatchStatus.INTERRUPTED
        batch = IssueBatch(
            id=secrets.token_urlsafe(12),
            file_sha256=sha256,
            file_name=file_name[:128],
            uploaded_by=actor,
            skip_invalid=skip_invalid,
            status=BatchStatus.CHECKING,
            rows_total=rows_total,
            rows_checked=0,
            rows_done=0,
            rows_failed=0,
            results=[],
            errors=[],
            started_at=at,
            updated_at=at,
        )
        session.add(batch)
        resumed = tuple(dead.id for dead in running)
        audit.append(
            session,
            actor=actor,
            action="issue_batch.started",
            subject=f"issue_batch:{batch.id}",
            payload={"sha256": sha256, "rows": rows_total, "skip_invalid": skip_invalid, "resumes": list(resumed)},
            at=at,
        )
        return Opened(batch_id=batch.id, started=True, resumed=resumed)


def run_batch(issuance: Issuance, job: BatchJob, *, today: date) -> None:
    """Check every row as ``ecert issue`` does, then issue, recording progress as it goes;
    whatever happens, the batch ends with a status."""
    results: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    try:
        decisions, row_errors, checked = _checked(issuance, job, today=today)
        errors.extend(row_error_record(error) for error in row_errors)
        if row_errors and not job.skip_invalid:
            _finish(issuance, job, BatchStatus.REJECTED, results, errors)
            return
        # Rows refused by the checks count as failed: done + failed reaches the total.
        _advance(issuance, job.batch_id, failed=checked - len(decisions), status=BatchStatus.RUNNING)

        def done(outcome: IssueOutcome) -> None:
            results.append(_result(outcome))
            _advance(issuance, job.batch_id, done=1)

        def failed(failure: IssuanceFailed) -> None:
            errors.append(_failure(failure))
            _advance(issuance, job.batch_id, failed=1)

        try:
            issue_decisions(issuance, decisions, on_done=done, on_failed=failed if job.skip_invalid else None)
        except IssuanceFailed as failure:  # without skip_invalid the batch stops at the row, as the CLI does
            errors.append(_failure(failure))
            _advance(issuance, job.batch_id, failed=1)
            _finish(issuance, job, BatchStatus.STOPPED, results, errors)
            return
    except IssuerError as error:  # no row's fault (the public URL, the signer): said as the CLI says it
        problem = {"code": getattr(error, "code", ""), "params": dict(getattr(error, "params", {})), "text": str(error)}
        _finish(issuance, job, BatchStatus.FAILED, results, errors, problem=problem)
        return
    except Exception as error:  # the batch must not stay "running" for ever
        problem = {"code": "", "params": {}, "text": f"{type(error).__name__}: {error}"[:500]}
        _finish(issuance, job, BatchStatus.FAILED, results, errors, problem=problem)
        raise
    _finish(issuance, job, BatchStatus.FINISHED, results, errors)


def _checked(issuance: Issuance, job: BatchJob, *, today: date) -> tuple[list[Decision], list[RowError], int]:
    """``check_rows`` over the file (read again: the registry may have changed since the
    upload), a chunk of rows at a time so that the page can count them. The rows are
    checked one by one anyway (the checks across rows are the reading's). Also: how many
    rows the reading gave."""
    parsed = read_file(issuance.settings, job.data, today=today)
    decisions: list[Decision] = []
    errors = list(parsed.errors)
    for start in range(0, len(parsed.decisions), CHECK_CHUNK):
        chunk = parsed.decisions[start : start + CHECK_CHUNK]
        kept, refused = check_rows(issuance, ParsedDecisions(decisions=chunk))
        decisions.extend(kept)
        errors.extend(refused)
        _advance(issuance, job.batch_id, checked=len(chunk))
    return decisions, sorted(errors, key=lambda e: e.row), len(parsed.decisions)


def load_batch(db: Database, batch_id: str) -> IssueBatch | None:
    with db.read() as session:
        return session.get(IssueBatch, batch_id)


def earlier_batches(db: Database, batch: IssueBatch) -> list[IssueBatch]:
    """Batches of the same file started before ``batch``: a re-upload says so."""
    with db.read() as session:
        return list(
            session.scalars(
                select(IssueBatch)
                .where(IssueBatch.file_sha256 == batch.file_sha256, IssueBatch.started_at < batch.started_at)
                .order_by(IssueBatch.started_at)
            )
        )


def is_live(batch: IssueBatch) -> bool:
    return batch.status in _LIVE


def is_stale(batch: IssueBatch, now: datetime) -> bool:
    return is_live(batch) and now - batch.updated_at >= HEARTBEAT_STALE


def _advance(
    issuance: Issuance,
    batch_id: str,
    *,
    checked: int = 0,
    done: int = 0,
    failed: int = 0,
    status: BatchStatus | None = None,
) -> None:
    """Count rows and beat the heart (``updated_at``): bookkeeping of the page, no audit event."""
    values: dict[str, Any] = {
        "rows_checked": IssueBatch.rows_checked + checked,
        "rows_done": IssueBatch.rows_done + done,
        "rows_failed": IssueBatch.rows_failed + failed,
        "updated_at": issuance.clock(),
    }
    if status is not None:
        values["status"] = status
    with issuance.db.write() as session:
        session.execute(update(IssueBatch).where(IssueBatch.id == batch_id).values(**values))


def _finish(
    issuance: Issuance,
    job: BatchJob,
    status: BatchStatus,
    results: list[dict[str, Any]],
    errors: list[dict[str, Any]],
    *,
    problem: dict[str, Any] | None = None,
) -> None:
    now = issuance.clock()
    issued = sum(1 for result in results if result["status"] == IssueStatus.ISSUED)
    with issuance.db.write() as session:
        batch = session.get(IssueBatch, job.batch_id)
        if batch is None:  # impossible by construction: the worker is started after the row commits
            raise RuntimeError(f"issue batch {job.batch_id} is gone")
        batch.status, batch.results, batch.errors, batch.problem = status, results, errors, problem
        batch.updated_at = batch.finished_at = now
        audit.append(
            session,
            actor=job.actor,
            action="issue_batch.finished",
            subject=f"issue_batch:{job.batch_id}",
            payload={
                "status": status.value,
                "issued": issued,
                "already_issued": len(results) - issued,
                "invalid_rows": len({error["row"] for error in errors}),
            },
            at=now,
        )


def _result(outcome: IssueOutcome) -> dict[str, Any]:
    return {
        "row": outcome.row,
        "status": outcome.status.value,
        "number": outcome.number,
        "version": outcome.version,
        "token": outcome.token,
    }


def row_error_record(error: RowError) -> dict[str, Any]:
    return {"row": error.row, "column": error.column, "code": error.code, "params": dict(error.params)}


def _failure(failure: IssuanceFailed) -> dict[str, Any]:
    """A row that passed the checks and still failed: its row error, or what failed after
    its number was reserved (technical words, for the administrator) and what became of it."""
    if failure.problem is not None:
        return row_error_record(failure.problem)
    cause = failure.cause
    reason_code = getattr(cause, "code", "") if isinstance(cause, IssuerError) else ""
    return {
        "row": failure.row,
        "column": "",
        "code": "issue.failed",
        "params": {
            "reason_code": reason_code,
            "reason_params": dict(getattr(cause, "params", {})) if reason_code else {},
            "reason": f"{type(cause).__name__}: {cause}"[:500],
            "number": failure.number or "",
            "released": failure.released,
        },
    }
