"""`ecert verify FILE.pdf [--json]` as an operator runs it: exit codes 0 / 1 / 2 / 3 / 4 (revoked)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from issuer.services.issuance import Issuance, issue_decision
from tests import factories

CODES = ["is_pdf", "issued_by_us", "signature_intact", "trusted_signer", "coverage", "registry_status"]


def run(issuance: Issuance, *args: str, lang: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "ECERT_HOME": str(issuance.settings.home),
        "DATABASE_URL": issuance.settings.database_url,
        "ECERT_OFFICE_NAME": issuance.settings.office_name,
    }
    return subprocess.run(
        [sys.executable, "-m", "ecert", *(["--lang", lang] if lang else []), "verify", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


# One run as a real process is enough; the CLI runner test covers PostgreSQL.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_exit_codes_and_json(issuance: Issuance, tmp_path: Path) -> None:
    decision = factories.decision(name="王小明")
    issued = issue_decision(issuance, decision)
    good = tmp_path / "good.pdf"
    good.write_bytes(issuance.store.get(issued.sha256))
    tampered = tmp_path / "tampered.pdf"
    tampered.write_bytes(good.read_bytes() + b"\njunk\n")

    ok = run(issuance, str(good))
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith("有效") and issued.number in ok.stdout
    assert "✓ coverage: 签名后未被修改" in ok.stdout and decision.id_number not in ok.stdout
    assert "Valid" not in ok.stdout  # Chinese by default, one language

    english = run(issuance, str(tampered), lang="en")
    assert english.returncode == 1, english.stderr
    assert english.stdout.startswith("Not valid: the file was modified after it was signed.")
    assert "✗ coverage: Not modified after signing" in english.stdout and "签名" not in english.stdout

    bad = run(issuance, str(tampered), "--json")
    assert bad.returncode == 1, bad.stderr
    verdict = json.loads(bad.stdout)
    assert verdict["valid"] is False
    assert [c["code"] for c in verdict["checks"]] == CODES
    assert {c["code"]: c["passed"] for c in verdict["checks"]}["coverage"] is False
    assert decision.id_number not in bad.stdout

    missing = run(issuance, str(tmp_path / "nope.pdf"))
    assert missing.returncode == 2 and "nope.pdf" in missing.stderr


def test_revoked_and_not_a_pdf_via_the_cli_runner(issuance: Issuance, app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    issued = issue_decision(issuance, factories.decision())
    factories.revoked(issuance, issued.number)
    revoked = tmp_path / "revoked.pdf"
    revoked.write_bytes(issuance.store.get(issued.sha256))
    runner = app.test_cli_runner()

    result = runner.invoke(args=["verify", str(revoked), "--json"])
    assert result.exit_code == 4, result.output  # revoked (verifier.status.EXIT)
    verdict = json.loads(result.output)
    status = next(c for c in verdict["checks"] if c["code"] == "registry_status")
    assert status["passed"] is False and status["reason"] == "revoked"
    assert "足人社发〔2026〕3号" in status["explanation_zh"] and "2026年11月26日" in status["explanation_zh"]
    assert "November 26, 2026" in status["explanation_en"]
    assert verdict["certificate"]["status"] == "revoked"
    assert verdict["unavailable"] is False
    # ISO 8601 in UTC with a Z, as the API prints them (SQLite hands back naive UTC)
    assert verdict["certificate"]["revoked_at"] == "2026-11-26T02:30:00Z"
    assert verdict["certificate"]["issued_at"] == "2026-11-26T02:30:00Z"

    jpeg = tmp_path / "photo.pdf"
    jpeg.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF" + b"\0" * 100)
    text = runner.invoke(args=["verify", str(jpeg)])
    assert text.exit_code == 1
    assert "✗ is_pdf" in text.output and "JPEG" in text.output

    assert runner.invoke(args=["verify", str(tmp_path)]).exit_code == 2  # a directory
    assert runner.invoke(args=["verify"]).exit_code == 2  # no file given
    unreadable = tmp_path / "unreadable.pdf"
    unreadable.write_bytes(b"%PDF-1.7\n")
    unreadable.chmod(0)
    if os.geteuid() != 0:  # root reads anything
        assert runner.invoke(args=["verify", str(unreadable)]).exit_code == 2


def test_could_not_check_exits_3(issuance: Issuance, app, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    from ecert import sandbox

    issued = issue_decision(issuance, factories.decision())
    good = tmp_path / "good.pdf"
    good.write_bytes(issuance.store.get(issued.sha256))
    runner = app.test_cli_runner()
    help_text = runner.invoke(args=["verify", "--help"]).output
    assert "3  could not check" in help_text and "0  valid" in help_text and "2  usage error" in help_text

    def refuse(self) -> None:  # type: ignore[no-untyped-def]
        raise OSError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(sandbox._Process, "start", refuse)
    monkeypatch.setattr(sandbox, "_START_RETRY_PAUSES", (0.0, 0.0))
    result = runner.invoke(args=["verify", str(good), "--json"])
    assert result.exit_code == 3, result.output
    verdict = json.loads(result.output)
    assert verdict["unavailable"] is True and verdict["valid"] is False
    assert not any(c["passed"] is False for c in verdict["checks"])
    text = runner.invoke(args=["verify", str(good)])
    assert text.exit_code == 3 and text.output.startswith("暂时无法检查此文件")
