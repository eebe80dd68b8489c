"""Copying the database while the service runs, and putting a copy back.

SQLite: the online backup API (``sqlite3.Connection.backup``) copies every page in one
step under one read transaction, so the copy is one consistent moment even while writers
go on (WAL: they are not blocked). PostgreSQL: ``pg_dump -Fc`` of a snapshot this module
exports from a REPEATABLE READ transaction, so the figures written in the manifest (schema
revision, audit head, certificate count) are read from exactly what was dumped; restored
with ``pg_restore --single-transaction`` (all or nothing), without owners or grants (the
restoring role owns what it restores).

Passwords reach the PostgreSQL tools through ``PGPASSWORD``, never their command line
(which every user of the machine can read in ``ps``).
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from ecert.audit import GENESIS
from ecert.backup import BackupError
from ecert.backup.layout import sqlite_path

_REVISION = "SELECT version_num FROM alembic_version"
_HEAD = "SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1"
_CERTIFICATES = "SELECT count(*) FROM certificates"


@dataclass(frozen=True)
class Snapshot:
    """What the copied database holds, read from the copy itself."""

    revision: str | None
    head_seq: int
    head_hash: str
    certificates: int


def dialect(database_url: str) -> str:
    name = make_url(database_url).get_backend_name()
    if name == "sqlite" and sqlite_path(database_url) is not None:
        return "sqlite"
    if name == "postgresql":
        return "postgresql"
    raise BackupError("backup.unsupported_database", url=make_url(database_url).render_as_string())


def dump_name(kind: str) -> str:
    return "ecert.sqlite3" if kind == "sqlite" else "ecert.pgdump"


def _snapshot(query: Callable[[str], list[Any]]) -> Snapshot:
    def first(sql: str) -> Any:
        try:
            rows = query(sql)
        except (sqlite3.Error, SQLAlchemyError):  # a table missing: a database never migrated
            return None
        return rows[0] if rows else None

    revision, head, count = first(_REVISION), first(_HEAD), first(_CERTIFICATES)
    return Snapshot(
        revision=None if revision is None else str(revision[0]),
        head_seq=int(head[0]) if head else 0,
        head_hash=str(head[1]) if head else GENESIS,
        certificates=int(count[0]) if count else 0,
    )


def _new_private_file(path: Path) -> None:
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def copy_sqlite(database_url: str, target: Path) -> Snapshot:
    source = sqlite_path(database_url)
    assert source is not None
    if not source.is_file():
        raise BackupError("backup.no_database", file=str(source))
    _new_private_file(target)
    reader = sqlite3.connect(source, timeout=30)
    writer = sqlite3.connect(target)
    try:
        reader.backup(writer)  # pages=-1: the whole database in one step, one consistent moment
    finally:
        writer.close()
        reader.close()
    copy = sqlite3.connect(target)
    try:
        return _snapshot(lambda sql: copy.execute(sql).fetchall())
    finally:
        copy.close()


def _libpq(database_url: str) -> tuple[str, dict[str, str]]:
    url = make_url(database_url)
    environment = {**os.environ}
    if url.password:
        environment["PGPASSWORD"] = str(url.password)
    conninfo = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return conninfo, environment


def require_tool(kind: str, pg_bin: Path, name: str) -> None:
    """Checked before anything is written: a missing pg_dump found halfway leaves a half backup."""
    if kind == "postgresql" and not (pg_bin / name).exists():
        raise BackupError("backup.tool_missing", tool=name, dir=str(pg_bin))


def _run(tool: Path, arguments: list[str], environment: dict[str, str]) -> None:
    require_tool("postgresql", tool.parent, tool.name)
    done = subprocess.run([str(tool), *arguments], env=environment, capture_output=True, text=True)
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        raise BackupError("backup.tool_failed", tool=tool.name, reason=lines[0] if lines else f"exit {done.returncode}")


def dump_postgres(database_url: str, target: Path, pg_bin: Path) -> Snapshot:
    conninfo, environment = _libpq(database_url)
    _new_private_file(target)  # pg_dump keeps the permissions of a file that exists
    engine = create_engine(database_url, hide_parameters=True)
    try:
        with engine.connect() as connection:
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
            with connection.begin():
                exported = connection.execute(text("SELECT pg_export_snapshot()")).scalar_one()
                snapshot = _snapshot(lambda sql: list(connection.execute(text(sql)).all()))
                # The transaction stays open while pg_dump reads its snapshot.
                _run(
                    pg_bin / "pg_dump",
                    ["--format=custom", f"--snapshot={exported}", "--no-password", "--file", str(target), conninfo],
                    environment,
                )
    finally:
        engine.dispose()
    return snapshot


def table_count(database_url: str) -> int:
    """Tables in the database (0: an empty one a restore may fill)."""
    path = sqlite_path(database_url)
    if path is not None:
        if not path.exists() or path.stat().st_size == 0:
            return 0
        file = sqlite3.connect(path)
        try:
            return int(file.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0])
        finally:
            file.close()
    engine = create_engine(database_url, hide_parameters=True)
    try:
        with engine.connect() as connection:
            return int(
                connection.execute(
                    text(
                        "SELECT count(*) FROM information_schema.tables"
                        " WHERE table_schema NOT IN ('pg_catalog', 'information_schema')"
                    )
                ).scalar_one()
            )
    finally:
        engine.dispose()


def restore_sqlite(dump: Path, database_url: str, finish: Callable[[str], None]) -> None:
    """Put ``dump`` in place as the database, after ``finish`` (given the copy's URL) wrote
    into the copy: the database appears at its path whole, with the restore's audit event,
    or not at all."""
    target = sqlite_path(database_url)
    assert target is not None
    target.parent.mkdir(parents=True, exist_ok=True)
    copy = target.with_name(f".{target.name}.restore.tmp")
    for leftover in (copy, *(copy.with_name(copy.name + s) for s in ("-wal", "-shm", "-journal"))):
        leftover.unlink(missing_ok=True)  # of a restore that died here before: never used
    _new_private_file(copy)
    reader, writer = sqlite3.connect(dump), sqlite3.connect(copy)
    try:
        reader.backup(writer)
    finally:
        writer.close()
        reader.close()
    finish(f"sqlite:///{copy}")
    checkpoint = sqlite3.connect(copy)  # fold any write-ahead log into the file before it moves
    try:
        checkpoint.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        checkpoint.execute("PRAGMA journal_mode=DELETE")
    finally:
        checkpoint.close()
    for stale in (target.with_name(target.name + s) for s in ("-wal", "-shm", "-journal")):
        stale.unlink(missing_ok=True)  # of the empty database that was there (checked empty)
    os.replace(copy, target)


def restore_postgres(dump: Path, database_url: str, pg_bin: Path) -> None:
    conninfo, environment = _libpq(database_url)
    _run(
        pg_bin / "pg_restore",
        [
            "--single-transaction",
            "--exit-on-error",
            "--no-owner",
            "--no-privileges",
            "--no-password",
            "--dbname",
            conninfo,
            str(dump),
        ],
        environment,
    )
