"""`ecert issue` as an operator runs it: exit codes, messages, --json, --out, re-runs."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from ecert.models import Certificate

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def invoke(app, *args: str):  # type: ignore[no-untyped-def]
    return app.test_cli_runner().invoke(args=list(args))


def certificates(app) -> int:  # type: ignore[no-untyped-def]
    with app.extensions["ecert"].db.read() as session:
        return int(session.scalar(select(func.count()).select_from(Certificate)))


def test_invalid_file_issues_nothing_and_names_each_problem(app) -> None:  # type: ignore[no-untyped-def]
    result = invoke(app, "issue", str(EXAMPLES / "decisions-invalid.csv"))
    assert result.exit_code == 1
    assert "row 2, column id_number: ID number check character should be 2, not 5" in result.stderr
    assert "row 4, column approval_date: approval date 2025-02-30 is not a real date" in result.stderr
    assert "row 10, column id_number: same decision as row 9" in result.stderr
    assert "nothing was issued" in result.stderr
    assert certificates(app) == 0


def test_json_out_and_idempotent_rerun(app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "out"
    result = invoke(app, "issue", str(EXAMPLES / "decisions.csv"), "--json", "--out", str(out))
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    records, summary = lines[:-1], lines[-1]
    assert summary == {"summary": {"issued": len(records), "already_issued": 0, "invalid_rows": 0}}
    assert {r["status"] for r in records} == {"issued"}
    for record in records:
        pdf = Path(record["path"])
        assert pdf == out / f"{record['number']}.pdf"
        assert hashlib.sha256(pdf.read_bytes()).hexdigest() == record["sha256"]
        assert set(record) == {"row", "status", "number", "token", "version", "certificate_status", "sha256", "path"}

    again = invoke(app, "issue", str(EXAMPLES / "decisions.csv"))
    assert again.exit_code == 0
    assert f"0 issued, {len(records)} already issued (nothing new)" in again.stdout
    assert certificates(app) == len(records)


def test_skip_invalid_issues_the_valid_rows(app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    good = (EXAMPLES / "decisions.csv").read_text(encoding="utf-8").splitlines()
    bad_row = good[1].replace(good[1].split(",")[2], "500111198501011235")  # wrong check character (4 is right)
    path = tmp_path / "mixed.csv"
    path.write_text("\n".join([good[0], good[1].replace(good[1].split(",")[0], "李四"), bad_row]) + "\n", encoding="utf-8")

    result = invoke(app, "issue", str(path), "--skip-invalid", "--json")
    assert result.exit_code == 3
    assert "row 3, column id_number: ID number check character should be" in result.stderr
    summary = json.loads(result.stdout.splitlines()[-1])["summary"]
    assert summary == {"issued": 1, "already_issued": 0, "invalid_rows": 1}


def test_gb18030_file_is_read(app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    text = (EXAMPLES / "decisions.csv").read_text(encoding="utf-8")
    lines = text.splitlines()
    path = tmp_path / "gbk.csv"
    path.write_bytes(("\n".join(lines[:2]) + "\n").encode("gb18030"))
    result = invoke(app, "issue", str(path), "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[-1])["summary"]["issued"] == 1


def test_console_script_end_to_end(tmp_path: Path, pki_home: Path) -> None:
    """The real entry point in a fresh process: export roots, issue, verify the audit chain."""
    from tests.conftest import make_home

    home = make_home(tmp_path, pki_home)
    env = {**os.environ, "ECERT_HOME": str(home)}
    env.pop("DATABASE_URL", None)
    run = lambda *args: subprocess.run([sys.executable, "-m", "ecert", *args], env=env, capture_output=True, text=True)  # noqa: E731

    assert run("db", "upgrade").returncode == 0
    roots = run("pki", "export-roots")
    assert roots.returncode == 0 and roots.stdout.startswith("-----BEGIN CERTIFICATE-----")
    assert roots.stdout == (home / "pki" / "root-ca.cert.pem").read_text()
    shutil.copy(EXAMPLES / "decisions.csv", tmp_path / "d.csv")
    issued = run("issue", str(tmp_path / "d.csv"), "--out", str(tmp_path / "out"))
    assert issued.returncode == 0, issued.stderr
    assert "issued, 0 already issued" in issued.stdout
    audit = run("db", "verify-audit")
    assert audit.returncode == 0 and "chain intact" in audit.stdout
