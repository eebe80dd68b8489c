"""The print checks of a large file spread over processes give exactly the row errors and
the decisions of the checks in one process: unprintable characters, a photo that does not
decode, values too long for the page, a name bound to another in the same file."""

from __future__ import annotations

from pathlib import Path

from issuer.batches.checks import check_rows_in_parallel
from issuer.decisions import parse_decisions
from issuer.services.checking import check_rows
from tests.functional.test_unprintable_rows import _batch
from tests.unit.csv_rows import TODAY


def test_the_same_errors_and_decisions_as_one_process(issuance, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = _batch(tmp_path, broken=True)
    lines = path.read_text(encoding="utf-8").splitlines()
    cells = lines[1].split(",")
    cells[0], cells[1] = "王小二", cells[1]  # the ID number of row 2, another name: bound in the file
    cells[9] = "2025-12-19"  # another decision
    path.write_text("\n".join([*lines, ",".join(cells)]) + "\n", encoding="utf-8")
    parsed = parse_decisions(path.read_bytes(), base_dir=tmp_path, today=TODAY)

    alone = check_rows(issuance, parsed)
    spread = check_rows_in_parallel(issuance, parsed, workers=2, chunk=2)
    assert spread == alone
    assert [error.row for error in alone[1]] == [3, 4, 5, 6, 8]
    assert [decision.row for decision in alone[0]] == [2, 7]
