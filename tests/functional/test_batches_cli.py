"""`ecert issue --no-wait`, `ecert worker` and `ecert batches` as an operator runs them."""

from __future__ import annotations

import json
from pathlib import Path

from tests.functional.test_issue_cli import EXAMPLES, certificates, invoke


def _listed(app, *args: str) -> list[dict]:  # type: ignore[no-untyped-def]
    result = invoke(app, "batches", "--json", *args)
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_no_wait_queues_and_a_worker_issues(app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    queued = invoke(app, "issue", str(EXAMPLES / "decisions.csv"), "--no-wait", "--json")
    assert queued.exit_code == 0, queued.output
    batch = json.loads(queued.stdout)["batch"]
    rows = json.loads(queued.stdout)["rows"]
    assert certificates(app) == 0
    [listed] = _listed(app)
    assert (listed["batch"], listed["status"], listed["pending"], listed["done"]) == (batch, "open", rows, 0)

    worked = invoke(app, "worker", "--until-idle")
    assert worked.exit_code == 0, worked.output
    assert f"{rows} row(s) done, 0 failed" in worked.stdout
    assert certificates(app) == rows
    [listed] = _listed(app)
    assert (listed["status"], listed["pending"], listed["running"], listed["done"]) == ("finished", 0, 0, rows)

    text = invoke(app, "batches")
    assert f"batch {batch}  " in text.stdout and f"finished: {rows} row(s), {rows} done, 0 pending" in text.stdout

    again = invoke(app, "issue", str(EXAMPLES / "decisions.csv"))  # issued already: nothing new
    assert again.exit_code == 0 and f"0 issued, {rows} already issued" in again.stdout
    assert [b["batch"] for b in _listed(app)] == [batch + 1, batch]


def test_failed_rows_are_listed_with_row_and_reason(app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    good = (EXAMPLES / "decisions.csv").read_text(encoding="utf-8").splitlines()
    bad_row = good[1].replace(good[1].split(",")[2], "500111198501011235")  # wrong check character
    path = tmp_path / "mixed.csv"
    path.write_text("\n".join([good[0], good[2], bad_row]) + "\n", encoding="utf-8")

    result = invoke(app, "issue", str(path), "--skip-invalid")
    assert result.exit_code == 3
    [listed] = _listed(app)
    assert (listed["status"], listed["done"], listed["failed"]) == ("finished", 1, 1)
    assert listed["failures"][0]["row"] == 3
    assert listed["failures"][0]["reason"].startswith("row 3, column id_number: ID number is wrong")
    chinese = invoke(app, "batches", str(listed["batch"]), lang="zh")
    assert "第 3 行，身份证号 列：身份证号码有误" in chinese.stdout
    assert "已完成：共 2 行，已完成 1，待签发 0，签发中 0，失败 1" in chinese.stdout


def test_an_unknown_batch_is_named(app) -> None:  # type: ignore[no-untyped-def]
    result = invoke(app, "batches", "999")
    assert result.exit_code == 1
    assert result.stderr.strip() == "there is no batch 999; ecert batches lists the batches there are"
    empty = invoke(app, "batches")
    assert empty.exit_code == 0 and "no batches yet" in empty.stdout


def test_no_wait_with_out_is_refused_before_queueing(app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = invoke(app, "issue", str(EXAMPLES / "decisions.csv"), "--no-wait", "--out", str(tmp_path / "out"))
    assert result.exit_code == 1
    assert "--out cannot be used with --no-wait" in result.stderr
    assert _listed(app) == []
