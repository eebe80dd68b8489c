"""Verification history: when and how each certificate or use copy was checked.

What is kept, and why so little:

- **Keyed by the token checked**, not by the certificate row: a use copy has its own
  token and fits unchanged, and a version's history stays its own.
- **The channel** (``CHANNELS``: the QR page, the lookup by number and name, the PDF
  upload page, the API's lookups and its PDF check) and **the minute**. Nothing of the
  verifier: no IP address, no hash of one, no user agent. A holder learns that an
  employer looked, never who; the registry holds no list of who checks whom.
- **Bounded volume**: per token and day (the office's day, as the holder reads it) at most ``DETAILED_PER_DAY`` detailed rows
  (``VerificationEvent``); every check, detailed or not, is counted in one row per token,
  day and channel (``VerificationCount``, an upsert). One busy HR office checking one
  certificate all day adds 20 rows and 5 counters at most, not one row per check.

Recording never slows or breaks a verification: the pages and the API only put
``(token, channel, moment)`` on an in-process queue (``Recorder.record``, microseconds);
one writer thread per process drains it in batches, gathered for ``FLUSH_SECONDS``, each
batch one transaction. (Writing each check in its own transaction from that thread made
the QR page ~25 % slower in-process: the writer took the interpreter lock once a request.) The queue
is bounded: when the database is slow or down, checks beyond ``QUEUE_LIMIT`` waiting are
dropped (logged), never waited for. A process that dies loses at most the batch in flight:
acceptable for a history, not for the registry. Nothing here is shared between processes,
so a second machine simply runs its own writer.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from time import sleep

from sqlalchemy import func, insert, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from ecert.clock import OFFICE_TZ, office_date
from ecert.db import Database
from ecert.models import VerificationCount, VerificationEvent

log = logging.getLogger(__name__)

CHANNELS = ("qr", "lookup", "upload", "api", "api_pdf")
DETAILED_PER_DAY = 20
QUEUE_LIMIT = 10_000
BATCH_LIMIT = 500
FLUSH_SECONDS = 1.0  # at most this late, a check reaches the history
_IN_SLICE = 500  # tokens per IN (...) when counting a batch's detailed rows: well under SQLite's 32,766 parameters


@dataclass(frozen=True)
class Check:
    token: str
    channel: str
    at: datetime


def minute(moment: datetime) -> datetime:
    """The moment kept: UTC, to the minute (a coarse time is all a holder needs)."""
    return moment.astimezone(UTC).replace(second=0, microsecond=0)


def write_checks(session: Session, checks: Iterable[Check]) -> None:
    """Count every check and keep the first ``DETAILED_PER_DAY`` of each token and day in
    detail. The caller owns the transaction (one per batch).

    A batch is grouped first and written with one statement per kind, whatever its size:
    one upsert of the counters (``executemany``), one count of the detailed rows already
    kept per day of the batch, one insert of the new detailed rows. (One statement per
    token made a batch of 500 random checks hold the interpreter for ~100 ms, which the
    pages' slowest answers felt.) Two processes writing the same token at the same moment
    may each keep a last detailed row: the limit is "about", the counters exact."""
    counts: Counter[tuple[str, date, str]] = Counter()
    moments: dict[tuple[str, date], list[tuple[datetime, str]]] = {}
    for check in checks:
        if check.channel not in CHANNELS:
            raise ValueError(f"unknown verification channel {check.channel!r}")
        at = minute(check.at)
        day = office_date(at)
        counts[(check.token, day, check.channel)] += 1
        moments.setdefault((check.token, day), []).append((at, check.channel))
    if not counts:
        return
    upsert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = upsert(VerificationCount)
    # An upsert: two processes counting the same token, day and channel never collide.
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["token", "day", "channel"],
            set_={"count": VerificationCount.count + statement.excluded.count},
        ),
        [{"token": token, "day": day, "channel": channel, "count": n} for (token, day, channel), n in counts.items()],
    )
    kept = _detailed_counts(session, moments)
    # The first checks of the day are kept in detail, in the order they came (the queue's).
    rows = [
        {"token": token, "channel": channel, "at": at}
        for (token, day), checked in moments.items()
        for at, channel in checked[: max(0, DETAILED_PER_DAY - kept.get((token, day), 0))]
    ]
    if rows:
        session.execute(insert(VerificationEvent), rows)


def _detailed_counts(
    session: Session, moments: dict[tuple[str, date], list[tuple[datetime, str]]]
) -> dict[tuple[str, date], int]:
    """How many detailed rows each (token, day) of the batch already has: one query per day
    (a batch spans one day, two around midnight), in slices the drivers' parameter limits allow."""
    tokens_by_day: dict[date, list[str]] = {}
    for token, day in moments:
        tokens_by_day.setdefault(day, []).append(token)
    kept: dict[tuple[str, date], int] = {}
    for day, tokens in tokens_by_day.items():
        start = datetime.combine(day, time(), tzinfo=OFFICE_TZ)
        for offset in range(0, len(tokens), _IN_SLICE):
            for token, n in session.execute(
                select(VerificationEvent.token, func.count())
                .where(
                    VerificationEvent.token.in_(tokens[offset : offset + _IN_SLICE]),
                    VerificationEvent.at >= start,
                    VerificationEvent.at < start + timedelta(days=1),
                )
                .group_by(VerificationEvent.token)
            ):
                kept[(token, day)] = int(n)
    return kept


class Recorder:
    """The per-process queue and its writer thread (started on first use, after any fork)."""

    def __init__(self, db: Database, interval: float = FLUSH_SECONDS) -> None:
        self.db = db
        self.interval = interval
        self._queue: queue.Queue[Check] = queue.Queue(maxsize=QUEUE_LIMIT)
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._pid = os.getpid()
        self.dropped = 0

    def record(self, token: str, channel: str, at: datetime) -> None:
        """Queue one check; never raises, never blocks."""
        if self._pid != os.getpid():
            # A forked worker (gunicorn --preload): the parent's thread is not here; start afresh.
            self._queue, self._thread, self._pid = queue.Queue(maxsize=QUEUE_LIMIT), None, os.getpid()
        try:
            self._queue.put_nowait(Check(token, channel, at))
        except queue.Full:
            self.dropped += 1
            if self.dropped == 1 or self.dropped % 1000 == 0:  # said, not once per check
                log.warning("verification history: queue full, %d checks not recorded so far", self.dropped)
            return
        if self._thread is None:
            self._start()

    def flush(self) -> None:
        """Wait until every queued check is written (tests; a graceful shutdown)."""
        self._queue.join()

    def _start(self) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="verification-history", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            batch = [self._queue.get()]
            # Gather for a moment: one transaction per interval, not one per check, so the
            # writer holds the interpreter (and the database's write lock) rarely. It sleeps
            # rather than waits on the queue: a waiting writer would be woken by every check
            # put, and take the interpreter from the request that put it.
            sleep(self.interval)
            while len(batch) < BATCH_LIMIT:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            try:
                with self.db.write() as session:
                    write_checks(session, batch)
            except Exception:  # the history is lost for this batch; verification is unaffected
                log.exception("verification history: %d checks not recorded", len(batch))
            finally:
                for _ in batch:
                    self._queue.task_done()


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class DayOfChecks:
    day: date
    counts: dict[str, int]  # channel -> checks that day
    events: list[tuple[datetime, str]]  # (minute, channel), newest first: at most DETAILED_PER_DAY

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def undetailed(self) -> int:
        return self.total - len(self.events)


def history_of(session: Session, token: str) -> list[DayOfChecks]:
    """Every day the token was checked, newest first, with that day's detailed checks."""
    counts: dict[date, Counter[str]] = {}
    for day, channel, count in session.execute(
        select(VerificationCount.day, VerificationCount.channel, VerificationCount.count).where(
            VerificationCount.token == token
        )
    ):
        counts.setdefault(day, Counter())[channel] += count
    events: dict[date, list[tuple[datetime, str]]] = {}
    for at, channel in session.execute(
        select(VerificationEvent.at, VerificationEvent.channel)
        .where(VerificationEvent.token == token)
        .order_by(VerificationEvent.at.desc(), VerificationEvent.id.desc())
    ):
        events.setdefault(office_date(at), []).append((at, channel))
    return [DayOfChecks(day, dict(counts[day]), events.get(day, [])) for day in sorted(counts, reverse=True)]


def verifications_per_month(session: Session, tokens: Sequence[str] | None = None) -> list[tuple[str, int]]:
    """("YYYY-MM", checks) per month (the office's calendar), oldest first; of ``tokens`` only when given.

    For the staff dashboards (not used by a page yet): counted from the daily counters, so
    it includes the checks beyond the detailed rows."""
    query = select(VerificationCount.day, VerificationCount.count)
    if tokens is not None:
        query = query.where(VerificationCount.token.in_(tokens))
    months: Counter[str] = Counter()
    for day, count in session.execute(query):
        months[f"{day.year:04d}-{day.month:02d}"] += count
    return sorted(months.items())
