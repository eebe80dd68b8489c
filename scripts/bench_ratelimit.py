"""Benchmark (not a test): what counting the QR page's rate limit in Redis costs a request,
against in-process counting and no limit at all, measured in the same run.

    .venv/bin/python scripts/bench_ratelimit.py [--rounds 5] [--requests 1500]

Starts a throw-away ``redis-server`` on 127.0.0.1 (``tests/redis_server.py``) and a migrated
SQLite home, then, round after round, runs one fresh process per configuration in turn
(interleaved: the machine is shared and noisy) — limits off (the baseline), ``memory://``,
``redis://`` — each timing ``--requests`` requests of ``/v/<token>`` for an unknown token
through the Flask test client (no HTTP, no server: only the app's own cost). Each process
builds its own app, as a gunicorn worker does (``ecert.web.limiter`` is one per process).
Prints the medians per request (of each round's median, and of each round's 10th percentile:
on a busy machine noise only ever adds, so the low percentile is the steadier figure of what
the code costs) and the ratios to the baseline, and writes them to
``$ECERT_HOME/bench-ratelimit.json`` (default ``instance/bench-ratelimit.json``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests import redis_server  # noqa: E402

# One configuration's run: build the app, warm up, time each request; print the times (µs).
RUN = """
import json, os, secrets, sys, time
from ecert.app import create_app
from ecert.settings import Settings
app = create_app(Settings.from_env(os.environ))
client = app.test_client()
paths = [f"/v/{secrets.token_urlsafe(15)}" for _ in range(int(sys.argv[1]))]
for path in paths[:100]:
    client.get(path)
times = []
for path in paths:
    start = time.perf_counter()
    status = client.get(path).status_code
    times.append((time.perf_counter() - start) * 1e6)
    assert status == 404, status
print(json.dumps(times))
"""

CONFIGS = {
    "off": {"ECERT_RATELIMIT_ENABLED": "0"},
    "memory": {"ECERT_RATELIMIT_STORAGE_URI": "memory://"},
    "redis": {},  # the URL of the server started below
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=1500)
    args = parser.parse_args()
    results_home = Path(os.environ.get("ECERT_HOME", ROOT / "instance"))
    medians: dict[str, list[float]] = {name: [] for name in CONFIGS}
    lows: dict[str, list[float]] = {name: [] for name in CONFIGS}
    with tempfile.TemporaryDirectory(prefix="ecert-bench-ratelimit-") as folder, redis_server.server() as url:
        home = Path(folder)
        base = {**os.environ, "ECERT_HOME": str(home), "ECERT_RATELIMIT_PAGE": "1000000/minute"}
        base.pop("DATABASE_URL", None)
        base.pop("ECERT_RATELIMIT_STORAGE_URI", None)
        subprocess.run([sys.executable, "-m", "ecert", "db", "upgrade"], env=base, check=True, capture_output=True)
        CONFIGS["redis"] = {"ECERT_RATELIMIT_STORAGE_URI": url}
        for round_ in range(args.rounds):
            for name, extra in CONFIGS.items():
                done = subprocess.run(
                    [sys.executable, "-c", RUN, str(args.requests)],
                    env={**base, **extra},
                    cwd=ROOT,
                    check=True,
                    capture_output=True,
                    text=True,
                )
                times = json.loads(done.stdout.strip().splitlines()[-1])
                medians[name].append(statistics.median(times))
                lows[name].append(statistics.quantiles(times, n=10)[0])
            print(
                f"round {round_ + 1}: " + ", ".join(f"{name} {values[-1]:.0f} µs" for name, values in medians.items())
            )
    figures = {name: statistics.median(values) for name, values in medians.items()}
    ratios = {name: figures[name] / figures["off"] for name in figures}
    low = {name: statistics.median(values) for name, values in lows.items()}
    low_ratios = {name: low[name] / low["off"] for name in low}
    print()
    for name in CONFIGS:
        print(
            f"{name:>7}: median {figures[name]:.0f} µs per request ({ratios[name]:.2f}x limits off), "
            f"p10 {low[name]:.0f} µs ({low_ratios[name]:.2f}x)"
        )
    print(
        f"Redis over memory: median +{figures['redis'] - figures['memory']:.0f} µs, p10 +{low['redis'] - low['memory']:.0f} µs"
    )
    results_home.mkdir(parents=True, exist_ok=True)
    out = results_home / "bench-ratelimit.json"
    out.write_text(
        json.dumps(
            {
                "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "machine": f"{platform.node()} {platform.machine()} {os.cpu_count()} CPUs",
                "rounds": args.rounds,
                "requests_per_round": args.requests,
                "median_us": figures,
                "ratio_to_off": ratios,
                "p10_us": low,
                "p10_ratio_to_off": low_ratios,
                "round_medians_us": medians,
                "round_p10_us": lows,
            },
            indent=2,
        )
    )
    print(f"written to {out}")


if __name__ == "__main__":
    main()
