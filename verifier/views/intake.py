"""The web edge of a PDF check: admit it, spool its body to disk, charge its CPU to the client.

One hostile client must not starve the others, and many waiting uploads must not fill the
web process's memory. So, for ``POST /verify`` and ``POST /api/v1/verify``, *before the
body is read*:

- **CPU budget per client** (``RateLimits.pdf_cpu``, default ``20/minute``: CPU seconds of
  checking per sliding window, in Flask-Limiter's syntax): each check's CPU time (what the
  sandboxed child used, ``PdfVerdict.cpu_seconds``) is charged to the client afterwards,
  in milliseconds, to the same storage and the same client key as the request limits
  (``ecert.web.client_key``: the peer address, or ``X-Forwarded-For`` behind trusted
  proxies). A client whose budget is spent gets 429 with ``Retry-After``. A genuine check
  costs ~0.15 s, so people never meet it; a client sending files that cost the parser its
  whole per-file budget (``SandboxLimits.cpu_seconds``) meets it after a few.
- **One check at a time per client** (``RateLimits.pdf_concurrent``, default 1): a client
  with that many checks in flight (receiving, waiting or running) gets 429 at once. So one
  client never holds more than one of the sandbox's slots, and a second client always finds
  one (there are at least two).
- **A bounded queue**: at most ``max_jobs + queue`` checks in flight in this process; beyond
  it 503 ("系统繁忙") with ``Retry-After``, at once.

Counts of checks in flight are per process (each process has its own sandbox slots); the
CPU budget is in the shared rate-limit storage, so it holds across processes and machines.

Admitted bodies are copied in 64 KiB chunks into a temporary file (``spooled``), never held
whole in memory; the sandboxed child reads the file itself. A refused request's body is read
and thrown away in the same small chunks before answering, so the client sees the answer
rather than a connection reset (the development server would otherwise drain it for us, up
to 10 MB at a time in memory).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from flask import request

from ecert.i18n import _
from ecert.kernel import kernel
from ecert.web import client_key
from verifier.admission import Refusal
from verifier.runtime import runtime

CHUNK = 64 * 1024


def refusal_message(refusal: Refusal) -> str:
    if refusal.code == "cpu_budget":
        return _(
            "您近期提交的文件检查次数过多，已用完检查时间额度，请约 %(seconds)s 秒后再试。", seconds=refusal.retry_after
        )
    if refusal.code == "one_at_a_time":
        return _("您已有一个文件正在检查，请等它完成后再提交。")
    return _("系统繁忙，请稍后再试。")


@contextmanager
def admitted() -> Iterator[Refusal | None]:
    """Admit the current request's check: yields None when admitted (the caller then checks
    and calls :func:`charge`), or the :class:`Refusal` (its body already thrown away)."""
    verifier = runtime()
    client = client_key()
    refusal = verifier.cpu_budget.refusal(client) if verifier.cpu_budget is not None else None
    refusal = refusal or verifier.admission.enter(client)
    if refusal is not None:
        _discard_body()
        yield refusal
        return
    try:
        yield None
    finally:
        verifier.admission.leave(client)


def charge(cpu_seconds: float) -> None:
    budget = runtime().cpu_budget
    if budget is not None:
        budget.charge(client_key(), cpu_seconds)


@contextmanager
def spooled(source: IO[bytes], max_bytes: int) -> Iterator[Path | None]:
    """Copy ``source`` into a temporary file in small chunks; yields its path, or None when
    it holds more than ``max_bytes`` (reading stops there). The file is removed afterwards."""
    with tempfile.NamedTemporaryFile(prefix="ecert-upload-", suffix=".pdf", dir=_spool_dir()) as target:
        size = 0
        while chunk := source.read(CHUNK):
            size += len(chunk)
            if size > max_bytes:
                yield None
                return
            target.write(chunk)
        target.flush()
        yield Path(target.name)


def _spool_dir() -> Path:
    folder = kernel().settings.home / "spool"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder


def _discard_body() -> None:
    stream = request.stream
    limit = kernel().settings.max_request_bytes
    read = 0
    while read <= limit and (chunk := stream.read(CHUNK)):
        read += len(chunk)
