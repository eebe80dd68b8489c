"""`kill -9` in the middle of a batch: of one worker process, or of the whole command with
its workers. The run (or a re-run of the same file) completes the batch with every row
issued once, no number twice, the reservation the killed worker held completed with its
own number and token, and an audit chain that verifies. Real processes on SQLite and
PostgreSQL; the moment of the kill is when a reservation is in flight."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text

from ecert.models import Certificate, CertificateStatus
from tests import factories
from tests.conftest import make_home
from tests.integration.test_concurrent_issuance import write_csv

ROWS = 10


def _setup(tmp_path: Path, pki_home: Path, database_url: str) -> tuple[dict[str, str], Path]:
    home = make_home(tmp_path, pki_home)
    env = {**os.environ, "ECERT_HOME": str(home), "DATABASE_URL": database_url}
    decisions = [factories.decision(name="王" + "一二三四五六七八九十"[i], row=i + 2) for i in range(ROWS)]
    return env, write_csv(tmp_path / "d.csv", decisions)


def _ecert(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ecert", "--lang", "en", *args], env=env, capture_output=True, text=True, timeout=300
    )


def _start(env: dict[str, str], path: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "ecert", "--lang", "en", "issue", str(path), "--workers", "2", "--json"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group: the whole command, workers included
    )


def _certificates(database_url: str) -> list[tuple[str, str, str]]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(select(Certificate.number, Certificate.token, Certificate.status)).all()
    finally:
        engine.dispose()
    return [(number, token, str(getattr(status, "value", status))) for number, token, status in rows]


def _in_flight(database_url: str, process: subprocess.Popen[str], rows: int = ROWS) -> tuple[str, str]:
    """Wait until a reservation is pending after at least one row was issued (a random
    number of rows into the batch): the number and token a worker holds right now."""
    wanted = random.randint(1, max(1, rows // 2))
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        rows = _certificates(database_url)
        valid = [row for row in rows if row[2] == "valid"]
        pending = [row for row in rows if row[2] == "pending"]
        if len(valid) >= wanted and pending:
            return pending[0][0], pending[0][1]
        time.sleep(0.02)
    raise AssertionError("no reservation in flight")


def _workers_of(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(child) for child in children]


def _holder_of_reservation(database_url: str, workers: list[int]) -> int:
    """The worker process holding a running row (its name is host/pid/…)."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            names = connection.execute(text("SELECT worker FROM batch_items WHERE state = 'running'")).scalars().all()
    finally:
        engine.dispose()
    pids = [int(name.split("/")[1]) for name in names if name]
    return next((pid for pid in pids if pid in workers), workers[0])


def _check_complete(env: dict[str, str], database_url: str, held: tuple[str, str]) -> None:
    rows = _certificates(database_url)
    numbers = [number for number, _token, _status in rows]
    assert len(rows) == ROWS and len(set(numbers)) == ROWS  # every row once, no number twice
    assert {status for *_rest, status in rows} == {CertificateStatus.VALID.value}  # nothing left pending
    assert held in {(number, token) for number, token, _status in rows}  # same number, same token
    verified = _ecert(env, "audit", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    listed = json.loads(_ecert(env, "batches", "--json").stdout.splitlines()[0])
    assert (listed["status"], listed["done"], listed["pending"], listed["failed"]) == ("finished", ROWS, 0, 0)


def test_a_killed_worker_is_replaced_and_the_run_completes(database_url: str, tmp_path: Path, pki_home: Path) -> None:
    env, path = _setup(tmp_path, pki_home, database_url)
    process = _start(env, path)
    held = _in_flight(database_url, process)
    os.kill(_holder_of_reservation(database_url, _workers_of(process.pid)), signal.SIGKILL)
    stdout, stderr = process.communicate(timeout=300)
    assert process.returncode == 0, stderr
    summary = json.loads(stdout.splitlines()[-1])["summary"]
    assert summary["issued"] + summary["already_issued"] == ROWS and summary["invalid_rows"] == 0
    records = [json.loads(line) for line in stdout.splitlines()[:-1]]
    assert [record["row"] for record in records] == list(range(2, ROWS + 2))  # in row order, each once
    _check_complete(env, database_url, held)


@pytest.mark.postgres_sample(1)
def test_the_whole_command_killed_then_run_again_completes(database_url: str, tmp_path: Path, pki_home: Path) -> None:
    env, path = _setup(tmp_path, pki_home, database_url)
    process = _start(env, path)
    held = _in_flight(database_url, process)
    workers = _workers_of(process.pid)
    os.killpg(process.pid, signal.SIGKILL)
    process.communicate(timeout=60)
    for pid in workers:  # its workers die with it
        deadline = time.monotonic() + 10
        while Path(f"/proc/{pid}").exists() and "Z" not in Path(f"/proc/{pid}/stat").read_text().split()[2]:
            assert time.monotonic() < deadline, f"worker {pid} outlived its command"
            time.sleep(0.05)

    rerun = _ecert(env, "issue", str(path), "--json")
    assert rerun.returncode == 0, rerun.stderr
    summary = json.loads(rerun.stdout.splitlines()[-1])["summary"]
    assert summary["issued"] + summary["already_issued"] == ROWS and summary["issued"] >= 1
    _check_complete(env, database_url, held)
