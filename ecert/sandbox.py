"""Run a function on hostile input in a separate, resource-limited process.

Design: a ``multiprocessing`` *forkserver* is started once per process (lazily, on first
use) with the modules registered by :func:`preload` (and the module of the first job's
function) imported, so e.g. pyHanko is already loaded when each job forks from it (~10–20 ms
instead of ~0.5 s for a fresh interpreter). Features register their workers' modules when
the app is built; the sandbox itself knows nothing about what runs in it.

A job is named by ``"module:function"`` (or given as a module-level function): by name, the
caller never imports the worker's module, so its libraries (pyHanko, numpy, …) load only in
the forkserver and its children, never in the web or command process that asks.
Every job gets a fresh child, which:

- sets ``RLIMIT_AS`` (address space) and ``RLIMIT_CPU`` before touching the input, so a
  decompression bomb ends in ``MemoryError`` (or the kernel killing it), never in the web
  worker running out of memory;
- sends back one picklable result over a pipe, then exits; nothing survives between jobs
  (no state an attacker can poison).

A concurrency cap (``max_jobs``) keeps a burst of uploads from forking without bound, and
at most ``queue`` jobs wait for a slot (more are "busy" at once). A waiting job waits up
to ``wait`` seconds; the per-job limits start only once its child is running, so time
spent queueing under load never counts against the input.

The input's budget is **CPU time**, not wall time: the child arms ``ITIMER_PROF`` at
``cpu_seconds`` (SIGPROF ends it at that much CPU; ``RLIMIT_CPU`` a second later is the
backstop, SIGXCPU). The wall clock ``timeout`` (at least ``cpu_seconds``) is reached only
by a child that did not get the CPU it was allowed: a busy host, or a stopped process.
The parent samples the child's CPU time (``/proc/<pid>/stat``) while it waits, and the
child reports its own (``getrusage``) with its answer: :attr:`SandboxOutcome.cpu`.

Outcomes are values, never exceptions: :class:`SandboxOutcome` with ``value`` set, or
``failure`` and a message. Failures caused by the input (the job's fault): ``"cpu"`` (its
CPU budget spent), ``"memory"``, ``"crashed"`` (a fatal signal of its own: SIGSEGV,
SIGABRT, …, or a non-zero exit), ``"error"`` (the function raised). Failures that say
nothing about the input (:attr:`SandboxOutcome.unavailable`): ``"busy"`` (no slot within
``wait``, or the queue full), ``"starved"`` (the wall clock ran out while the child had
used less CPU than its budget), ``"killed"`` (ended from outside: SIGKILL, e.g. by an
operator or the kernel's OOM killer on a host short of memory, SIGTERM, SIGINT, SIGHUP)
and ``"unavailable"`` (the child could not be started, e.g. the forkserver died or
``fork`` failed, even after one retry; or it could not confine itself).

Limits: ``RLIMIT_AS`` counts virtual memory including the preloaded interpreter (~0.2 GB),
so the cap must sit well above that; the child can still read files and open sockets (it
is a resource jail, not a seccomp/namespace sandbox): it only ever runs our parsing code
on bytes, with no secrets in its memory (the forkserver is spawned clean, not forked from
the web process).
"""

from __future__ import annotations

import importlib
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

__all__ = ["SandboxLimits", "SandboxOutcome", "preload", "run_sandboxed", "start"]

# Imported in the forkserver once, so each job starts warm. Not "__main__": children are
# launched without the main module (see _Popen), so a job never re-runs the main script.
_preload: list[str] = []


@dataclass(frozen=True)
class SandboxOutcome:
    value: Any = None
    failure: str | None = None  # cpu | memory | crashed | error | busy | starved | killed | unavailable
    message: str = ""
    seconds: float = 0.0  # the child's run time (not counting the wait for a slot)
    waited: float = 0.0  # seconds spent waiting for a slot
    cpu: float = 0.0  # CPU seconds the child used (user + system), as far as known

    @property
    def ok(self) -> bool:
        return self.failure is None

    @property
    def unavailable(self) -> bool:
        """Nothing was learnt about the input: no slot, no CPU, killed from outside, or the
        child could not start."""
        return self.failure in _NOT_THE_INPUTS_FAULT


_NOT_THE_INPUTS_FAULT = frozenset({"busy", "starved", "killed", "unavailable"})
# A child ended by one of these was stopped from outside (an operator, a supervisor, the
# OOM killer of a host short of memory): the input's own faults are other signals.
_KILLED_FROM_OUTSIDE = frozenset({signal.SIGKILL, signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT})
_CPU_LIMIT = frozenset({signal.SIGPROF, signal.SIGXCPU})
# How often the parent samples a running child's CPU time while waiting for it.
_SAMPLE_SECONDS = 0.25
# Seconds to pause before each attempt to start a child (the first is immediate).
_START_RETRY_PAUSES = (0.0, 0.05, 0.25)


_lock = threading.Lock()
_context: Any = None
_slots: dict[int, threading.BoundedSemaphore] = {}
_waiting: dict[int, int] = {}  # jobs waiting for a slot, per slot pool


def preload(*modules: str) -> None:
    """Import ``modules`` in the forkserver when it starts, so that jobs start warm.

    Call it before the first job (e.g. when the app is built): a forkserver that is already
    running keeps what it has, and a job whose module it lacks imports it in its own child."""
    with _lock:
        _preload.extend(module for module in modules if module not in _preload)


Job = Callable[..., Any] | str  # a module-level function, or its "module:function"


def _module_of(func: Job) -> str:
    return func.partition(":")[0] if isinstance(func, str) else func.__module__


def _resolve(func: Job) -> Callable[..., Any]:
    """The function a job names (imported in the child, from the forkserver's modules)."""
    if not isinstance(func, str):
        return func
    module, _, name = func.partition(":")
    found: Callable[..., Any] = getattr(importlib.import_module(module), name)
    return found


def start() -> None:
    """Start the forkserver now, in the background, with the modules preloaded so far.

    A one-shot process (``ecert verify``) calls it as soon as it knows a job will come, so
    the forkserver imports pyHanko on the other core while the process itself starts up."""
    if _context is None:
        _ctx(None)
    mp_forkserver.ensure_running()


def _ctx(func: Job | None) -> Any:
    global _context
    with _lock:
        if _context is None:
            module = _module_of(func) if func is not None else "__main__"
            if module not in _preload and module != "__main__":
                _preload.append(module)
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


def _child(conn: Any, target: Job, args: tuple, memory_bytes: int, cpu_seconds: float) -> None:
    import gc
    import math
    import resource

    # Short-lived and memory-capped: skip the cyclic GC, whose passes over the inherited
    # heap would copy every page shared with the forkserver.
    gc.freeze()
    gc.disable()

    try:
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
        backstop = math.ceil(cpu_seconds) + 1
        resource.setrlimit(resource.RLIMIT_CPU, (backstop, backstop + 1))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        # SIGPROF's default action ends the process: exactly at the budget, even inside C code.
        signal.signal(signal.SIGPROF, signal.SIG_DFL)
        signal.setitimer(signal.ITIMER_PROF, cpu_seconds)
    except (ValueError, OSError) as exc:  # refuse to run unconfined (our problem, not the input's)
        conn.send(("unavailable", f"cannot set resource limits: {exc}", 0.0))
        return
    try:
        result: tuple[str, Any] = ("ok", _resolve(target)(*args))
    except MemoryError:
        result = ("memory", "memory limit exceeded")
    except BaseException as exc:
        result = ("error", f"{type(exc).__name__}: {exc}"[:2000])
    signal.setitimer(signal.ITIMER_PROF, 0)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = usage.ru_utime + usage.ru_stime
    try:
        conn.send((*result, cpu))
    except MemoryError:
        conn.send(("memory", "memory limit exceeded", cpu))
    except Exception as exc:  # an unpicklable result
        conn.send(("error", f"cannot return the result: {type(exc).__name__}: {exc}"[:2000], cpu))
    finally:
        conn.close()


def run_sandboxed(func: Job, *args: Any, limits: SandboxLimits | None = None) -> SandboxOutcome:
    """Run ``func(*args)`` in a fresh limited child.

    ``func`` is ``"module:function"`` (imported in the child; the caller need not import it)
    or a module-level function (it reaches the child by reference, as its module and name,
    like ``args`` through pickle); its result must be picklable. A name that cannot be
    imported is the caller's mistake, reported as ``"error"``.
    """
    limits = limits or SandboxLimits()
    queued = time.monotonic()
    slot = _slot(limits.max_jobs)
    if not slot.acquire(blocking=False):
        with _lock:
            full = _waiting.get(limits.max_jobs, 0) >= limits.queue
            if not full:
                _waiting[limits.max_jobs] = _waiting.get(limits.max_jobs, 0) + 1
        if full:
            return SandboxOutcome(
                failure="busy", message=f"queue full ({limits.queue} waiting, {limits.max_jobs} running)"
            )
        try:
            acquired = slot.acquire(timeout=max(limits.wait, 0.0))
        finally:
            with _lock:
                _waiting[limits.max_jobs] -= 1
        if not acquired:
            return SandboxOutcome(
                failure="busy",
                message=f"no free checker within {limits.wait:g} s ({limits.max_jobs} at once)",
                waited=time.monotonic() - queued,
            )
    waited = time.monotonic() - queued
    try:
        outcome = _run(func, args, limits)
    finally:
        slot.release()
    return SandboxOutcome(outcome.value, outcome.failure, outcome.message, outcome.seconds, waited, outcome.cpu)


def waiting(limits: SandboxLimits) -> int:
    """How many jobs wait for a slot of ``limits``' pool now (for callers that admit work)."""
    with _lock:
        return _waiting.get(limits.max_jobs, 0)


_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_of(pid: int | None) -> float | None:
    """CPU seconds (user + system) the process ``pid`` has used, or None once it is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS  # utime, stime (fields 14, 15)
    except (OSError, IndexError, ValueError):
        return None


def _start(ctx: Any, func: Job, args: tuple, limits: SandboxLimits) -> tuple[Any, Any, str]:
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


def _run(func: Job, args: tuple, limits: SandboxLimits) -> SandboxOutcome:
    try:
        ctx = _ctx(func)
        process, receiver, why = _start(ctx, func, args, limits)
    except Exception as exc:  # e.g. cannot create the pipe (out of file descriptors)
        process, receiver, why = None, None, f"{type(exc).__name__}: {exc}"
    if process is None:
        return SandboxOutcome(failure="unavailable", message=f"cannot start the checker: {why}"[:2000])
    started = time.monotonic()  # the job's time limit starts now that its child runs
    cpu = 0.0
    try:
        while True:  # wait for the answer, sampling the child's CPU time
            left = limits.timeout - (time.monotonic() - started)
            if left <= 0:
                return _out_of_time(process, limits, cpu, time.monotonic() - started)
            if receiver.poll(min(left, _SAMPLE_SECONDS)):
                break
            cpu = _cpu_of(process.pid) or cpu
        try:
            kind, payload, cpu = receiver.recv()
        except (EOFError, OSError):
            process.join(1)
            return _died(process.exitcode, limits, cpu, time.monotonic() - started)
        elapsed = time.monotonic() - started
        if kind == "ok":
            return SandboxOutcome(value=payload, seconds=elapsed, cpu=cpu)
        return SandboxOutcome(failure=kind, message=str(payload), seconds=elapsed, cpu=cpu)
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


def _out_of_time(process: Any, limits: SandboxLimits, sampled: float, elapsed: float) -> SandboxOutcome:
    """The wall clock ran out: the input's fault only if the child had spent its CPU budget."""
    cpu = _cpu_of(process.pid)
    cpu = sampled if cpu is None else cpu
    process.kill()  # at once: a stopped child would not end by itself
    if cpu >= limits.cpu_seconds:
        return SandboxOutcome(failure="cpu", message=f"used {cpu:.2f} s of CPU", seconds=elapsed, cpu=cpu)
    return SandboxOutcome(
        failure="starved",
        message=f"no answer within {limits.timeout:g} s, having had only {cpu:.2f} s of CPU",
        seconds=elapsed,
        cpu=cpu,
    )


def _died(code: int | None, limits: SandboxLimits, cpu: float, elapsed: float) -> SandboxOutcome:
    """The child ended without an answer: by what, and whose fault is that?"""
    signum = -code if code is not None and code < 0 else None
    if signum in _CPU_LIMIT:
        failure, cpu = "cpu", max(cpu, limits.cpu_seconds)  # the last sample may be older
    elif signum in _KILLED_FROM_OUTSIDE:
        # RLIMIT_CPU's hard limit also ends in SIGKILL: then the child had used its budget.
        failure = "cpu" if cpu >= limits.cpu_seconds else "killed"
    else:
        failure = "crashed"
    message = f"the checker process died (exit code {code}) after {cpu:.2f} s of CPU"
    return SandboxOutcome(failure=failure, message=message, seconds=elapsed, cpu=cpu)
