"""``ECERT_QUEUE=procrastinate``: the batch rows as jobs of Procrastinate, on the same
PostgreSQL as the registry, for workers on several machines.

Each row queued gets one job (task ``ecert.issue_row``, argument the item's id), deferred
with Procrastinate's own SQL on the connection of the transaction that inserts the batch
(``defer_rows``): the batch, its rows and their jobs commit together or not at all. A job
runs the same task function as a local worker (``tasks.issue_row``) on the row it names;
the row's state stays the truth (a job for a row already done does nothing). A worker that
dies mid-row stops sending Procrastinate's heartbeat; ``retry_stalled`` (at each worker's
start, then every minute, and by a waiting ``ecert issue``) gives its job back, and the next worker takes the row over and
completes the pending reservation with its number and token.

Procrastinate's tables live beside ours; ``ensure_schema`` creates them once (under an
advisory lock) the first time the queue is used on a database. Procrastinate has no SQLite
connector: the embedded default is ``ECERT_QUEUE=local``.
"""

from __future__ import annotations

import asyncio
import functools
from typing import Any

import procrastinate
from sqlalchemy import text
from sqlalchemy.orm import Session

from ecert.db import Database
from issuer.batches import store, tasks
from issuer.services.pipeline import Issuance

QUEUE = "ecert-issue"
TASK = "ecert.issue_row"
STALLED_AFTER_SECONDS = 30  # no heartbeat for this long: Procrastinate's worker is gone
RETRY_EVERY_SECONDS = 60
_SCHEMA_LOCK = 0x0EC3_0B47  # arbitrary, fixed: the advisory lock of the schema's creation

# The process's issuer, set by the worker before it runs (a job carries only the row's id).
_running: dict[str, Any] = {}


def conninfo(database_url: str) -> str:
    """SQLAlchemy's URL as libpq reads it."""
    return database_url.replace("postgresql+psycopg://", "postgresql://", 1)


@functools.cache
def app_for(database_url: str) -> procrastinate.App:
    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=conninfo(database_url)))
    app.task(name=TASK, queue=QUEUE)(_issue_row_job)
    return app


def ensure_schema(db: Database) -> None:
    """Procrastinate's tables and functions, created the first time (once, whoever is first)."""
    with db.write() as session:
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SCHEMA_LOCK})
        if session.scalar(text("SELECT to_regclass('procrastinate_jobs')")) is not None:
            return
        schema = app_for(db.engine.url.render_as_string(hide_password=False)).schema_manager.get_schema()
        raw = session.connection().connection.driver_connection
        assert raw is not None
        raw.execute(schema)


def defer_rows(session: Session, database_url: str, item_ids: list[int]) -> None:
    """One job per row, in ``session``'s transaction (Procrastinate's defer SQL on its connection)."""
    if not item_ids:
        return
    app = app_for(database_url)
    deferrer = app.tasks[TASK].configure()
    jobs = [deferrer.make_new_job(item_id=item_id) for item_id in item_ids]
    raw = session.connection().connection.driver_connection
    app.job_manager.batch_defer_jobs(jobs, connection=raw)


def _issue_row_job(item_id: int) -> str:
    issuance: Issuance = _running["issuance"]
    name: str = _running["name"]
    # The job runs once, unless its worker was declared dead: then its row is taken over.
    claimed = store.claim_item(issuance.db, item_id, name, at=issuance.clock(), take_over=True)
    if claimed is None:
        return "nothing to do"
    return tasks.issue_row(issuance, claimed, worker=name).value


async def _retry_stalled(app: procrastinate.App) -> int:
    stalled = await app.job_manager.get_stalled_jobs(
        queue=QUEUE, task_name=TASK, seconds_since_heartbeat=STALLED_AFTER_SECONDS
    )
    count = 0
    for job in stalled:
        await app.job_manager.retry_job(job)
        count += 1
    return count


def run_worker(issuance: Issuance, *, name: str, until_idle: bool, in_thread: bool = False) -> None:
    """A Procrastinate worker on the issue queue, with this process's issuer; ``until_idle``:
    stop once no job is waiting."""
    _running.update(issuance=issuance, name=name)
    app = app_for(issuance.settings.database_url)

    async def work() -> None:
        async with app.open_async():
            await _retry_stalled(app)
            running = asyncio.ensure_future(
                app.run_worker_async(
                    queues=[QUEUE],
                    concurrency=1,
                    wait=not until_idle,
                    install_signal_handlers=not in_thread,
                    name=name[:100],
                )
            )
            while not running.done():  # meanwhile, give back the jobs of workers that died
                await asyncio.wait([running], timeout=RETRY_EVERY_SECONDS)
                if not running.done():
                    await _retry_stalled(app)
            await running

    asyncio.run(work())


def retry_stalled(database_url: str) -> int:
    """Give back the jobs of dead workers now (``ecert issue`` while it waits)."""
    app = app_for(database_url)

    async def retry() -> int:
        async with app.open_async():
            return await _retry_stalled(app)

    return asyncio.run(retry())


def tally(db: Database, worker: str) -> dict[str, int]:
    """Rows this worker finished, by state (what ``ecert worker`` says at its end)."""
    from sqlalchemy import func, select

    from ecert.models import BatchItem

    with db.read() as session:
        rows = session.execute(
            select(BatchItem.state, func.count()).where(BatchItem.worker == worker).group_by(BatchItem.state)
        )
        return {str(state): int(count) for state, count in rows}
