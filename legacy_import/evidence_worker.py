"""The evidence check as it runs in the kernel's confined child (:mod:`ecert.sandbox`): one
upload's bytes in, a :class:`CleanEvidence` or a :class:`RefusedEvidence` out.

In order: the type the content declares (never a name) must be PDF, JPEG, PNG or TIFF;
the file must not also be a second type (:func:`ecert.uploads.polyglot_of`); then the
images are decoded and rebuilt (:mod:`legacy_import.evidence_images`) and the PDFs checked
and rendered (:mod:`legacy_import.evidence_pdf`). Registered for the forkserver's preload
by ``legacy_import.extension``, so each job starts with Pillow, pikepdf and imagehash loaded.
"""

from __future__ import annotations

import dataclasses
import resource
import time

from ecert import uploads
from legacy_import.evidence_images import clean_image
from legacy_import.evidence_pdf import clean_pdf
from legacy_import.evidence_rules import CONTENT_TYPES, MAX_CLEANED_BYTES, CleanEvidence, RefusedEvidence

# What the forkserver imports besides this module: imagehash's DCT imports scipy lazily.
PRELOAD = (__name__, "scipy.fftpack")


def clean_in_child(data: bytes, cpu_seconds: float, wall_seconds: float) -> CleanEvidence | RefusedEvidence:
    """``cpu_seconds`` and ``wall_seconds``: the sandbox's limits for this child, of which a
    renderer it starts gets what is left."""
    deadline = time.monotonic() + wall_seconds
    renderers = _children_cpu()
    kind = uploads.kind_of(data)
    if kind not in CONTENT_TYPES:
        return RefusedEvidence("unsupported_type", {"kind": kind})
    also = uploads.polyglot_of(data, kind)
    if also is not None:
        return RefusedEvidence("polyglot", {"kind": kind, "also": also})
    result = clean_pdf(data, cpu_seconds, deadline) if kind == "pdf" else clean_image(data, kind)
    result = within_size(result, MAX_CLEANED_BYTES)
    # The renderer's CPU, which the sandbox's own account (this process's) does not include.
    return dataclasses.replace(result, cpu_seconds=_children_cpu() - renderers)


def within_size(result: CleanEvidence | RefusedEvidence, limit: int) -> CleanEvidence | RefusedEvidence:
    """``result``, unless it is a cleaned file that grew over ``limit`` bytes."""
    if isinstance(result, RefusedEvidence) or len(result.data) <= limit:
        return result
    mib = 1024 * 1024
    return RefusedEvidence(
        "too_large", {"limit_mb": limit // mib, "size_mb": round(len(result.data) / mib, 1), "cleaned": True}
    )


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime
