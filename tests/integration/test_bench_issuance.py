"""``scripts/bench_issuance.py`` runs end to end on a tiny sample: it prints the ratio line and
writes its figures as JSON. The figures themselves are measurements, never asserted here."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_the_issuance_benchmark_prints_its_ratio_and_writes_json(tmp_path: Path) -> None:
    out = tmp_path / "bench-issuance.json"
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "ECERT_HOME")}
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts/bench_issuance.py"), "--rounds", "1", "--count", "2", "--out", str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "ratio full/sign-only x" in done.stdout
    figures = json.loads(out.read_text())
    assert figures["count_per_round"] == 2
    assert figures["ratio_full_to_sign_only"] > 0
    assert set(figures["median_seconds"]) >= {"full", "render", "sign", "database_store", "baseline_sign_only"}
    assert figures["size_with_photo"]["total"] > figures["size_with_photo"]["images"] > 0
