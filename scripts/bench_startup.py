"""Benchmark (not a test): how long the ``ecert`` command takes to start, against bare Python
processes measured in the same run.

    make bench            # or: .venv/bin/python scripts/bench_startup.py [--rounds 15]

Alternates, in rounds (the machine is shared and noisy: each pair runs back to back):

- ``ecert --help`` vs ``python -c pass`` (target: ``ecert --help`` <= 0.5 s);
- ``ecert verify FILE`` vs a bare ``python`` that imports pyHanko and validates the same
  demo certificate (``$ECERT_HOME/demo-certificates/*.pdf``, made by ``make setup``) against
  the instance's trust roots with its embedded validation data, revocation checking required,
  nothing fetched (target: ``ecert verify`` <= 2x that).

``--ecert CMD`` measures another command in place of ``ecert`` (e.g. ``'python -m ecert'``
run from a folder holding another checkout, with ``PYTHONPATH`` on it: the figures before a
change). Every run is a whole fresh process (wall clock from ``fork`` to exit). Prints the medians and
ratios, and writes them to ``$ECERT_HOME/bench-startup.json`` (default
``instance/bench-startup.json``). ``ecert verify`` must answer 0 (valid) and the bare
validation must find the signature valid and trusted, or the benchmark stops.
"""

from __future__ import annotations

import argparse
import ctypes
import datetime as dt
import json
import os
import platform
import resource
import shlex
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
HELP_TARGET_SECONDS = 0.5
VERIFY_TARGET_RATIO = 2.0
PR_SET_CHILD_SUBREAPER = 36  # linux/prctl.h

# pyHanko's own validation, as a person would write it from its documentation: the pinned
# roots, the DSS's certificates and CRLs/OCSP responses, revocation required, no fetching.
BARE_VALIDATION = """
import sys
from asn1crypto import pem, x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import DocumentSecurityStore, validate_pdf_signature

pdf, roots_file = sys.argv[1], sys.argv[2]
roots = [x509.Certificate.load(der) for _, _, der in pem.unarmor(open(roots_file, "rb").read(), multiple=True)]
with open(pdf, "rb") as handle:
    reader = PdfFileReader(handle, strict=True)
    signature = reader.embedded_regular_signatures[0]
    settings = dict(trust_roots=roots, allow_fetching=False, revocation_mode="require")
    dss = DocumentSecurityStore.read_dss(reader)
    status = validate_pdf_signature(
        signature,
        signer_validation_context=dss.as_validation_context(settings),
        ts_validation_context=dss.as_validation_context(settings),
    )
sys.exit(0 if status.bottom_line else 1)
"""


def become_subreaper() -> None:
    """Adopt the processes our children leave behind (the sandbox's forkserver outlives
    ``ecert`` by a moment), so that their CPU time is counted with their parent's."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        sys.exit(f"prctl(PR_SET_CHILD_SUBREAPER): {os.strerror(ctypes.get_errno())}")


def run(argv: list[str], env: dict[str, str], expect: int = 0) -> tuple[float, float]:
    """Wall-clock seconds until ``argv`` exits, and the CPU seconds (user + system) of it
    and every process it started. CPU time hardly changes with the machine's load."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, check=False)
    seconds = time.perf_counter() - start
    while True:  # reap what it left behind (adopted by us), so its CPU time counts
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            break
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode != expect:
        sys.exit(f"{' '.join(argv)} exited {done.returncode}, not {expect}:\n{done.stderr.decode()[-2000:]}")
    return seconds, cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=15)
    home = Path(os.environ.get("ECERT_HOME", ROOT / "instance"))
    parser.add_argument("--out", type=Path, default=home / "bench-startup.json")
    parser.add_argument(
        "--ecert",
        default=str(BIN / "ecert"),
        help="the command to measure (e.g. 'python -m ecert' with PYTHONPATH set to another checkout)",
    )
    options = parser.parse_args()

    demos = sorted((home / "demo-certificates").glob("*.pdf"))
    roots = home / "pki" / "root-ca.cert.pem"
    if not demos or not roots.exists():
        sys.exit(f"no demo certificates or trust roots under {home}: run `make setup` first")
    pdf = str(demos[0])
    # As an installed package runs: its modules' bytecode cached (pip compiles on install;
    # the warm-up run below writes it for an editable checkout). Without that, compiling our
    # own ~80 modules from source costs ~1 s of CPU on every start.
    env = {**os.environ, "ECERT_HOME": str(home)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    ecert, python = shlex.split(options.ecert), sys.executable
    pairs = {
        "help": ([*ecert, "--help"], [python, "-c", "pass"]),
        "verify": ([*ecert, "verify", pdf], [python, "-c", BARE_VALIDATION, pdf, str(roots)]),
    }
    become_subreaper()
    wall: dict[str, dict[str, list[float]]] = {name: {"subject": [], "baseline": []} for name in pairs}
    cpu: dict[str, dict[str, list[float]]] = {name: {"subject": [], "baseline": []} for name in pairs}
    for subject, baseline in pairs.values():  # warm the page cache; not counted
        run(subject, env), run(baseline, env)
    for round_ in range(options.rounds):
        for name, (subject, baseline) in pairs.items():
            # Alternate which goes first, so neither always follows the other's cache effects.
            order = [("subject", subject), ("baseline", baseline)]
            for role, argv in order if round_ % 2 == 0 else order[::-1]:
                seconds, cpu_seconds = run(argv, env)
                wall[name][role].append(seconds)
                cpu[name][role].append(cpu_seconds)
        print(
            f"round {round_ + 1}: "
            + ", ".join(
                f"{name} {wall[name]['subject'][-1]:.3f} s / {wall[name]['baseline'][-1]:.3f} s" for name in pairs
            ),
            flush=True,
        )

    figures: dict[str, Any] = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.node()} {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "load_average": os.getloadavg(),
        "rounds": options.rounds,
        "file": pdf,
        "ecert": options.ecert,
    }
    for name in pairs:
        figures[name] = {}
        for measure, values in (("wall", wall[name]), ("cpu", cpu[name])):
            subject_median, baseline_median = (
                statistics.median(values["subject"]),
                statistics.median(values["baseline"]),
            )
            figures[name][measure] = {
                "subject_median": subject_median,
                "baseline_median": baseline_median,
                "ratio": subject_median / baseline_median,
                "subject": values["subject"],
                "baseline": values["baseline"],
            }
    help_, verify = figures["help"], figures["verify"]
    figures["targets"] = {
        "help_seconds": HELP_TARGET_SECONDS,
        "help_met": help_["wall"]["subject_median"] <= HELP_TARGET_SECONDS,
        "verify_ratio": VERIFY_TARGET_RATIO,
        "verify_met": verify["wall"]["ratio"] <= VERIFY_TARGET_RATIO,
    }
    options.out.parent.mkdir(parents=True, exist_ok=True)
    options.out.write_text(json.dumps(figures, indent=2) + "\n")

    targets = figures["targets"]
    print()
    print(
        f"start-up, {options.rounds} rounds, medians (same run, interleaved); wall clock, and CPU of the process tree:"
    )
    for label, baseline_label, figure, target in (
        (
            "ecert --help     ",
            "python -c pass    ",
            help_,
            f"target <= {HELP_TARGET_SECONDS:g} s wall: " + ("met" if targets["help_met"] else "NOT met"),
        ),
        (
            "ecert verify FILE",
            "bare pyHanko check",
            verify,
            f"target <= x{VERIFY_TARGET_RATIO:g} wall: " + ("met" if targets["verify_met"] else "NOT met"),
        ),
    ):
        w, c = figure["wall"], figure["cpu"]
        print(
            f"  {label}  {w['subject_median']:.3f} s (cpu {c['subject_median']:.3f} s)   "
            f"{baseline_label}  {w['baseline_median']:.3f} s (cpu {c['baseline_median']:.3f} s)   "
            f"x{w['ratio']:.2f} wall, x{c['ratio']:.2f} cpu; {target}"
        )
    print(f"  load average {figures['load_average']}; figures in {options.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
