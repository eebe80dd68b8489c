"""PDF evidence: checked, never rewritten; its first page rendered for the preview. Runs in
the confined child.

A PDF is refused when it is encrypted or carries active content
(:func:`ecert.uploads.pdf_active_content`, the check the holders' attachments use), or
has more than :data:`MAX_PAGES` pages; otherwise the uploaded bytes are kept as they are
(cleaning a PDF means rewriting it, and a file that has to be cleaned is refused instead,
with words saying how to make a plain one).

The first page is rendered by poppler (``pdftoppm -r 72 -png -f 1 -l 1``, scaled down to
fit :data:`RENDER_MAX_SIDE` when the page is larger) reading the bytes from its standard
input: a separate program, which inherits the child's memory limit and gets the CPU seconds
the child has left as its own limit, and a wall-clock timeout within the sandbox's. A PDF
that poppler cannot render is refused as unreadable: staff could not read it either.
"""

from __future__ import annotations

import io
import math
import resource
import shutil
import subprocess
import time
from collections.abc import Callable

import pikepdf
from PIL import Image

from ecert import uploads
from legacy_import.evidence_images import DECODING_ERRORS, preview
from legacy_import.evidence_rules import (
    MAX_PAGES,
    PDF,
    RENDER_DPI,
    RENDER_MAX_SIDE,
    CleanEvidence,
    RefusedEvidence,
)

_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
# The renderer must be done this long before the sandbox's wall clock ends the child.
_WALL_MARGIN = 0.5
_RENDERER_ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LC_ALL": "C.UTF-8"}


def clean_pdf(data: bytes, cpu_seconds: float, deadline: float) -> CleanEvidence | RefusedEvidence:
    """``cpu_seconds``: the child's CPU budget; ``deadline``: the ``time.monotonic()`` by
    which the child must have answered."""
    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            if pdf.is_encrypted:
                return RefusedEvidence("encrypted")
            problem = uploads.pdf_active_content(pdf)
            if problem:
                return RefusedEvidence(problem)
            pages = len(pdf.pages)
            if pages > MAX_PAGES:
                return RefusedEvidence("too_many_pages", {"pages": pages, "limit": MAX_PAGES})
            if pages == 0:
                return RefusedEvidence("unreadable")
            long_side = _long_side(pdf.pages[0])
    except pikepdf.PasswordError:
        return RefusedEvidence("encrypted")
    except (pikepdf.PdfError, ValueError, RecursionError, OSError, KeyError, TypeError, IndexError):
        return RefusedEvidence("unreadable")
    rendered = render_first_page(data, long_side, cpu_seconds, deadline)
    if isinstance(rendered, RefusedEvidence):
        return rendered
    try:
        with Image.open(io.BytesIO(rendered), formats=["PNG"]) as image:
            image.load()
            thumbnail, image_hash = preview(image)
    except DECODING_ERRORS:
        return RefusedEvidence("unreadable")
    return CleanEvidence(data, PDF, pages, image_hash, thumbnail)


def _long_side(page: pikepdf.Page) -> float | None:
    """The page's longest side in points (pixels at 72 dpi), or None when its boxes make
    no sense (then it is rendered scaled to fit, whatever it says)."""
    try:
        unit = float(page.obj.get("/UserUnit", 1))
        box = page.cropbox
        width, height = abs(float(box[2]) - float(box[0])), abs(float(box[3]) - float(box[1]))
        side = max(width, height) * unit
        return side if math.isfinite(side) and side > 0 else None
    except (TypeError, ValueError, IndexError, KeyError, AttributeError, pikepdf.PdfError):
        return None


def render_first_page(
    data: bytes, long_side: float | None, cpu_seconds: float, deadline: float
) -> bytes | RefusedEvidence:
    """The first page as PNG bytes, or why not (``too_complex`` when the renderer ran out
    of CPU or memory or crashed, ``unreadable`` when it found no page to draw,
    ``unavailable`` when it was not given the time or is not installed)."""
    program = shutil.which("pdftoppm", path=_RENDERER_ENV["PATH"])
    if program is None:
        return RefusedEvidence("unavailable", {"cause": "no_renderer"})
    args = [program, "-r", str(RENDER_DPI), "-png", "-f", "1", "-l", "1", "-singlefile"]
    if long_side is None or long_side * RENDER_DPI / 72 > RENDER_MAX_SIDE:
        args += ["-scale-to", str(RENDER_MAX_SIDE)]
    args.append("-")  # the PDF from standard input, the PNG to standard output
    own = resource.getrusage(resource.RUSAGE_SELF)
    cpu_left = max(1, math.ceil(cpu_seconds - own.ru_utime - own.ru_stime))
    wall_left = deadline - time.monotonic() - _WALL_MARGIN
    if wall_left <= 0:
        return RefusedEvidence("unavailable", {"cause": "starved"})
    before = _children_cpu()
    try:
        run = subprocess.run(
            args,
            input=data,
            capture_output=True,
            timeout=wall_left,
            env=_RENDERER_ENV,
            preexec_fn=_cpu_limit(cpu_left),  # the confined child runs one thread
            check=False,
        )
    except OSError:  # could not start it (fork or exec refused): nothing learnt about the file
        return RefusedEvidence("unavailable", {"cause": "no_renderer"})
    except subprocess.TimeoutExpired:
        spent = _children_cpu() - before  # the killed renderer, reaped by subprocess.run
        if spent >= 0.5 * min(cpu_left, wall_left):
            return RefusedEvidence("too_complex", {"cause": "cpu"})
        return RefusedEvidence("unavailable", {"cause": "starved"})
    if run.returncode < 0:  # a signal: SIGXCPU at its CPU limit, SIGABRT out of memory, a crash
        return RefusedEvidence("too_complex", {"cause": "renderer"})
    if run.returncode != 0 or not run.stdout.startswith(_PNG_MAGIC):
        return RefusedEvidence("unreadable")
    return run.stdout


def _cpu_limit(seconds: int) -> Callable[[], None]:
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 1))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    return apply


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime
