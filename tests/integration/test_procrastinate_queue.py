"""``ECERT_QUEUE=procrastinate`` on a real PostgreSQL: the rows of a batch become
Procrastinate jobs in the transaction that records the batch (all or nothing), workers
(``ecert worker``, or the ones ``ecert issue`` starts) issue them, and the output and the
registry are those of the local engine."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from issuer.batches import procrastinate_engine, store
from tests import factories
from tests.conftest import make_home, make_issuance, migrated_database
from tests.integration.test_concurrent_issuance import write_csv

pytestmark = pytest.mark.postgres
ROWS = 4


@pytest.fixture
def pg_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with migrated_database(request, "postgresql", tmp_path) as url:
        yield url


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ecert", "--lang", "en", *args], env=env, capture_output=True, text=True, timeout=300
    )


def _query(url: str, sql: str) -> list[tuple]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(sql))]
    finally:
        engine.dispose()


def _setup(tmp_path: Path, pki_home: Path, url: str) -> tuple[dict[str, str], Path]:
    home = make_home(tmp_path, pki_home)
    env = {**os.environ, "ECERT_HOME": str(home), "DATABASE_URL": url, "ECERT_QUEUE": "procrastinate"}
    decisions = [factories.decision(name="赵" + "一二三四"[i], row=i + 2) for i in range(ROWS)]
    return env, write_csv(tmp_path / "d.csv", decisions)


def test_no_wait_defers_one_job_per_row_and_a_worker_issues_them(pg_url: str, tmp_path: Path, pki_home: Path) -> None:
    env, path = _setup(tmp_path, pki_home, pg_url)
    queued = _run(env, "issue", str(path), "--no-wait", "--json")
    assert queued.returncode == 0, queued.stderr
    batch = json.loads(queued.stdout)["batch"]
    jobs = _query(pg_url, "SELECT task_name, status, (args->>'item_id')::int FROM procrastinate_jobs ORDER BY id")
    items = _query(pg_url, f"SELECT id FROM batch_items WHERE batch_id = {batch} ORDER BY row")
    assert [(name, status) for name, status, _ in jobs] == [("ecert.issue_row", "todo")] * ROWS
    assert [item_id for *_, item_id in jobs] == [item_id for (item_id,) in items]
    assert _query(pg_url, "SELECT count(*) FROM certificates") == [(0,)]

    worked = _run(env, "worker", "--until-idle")
    assert worked.returncode == 0, worked.stderr
    assert f"{ROWS} row(s) done, 0 failed" in worked.stdout
    assert _query(pg_url, "SELECT status, count(*) FROM certificates GROUP BY status") == [("valid", ROWS)]
    assert _query(pg_url, "SELECT DISTINCT status FROM procrastinate_jobs") == [("succeeded",)]
    listed = json.loads(_run(env, "batches", "--json").stdout.splitlines()[0])
    assert (listed["status"], listed["done"], listed["pending"]) == ("finished", ROWS, 0)
    assert _run(env, "audit", "verify").returncode == 0


def test_issue_waits_for_its_queue_workers_and_prints_rows_in_order(
    pg_url: str, tmp_path: Path, pki_home: Path
) -> None:
    env, path = _setup(tmp_path, pki_home, pg_url)
    issued = _run(env, "issue", str(path), "--workers", "2", "--json")
    assert issued.returncode == 0, issued.stderr
    lines = [json.loads(line) for line in issued.stdout.splitlines()]
    assert [record["row"] for record in lines[:-1]] == list(range(2, ROWS + 2))
    assert lines[-1] == {"summary": {"issued": ROWS, "already_issued": 0, "invalid_rows": 0}}
    numbers = _query(pg_url, "SELECT number FROM certificates WHERE status = 'valid'")
    assert len(set(numbers)) == ROWS


def test_a_batch_that_does_not_commit_leaves_no_job(
    pg_url: str, tmp_path: Path, pki_home: Path, renderer, signer, seal_png
) -> None:  # type: ignore[no-untyped-def]
    issuance = make_issuance(pg_url, make_home(tmp_path, pki_home), renderer, signer, seal_png)
    issuance = replace(issuance, settings=replace(issuance.settings, queue="procrastinate"))
    procrastinate_engine.ensure_schema(issuance.db)
    rows = [store.Queued(row=2, decision=factories.decision())]

    def defer_then_fail(session, item_ids):  # type: ignore[no-untyped-def]
        procrastinate_engine.defer_rows(session, pg_url, item_ids)
        assert _query(pg_url, "SELECT count(*) FROM procrastinate_jobs") == [(0,)]  # not visible before commit
        raise RuntimeError("the machine goes down before the batch commits")

    with pytest.raises(RuntimeError):
        store.create_batch(
            issuance.db,
            source="d.csv",
            data=b"x",
            rows=rows,
            actor="test",
            skip_invalid=False,
            accept_public_url_change=False,
            at=issuance.clock(),
            on_queued=defer_then_fail,
        )
    assert _query(pg_url, "SELECT count(*) FROM procrastinate_jobs") == [(0,)]
    assert _query(pg_url, "SELECT count(*) FROM batches") == [(0,)]
    issuance.db.dispose()


def test_a_queue_worker_killed_mid_row_has_its_job_given_back(pg_url: str, tmp_path: Path, pki_home: Path) -> None:
    """Procrastinate declares the killed worker's job stalled (no heartbeat for 30 s); the
    waiting command gives it back and a worker completes the reservation it held."""
    from tests.functional.test_batch_kill import _certificates, _holder_of_reservation, _in_flight, _workers_of

    env, path = _setup(tmp_path, pki_home, pg_url)
    process = subprocess.Popen(
        [sys.executable, "-m", "ecert", "issue", str(path), "--workers", "2", "--json"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    held = _in_flight(pg_url, process, rows=ROWS)
    os.kill(_holder_of_reservation(pg_url, _workers_of(process.pid)), 9)
    stdout, stderr = process.communicate(timeout=300)
    assert process.returncode == 0, stderr
    assert json.loads(stdout.splitlines()[-1])["summary"]["issued"] == ROWS
    rows = _certificates(pg_url)
    assert len(rows) == ROWS and {status for *_, status in rows} == {"valid"}
    assert held in {(number, token) for number, token, _ in rows}  # the same number and token
    assert _run(env, "audit", "verify").returncode == 0
