"""``ecert`` starts without loading what it does not use (issue #11): ``ecert --help`` builds
no app and imports no feature module beyond the ``extension`` tables, and ``ecert verify``
leaves pyHanko to the sandbox. What a process imported is read from its ``sys.modules``;
how long it takes is the benchmark's business (``scripts/bench_startup.py``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import click
import pytest

from ecert.app import app_commands
from ecert.cli import COMMANDS, main
from ecert.command import load_command
from issuer.services.issuance import Issuance, issue_decision
from tests import factories

FEATURES = ("issuer", "verifier", "legacy_import", "accounts", "portal", "console")
# Libraries that only some commands, pages or sandbox jobs need.
HEAVY = ("pyhanko", "pyhanko_certvalidator", "numpy", "scipy", "imagehash", "PIL", "pikepdf", "fpdf", "fontTools")
HEAVY += ("uharfbuzz", "segno", "argon2", "pypinyin", "aiohttp", "sqlalchemy", "alembic", "openpyxl", "flask_babel")

# Runs ``ecert ARGS`` in this process, then prints what it imported (and the exit status).
PROBE = """
import json, sys
from ecert.cli import main
try:
    main(sys.argv[1:], prog_name="ecert")
except SystemExit as end:
    code = end.code
print("\\n@@" + json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def probe(*args: str, env: dict[str, str] | None = None) -> tuple[str, int, set[str]]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )
    output, _, report = done.stdout.rpartition("\n@@")
    assert report, done.stderr
    found = json.loads(report)
    return output, found["code"], set(found["modules"])


def roots(modules: set[str]) -> set[str]:
    return {module.split(".")[0] for module in modules}


def test_help_lists_every_command_without_building_the_app_or_importing_a_feature(tmp_path: Path) -> None:
    output, code, modules = probe("--help", env={"ECERT_HOME": str(tmp_path / "none")})
    assert code == 0
    for name in ("issue", "verify", "verify-qr", "users", "legacy", "db", "audit", "api-keys", "list", "run"):
        assert f"\n  {name} " in output
    assert "  verify  " in output and "Verify a certificate PDF: signature, signer," in output
    assert not roots(modules) & set(HEAVY)
    loaded_features = {module for module in modules if module.split(".")[0] in FEATURES}
    assert loaded_features == {*FEATURES, *(f"{feature}.extension" for feature in FEATURES)}
    assert not (tmp_path / "none").exists()  # no app, so no instance folder either


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_version_and_the_language_option_need_no_app(lang: str, tmp_path: Path) -> None:
    output, code, modules = probe("--lang", lang, "--version", env={"ECERT_HOME": str(tmp_path)})
    assert (code, output.strip()) == (0, "ecert 0.1.0")
    assert not roots(modules) & set(HEAVY) - {"flask_babel"}


def stand_in_help(group: Any, name: str, limit: int) -> str:
    return str(group.stand_in(name).get_short_help_str(limit))


@pytest.mark.parametrize("limit", [30, 45, 74, 200])
def test_each_table_says_what_its_command_says(limit: int) -> None:
    # The listing is made from the tables; the help a command shows is its own: one text.
    for name, (where, _summary) in {**COMMANDS, **app_commands()}.items():
        command = load_command(where)
        assert stand_in_help(main, name, limit) == command.get_short_help_str(limit), name


def test_the_listing_names_every_command_of_the_whole_app(app: Any) -> None:
    # A command added only with app.cli.add_command would run, but `ecert --help` would not
    # list it: name it in its feature's COMMANDS instead.
    with click.Context(main) as context:
        listed = set(main.list_commands(context))
        assert set(app.cli.list_commands(context)) | set(COMMANDS) | {"run"} == listed
        for name in app.cli.list_commands(context):
            assert app.cli.get_command(context, name) is not None, name


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_verify_leaves_pyhanko_to_the_sandbox(issuance: Issuance, tmp_path: Path) -> None:
    issued = issue_decision(issuance, factories.decision(name="王小明"))
    good = tmp_path / "good.pdf"
    good.write_bytes(issuance.store.get(issued.sha256))
    env = {
        "ECERT_HOME": str(issuance.settings.home),
        "DATABASE_URL": issuance.settings.database_url,
        "ECERT_OFFICE_NAME": issuance.settings.office_name,
    }
    output, code, modules = probe("verify", str(good), env=env)
    assert code == 0 and output.startswith("有效") and issued.number in output
    # The check ran in the sandbox (which imported pyHanko); this process built an app of the
    # verifier alone: no pages, no other feature, no PDF or image library.
    assert not roots(modules) & {"pyhanko", "pyhanko_certvalidator", "numpy", "PIL", "pikepdf", "fpdf", "argon2"}
    assert (
        not {module for module in modules if module.split(".")[0] in set(FEATURES) - {"verifier"}}
        - {f"{feature}.extension" for feature in FEATURES}
        - set(FEATURES)
    )
    assert "verifier.views" not in modules and "flask_limiter" not in roots(modules)


def test_a_sandbox_job_is_named_by_module_and_function() -> None:
    from ecert.sandbox import run_sandboxed

    assert run_sandboxed("math:sqrt", 16.0).value == 4.0
    missing = run_sandboxed("math:no_such_function", 1.0)
    assert missing.failure == "error" and "no_such_function" in missing.message
