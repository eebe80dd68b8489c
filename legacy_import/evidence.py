"""Evidence files: checked and cleaned by content before they are stored.

INTERFACE (the base commit's placeholder; the evidence work replaces the body):
``clean_evidence(data) -> CleanEvidence | RefusedEvidence``, run on hostile bytes in the
kernel's confined child (``ecert.sandbox``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from portal import attachments


@dataclass(frozen=True)
class CleanEvidence:
    data: bytes  # the cleaned bytes: what is stored and shown
    content_type: str  # application/pdf | image/jpeg | image/png | image/tiff
    pages: int
    image_hash: str | None  # perceptual hash (imagehash) of the first page, hex
    thumbnail_png: bytes | None  # a PNG preview of the first page for staff
    ocr_text: str | None = None  # Tesseract chi_sim reading of the first page, when run


@dataclass(frozen=True)
class RefusedEvidence:
    code: str  # too_large, empty, unsupported_type, unreadable, too_many_pixels, too_many_pages, encrypted, javascript, ...
    params: dict[str, Any] = field(default_factory=dict)


def clean_evidence(data: bytes) -> CleanEvidence | RefusedEvidence:
    result = attachments.clean(data)
    if isinstance(result, attachments.Refused):
        return RefusedEvidence(result.code)
    return CleanEvidence(result.data, result.content_type, 1, None, None)
