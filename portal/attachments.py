"""A holder's attachment, checked and cleaned before it is stored (pure: bytes in, bytes or
a refusal out).

The type is decided by the content, never by the file's name or the browser's word: PDF,
JPEG or PNG. Images are decoded and re-encoded with Pillow (within a pixel limit), which
drops EXIF (GPS position, camera) and anything hidden after the image data; the picture's
orientation is applied first so that it still looks the same. A PDF is parsed with pikepdf
(:func:`ecert.uploads.pdf_problem`, shared with the legacy evidence check) and refused when
it is encrypted or carries active content: JavaScript, an OpenAction or
additional actions, Launch actions, embedded files, XFA forms. Staff open these files, so
an active PDF is refused rather than cleaned: the holder is told what to do instead.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps

from ecert.uploads import MAX_PDF_OBJECTS, pdf_problem

__all__ = [
    "EXTENSIONS",
    "JPEG",
    "MAX_BYTES",
    "MAX_PDF_OBJECTS",
    "MAX_PIXELS",
    "PDF",
    "PNG",
    "Cleaned",
    "Refused",
    "clean",
    "pdf_problem",
    "sniff",
]

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
PDF, JPEG, PNG = "application/pdf", "image/jpeg", "image/png"
EXTENSIONS = {PDF: "pdf", JPEG: "jpg", PNG: "png"}


@dataclass(frozen=True)
class Cleaned:
    data: bytes
    content_type: str


@dataclass(frozen=True)
class Refused:
    """``code``: too_large, empty, unsupported_type, unreadable, too_many_pixels, encrypted,
    javascript, open_action, launch, embedded_files, xfa."""

    code: str


def sniff(data: bytes) -> str | None:
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    return None


def clean(data: bytes) -> Cleaned | Refused:
    if not data:
        return Refused("empty")
    if len(data) > MAX_BYTES:
        return Refused("too_large")
    kind = sniff(data)
    if kind is None:
        return Refused("unsupported_type")
    if kind == PDF:
        problem = pdf_problem(data)
        return Refused(problem) if problem else Cleaned(data, PDF)
    return _reencode(data, kind)


def _reencode(data: bytes, kind: str) -> Cleaned | Refused:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if image.width * image.height > MAX_PIXELS:
                    return Refused("too_many_pixels")
                # A phone's JPEG with a depth or preview frame is read as MPO: its first frame is the photo.
                if image.format not in (("JPEG", "MPO") if kind == JPEG else ("PNG",)):
                    return Refused("unsupported_type")
                upright = ImageOps.exif_transpose(image)
                out = io.BytesIO()
                if kind == JPEG:
                    if upright.mode not in ("RGB", "L", "CMYK"):
                        upright = upright.convert("RGB")
                    upright.save(out, "JPEG", quality=90)  # no exif=: none is written
                else:
                    upright.save(out, "PNG")  # text chunks and eXIf are not carried over
                return Cleaned(out.getvalue(), kind)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return Refused("too_many_pixels")
    except (OSError, ValueError, SyntaxError):
        return Refused("unreadable")
