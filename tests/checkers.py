"""Finding the sandbox's checker processes from outside, to kill or stop them as an
operator, a supervisor or a starved host would."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable
from typing import Any


def _parents() -> dict[int, int]:
    """Parent of every live process (zombies left out: a finished checker is no target)."""
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as stat:
                    fields = stat.read().rsplit(b")", 1)[1].split()
                if fields[0] not in (b"Z", b"X"):
                    parents[int(entry)] = int(fields[1])
            except (OSError, IndexError, ValueError):
                continue
    return parents


def _cmdline(pid: int) -> bytes:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            return cmdline.read()
    except OSError:
        return b""


def _cpu(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def checker_pids(ancestor: int, busy: float = 0.0) -> list[int]:
    """The checkers (children of a multiprocessing forkserver) below process ``ancestor``
    that have used at least ``busy`` CPU seconds (a checker at work, not some short-lived
    helper the forkserver's imports forked)."""
    parents = _parents()

    def below(pid: int) -> bool:
        seen = 0
        while pid in parents and seen < 64:
            pid, seen = parents[pid], seen + 1
            if pid == ancestor:
                return True
        return False

    servers = {pid for pid in parents if below(pid) and b"forkserver" in _cmdline(pid)}
    return [pid for pid, parent in parents.items() if parent in servers and _cpu(pid) >= busy]


def signal_checker_during(
    work: Callable[[], Any], signum: int, ancestor: int | None = None, timeout: float = 60
) -> Any:
    """Run ``work()`` in a thread; as soon as a checker below ``ancestor`` (default: this
    process) is at work (0.2 s of CPU), send it ``signum``; return what ``work()`` returned."""
    ancestor = ancestor or os.getpid()
    result: list[Any] = []
    thread = threading.Thread(target=lambda: result.append(work()), daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    signalled = False
    while not signalled and time.monotonic() < deadline and thread.is_alive():
        for pid in checker_pids(ancestor, busy=0.2):
            os.kill(pid, signum)
            signalled = True
        time.sleep(0.005)
    assert signalled, "no checker process appeared"
    thread.join(timeout)
    assert result, "the work did not finish"
    return result[0]


__all__ = ["checker_pids", "signal", "signal_checker_during"]
