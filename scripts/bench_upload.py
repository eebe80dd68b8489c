"""Benchmark (not a test): the PDF upload check of a certificate we issued, against pyHanko's
bare validation of the same file with one reused validation context (issue #11, item 4).

    .venv/bin/python scripts/bench_upload.py [--rounds 7] [--count 10]

A throw-away instance (fresh SQLite ECERT_HOME, development PKI and TSA) issues one
certificate; then, in alternating rounds of ``--count`` checks each:

- *bare*: pyHanko's ``validate_pdf_signature`` of the file's signature, in this process, with
  one ``ValidationContext`` (the pinned roots and the file's own DSS, revocation required, no
  fetching) built once and reused;
- *full*: ``VerifierRuntime.check_pdf`` as the upload page and the API call it, the file
  unseen by this process: the sandboxed checker parses and validates it (signature, every
  document timestamp, trust, AdES-LTA, coverage, the embedded record) and the registry is read;
- *hash*: the same call for a file this process has checked in full before
  (``verifier.pdf.known_files``): the hash, the registry, no sandbox.

Prints medians and ratios and writes ``$ECERT_HOME/bench-upload.json``. Targets: the hash
path <= 5 ms; the full check <= 1.5x bare.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--count", type=int, default=10)
    args = parser.parse_args()

    from ecert.app import create_app
    from ecert.migrate import upgrade
    from ecert.settings import Settings
    from issuer.runtime import runtime as issuer_runtime
    from issuer.services.issuance import issue_decision
    from tests import factories
    from verifier.pdf.known_files import known_files
    from verifier.runtime import runtime as verifier_runtime

    with tempfile.TemporaryDirectory(prefix="ecert-bench-upload-") as folder:
        settings = Settings.from_env({"ECERT_HOME": str(Path(folder) / "home")})
        settings.home.mkdir()
        upgrade(settings.database_url)
        app = create_app(settings)
        with app.app_context():
            issuance = issuer_runtime(app).issuance(actor="bench")
            issued = issue_decision(issuance, factories.decision(name="李四"))
            pdf = issuance.store.get(issued.sha256)
            verifier = verifier_runtime(app)
            bare = _bare_validator(pdf, list(verifier.trust_roots))

            def full() -> None:
                known_files.clear()
                assert verifier.check_pdf(pdf).valid

            def hashed() -> None:
                assert verifier.check_pdf(pdf).valid

            for warm in (bare, full, hashed):  # imports, the checker pool, caches
                warm()
            timings: dict[str, list[float]] = {"bare": [], "full": [], "hash": []}
            for _ in range(args.rounds):
                for name, work in (("bare", bare), ("full", full), ("hash", hashed)):
                    for _ in range(args.count):
                        started = time.perf_counter()
                        work()
                        timings[name].append(time.perf_counter() - started)
    medians = {name: statistics.median(values) * 1000 for name, values in timings.items()}
    results = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": f"{os.cpu_count()} CPUs",
        "file_bytes": len(pdf),
        "median_ms": {name: round(value, 2) for name, value in medians.items()},
        "full_vs_bare": round(medians["full"] / medians["bare"], 2),
        "hash_path_ms": round(medians["hash"], 2),
        "checks_per_kind": args.rounds * args.count,
    }
    print(
        f"upload check of an issued certificate ({len(pdf) // 1024} KB): bare pyHanko {medians['bare']:.1f} ms; "
        f"full check {medians['full']:.1f} ms = {results['full_vs_bare']}x bare (target <= 1.5x); "
        f"known file by hash {medians['hash']:.2f} ms (target <= 5 ms)"
    )
    home = Path(os.environ.get("ECERT_HOME", ROOT / "instance"))
    home.mkdir(parents=True, exist_ok=True)
    (home / "bench-upload.json").write_text(json.dumps(results, indent=2))
    print(f"written {home / 'bench-upload.json'}")
    return 0


def _bare_validator(pdf: bytes, roots: list):  # type: ignore[no-untyped-def]
    """pyHanko's validation of the signature, with one context built from the file's DSS."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import DocumentSecurityStore, validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    dss = DocumentSecurityStore.read_dss(PdfFileReader(io.BytesIO(pdf)))
    context = ValidationContext(
        trust_roots=roots,
        other_certs=list(dss.load_certs()),
        crls=[crl.get_object().data for crl in dss.crls] if dss.crls else [],
        allow_fetching=False,
        revocation_mode="require",
    )

    def bare() -> None:
        reader = PdfFileReader(io.BytesIO(pdf))
        status = validate_pdf_signature(reader.embedded_signatures[0], signer_validation_context=context)
        assert status.intact and status.valid, status

    return bare


if __name__ == "__main__":
    sys.exit(main())
