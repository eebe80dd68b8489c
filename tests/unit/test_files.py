"""Atomic writes and the cross-process lock (ecert.files), as the blob store uses them."""

from __future__ import annotations

import multiprocessing
import stat
from pathlib import Path

from ecert.files import file_lock, write_atomic
from ecert.storage import FileBlobStore


def test_write_atomic_replaces_with_the_mode_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "secret.pem"
    target.write_bytes(b"old")
    write_atomic(target, b"new", 0o600)
    assert target.read_bytes() == b"new" and stat.S_IMODE(target.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["secret.pem"]


def test_blobs_are_written_atomically_and_privately(tmp_path: Path) -> None:
    store = FileBlobStore(tmp_path)
    name = store.put(b"%PDF-1.7")
    assert store.get(name) == b"%PDF-1.7" and store.put(b"%PDF-1.7") == name
    path = tmp_path / name[:2] / name
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and [p.name for p in path.parent.iterdir()] == [name]


def _append_under_lock(lock: Path, log: Path, tag: str) -> None:
    for _ in range(50):
        with file_lock(lock):
            text = log.read_text() if log.exists() else ""
            write_atomic(log, (text + tag).encode())


def test_file_lock_serialises_processes(tmp_path: Path) -> None:
    lock, log = tmp_path / ".lock", tmp_path / "log"
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_append_under_lock, args=(lock, log, tag)) for tag in "ab"]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
    assert sorted(log.read_text()) == ["a"] * 50 + ["b"] * 50  # no lost update
