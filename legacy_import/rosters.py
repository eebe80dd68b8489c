"""Importing an archive roster: its rows stored as ``RosterEntry`` in one transaction with
one audit event (``roster.imported``). The CLI (``ecert legacy import-roster``) and the
console (``/console/rosters``) both call ``import_roster``.

A file with any row that cannot be understood is refused as a whole (nothing stored),
unless ``skip_invalid``: then the other rows are stored and the refused ones reported.
A row already stored (same ``row_key``: the same normalised values, from this file, an
earlier copy of it or another roster) is counted as ``already_present`` and adds nothing;
two imports of the same file at once store each row once (``ON CONFLICT DO NOTHING``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from ecert import audit
from ecert.clock import office_date
from ecert.db import Database
from ecert.models import RosterEntry
from legacy_import.roster import ParsedRoster, RosterProblem, RosterRow, read_roster

# Rows per INSERT: 25 parameters a row stays under SQLite's 32,766 variables.
_CHUNK = 500
MAX_LABEL = 128
MAX_FILE_NAME = 200


@dataclass(frozen=True)
class RosterImport:
    """What an import did: ``refused`` (rows with problems and no ``skip_invalid``: nothing
    stored), else how many rows were stored and how many were there already."""

    imported: int
    already_present: int
    invalid: int  # rows with problems (not stored)
    errors: list[RosterProblem] = field(default_factory=list)
    refused: bool = False
    sha256: str = ""
    parsed: ParsedRoster | None = None

    def as_json(self) -> dict[str, object]:
        return {
            "imported": self.imported,
            "already_present": self.already_present,
            "invalid": self.invalid,
            "errors": [error.as_json() for error in self.errors],
        }


@dataclass(frozen=True)
class RosterSource:
    """One imported file, for the console's list."""

    source_label: str
    source_file: str
    sha256: str
    rows: int
    imported_at: datetime
    imported_by: str


def import_roster(
    db: Database,
    data: bytes,
    *,
    file_name: str,
    source_label: str,
    actor: str,
    clock: Callable[[], datetime],
    skip_invalid: bool = False,
) -> RosterImport:
    """Read ``data`` (raises ``RosterFileProblem`` for a file that cannot be read) and store
    its rows, or refuse them all."""
    now = clock()
    file_name = file_name.replace("\\", "/").rsplit("/", 1)[-1][:MAX_FILE_NAME]
    label = (source_label.strip() or file_name)[:MAX_LABEL]
    sha256 = hashlib.sha256(data).hexdigest()
    parsed = read_roster(data, file_name=file_name, today=office_date(now))
    invalid = parsed.invalid_rows
    if parsed.errors and not skip_invalid:
        return RosterImport(0, 0, invalid, parsed.errors, refused=True, sha256=sha256, parsed=parsed)
    unique = list({row.row_key: row for row in parsed.rows}.items())
    with db.write() as session:
        imported = _store(session, unique, label=label, sha256=sha256, actor=actor, now=now)
        already = len(parsed.rows) - imported
        audit.append(
            session,
            actor=actor,
            action="roster.imported",
            subject=f"roster:{sha256}",
            payload={
                "sha256": sha256,
                "source": label,
                "rows": len(parsed.rows) + invalid,
                "imported": imported,
                "already_present": already,
                "invalid": invalid,
            },
            at=now,
        )
    return RosterImport(imported, already, invalid, parsed.errors, sha256=sha256, parsed=parsed)


def _store(
    session: Session, rows: list[tuple[str, RosterRow]], *, label: str, sha256: str, actor: str, now: datetime
) -> int:
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stored = 0
    for start in range(0, len(rows), _CHUNK):
        values = [_values(key, row, label, sha256, actor, now) for key, row in rows[start : start + _CHUNK]]
        statement = insert(RosterEntry).values(values).on_conflict_do_nothing(index_elements=["row_key"])
        stored += len(session.execute(statement.returning(RosterEntry.id)).all())
    return stored


def _values(key: str, row: RosterRow, label: str, sha256: str, actor: str, now: datetime) -> dict[str, object]:
    def text(value: str) -> str | None:
        return value or None

    return {
        "row_key": key,
        "source_label": label,
        "source_file": row.source_file,
        "source_sha256": sha256,
        "sheet": text((row.sheet or "")[:64]),
        "source_row": row.source_row,
        "name": row.name,
        "gender": text(row.gender),
        "id_number": text(row.id_number),
        "id_number_original": text(row.id_number_original),
        "employer": text(row.employer),
        "series": text(row.series),
        "specialty": text(row.specialty),
        "level": text(row.level),
        "qualification": row.qualification,
        "approval_date": row.approval_date,
        "approval_date_text": text(row.approval_date_text[:32]),
        "approval_date_precision": text(row.approval_date_precision),
        "approving_body": text(row.approving_body),
        "doc_no": text(row.doc_no),
        "paper_number": text(row.paper_number),
        "imported_by": actor[:128],
        "imported_at": now,
    }


def sources(db: Database, *, limit: int = 200) -> list[RosterSource]:
    """The imported files, newest first, each with the rows it added."""
    query = (
        select(
            RosterEntry.source_label,
            RosterEntry.source_file,
            RosterEntry.source_sha256,
            func.count(RosterEntry.id),
            func.min(RosterEntry.imported_at),
            func.min(RosterEntry.imported_by),
        )
        .group_by(RosterEntry.source_label, RosterEntry.source_file, RosterEntry.source_sha256)
        .order_by(func.min(RosterEntry.imported_at).desc(), RosterEntry.source_sha256)
        .limit(limit)
    )
    with db.read() as session:
        return [RosterSource(*found) for found in session.execute(query).all()]
