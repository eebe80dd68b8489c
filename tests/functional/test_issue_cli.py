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

from ecert.cli import main
from ecert.models import Certificate

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def invoke(app, *args: str, lang: str = "en"):  # type: ignore[no-untyped-def]
    """The ``ecert`` entry point on the test app; English unless ``lang`` says otherwise."""
    return app.test_cli_runner().invoke(main, ["--lang", lang, *args])


def certificates(app) -> int:  # type: ignore[no-untyped-def]
    with app.extensions["ecert"].db.read() as session:
        return int(session.scalar(select(func.count()).select_from(Certificate)))


def test_invalid_file_issues_nothing_and_names_each_problem(app) -> None:  # type: ignore[no-untyped-def]
    result = invoke(app, "issue", str(EXAMPLES / "decisions-invalid.csv"))
    assert result.exit_code == 1
    assert "row 2, column id_number: ID number is wrong (its check character does not match)" in result.stderr
    assert "row 4, column approval_date: approval date 2025-02-30 is not a real date" in result.stderr
    assert "row 10, column id_number: same decision as row 9" in result.stderr
    assert "nothing was issued" in result.stderr
    assert certificates(app) == 0


def test_messages_are_chinese_by_default(app) -> None:  # type: ignore[no-untyped-def]
    result = invoke(app, "issue", str(EXAMPLES / "decisions-invalid.csv"), lang="zh")
    assert result.exit_code == 1
    assert "第 2 行，身份证号 列：身份证号码有误（校验码不符）；请与身份证核对" in result.stderr
    assert "第 10 行，身份证号 列：与第 9 行是同一审批决定" in result.stderr
    assert "未签发任何证书" in result.stderr


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
    path.write_text(
        "\n".join([good[0], good[1].replace(good[1].split(",")[0], "李四"), bad_row]) + "\n", encoding="utf-8"
    )

    result = invoke(app, "issue", str(path), "--skip-invalid", "--json")
    assert result.exit_code == 3
    assert "row 3, column id_number: ID number is wrong" in result.stderr
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
    issued = run("--lang", "en", "issue", str(tmp_path / "d.csv"), "--out", str(tmp_path / "out"))
    assert issued.returncode == 0, issued.stderr
    assert "issued, 0 already issued" in issued.stdout
    audit = run("db", "verify-audit")
    assert audit.returncode == 0 and "审计日志完整，与登记一致" in audit.stdout


def _two_rows(tmp_path: Path, second_row_edit) -> Path:  # type: ignore[no-untyped-def]
    lines = (EXAMPLES / "decisions.csv").read_text(encoding="utf-8").splitlines()
    path = tmp_path / "d.csv"
    path.write_text("\n".join([lines[0], lines[1], second_row_edit(lines[2])]) + "\n", encoding="utf-8")
    return path


def test_corrupt_photo_is_a_row_error_and_nothing_is_issued(app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (300, 400), (200, 200, 200)).save(buffer, format="JPEG")
    (tmp_path / "truncated.jpg").write_bytes(buffer.getvalue()[:600])
    path = _two_rows(tmp_path, lambda row: row + "truncated.jpg")

    result = invoke(app, "issue", str(path))
    assert result.exit_code == 1
    assert "row 3, column photo: photo truncated.jpg cannot be used: cannot decode image" in result.stderr
    assert certificates(app) == 0


def test_a_character_no_font_has_is_a_row_error_before_issuing(app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = _two_rows(tmp_path, lambda row: "张\U00031350" + row[row.index(",") :])  # CJK Extension H

    result = invoke(app, "issue", str(path))
    assert result.exit_code == 1
    assert "row 3, column name: no font can print U+31350" in result.stderr
    assert certificates(app) == 0

    skipped = invoke(app, "issue", str(path), "--skip-invalid")
    assert skipped.exit_code == 3
    assert certificates(app) == 1


def test_unwritable_out_dir_fails_before_issuing(app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "a-file").write_text("")
    result = invoke(app, "issue", str(EXAMPLES / "decisions.csv"), "--out", str(tmp_path / "a-file" / "out"))
    assert result.exit_code == 1
    assert "cannot write there" in result.output
    assert "Traceback" not in result.output
    assert certificates(app) == 0


def test_chinese_header_file_is_issued(app) -> None:  # type: ignore[no-untyped-def]
    result = invoke(app, "issue", str(EXAMPLES / "decisions-zh.csv"), lang="zh")
    assert result.exit_code == 0, result.output
    assert "签发 3 张，早已签发 0 张（无新内容），跳过无效行 0 行" in result.stdout
    assert certificates(app) == 3


def test_correct_names_columns_in_either_language(app) -> None:  # type: ignore[no-untyped-def]
    issued = invoke(app, "issue", str(EXAMPLES / "decisions-zh.csv"), "--json")
    number = json.loads(issued.stdout.splitlines()[0])["number"]
    result = invoke(app, "correct", number, "--set", "工作单位=重庆市大足区中医院", "--reason", "单位填错", lang="zh")
    assert result.exit_code == 0, result.output
    assert f"{number} 第 2 版 已签发；第 1 版 已被取代" in result.stdout
