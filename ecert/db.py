"""Database engine and sessions.

SQLite is the embedded default; PostgreSQL is configuration. Two details make the
same service code race-free on both:

- SQLite write transactions start with ``BEGIN IMMEDIATE`` (``Database.writer``), so
  two processes never both read and then fail to upgrade to a write lock; readers
  use WAL and never block writers.
- PostgreSQL writers rely on row locks, ``ON CONFLICT`` and an advisory lock for the
  audit chain (see ``ecert.audit``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

T = TypeVar("T")


@dataclass(frozen=True)
class Database:
    engine: Engine
    reader: sessionmaker[Session]
    writer: sessionmaker[Session]
    # The audit key and anchor settings (``ecert.audit.AuditTrail``): every write session
    # carries it, so ``audit.append`` inside a state change's transaction finds its key.
    audit: Any = None

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One write transaction: commits on success, rolls back on any exception."""
        with self.writer() as session, session.begin():
            session.info["ecert.audit"] = self.audit
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self.reader() as session:
            session.info["ecert.audit"] = self.audit
            yield session

    def run_read(self, work: Callable[[Connection], T]) -> T:
        """``work`` (read-only) on a Core connection, for the hot path (the QR page, the
        API's lookups): no ORM session, no identity map. The pool does not ping a connection
        before lending it (a round trip on every page); a connection the server dropped
        (a restart, an idle timeout) fails here once, SQLAlchemy discards the pool, and
        ``work`` runs again on a fresh connection: the visitor sees no error."""
        for attempt in (1, 2):
            try:
                with self.engine.connect() as connection:
                    return work(connection)
            except DBAPIError as error:
                if attempt == 2 or not error.connection_invalidated:
                    raise
        raise AssertionError("unreachable")

    def dispose(self) -> None:
        self.engine.dispose()


def connect(url: str, *, audit: Any = None, **engine_kwargs: Any) -> Database:
    is_sqlite = url.startswith("sqlite")
    if is_sqlite:
        engine_kwargs.setdefault("connect_args", {"timeout": 30})
    else:
        # No pre-ping: it costs a round trip on every checkout, i.e. on every page. A
        # connection the server dropped fails once; SQLAlchemy then discards the whole pool
        # (``run_read`` retries the public pages' lookups on a fresh one). Recycling stays
        # under the usual idle timeouts of servers and proxies in between.
        engine_kwargs.setdefault("pool_recycle", 300)
    # A database error's text names no bound value: no ID number or name reaches a log line
    # or a page that shows what went wrong.
    engine_kwargs.setdefault("hide_parameters", True)
    engine = create_engine(url, **engine_kwargs)
    if is_sqlite:
        _configure_sqlite(engine)
    writer_engine = engine.execution_options(sqlite_begin="IMMEDIATE") if is_sqlite else engine
    return Database(
        engine=engine,
        reader=sessionmaker(engine, expire_on_commit=False),
        writer=sessionmaker(writer_engine, expire_on_commit=False),
        audit=audit,
    )


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event emit BEGIN itself (pysqlite's own is deferred).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")
