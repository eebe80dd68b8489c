"""Evidence files: checked and cleaned by content before they are stored.

``clean_evidence(data) -> CleanEvidence | RefusedEvidence``: the web process looks only at
the size; everything that reads the content runs in the kernel's confined child
(:mod:`ecert.sandbox`, with the app's ``SandboxLimits``: memory, CPU seconds, wall clock),
in :func:`legacy_import.evidence_worker.clean_in_child`. What is accepted, and how each type
is cleaned: :mod:`legacy_import.evidence_images`, :mod:`legacy_import.evidence_pdf`; the
codes and limits: :mod:`legacy_import.evidence_rules`; their words:
:mod:`legacy_import.evidence_words`.

A child that spends its memory or CPU, or crashes, is the file's fault (``too_complex``);
a sandbox that has no free checker, or whose checker was starved or stopped from outside,
says nothing about the file (``unavailable``, :attr:`RefusedEvidence.try_again`). No name
is ever taken: the caller keeps the holder's file name as data, and types come from bytes.
"""

from __future__ import annotations

import dataclasses
import logging
import re

from ecert.sandbox import run_sandboxed
from ecert.settings import SandboxLimits
from legacy_import.evidence_rules import (
    CONTENT_TYPES,
    EXTENSIONS,
    MAX_BYTES,
    MAX_PAGES,
    MAX_PIXELS,
    CleanEvidence,
    RefusedEvidence,
)

__all__ = ["EXTENSIONS", "MAX_BYTES", "MAX_PAGES", "MAX_PIXELS", "CleanEvidence", "RefusedEvidence", "clean_evidence"]

log = logging.getLogger(__name__)

_MIB = 1024 * 1024
_HASH = re.compile(r"[0-9a-f]{16}")
_MAGIC = {"application/pdf": b"%PDF-", "image/jpeg": b"\xff\xd8\xff", "image/png": b"\x89PNG\r\n\x1a\n"}
_MAGIC_TIFF = (b"II*\x00", b"MM\x00*")


def clean_evidence(data: bytes, *, limits: SandboxLimits | None = None) -> CleanEvidence | RefusedEvidence:
    """Check and clean one uploaded file; never raises for a bad file.

    ``limits``: the sandbox's; by default the app's settings (``ECERT_SANDBOX_*``), or the
    kernel's defaults outside an app."""
    if not data:
        return RefusedEvidence("empty")
    if len(data) > MAX_BYTES:
        return RefusedEvidence("too_large", {"limit_mb": MAX_BYTES // _MIB, "size_mb": round(len(data) / _MIB, 1)})
    limits = limits or _app_limits()
    # By name: Pillow, pikepdf, numpy and imagehash load in the sandbox's processes only.
    outcome = run_sandboxed(
        "legacy_import.evidence_worker:clean_in_child", data, limits.cpu_seconds, limits.timeout, limits=limits
    )
    if outcome.unavailable:
        log.warning("evidence check unavailable: %s: %s", outcome.failure, outcome.message)
        return RefusedEvidence("unavailable", {"cause": outcome.failure}, outcome.cpu)
    if not outcome.ok:
        # The file's own fault: it spent the child's memory or CPU, crashed it, or made the
        # parser raise something unforeseen (then it is as good as unreadable).
        log.info("evidence refused by the sandbox: %s: %s", outcome.failure, outcome.message[:300])
        code = "unreadable" if outcome.failure == "error" else "too_complex"
        return RefusedEvidence(code, {"cause": outcome.failure}, outcome.cpu)
    result = outcome.value
    if not _plausible(result):
        log.error("evidence check returned an implausible result: %r", type(result))
        return RefusedEvidence("unreadable", {"cause": "implausible"}, outcome.cpu)
    if isinstance(result, RefusedEvidence) and result.try_again:  # e.g. the renderer not given the time
        log.warning("evidence check unavailable: %s", result.params.get("cause"))
    return dataclasses.replace(result, cpu_seconds=outcome.cpu + result.cpu_seconds)


def _plausible(result: object) -> bool:
    """What came back over the pipe is one of our answers, its bytes of the type it names
    (a cheap check of the child's word before anything is stored or shown)."""
    if isinstance(result, RefusedEvidence):
        return isinstance(result.code, str) and isinstance(result.params, dict)
    if not isinstance(result, CleanEvidence) or result.content_type not in CONTENT_TYPES.values():
        return False
    magic = _MAGIC_TIFF if result.content_type == "image/tiff" else (_MAGIC[result.content_type],)
    return (
        isinstance(result.data, bytes)
        and result.data.startswith(magic)
        and isinstance(result.pages, int)
        and 1 <= result.pages <= MAX_PAGES
        and (result.image_hash is None or bool(_HASH.fullmatch(result.image_hash)))
        and (result.thumbnail_png is None or result.thumbnail_png.startswith(_MAGIC["image/png"]))
    )


def _app_limits() -> SandboxLimits:
    from flask import has_app_context

    if has_app_context():
        from ecert.kernel import kernel

        return kernel().settings.sandbox
    return SandboxLimits()
