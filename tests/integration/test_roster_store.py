"""Storing a roster: two imports of the same file at once store each row once (the unique
``row_key`` with ``ON CONFLICT DO NOTHING``), on both databases; the counts of the two add up."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from ecert.clock import utc_now
from ecert.models import AuditEvent, RosterEntry
from ecert.vocab.idnumber import id_check_character
from legacy_import.rosters import import_roster, sources

pytestmark = pytest.mark.parametrize(
    "database_url", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)


def roster(rows: int) -> bytes:
    lines = ["姓名,身份证号码,资格名称,取得时间,证书编号"]
    for n in range(rows):
        first17 = f"50011119{60 + n // 365 % 30}0101{n % 1000:03d}"
        lines.append(
            f"王{'一二三四五六七八九十'[n % 10]}明,{first17}{id_check_character(first17)},工程师,2003-07-01,P{n:06d}"
        )
    return ("\n".join(lines) + "\n").encode("utf-8")


def test_two_imports_at_once_store_each_row_once(app) -> None:  # type: ignore[no-untyped-def]
    db = app.extensions["ecert"].db
    data = roster(1200)  # more than one INSERT of 500 rows
    outcomes = []

    def run(label: str) -> None:
        outcomes.append(import_roster(db, data, file_name="名册.csv", source_label=label, actor="test", clock=utc_now))

    threads = [threading.Thread(target=run, args=(label,)) for label in ("甲", "乙")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(o.imported + o.already_present for o in outcomes) == [1200, 1200]
    assert sum(o.imported for o in outcomes) == 1200
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(RosterEntry)) == 1200
        assert session.scalar(select(func.count()).where(AuditEvent.action == "roster.imported")) == 2
    (listed,) = [s for s in sources(db) if s.rows == 1200] or [None]
    assert listed is not None and listed.source_file == "名册.csv"
