"""Run a function on hostile input in a separate, resource-limited process.

Design: a ``multiprocessing`` *forkserver* is started once per process (lazily, on first
use) with the modules registered by :func:`preload` (and the module of the first job's
function) imported, so e.g. pyHanko is already loaded when each job forks from it (~10–20 ms
instead of ~0.5 s for a fresh interpreter). Features register their workers' modules when
the app is built; the sandbox itself knows nothing about what runs in it.
Every job gets a fresh child, which:

- sets ``RLIMIT_AS`` (address space) and ``RLIMIT_CPU`` before touching the input, so a
  decompression bomb ends in ``MemoryError`` (or the kernel killing it), never in the web
  worker running out of memory;
- sends back one picklable result over a pipe, then exits; nothing survives between jobs
  (no state an attacker can poison).

A concurrency cap (``max_jobs``) keeps a burst of uploads from forking without bound. A
job first waits up to ``wait`` seconds for a free slot; the per-job limit ``timeout``
starts only once its child is running, so time spent queueing under load never counts
against the input. The parent then waits at most ``timeout`` seconds and kills the child.

Outcomes are values, never exceptions: :class:`SandboxOutcome` with ``value`` set, or
``failure`` and a message. Failures caused by the input (the job's fault): ``"timeout"``,
``"memory"``, ``"crashed"``, ``"error"`` (the function raised). Failures that say nothing
about the input (:attr:`SandboxOutcome.unavailable`): ``"busy"`` (no slot within
``wait``) and ``"unavailable"`` (the child could not be started, e.g. the forkserver died
or ``fork`` failed, even after one retry; or it could not confine itself).

Limits: ``RLIMIT_AS`` counts virtual memory including the preloaded interpreter (~0.2 GB),
so the cap must sit well above that; the child can still read files and open sockets (it
is a resource jail, not a seccomp/namespace sandbox): it only ever runs our parsing code
on bytes, with no secrets in its memory (the forkserver is spawned clean, not forked from
the web process).
"""

from __future__ import annotations

import io
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing import forkserver as mp_forkserver
from multiprocessing import popen_forkserver, spawn, util
from multiprocessing.context import ForkServerProcess, reduction, set_spawning_popen  # type: ignore[attr-defined]
from typing import Any

from ecert.settings import SandboxLimits

__all__ = ["SandboxLimits", "SandboxOutcome", "preload", "run_sandboxed"]

# Imported in the forkserver once, so each job starts warm. Not "__main__": children are
# launched without the main module (see _Popen), so a job never re-runs the main script.
_preload: list[str] = []


@dataclass(frozen=True)
class SandboxOutcome:
    value: Any = None
    failure: str | None = None  # timeout | memory | crashed | error | busy | unavailable
    message: str = ""
    seconds: float = 0.0  # the child's run time (not counting the wait for a slot)
    waited: float = 0.0  # seconds spent waiting for a slot

    @property
    def ok(self) -> bool:
        return self.failure is None

    @property
    def unavailable(self) -> bool:
        """Nothing was learnt about the input: no slot, or the child could not start."""
        return self.failure in _NOT_THE_INPUTS_FAULT


_NOT_THE_INPUTS_FAULT = frozenset({"busy", "unavailable"})
# Seconds to pause before each attempt to start a child (the first is immediate).
_START_RETRY_PAUSES = (0.0, 0.05, 0.25)


_lock = threading.Lock()
_context: Any = None
_slots: dict[int, threading.BoundedSemaphore] = {}


def preload(*modules: str) -> None:
    """Import ``modules`` in the forkserver when it starts, so that jobs start warm.

    Call it before the first job (e.g. when the app is built): a forkserver that is already
    running keeps what it has, and a job whose module it lacks imports it in its own child."""
    with _lock:
        _preload.extend(module for module in modules if module not in _preload)


def _ctx(func: Callable[..., Any]) -> Any:
    global _context
    with _lock:
        if _context is None:
            if func.__module__ not in _preload and func.__module__ != "__main__":
                _preload.append(func.__module__)
            ctx = multiprocessing.get_context("forkserver")
            ctx.set_forkserver_preload(list(_preload))
            _context = ctx
        return _context


class _Popen(popen_forkserver.Popen):
    """Launches a forkserver child without the parent's ``__main__`` module.

    The stock launcher sends the main script's path and every child re-executes it as
    ``__mp_main__`` (CPython 3.11 does not preload it in the forkserver): with a main that
    imports Flask and SQLAlchemy (``ecert``, gunicorn) that alone cost ~200 ms per job.
    Jobs are importable module functions, so the main module is not needed.
    """

    def _launch(self, process_obj: Any) -> None:  # mirrors popen_forkserver.Popen._launch
        prep_data = spawn.get_preparation_data(process_obj._name)
        prep_data.pop("init_main_from_path", None)
        prep_data.pop("init_main_from_name", None)
        buf = io.BytesIO()
        set_spawning_popen(self)
        try:
            reduction.dump(prep_data, buf)
            reduction.dump(process_obj, buf)
        finally:
            set_spawning_popen(None)
        self.sentinel, w = mp_forkserver.connect_to_new_process(self._fds)  # type: ignore[attr-defined]
        _parent_w = os.dup(w)
        self.finalizer = util.Finalize(self, util.close_fds, (_parent_w, self.sentinel))  # type: ignore[attr-defined]
        with open(w, "wb", closefd=True) as f:
            f.write(buf.getbuffer())
        self.pid = mp_forkserver.read_signed(self.sentinel)


class _Process(ForkServerProcess):
    @staticmethod
    def _Popen(process_obj: Any) -> Any:
        return _Popen(process_obj)


def _slot(limit: int) -> threading.BoundedSemaphore:
    with _lock:
        if limit not in _slots:
            _slots[limit] = threading.BoundedSemaphore(limit)
        return _slots[limit]


def _child(conn: Any, target: Callable[..., Any], args: tuple, memory_bytes: int, cpu_seconds: int) -> None:
    import gc
    import resource

    # Short-lived and memory-capped: skip the cyclic GC, whose passes over the inherited
    # heap would copy every page shared with the forkserver.
    gc.freeze()
    gc.disable()

    try:
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (ValueError, OSError) as exc:  # refuse to run unconfined (our problem, not the input's)
        conn.send(("unavailable", f"cannot set resource limits: {exc}"))
        return
    try:
        result = ("ok", target(*args))
    except MemoryError:
        result = ("memory", "memory limit exceeded")
    except BaseException as exc:
        result = ("error", f"{type(exc).__name__}: {exc}"[:2000])
    try:
        conn.send(result)
    except MemoryError:
        conn.send(("memory", "memory limit exceeded"))
    except Exception as exc:  # an unpicklable result
        conn.send(("error", f"cannot return the result: {type(exc).__name__}: {exc}"[:2000]))
    finally:
        conn.close()


def run_sandboxed(func: Callable[..., Any], *args: Any, limits: SandboxLimits | None = None) -> SandboxOutcome:
    """Run ``func(*args)`` in a fresh limited child.

    ``func`` is a module-level function (it reaches the child by reference, as its module
    and name, like ``args`` through pickle); its result must be picklable.
    """
    limits = limits or SandboxLimits()
    queued = time.monotonic()
    slot = _slot(limits.max_jobs)
    if not slot.acquire(timeout=max(limits.wait, 0.0)):
        waited = time.monotonic() - queued
        return SandboxOutcome(
            failure="busy",
            message=f"no free checker within {limits.wait:g} s ({limits.max_jobs} at once)",
            waited=waited,
        )
    waited = time.monotonic() - queued
    try:
        outcome = _run(func, args, limits)
    finally:
        slot.release()
    return SandboxOutcome(outcome.value, outcome.failure, outcome.message, outcome.seconds, waited)


def _start(ctx: Any, func: Callable[..., Any], args: tuple, limits: SandboxLimits) -> tuple[Any, Any, str]:
    """Start a child, retrying briefly: multiprocessing restarts a dead forkserver on the
    next start once the old one is reapable (a killed forkserver refuses connections a
    moment before that). Returns ``(process, receiver, "")`` or ``(None, None, why)``."""
    why = ""
    for pause in _START_RETRY_PAUSES:
        if pause:
            time.sleep(pause)
        receiver, sender = ctx.Pipe(duplex=False)
        process = _Process(
            target=_child, args=(sender, func, args, limits.memory_bytes, limits.cpu_seconds), daemon=True
        )
        try:
            process.start()
        except Exception as exc:  # OSError from fork/socket, EOFError from a dying forkserver, ...
            receiver.close()
            sender.close()
            why = f"{type(exc).__name__}: {exc}"
            continue
        sender.close()
        return process, receiver, ""
    return None, None, why


def _run(func: Callable[..., Any], args: tuple, limits: SandboxLimits) -> SandboxOutcome:
    try:
        ctx = _ctx(func)
        process, receiver, why = _start(ctx, func, args, limits)
    except Exception as exc:  # e.g. cannot create the pipe (out of file descriptors)
        process, receiver, why = None, None, f"{type(exc).__name__}: {exc}"
    if process is None:
        return SandboxOutcome(failure="unavailable", message=f"cannot start the checker: {why}"[:2000])
    started = time.monotonic()  # the job's time limit starts now that its child runs
    try:
        if not receiver.poll(max(limits.timeout, 0.0)):
            return SandboxOutcome(
                failure="timeout",
                message=f"no answer within {limits.timeout:g} s",
                seconds=time.monotonic() - started,
            )
        try:
            kind, payload = receiver.recv()
        except (EOFError, OSError):
            process.join(1)
            code = process.exitcode
            failure = {-signal.SIGXCPU: "timeout", -signal.SIGKILL: "memory"}.get(code or 0, "crashed")
            return SandboxOutcome(
                failure=failure,
                message=f"the checker process died (exit code {code})",
                seconds=time.monotonic() - started,
            )
        elapsed = time.monotonic() - started
        if kind == "ok":
            return SandboxOutcome(value=payload, seconds=elapsed)
        return SandboxOutcome(failure=kind, message=str(payload), seconds=elapsed)
    finally:
        receiver.close()
        if process.is_alive():
            process.join(0.5)
        if process.is_alive():
            process.kill()
            process.join(2)
        try:
            process.close()
        except ValueError:
            pass
