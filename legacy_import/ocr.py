"""Tesseract (Simplified Chinese, ``chi_sim`` from Debian) on evidence images, in the
kernel's confined child (``ecert.sandbox``).

``read_text(image, limits)`` answers an ``OcrOutcome``: the text, or why there is none.
The child decodes the image with Pillow (pixel cap), makes it grey, enlarges a small one
(a thumbnail) to the ~1,600 px height Tesseract reads Chinese best at, and runs
``tesseract`` through pytesseract. Tesseract is a program of its own: it inherits the
child's ``RLIMIT_AS`` and ``RLIMIT_CPU``, runs single-threaded (``OMP_THREAD_LIMIT=1``: two
cores are shared by every worker), and pytesseract ends it after ``seconds``.

Reading is slow next to everything else the checks do. Measured here on the rendered A4
呈报表 at 200 dpi: ~0.8 s of CPU a page (0.13 s decoding and painting out the rules, 0.64 s
for Tesseract's two passes), 1-2.5 s of wall time on the shared two-core machine (load 5). Denser real scans
cost more. So run it outside a write transaction (``checking.read_missing_texts``), or once
at upload (``ocr_image`` runs in the evidence cleaner's own child as well), and preload this
module in the sandbox (``sandbox.preload``) so that each child starts with Tesseract's
Python side, NumPy and SciPy imported.
"""

from __future__ import annotations

import dataclasses
import io
import os
import re
import time
import warnings
from dataclasses import dataclass

import numpy as np
import pytesseract
from PIL import Image, ImageOps
from scipy import ndimage

from ecert.sandbox import SandboxLimits, run_sandboxed

LANGUAGE = "chi_sim"
# chi_sim misreads digits (6 → 0, an extra 0) in about one ID number in seven on the rendered
# forms; the English model, sparse text (psm 11), digits and X only, read all 50 tried. That
# second pass adds the ID-number-like runs it reads to the text (~0.25 s more CPU a page).
# chi_sim+eng in one pass read the digits but lost short Chinese names (王莉 → EA).
DIGITS_LANGUAGE = "eng"
_DIGITS_CONFIG = "--psm 11 -c tessedit_char_whitelist=0123456789Xx"
_ID_LIKE = re.compile(r"\d{17}[\dX]|\d{15}")
MAX_PIXELS = 40_000_000  # the evidence rules' own cap is lower; this guards the reader
_SMALL_HEIGHT, _READ_HEIGHT = 1200, 1600
# Page segmentation 3 (automatic, no orientation detection); with the rules painted out
# (``without_rules``) 3, 4, 6 and 11 all read the rendered forms; with them none did.
_CONFIG = "--psm 3"


@dataclass(frozen=True)
class OcrOutcome:
    text: str | None  # None: no reading
    failure: str | None = None  # the sandbox's failure (cpu, memory, crashed, error, busy, …)
    seconds: float = 0.0

    @property
    def retry(self) -> bool:
        """Nothing was learnt about the image (no free child, host busy): try again later."""
        return self.failure in ("busy", "starved", "killed", "unavailable")


def ocr_limits(limits: SandboxLimits, seconds: float = 20.0) -> SandboxLimits:
    """The sandbox limits for one page: Tesseract inherits the child's ``RLIMIT_CPU`` (the
    CPU budget plus a second), so the budget is at least ``seconds``; the wall clock a little
    beyond it (pytesseract ends Tesseract at ``seconds`` of wall time)."""
    cpu = max(limits.cpu_seconds, seconds)
    return dataclasses.replace(limits, cpu_seconds=cpu, timeout=max(limits.timeout, cpu + 5))


def read_text(image: bytes, limits: SandboxLimits | None = None, seconds: float = 20.0) -> OcrOutcome:
    """Tesseract's reading of ``image`` (PNG, JPEG, TIFF: a cleaned evidence file or its
    thumbnail), in a confined child."""
    outcome = run_sandboxed(ocr_image, image, seconds, limits=ocr_limits(limits or SandboxLimits(), seconds))
    if not outcome.ok:
        return OcrOutcome(None, outcome.failure, outcome.seconds)
    return OcrOutcome(str(outcome.value), None, outcome.seconds)


def ocr_image(image: bytes, seconds: float = 20.0) -> str:
    """The worker: runs in the confined child (or in a caller's own child, e.g. the
    evidence cleaner's). Raises on an unreadable image or a Tesseract failure."""
    os.environ["OMP_THREAD_LIMIT"] = "1"
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        picture = Image.open(io.BytesIO(image))  # reads the header only
        if picture.width * picture.height > MAX_PIXELS:
            raise ValueError(f"{picture.width}x{picture.height} pixels is more than the reader takes")
        picture.seek(0)  # a multi-page TIFF: its first page
        grey = ImageOps.exif_transpose(picture).convert("L")
    if grey.height < _SMALL_HEIGHT:
        factor = _READ_HEIGHT / grey.height
        grey = grey.resize((max(1, round(grey.width * factor)), _READ_HEIGHT), Image.Resampling.LANCZOS)
    page = without_rules(ImageOps.autocontrast(grey, cutoff=1))
    started = time.monotonic()
    text: str = pytesseract.image_to_string(page, lang=LANGUAGE, config=_CONFIG, timeout=seconds)
    left = max(0.5, seconds - (time.monotonic() - started))
    digits: str = pytesseract.image_to_string(page, lang=DIGITS_LANGUAGE, config=_DIGITS_CONFIG, timeout=left)
    numbers = _ID_LIKE.findall(re.sub(r"[ \t]+", "", digits.upper()))
    return "\n".join([text.strip(), *numbers]).strip()


def without_rules(grey: Image.Image) -> Image.Image:
    """The page with its table rules painted out. Forms are tables, and Tesseract's page
    layout analysis takes a ruled cell for a picture: on the rendered 呈报表 it read none of
    name, ID number, qualification and 文号 with the rules, all four without them. A rule is
    a dark run at least ~1/30 of the page long (a character's strokes are far shorter);
    runs that long survive a slight rotation of the scan."""
    pixels = np.asarray(grey)
    dark = (pixels < 128).view(np.uint8)
    run = max(40, min(grey.width, grey.height) // 30)
    rules = np.zeros_like(dark)
    for axis in (0, 1):  # an opening by a line of ``run`` pixels: 1-D min then max filters, O(n)
        eroded = ndimage.minimum_filter1d(dark, run, axis=axis)
        rules |= ndimage.maximum_filter1d(eroded, run, axis=axis)
    cleaned = pixels.copy()
    grown = ndimage.maximum_filter1d(ndimage.maximum_filter1d(rules, 5, axis=0), 5, axis=1)  # and their fringes
    cleaned[grown.astype(bool)] = 255
    return Image.fromarray(cleaned)
