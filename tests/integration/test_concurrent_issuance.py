"""Several `ecert issue` processes at once, on overlapping files: no duplicate numbers,
no decision issued twice, an unbroken audit chain. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from ecert import audit
from ecert.models import AuditEvent, Certificate, CertificateStatus
from ecert.settings import Settings
from ecert.vocab.numbering import parse_number, seq_is_usable
from issuer.decisions import Decision
from tests import factories
from tests.conftest import audited_database, make_home

COLUMNS = [
    "name",
    "gender",
    "id_number",
    "employer",
    "series",
    "specialty",
    "level",
    "qualification",
    "grant_route",
    "approval_date",
    "approving_body",
    "doc_no",
]


def write_csv(path: Path, decisions: list[Decision]) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for d in decisions:
        writer.writerow([getattr(d, c).isoformat() if c == "approval_date" else getattr(d, c) for c in COLUMNS])
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def test_parallel_processes_never_duplicate(database_url: str, tmp_path: Path, pki_home: Path) -> None:
    home = make_home(tmp_path, pki_home)
    batch_a = [factories.decision(name="甲" + "一二三四"[i]) for i in range(4)]
    batch_b = [factories.decision(name="乙" + "一二三四"[i]) for i in range(4)]
    files = [
        write_csv(tmp_path / "a.csv", batch_a),
        write_csv(tmp_path / "b.csv", batch_b),
        write_csv(tmp_path / "all.csv", batch_b[::-1] + batch_a),
    ]
    env = {**os.environ, "ECERT_HOME": str(home), "DATABASE_URL": database_url}
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "ecert", "issue", str(f), "--json"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for f in files
    ]
    for process in processes:
        _out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err

    db = audited_database(Settings(home=home, database_url=database_url))
    with db.read() as session:
        certificates = session.scalars(select(Certificate)).all()
        assert len(certificates) == 8
        assert all(c.status is CertificateStatus.VALID for c in certificates)
        usable = [seq for seq in range(1, 40) if seq_is_usable("500111", 2026, seq)][:8]
        assert sorted(parse_number(c.number).seq for c in certificates) == usable
        assert len({c.token for c in certificates}) == 8
        assert session.scalars(select(AuditEvent.action)).all().count("certificate.issued") == 8
        assert audit.verify_chain(session).ok
    db.dispose()
