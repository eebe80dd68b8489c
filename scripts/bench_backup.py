"""Benchmark (not a test): ``ecert backup`` / ``ecert restore`` against a plain copy of the same
bytes, measured in the same run.

    .venv/bin/python scripts/bench_backup.py [--rounds 9] [--blobs 1000] [--blob-kb 110]

Copies an instance (default ``$ECERT_HOME``, i.e. the demo instance ``make setup`` made) into
a throw-away folder, adds ``--blobs`` synthetic blobs of ``--blob-kb`` KB (a certificate PDF is
~100-110 KB), then alternates, round by round:

- *baseline backup*: ``cp -a`` of that home, then ``sync`` (what an operator might do instead:
  neither consistent nor checked);
- *backup*: ``take_backup`` in-process (SQLite online backup, SHA-256 of every file, manifest);
- *baseline restore*: ``cp -a`` of the backup folder, then ``sync``;
- *restore*: ``restore_backup`` in-process onto an empty home and a new SQLite file (every
  file checked against the manifest first, then written).

Prints the medians and the ratios to their baselines and writes them to
``$ECERT_HOME/bench-backup.json``. Process start-up of the ``ecert`` command is not included.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ecert.audit import AuditTrail  # noqa: E402
from ecert.backup.service import restore_backup, take_backup  # noqa: E402
from ecert.db import connect  # noqa: E402
from ecert.settings import Settings  # noqa: E402


def copy_and_sync(source: Path, target: Path) -> float:
    started = time.perf_counter()
    subprocess.run(["cp", "-a", str(source), str(target)], check=True)
    os.sync()
    return time.perf_counter() - started


def add_blobs(home: Path, count: int, size: int) -> None:
    for _n in range(count):
        data = os.urandom(size)
        name = hashlib.sha256(data).hexdigest()
        (home / "blobs" / name[:2]).mkdir(parents=True, exist_ok=True)
        (home / "blobs" / name[:2] / name).write_bytes(data)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--blobs", type=int, default=1000)
    parser.add_argument("--blob-kb", type=int, default=110)
    home = Path(os.environ.get("ECERT_HOME", ROOT / "instance"))
    parser.add_argument("--source", type=Path, default=home)
    parser.add_argument("--out", type=Path, default=home / "bench-backup.json")
    args = parser.parse_args()
    if not (args.source / "ecert.sqlite3").is_file():
        print(f"{args.source} holds no ecert.sqlite3: run make setup first", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="ecert-bench-backup-"))
    try:
        source = work / "source"
        shutil.copytree(args.source, source, ignore=shutil.ignore_patterns("bench*.json"))
        add_blobs(source, args.blobs, args.blob_kb * 1000)
        settings = Settings.from_env({"ECERT_HOME": str(source)})
        db = connect(settings.database_url, audit=AuditTrail.from_settings(settings))
        times: dict[str, list[float]] = {"cp_backup": [], "backup": [], "cp_restore": [], "restore": []}
        size = files = 0
        for n in range(args.rounds):
            times["cp_backup"].append(copy_and_sync(source, work / f"cp-{n}"))
            folder = work / f"backup-{n}"
            started = time.perf_counter()
            result = take_backup(settings, db, folder, at=dt.datetime.now(dt.UTC), actor="bench")
            times["backup"].append(time.perf_counter() - started)
            size, files = result.manifest.total_bytes, len(result.manifest.files)
            times["cp_restore"].append(copy_and_sync(folder, work / f"cp-backup-{n}"))
            target = Settings.from_env({"ECERT_HOME": str(work / f"restored-{n}")})
            started = time.perf_counter()
            restore_backup(target, folder, at=dt.datetime.now(dt.UTC), actor="bench")
            times["restore"].append(time.perf_counter() - started)
            for name in (f"cp-{n}", f"cp-backup-{n}", f"restored-{n}"):
                shutil.rmtree(work / name)
            if n:  # keep the disk use of one round; the first backup is kept for its size
                shutil.rmtree(folder)
        db.dispose()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    medians = {name: statistics.median(values) for name, values in times.items()}
    figures = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.node()} {platform.machine()} {os.cpu_count()} cores",
        "rounds": args.rounds,
        "files": files,
        "bytes": size,
        "median_seconds": medians,
        "backup_vs_cp": medians["backup"] / medians["cp_backup"],
        "restore_vs_cp": medians["restore"] / medians["cp_restore"],
        "backup_mb_per_s": size / 1e6 / medians["backup"],
        "restore_mb_per_s": size / 1e6 / medians["restore"],
    }
    print(f"{files} files, {size / 1e6:.1f} MB; medians of {args.rounds} interleaved rounds")
    print(
        f"backup  {medians['backup']:.2f} s  vs cp -a + sync {medians['cp_backup']:.2f} s:"
        f" {figures['backup_vs_cp']:.2f}x  ({figures['backup_mb_per_s']:.0f} MB/s)"
    )
    print(
        f"restore {medians['restore']:.2f} s  vs cp -a + sync {medians['cp_restore']:.2f} s:"
        f" {figures['restore_vs_cp']:.2f}x  ({figures['restore_mb_per_s']:.0f} MB/s)"
    )
    args.out.write_text(json.dumps(figures, indent=1) + "\n", encoding="utf-8")
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
