"""Benchmark (not a test): the QR page ``GET /v/<token>`` under gunicorn against a bare WSGI
hello-world of the same body size under the same server settings (issue #11, item 3).

A registry of ``--rows`` certificates (default 1,000,000) is written straight into a fresh
database (SQLite, and PostgreSQL from a throwaway cluster when the binaries are here);
``wrk`` asks for random tokens of it over keep-alive connections. The baseline and the
page are measured in alternating rounds, so that a noisy neighbour slows both alike.
Verification history is recorded, as in production; the rate limiter is switched off by
``ECERT_RATELIMIT_ENABLED=0``, which production refuses.

    .venv/bin/python scripts/bench_verify.py [--rows N] [--seconds S] [--rounds R]

Figures go to ``$ECERT_HOME/bench-verify.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ecert.vocab.tokens import new_token  # noqa: E402
from tests import postgres  # noqa: E402  (the throwaway cluster the tests use)
from tests.http_load import free_port, request  # noqa: E402

BIN = Path(sys.executable).parent
WORKERS = 2
CONNECTIONS = 16
SAMPLED_TOKENS = 50_000  # wrk picks among these (a Lua table of 1,000,000 costs wrk itself CPU)

BARE_APP = """
import os
BODY = b"x" * int(os.environ["BENCH_BODY_BYTES"])
HEADERS = [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(BODY))), ("Cache-Control", "no-store")]
def app(environ, start_response):
    start_response("200 OK", HEADERS)
    return [BODY]
"""

WRK_SCRIPT = """
local tokens = {}
for line in io.lines("%(tokens)s") do tokens[#tokens + 1] = line end
math.randomseed(os.time())
request = function()
  return wrk.format("GET", "/v/" .. tokens[math.random(#tokens)])
end
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=int, default=10, help="length of one wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="alternating baseline/page runs")
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: bash scripts/system-deps.sh installs it")
    results: dict[str, object] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{os.cpu_count()} CPUs",
        "rows": args.rows,
        "workers": WORKERS,
        "connections": CONNECTIONS,
    }
    kinds = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    for kind in kinds:
        if kind == "postgresql" and not postgres.available():
            print("PostgreSQL binaries not found: skipped")
            continue
        with _database(kind) as url:
            results[kind] = _measure(kind, url, args)
    home = Path(os.environ.get("ECERT_HOME", ROOT / "instance"))
    home.mkdir(parents=True, exist_ok=True)
    (home / "bench-verify.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print(f"written {home / 'bench-verify.json'}")


@contextmanager
def _database(kind: str) -> Iterator[str | None]:
    if kind == "sqlite":
        yield None
        return
    with postgres.cluster() as admin_url:
        yield admin_url


def _measure(kind: str, url: str | None, args: argparse.Namespace) -> dict[str, object]:
    work = Path(tempfile.mkdtemp(prefix=f"ecert-bench-verify-{kind}-"))
    env = {
        **os.environ,
        "ECERT_HOME": str(work / "home"),
        "ECERT_RATELIMIT_ENABLED": "0",
        "ECERT_ACCESS_LOG": "",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    env.pop("DATABASE_URL", None)
    if url is not None:
        env["DATABASE_URL"] = url
    try:
        subprocess.run([str(BIN / "ecert"), "db", "upgrade"], env=env, check=True, capture_output=True)
        subprocess.run([str(BIN / "ecert"), "pki", "init"], env=env, check=True, capture_output=True)
        started = time.perf_counter()
        tokens = _fill(kind, url, work / "home" / "ecert.sqlite3", args.rows)
        print(f"{kind}: {args.rows:,} certificates written in {time.perf_counter() - started:.0f} s")
        sample = secrets.SystemRandom().sample(tokens, min(SAMPLED_TOKENS, len(tokens)))
        (work / "tokens.txt").write_text("\n".join(sample) + "\n")
        (work / "random.lua").write_text(WRK_SCRIPT % {"tokens": work / "tokens.txt"})
        (work / "bare.py").write_text(BARE_APP)
        with ExitStack() as stack:
            page_port = stack.enter_context(_gunicorn(["ecert.app:create_app()"], env, ROOT))
            body = request(page_port, "GET", f"/v/{sample[0]}").body
            bare_env = {**env, "BENCH_BODY_BYTES": str(len(body))}
            bare_port = stack.enter_context(_gunicorn(["bare:app"], bare_env, work))
            assert request(page_port, "GET", f"/v/{sample[1]}").status == 200
            _wrk(page_port, work, 2)  # warm both: imports, caches, the first connections
            _wrk(bare_port, work, 2)
            bare_runs, page_runs = [], []
            for _ in range(args.rounds):
                bare_runs.append(_wrk(bare_port, work, args.seconds))
                page_runs.append(_wrk(page_port, work, args.seconds))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    bare_rps = statistics.median(run["rps"] for run in bare_runs)
    page_rps = statistics.median(run["rps"] for run in page_runs)
    figures: dict[str, object] = {
        "page_body_bytes": len(body),
        "bare_rps": round(bare_rps),
        "page_rps": round(page_rps),
        "ratio": round(page_rps / bare_rps, 3),
        "bare_p99_ms": statistics.median(run["p99_ms"] for run in bare_runs),
        "page_p99_ms": statistics.median(run["p99_ms"] for run in page_runs),
        "page_p50_ms": statistics.median(run["p50_ms"] for run in page_runs),
        "errors": sum(run["errors"] for run in page_runs),
    }
    print(
        f"{kind}: GET /v/<token> {figures['page_rps']} rps vs bare WSGI {figures['bare_rps']} rps "
        f"= {figures['ratio']}x (target >= 0.6x); p99 {figures['page_p99_ms']} ms (target <= 25 ms), "
        f"p50 {figures['page_p50_ms']} ms; non-2xx/errors {figures['errors']}"
    )
    return figures


def _fill(kind: str, url: str | None, sqlite_path: Path, rows: int) -> list[str]:
    """``rows`` holders, decisions and valid certificates, written with the driver's bulk path
    (the ORM would take an hour); returns every token."""
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    tokens = [new_token() for _ in range(rows)]

    def holders() -> Iterator[tuple[object, ...]]:
        for i in range(rows):
            yield (i + 1, f"5002251970{i:08d}", "张三", "男", now)

    def decisions() -> Iterator[tuple[object, ...]]:
        for i in range(rows):
            yield (
                i + 1,
                f"bench-{i}",
                i + 1,
                "张三丰",
                "男",
                "重庆市大足区某单位",
                "工程",
                "土木工程",
                "中级",
                "工程师",
                "评审",
                "2024-06-01",
                "重庆市职称改革办公室",
                f"渝职改〔2024〕{i % 1000}号",
                "csv",
                now,
            )

    def certificates() -> Iterator[tuple[object, ...]]:
        for i, token in enumerate(tokens):
            yield (
                i + 1,
                i + 1,
                "500225",
                f"500225-2024-{i + 1:08d}",
                1,
                token,
                "valid",
                now,
                now,
                f"{i:064x}",
                100_000,
            )

    statements = (
        ("holders", "id, id_number, name, gender, created_at", holders),
        (
            "decisions",
            "id, identity_key, holder_id, name, gender, employer, series, specialty, level, qualification, "
            "grant_route, approval_date, approving_body, doc_no, source, created_at",
            decisions,
        ),
        (
            "certificates",
            "id, decision_id, office_code, number, version, token, status, reserved_at, issued_at, pdf_sha256, pdf_size",
            certificates,
        ),
    )
    if kind == "sqlite":
        connection = sqlite3.connect(sqlite_path)
        with connection:
            for table, columns, values in statements:
                marks = ", ".join("?" * len(columns.split(",")))
                connection.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", values())
        connection.execute("ANALYZE")
        connection.close()
    else:
        import psycopg

        assert url is not None
        with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as connection:
            for table, columns, values in statements:
                with connection.cursor().copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in values():
                        copy.write_row(row)
            connection.execute("ANALYZE")
    return tokens


@contextmanager
def _gunicorn(app: list[str], env: dict[str, str], cwd: Path) -> Iterator[int]:
    """gunicorn with ``WORKERS`` sync workers (the same settings for the page and the baseline)."""
    port = free_port()
    process = subprocess.Popen(
        [str(BIN / "gunicorn"), "--workers", str(WORKERS), "--worker-class", "sync", "--bind", f"127.0.0.1:{port}",
         "--log-level", "warning", *app],
        env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                request(port, "GET", "/healthz", timeout=5)
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn did not start (exit {process.poll()})") from None
                time.sleep(0.2)
        yield port
    finally:
        process.terminate()
        process.wait(30)


def _wrk(port: int, work: Path, seconds: int) -> dict[str, float]:
    output = subprocess.run(
        ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency", "-s", str(work / "random.lua"),
         f"http://127.0.0.1:{port}"],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "rps": rps,
        "p50_ms": _latency(output, "50%"),
        "p99_ms": _latency(output, "99%"),
        "errors": int(errors.group(1)) if errors else 0,
    }


def _latency(output: str, percentile: str) -> float:
    value, unit = re.search(rf"^\s+{percentile}\s+([\d.]+)(us|ms|s)\s*$", output, re.M).groups()  # type: ignore[union-attr]
    return round(float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit], 2)


if __name__ == "__main__":
    main()
