"""Benchmark (not a test): a document-timestamp renewal per certificate, against pyHanko's bare
``PdfTimeStamper.update_archival_timestamp_chain`` of the same file, interleaved.

    .venv/bin/python scripts/bench_renewal.py [--rounds 5]

Sets up a throw-away instance (migrated SQLite, development PKI and TSA, the six example
certificates). Each round, for each certificate in turn: the *baseline* renews the file as it
stands with pyHanko alone (one reused ValidationContext, the same in-process TSA, output
discarded); the *subject* is ``issuer.services.renewal.renew_certificate`` on the same file
(blob read, renewal, blob write, registry update, revision row and audit event in one
transaction). The policy marks sha256 as weak so every certificate is due every round (a
file grows by ~11 KB a renewal, the same for both sides). Prints medians (CPU and wall),
the ratio subject/baseline and renewals per CPU-second (per core), and writes them to
``$ECERT_HOME/bench-renewal.json`` (default ``instance/bench-renewal.json``). Target:
>= 100 renewals per second per core.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_PER_CORE = 100.0


def prepare(home: Path) -> None:
    env = {**os.environ, "ECERT_HOME": str(home)}
    env.pop("DATABASE_URL", None)
    for args in (["db", "upgrade"], ["pki", "init"], ["issue", str(ROOT / "examples/decisions.csv")]):
        subprocess.run([sys.executable, "-m", "ecert", *args], env=env, check=True, capture_output=True)


def timed(work):  # type: ignore[no-untyped-def]
    cpu, wall = time.process_time(), time.perf_counter()
    result = work()
    return result, time.process_time() - cpu, time.perf_counter() - wall


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--out", type=Path, default=Path(os.environ.get("ECERT_HOME", ROOT / "instance")) / "bench-renewal.json"
    )
    options = parser.parse_args()

    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign import signers
    from sqlalchemy import select

    from ecert.app import create_app
    from ecert.models import Certificate
    from ecert.settings import Settings
    from issuer.runtime import runtime
    from issuer.services.renewal import RenewalStatus, renew_certificate

    with tempfile.TemporaryDirectory(prefix="ecert-bench-renewal-") as tmp:
        home = Path(tmp)
        prepare(home)
        settings = Settings.from_env({"ECERT_HOME": str(home)})
        app = create_app(settings)
        issuer = runtime(app)
        renewal = issuer.renewal(actor="bench")
        renewal = replace(renewal, policy=replace(renewal.policy, weak_algorithms=("sha256",)))
        archiver = renewal.archiver
        now = dt.datetime.now(dt.UTC)
        vc = archiver._validation_context(now)  # the baseline's one reused context
        stamper = signers.PdfTimeStamper(archiver.timestamper)
        before = now + dt.timedelta(days=1)
        with renewal.db.read() as session:
            ids = list(session.scalars(select(Certificate.id).order_by(Certificate.id)))

        def bare(pdf: bytes) -> bytes:
            reader = PdfFileReader(io.BytesIO(pdf), strict=False)
            out = stamper.update_archival_timestamp_chain(reader, vc, in_place=False, output=io.BytesIO())
            return bytes(out.getvalue())

        base_cpu: list[float] = []
        base_wall: list[float] = []
        subj_cpu: list[float] = []
        subj_wall: list[float] = []
        sizes: list[int] = []
        # warm-up: one of each (imports, first context)
        with renewal.db.read() as session:
            first = session.get(Certificate, ids[0])
            assert first is not None and first.pdf_sha256 is not None
            bare(renewal.store.get(first.pdf_sha256))
        for round_ in range(options.rounds):
            for certificate_id in ids:
                with renewal.db.read() as session:
                    row = session.get(Certificate, certificate_id)
                    assert row is not None and row.pdf_sha256 is not None
                    pdf = renewal.store.get(row.pdf_sha256)
                sizes.append(len(pdf))
                _, cpu, wall = timed(lambda pdf=pdf: bare(pdf))
                base_cpu.append(cpu)
                base_wall.append(wall)
                outcome, cpu, wall = timed(lambda cid=certificate_id: renew_certificate(renewal, cid, before=before))
                assert outcome.status is RenewalStatus.RENEWED, outcome
                subj_cpu.append(cpu)
                subj_wall.append(wall)
            print(
                f"round {round_ + 1}: renewal median {statistics.median(subj_cpu) * 1000:.0f} ms CPU, "
                f"bare pyHanko {statistics.median(base_cpu) * 1000:.0f} ms CPU",
                flush=True,
            )

    medians = {
        "baseline_cpu": statistics.median(base_cpu),
        "baseline_wall": statistics.median(base_wall),
        "renewal_cpu": statistics.median(subj_cpu),
        "renewal_wall": statistics.median(subj_wall),
    }
    figures = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.node()} {platform.machine()} {os.cpu_count()} cpu, Python {platform.python_version()}",
        "renewals": len(subj_cpu),
        "median_seconds": medians,
        "median_pdf_bytes": statistics.median(sizes),
        "ratio_renewal_to_bare": medians["renewal_cpu"] / medians["baseline_cpu"],
        "renewals_per_cpu_second": 1 / medians["renewal_cpu"],
        "bare_per_cpu_second": 1 / medians["baseline_cpu"],
        "target_per_cpu_second": TARGET_PER_CORE,
    }
    print(
        f"renewal: {medians['renewal_cpu'] * 1000:.1f} ms CPU ({medians['renewal_wall'] * 1000:.1f} ms wall) median, "
        f"{figures['renewals_per_cpu_second']:.1f}/s per core; bare pyHanko {medians['baseline_cpu'] * 1000:.1f} ms CPU "
        f"({figures['bare_per_cpu_second']:.1f}/s); ratio {figures['ratio_renewal_to_bare']:.2f}x; "
        f"target {TARGET_PER_CORE:.0f}/s per core: {'met' if figures['renewals_per_cpu_second'] >= TARGET_PER_CORE else 'NOT met'}"
    )
    options.out.parent.mkdir(parents=True, exist_ok=True)
    options.out.write_text(json.dumps(figures, indent=2) + "\n")
    print(f"written to {options.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
