"""A batch with rows that cannot be printed: every such row is refused with its row and
column before any number is reserved, --skip-invalid issues the rest with contiguous
numbers, and a re-run of the corrected file fills in the rest with no gap and nothing pending."""

from __future__ import annotations

import json
import socket
from pathlib import Path

from sqlalchemy import select

from ecert.models import AuditEvent, Certificate, CertificateStatus, ReleasedNumber
from ecert.settings import Settings
from ecert.vocab.numbering import parse_number, seq_is_usable
from issuer.runtime import runtime
from issuer.signing.signers import build_document_signer
from tests.functional.test_issue_cli import EXAMPLES, invoke

USABLE = [seq for seq in range(1, 40) if seq_is_usable("500111", 2026, seq)]
THREE_EM_DASH = "\u2e3b"  # in the fonts, 2.5 em wide: 40 of them are under the length limit and fit nowhere


def _registry(app) -> tuple[list[str], list[str], list[str]]:  # type: ignore[no-untyped-def]
    """(valid numbers in number order, pending numbers, audit actions)."""
    with app.extensions["ecert"].db.read() as session:
        rows = session.execute(select(Certificate.number, Certificate.status)).all()
        actions = list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
    valid = sorted(n for n, status in rows if status is CertificateStatus.VALID)
    pending = [n for n, status in rows if status is CertificateStatus.PENDING]
    return valid, pending, actions


def _released(app) -> list[int]:  # type: ignore[no-untyped-def]
    """Numbers given back and waiting for the next reservation."""
    with app.extensions["ecert"].db.read() as session:
        return list(session.scalars(select(ReleasedNumber.seq)))


def _seqs(numbers: list[str]) -> list[int]:
    return [parse_number(number).seq for number in numbers]


def _batch(tmp_path: Path, *, broken: bool) -> Path:
    """Six rows of the example file; with ``broken``, rows 3–6 cannot be printed."""
    header, *rows = (EXAMPLES / "decisions.csv").read_text(encoding="utf-8").splitlines()
    cells = [row.split(",") for row in rows[:6]]
    (tmp_path / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a JPEG")
    if broken:
        cells[1][0] = cells[1][0][0] + "\U00031350"  # CJK Extension H: in no embedded font
        cells[2][12] = "broken.jpg"
        cells[3][3] = THREE_EM_DASH * 40
        cells[4][0] = "欧阳" * 15 + "娜"  # 31 characters
    path = tmp_path / "batch.csv"
    path.write_text("\n".join([header, *(",".join(c) for c in cells)]) + "\n", encoding="utf-8")
    return path


PROBLEMS = [
    "row 3, column name: no font can print U+31350",
    "row 4, column photo: photo broken.jpg cannot be used: cannot decode image",
    "row 5, column employer: too long to print even on two lines at the smallest size of 9 pt",
    "row 6, column name: longer than the maximum of 30 characters (has 31)",
]


def test_unprintable_rows_are_refused_before_any_number_is_reserved(app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = _batch(tmp_path, broken=True)

    refused = invoke(app, "issue", str(path), "--out", str(tmp_path / "out"))
    assert refused.exit_code == 1
    for problem in PROBLEMS:
        assert problem in refused.stderr
    assert "4 problem(s) in" in refused.stderr and "nothing was issued" in refused.stderr
    assert _registry(app) == ([], [], []) and _released(app) == []  # not even a reservation
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())

    zh = invoke(app, "issue", str(path), lang="zh")
    assert "第 6 行，姓名 列：超过最大长度 30 字（现为 31 字）" in zh.stderr
    assert "第 5 行，工作单位 列：太长，折成两行、用最小的 9 磅字号也印不下" in zh.stderr

    skipped = invoke(app, "issue", str(path), "--skip-invalid", "--out", str(tmp_path / "out"))
    assert skipped.exit_code == 3
    for problem in PROBLEMS:
        assert problem in skipped.stderr
    valid, pending, _ = _registry(app)
    assert _seqs(valid) == USABLE[:2] and pending == []
    assert "row 2: " in skipped.stdout and "row 7: " in skipped.stdout
    assert sorted(p.stem for p in (tmp_path / "out").glob("*.pdf")) == valid

    # The operator corrects the four rows and runs the same command again.
    fixed = _batch(tmp_path, broken=False)
    rerun = invoke(app, "issue", str(fixed), "--skip-invalid", "--out", str(tmp_path / "out"))
    assert rerun.exit_code == 0, rerun.stderr
    assert "4 issued, 2 already issued (nothing new), 0 invalid row(s) skipped" in rerun.stdout
    valid, pending, actions = _registry(app)
    assert _seqs(valid) == USABLE[:6] and pending == [] and _released(app) == []  # contiguous
    assert actions.count("certificate.reserved") == actions.count("certificate.issued") == 6
    assert sorted(p.stem for p in (tmp_path / "out").glob("*.pdf")) == valid


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_timestamp_authority_that_is_down_strands_nothing(app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A real outside failure after the reservation: the configured RFC 3161 server refuses
    connections. Each row says so with its number released; nothing is left pending."""
    home = app.extensions["ecert"].settings.home
    working = runtime(app).signer
    runtime(app).__dict__["signer"] = build_document_signer(
        Settings(home=home, database_url="sqlite://", tsa_url=f"http://127.0.0.1:{_closed_port()}/tsa")
    )
    path = _batch(tmp_path, broken=False)

    stopped = invoke(app, "issue", str(path), "--out", str(tmp_path / "out"))
    assert stopped.exit_code == 1
    first = "ZC500111-2026-000001-"
    assert "row 2: issuing failed: " in stopped.stderr and f"the reserved number {first}" in stopped.stderr
    assert "was released and goes to the next certificate" in stopped.stderr
    assert "row 2 could not be issued and the rows after it were not processed" in stopped.stderr
    assert "row 3:" not in stopped.stderr
    valid, pending, actions = _registry(app)
    assert (valid, pending, actions[-2:]) == ([], [], ["certificate.reserved", "certificate.released"])
    assert _released(app) == [USABLE[0]]  # not stranded: the next reservation takes it

    skipped = invoke(app, "issue", str(path), "--skip-invalid")
    assert skipped.exit_code == 3
    for row in range(2, 8):
        assert f"row {row}: issuing failed: " in skipped.stderr
    assert skipped.stderr.count(f"the reserved number {first}") == 6  # the same number, given back each time
    assert "0 issued, 0 already issued (nothing new), 6 invalid row(s) skipped" in skipped.stdout
    assert _registry(app)[:2] == ([], [])

    as_json = invoke(app, "issue", str(path), "--skip-invalid", "--json")
    records = [json.loads(line) for line in as_json.stdout.splitlines()]
    assert [(r["row"], r["status"], r["released"]) for r in records[:-1]] == [
        (row, "failed", True) for row in range(2, 8)
    ]
    assert records[0]["number"].startswith(first) and records[0]["problem"].startswith("row 2: issuing failed: ")
    assert records[-1] == {"summary": {"issued": 0, "already_issued": 0, "invalid_rows": 6}}

    runtime(app).__dict__["signer"] = working  # the TSA is back
    rerun = invoke(app, "issue", str(path), "--out", str(tmp_path / "out"))
    assert rerun.exit_code == 0, rerun.stderr
    valid, pending, _ = _registry(app)
    assert _seqs(valid) == USABLE[:6] and pending == [] and _released(app) == []
    assert sorted(p.stem for p in (tmp_path / "out").glob("*.pdf")) == valid


def test_a_name_at_its_maximum_prints(app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The QR code's claim carries the masked name (at most 10 bytes), so a 30-character
    name prints like any other, at version 10 or less."""
    header, first, *_ = (EXAMPLES / "decisions.csv").read_text(encoding="utf-8").splitlines()
    cells = first.split(",")
    cells[0] = "鬱" * 30
    path = tmp_path / "long-name.csv"
    path.write_text("\n".join([header, ",".join(cells)]) + "\n", encoding="utf-8")

    result = invoke(app, "issue", str(path), "--skip-invalid")
    valid, pending, _actions = _registry(app)
    assert result.exit_code == 0, result.stderr
    assert pending == [] and _released(app) == [] and _seqs(valid) == USABLE[:1]


def test_a_public_url_too_long_for_any_qr_code_stops_before_reserving(issuance, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from dataclasses import replace

    import pytest

    from issuer.services.preflight import QRTooSmallForURL, print_problems
    from tests import factories

    long_url = replace(issuance, settings=replace(issuance.settings, public_url="https://" + "a" * 300 + ".example"))
    with pytest.raises(QRTooSmallForURL):
        print_problems(long_url, factories.decision())
    assert print_problems(issuance, factories.decision()) == []


def test_a_reservation_left_by_a_killed_run_is_named_until_its_file_is_run_again(app, issuance, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from issuer.decisions import parse_decisions
    from issuer.services.issuance import _reserve
    from tests.unit.csv_rows import TODAY

    path = _batch(tmp_path, broken=False)
    killed = parse_decisions(path.read_bytes(), base_dir=tmp_path, today=TODAY).decisions[0]
    left = _reserve(issuance, killed, None)  # what a run killed -9 after reserving leaves (a week ago)

    other = tmp_path / "other.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    other.write_text("\n".join([lines[0], lines[2]]) + "\n", encoding="utf-8")
    result = invoke(app, "issue", str(other))
    assert result.exit_code == 0
    assert (
        f"certificate number(s) {left.number} are still being issued: an earlier run was interrupted" in result.stderr
    )

    rerun = invoke(app, "issue", str(path))
    assert rerun.exit_code == 0 and "still being issued" not in rerun.stderr
    assert f"row 2: {left.number} v1 issued" in rerun.stdout  # completed with its own number
    valid, pending, _ = _registry(app)
    assert _seqs(valid) == USABLE[:6] and pending == []
