"""An operator's mistake gets one line of words and a non-zero exit, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import text

from ecert.cli import main
from ecert.vocab.numbering import format_number, next_usable_seq
from issuer.services.issuance import Issuance, issue_decision
from tests import factories

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
ECERT = Path(sys.executable).parent / "ecert"
UNKNOWN_NUMBER = format_number("500111", 2026, next_usable_seq("500111", 2026, 999_000))  # well formed, never issued

# (what the operator typed, the words that must name the mistake); {tmp} and {number} are
# filled in per test: a temporary folder and a certificate issued for the case.
CASES: list[tuple[str, list[str], str]] = [
    ("missing csv", ["issue", "{tmp}/nope.csv"], "file {tmp}/nope.csv does not exist"),
    ("csv is a folder", ["issue", "{tmp}"], "is a folder, not a file"),
    ("binary csv", ["issue", "{tmp}/binary.csv"], "file is not a text file"),
    ("utf-16 csv", ["issue", "{tmp}/utf16.csv"], "file is neither UTF-8 nor GB18030"),
    ("empty csv", ["issue", "{tmp}/empty.csv"], "the first row must be the header"),
    ("csv without header", ["issue", "{tmp}/no-header.csv"], "no-header.csv: the first row must be the header"),
    ("column named twice", ["issue", "{tmp}/twice.csv"], "column 姓名 appears twice in the header"),
    ("out not writable", ["issue", str(EXAMPLES / "decisions.csv"), "--out", "{tmp}/a-file/out"], "cannot write there"),
    (
        "revoke bad number",
        ["revoke", "ZC5001-2026", "--reason", "fraud", "--doc-no", "足人社发〔2026〕3号"],
        "certificate number ZC5001-2026: a certificate number looks like ZC500111-2026-000123-Y",
    ),
    (
        "revoke id number",
        ["revoke", "500111199207210042", "--reason", "fraud", "--doc-no", "足人社发〔2026〕3号"],
        "this looks like an ID number",
    ),
    (
        "revoke unknown number",
        ["revoke", UNKNOWN_NUMBER, "--reason", "fraud", "--doc-no", "足人社发〔2026〕3号"],
        f"no issued certificate with number {UNKNOWN_NUMBER}",
    ),
    (
        "revoke unknown reason",
        ["revoke", "{number}", "--reason", "typo", "--doc-no", "足人社发〔2026〕3号"],
        "'typo' is not one of",
    ),
    (
        "correct bad number",
        ["correct", "ZC500111-2026-000001-Q", "--set", "employer=x", "--reason", "r"],
        "check character does not match",
    ),
    (
        "correct unknown number",
        ["correct", UNKNOWN_NUMBER, "--set", "employer=x", "--reason", "r"],
        f"no issued certificate with number {UNKNOWN_NUMBER}",
    ),
    (
        "correct set without =",
        ["correct", "{number}", "--set", "employer", "--reason", "r"],
        "--set employer: expected COLUMN=VALUE",
    ),
    (
        "correct unknown column",
        ["correct", "{number}", "--set", "remark=x", "--reason", "r"],
        "--set remark: is not a column that can be corrected",
    ),
    (
        "correct the ID number",
        ["correct", "{number}", "--set", "身份证号=500111199207210042", "--reason", "r"],
        "--set 身份证号: is not a column that can be corrected",
    ),
    (
        "correct invalid value",
        ["correct", "{number}", "--set", "level=高级", "--reason", "r"],
        "column level: level 高级 is not one of",
    ),
    (
        "correct out not writable",
        ["correct", "{number}", "--set", "employer=x", "--reason", "r", "--out", "{tmp}/a-file/out"],
        "cannot write there",
    ),
    ("verify missing file", ["verify", "{tmp}/nope.pdf"], "nope.pdf"),
    ("verify-qr junk", ["verify-qr", "junk!"], "junk"),
]


def _files(tmp: Path) -> None:
    (tmp / "binary.csv").write_bytes(b"PK\x03\x04\x14\x00\x00\x00\x08\x00")
    (tmp / "utf16.csv").write_bytes((EXAMPLES / "decisions.csv").read_text(encoding="utf-8").encode("utf-16"))
    (tmp / "empty.csv").write_bytes(b"")
    rows = (EXAMPLES / "decisions.csv").read_text(encoding="utf-8").splitlines()
    (tmp / "no-header.csv").write_text("\n".join(rows[2:]) + "\n", encoding="utf-8")
    (tmp / "twice.csv").write_text(rows[0].replace("photo", "姓名") + "\n", encoding="utf-8")
    (tmp / "a-file").write_text("")


def _fill(args: list[str], **values: str) -> list[str]:
    return [arg.format(**values) for arg in args]


def _one_line_naming(output: str, words: str) -> None:
    assert "Traceback" not in output
    lines = [line for line in output.splitlines() if line.strip()]
    assert lines, "no message at all"
    assert any(words in line for line in lines), output


def _names_a_certificate(args: list[str]) -> bool:
    """Whether the mistake is about a certificate the registry is asked for (the others are
    found in the arguments or the files, before any query: the database plays no part)."""
    return "{number}" in args or UNKNOWN_NUMBER in args


# Every case on SQLite; on PostgreSQL the cases that query the registry (where SQL runs).
ENTRY_POINT_CASES = [pytest.param("sqlite", a, w, id=f"sqlite-{name}") for name, a, w in CASES] + [
    pytest.param("postgresql", a, w, id=f"postgresql-{name}", marks=pytest.mark.postgres)
    for name, a, w in CASES
    if _names_a_certificate(a)
]


@pytest.mark.parametrize(("database_url", "args", "words"), ENTRY_POINT_CASES, indirect=["database_url"])
def test_mistake_through_the_entry_point(app, issuance: Issuance, tmp_path: Path, args: list[str], words: str) -> None:  # type: ignore[no-untyped-def]
    _files(tmp_path)
    # A registry with a certificate in it where the mistake is about one.
    number = issue_decision(issuance, factories.decision()).number if _names_a_certificate(args) else "(none)"
    values = {"tmp": str(tmp_path), "number": number}
    result = app.test_cli_runner().invoke(main, ["--lang", "en", *_fill(args, **values)])
    assert result.exit_code not in (0, None), result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), result.exception
    _one_line_naming(result.output, words.format(**values))


def _run(home: Path, *args: str, **variables: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ECERT_HOME": str(home), "LANG": "en_US.UTF-8", "LC_ALL": "en_US.UTF-8"}
    env.pop("DATABASE_URL", None)
    env.pop("ECERT_ENV", None)
    env.update(variables)
    return subprocess.run([str(ECERT), *args], env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(
    "command",
    [
        ["list"],
        ["issue", str(EXAMPLES / "decisions.csv")],
        ["revoke", UNKNOWN_NUMBER, "--reason", "fraud", "--doc-no", "足人社发〔2026〕3号"],
        ["db", "verify-audit"],
    ],
    ids=lambda command: command[0],
)
def test_unmigrated_database_names_ecert_db_upgrade(tmp_path: Path, pki_home: Path, command: list[str]) -> None:
    from tests.conftest import make_home

    result = _run(make_home(tmp_path, pki_home), *command)
    assert result.returncode == 1
    assert result.stderr.strip() == "the database has not been migrated; run ecert db upgrade first"
    assert "Traceback" not in result.stdout + result.stderr


def test_older_revision_names_ecert_db_upgrade(app, issuance: Issuance) -> None:  # type: ignore[no-untyped-def]
    with issuance.db.write() as session:
        session.execute(text("UPDATE alembic_version SET version_num = '0000_older'"))
    result = app.test_cli_runner().invoke(main, ["--lang", "en", "list"])
    assert result.exit_code == 1
    assert result.output.strip().startswith("the database schema is not the latest (at 0000_older, latest ")
    assert result.output.strip().endswith("run ecert db upgrade first")


@pytest.mark.parametrize(
    ("make_args", "words"),
    [
        (lambda tmp: ["issue", str(tmp / "nope.csv")], "does not exist"),
        (lambda tmp: ["issue", str(tmp / "binary.csv")], "file is not a text file"),
        (lambda tmp: ["revoke", "ZC5001-2026", "--reason", "fraud", "--doc-no", "x"], "certificate number"),
        (lambda tmp: ["verify-qr", "junk!"], "junk"),
    ],
    ids=["missing csv", "binary csv", "bad number", "verify-qr junk"],
)
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # one backend is enough for a process's output
def test_mistake_as_a_real_process(
    tmp_path: Path, database_url: str, pki_home: Path, make_args: Callable[[Path], list[str]], words: str
) -> None:
    from tests.conftest import make_home

    _files(tmp_path)
    result = _run(make_home(tmp_path, pki_home), *make_args(tmp_path), DATABASE_URL=database_url)
    assert result.returncode != 0
    _one_line_naming(result.stdout + result.stderr, words)


@pytest.mark.parametrize(
    ("variables", "words"),
    [
        ({"ECERT_ENV": "production"}, "production settings incomplete: ECERT_SECRET_KEY must be set"),
        ({"DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:9/none"}, "cannot connect to the database: "),
        ({"DATABASE_URL": "nosuchdb://x"}, "无法使用数据库 (cannot use the database): "),
    ],
    ids=["production without settings", "database down", "wrong database url"],
)
def test_settings_mistakes_as_a_real_process(
    tmp_path: Path, pki_home: Path, variables: dict[str, str], words: str
) -> None:
    from tests.conftest import make_home

    result = _run(make_home(tmp_path, pki_home), "list", **variables)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and result.stderr.startswith(words), result.stderr


def test_database_without_migrations_on_either_backend(app, issuance: Issuance) -> None:  # type: ignore[no-untyped-def]
    with issuance.db.write() as session:
        session.execute(text("DROP TABLE alembic_version"))
    result = app.test_cli_runner().invoke(main, ["--lang", "en", "issue", str(EXAMPLES / "decisions.csv")])
    assert result.exit_code == 1
    assert result.output == "the database has not been migrated; run ecert db upgrade first\n"


@pytest.mark.parametrize(
    ("lang", "unknown", "again"),
    [
        ("zh", "没有编号为 {unknown} 的已签发证书", "证书 {number} 第 1 版已被撤销，不是有效证书"),
        ("en", "no issued certificate with number {unknown}", "certificate {number} v1 is revoked, not valid"),
    ],
)
def test_lifecycle_refusals_in_the_operators_language(  # type: ignore[no-untyped-def]
    app, issuance: Issuance, lang: str, unknown: str, again: str
) -> None:
    number = issue_decision(issuance, factories.decision()).number
    revoke = ["revoke", "--reason", "fraud", "--doc-no", "足人社发〔2026〕3号"]
    runner = app.test_cli_runner()

    missing = runner.invoke(main, ["--lang", lang, *revoke, UNKNOWN_NUMBER])
    assert missing.exit_code == 1
    assert missing.output.strip() == unknown.format(unknown=UNKNOWN_NUMBER)

    assert runner.invoke(main, ["--lang", lang, *revoke, number]).exit_code == 0
    twice = runner.invoke(main, ["--lang", lang, *revoke, number])
    assert twice.exit_code == 1
    assert twice.output.strip() == again.format(number=number)


@pytest.mark.parametrize(
    ("lang", "line", "verdict"),
    [
        ("zh", "第 2 条事件：内容与其 MAC 不符（已被改动，或在没有审计密钥的情况下重算）", "审计日志未通过核查"),
        (
            "en",
            "event 2: its content does not match its MAC (altered, or recomputed without the audit key)",
            "the audit log failed the check",
        ),
    ],
)
def test_altered_audit_log_named_in_the_operators_language(  # type: ignore[no-untyped-def]
    app, issuance: Issuance, lang: str, line: str, verdict: str
) -> None:
    issue_decision(issuance, factories.decision())
    with issuance.db.write() as session:
        session.execute(text("UPDATE audit_events SET actor = 'someone else' WHERE seq = 2"))
    result = app.test_cli_runner().invoke(main, ["--lang", lang, "db", "verify-audit"])
    assert result.exit_code == 1
    assert line in result.output.splitlines()
    assert verdict in result.output
