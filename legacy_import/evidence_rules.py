"""What the evidence check answers, and its limits (shared by the parent that asks and the
confined child that parses: no imports beyond the standard library).

Refusal codes, with their ``params`` (the words are in :mod:`legacy_import.evidence_words`):

=================  ===========================================================================
``empty``          no bytes
``too_large``      over :data:`MAX_BYTES` (``limit_mb``, ``size_mb``), or over
                   :data:`MAX_CLEANED_BYTES` once cleaned (also ``cleaned``: True)
``unsupported_type`` not PDF, JPEG, PNG or TIFF by content (``kind``: ``heif``, ``svg``, ``gif``, …)
``polyglot``       valid as a second type too (``kind``, ``also``: ``pdf`` | ``zip``)
``too_many_pixels`` a page over :data:`MAX_PIXELS`, or a TIFF's pages together over
                   :data:`MAX_TOTAL_PIXELS` (``limit`` in megapixels, ``megapixels`` when known)
``too_many_pages`` over :data:`MAX_PAGES` (``pages``, ``limit``)
``unreadable``     damaged, truncated, or not what its first bytes say
``encrypted``      a PDF with a password or encryption
``javascript`` ``open_action`` ``launch`` ``embedded_files`` ``xfa``  a PDF's active content
``too_complex``    the file spent the confined child's memory or CPU, or crashed its parser
                   (``cause``: ``memory`` | ``cpu`` | ``crashed``)
``unavailable``    **not the file's fault**: no checker free, starved or stopped from outside;
                   :attr:`RefusedEvidence.try_again` (``cause``)
=================  ===========================================================================
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

MAX_BYTES: Final = 15 * 1024 * 1024  # under ECERT_MAX_REQUEST_BYTES (16 MB) with the form around it
# What cleaning may make of it: a JPEG saved again at quality 90, a TIFF's pages deflated.
MAX_CLEANED_BYTES: Final = 2 * MAX_BYTES
MAX_PIXELS: Final = 40_000_000  # one page: a 12-megapixel phone photo is 12, an A3 scan at 600 dpi 70
MAX_TOTAL_PIXELS: Final = 200_000_000  # a TIFF's pages together: 20 A4 pages at 300 dpi are 175
MAX_PAGES: Final = 20
THUMBNAIL_SIDE: Final = 480  # the longest side of the staff's preview, in pixels
RENDER_DPI: Final = 72  # a PDF's first page is rendered at this for its preview and hash
RENDER_MAX_SIDE: Final = 2000  # ... or scaled down to fit this when that page is larger

PDF: Final = "application/pdf"
JPEG: Final = "image/jpeg"
PNG: Final = "image/png"
TIFF: Final = "image/tiff"
CONTENT_TYPES: Final = {"pdf": PDF, "jpeg": JPEG, "png": PNG, "tiff": TIFF}  # accepted kinds
EXTENSIONS: Final = {PDF: "pdf", JPEG: "jpg", PNG: "png", TIFF: "tif"}  # for download names


@dataclass(frozen=True)
class CleanEvidence:
    data: bytes  # the cleaned bytes: what is stored and shown
    content_type: str  # application/pdf | image/jpeg | image/png | image/tiff
    pages: int
    image_hash: str | None  # perceptual hash (imagehash) of the first page, hex
    thumbnail_png: bytes | None  # a PNG preview of the first page for staff
    ocr_text: str | None = None  # Tesseract chi_sim reading of the first page, when run
    # What checking it cost the confined child and its renderer (not part of the answer).
    cpu_seconds: float = field(default=0.0, compare=False)


@dataclass(frozen=True)
class RefusedEvidence:
    code: str  # too_large, empty, unsupported_type, unreadable, too_many_pixels, too_many_pages, encrypted, javascript, ...
    params: dict[str, Any] = field(default_factory=dict)
    cpu_seconds: float = field(default=0.0, compare=False)

    @property
    def try_again(self) -> bool:
        """Nothing was learnt about the file: the holder should simply send it again later."""
        return self.code == "unavailable"
