"""``scripts/bench_signing.py`` runs end to end on a tiny sample: it prints the ratio line and
the size breakdown and writes its figures as JSON. The figures are measurements, never
asserted here."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_the_signing_benchmark_prints_its_ratio_and_writes_json(tmp_path: Path) -> None:
    out = tmp_path / "bench-signing.json"
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "ECERT_HOME")}
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts/bench_signing.py"), "--rounds", "1", "--count", "2", "--out", str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "ratio ours/pyHanko x" in done.stdout
    figures = json.loads(out.read_text())
    assert set(figures["median_seconds"]) == {"ours", "pyhanko", "pyhanko_stock_tsa"}
    assert figures["size_signed"]["total"] > figures["size_signed"]["images"] > 0
    for kind in ("signature", "document timestamp"):
        der, reserved = figures["contents"][kind]
        assert 0 < der <= reserved
