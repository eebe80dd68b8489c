"""The dependency rule holds, and its contracts would catch an import that breaks it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint_imports(project: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(project)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(project / "pyproject.toml"), "--no-cache"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_code_keeps_every_contract() -> None:
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def _skeleton(tmp_path: Path) -> Path:
    """The four packages as empty modules of the same names, under our own contracts."""
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    for package in ("ecert", "issuer", "verifier", "legacy_import"):
        for module in (ROOT / package).rglob("*.py"):
            target = tmp_path / module.relative_to(ROOT)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text("")
    return tmp_path


@pytest.mark.parametrize(
    ("module", "forbidden_import", "contract"),
    [
        ("ecert/db.py", "import issuer.extension", "Kernel imports no feature package"),
        ("verifier/lookup.py", "import issuer.registry", "Issuer and verifier are independent"),
        ("legacy_import/extension.py", "import verifier.lookup", "Legacy import never imports the verifier"),
        ("verifier/verdict.py", "import verifier.views.pages", "Verifier: pages, API and commands import the core"),
        ("issuer/services/issuance.py", "import issuer.cli", "Issuer: commands import the core"),
    ],
)
def test_each_contract_catches_a_forbidden_import(
    tmp_path: Path, module: str, forbidden_import: str, contract: str
) -> None:
    project = _skeleton(tmp_path)
    (project / module).write_text(forbidden_import + "\n")
    result = _lint_imports(project)
    assert result.returncode != 0
    broken = [line for line in result.stdout.splitlines() if line.endswith("BROKEN")]
    assert any(line.startswith(contract) for line in broken), result.stdout
