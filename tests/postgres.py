"""A throwaway PostgreSQL 15 cluster for the tests, on 127.0.0.1 only.

``ECERT_TEST_POSTGRES_URL`` points the tests at an existing server instead. As root,
initdb and pg_ctl refuse to run, so they run as the ``postgres`` user.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

BIN = Path(os.environ.get("ECERT_PG_BIN", "/usr/lib/postgresql/15/bin"))


def available() -> bool:
    return bool(os.environ.get("ECERT_TEST_POSTGRES_URL")) or (BIN / "initdb").exists()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_postgres(argv: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else argv


@contextmanager
def cluster() -> Iterator[str]:
    """Yield a SQLAlchemy URL of a superuser connection to a fresh cluster."""
    if url := os.environ.get("ECERT_TEST_POSTGRES_URL"):
        yield url
        return
    base = Path(tempfile.mkdtemp(prefix="ecert-pg-"))
    base.chmod(0o755)
    if os.geteuid() == 0:
        shutil.chown(base, "postgres", "postgres")
    data, port = base / "data", _free_port()
    subprocess.run(
        _as_postgres(
            [str(BIN / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C.UTF-8"]
        ),
        check=True,
        capture_output=True,
    )
    options = f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c max_connections=100"
    subprocess.run(
        _as_postgres([str(BIN / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(base / "log"), "-w", "start"]),
        check=True,
        capture_output=True,
    )
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            _as_postgres([str(BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]), capture_output=True
        )
        shutil.rmtree(base, ignore_errors=True)


def fresh_database(server_url: str, template: str | None = None) -> str:
    """Create an empty database on the cluster (a copy of database ``template``, which no one
    may be connected to, when given) and return its URL."""
    name = f"ecert_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")))
    engine.dispose()
    return server_url.rsplit("/", 1)[0] + f"/{name}"


def drop_database(server_url: str, url: str) -> None:
    """Drop the database at ``url`` (made by ``fresh_database``), ending any connection left to it."""
    engine = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))
    engine.dispose()
