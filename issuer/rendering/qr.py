"""QR codes for the verification URL, drawn as one vector path on an fpdf2 page.

Error correction is M and never boosted (``boost_error=False``): low-end phones in
WeChat's in-app browser scan the larger modules of a lower version more reliably.  A URL
of ~180 characters stays at version 9 (53 modules); an upper-case base32 token URL fits
alphanumeric mode.  Vector drawing keeps the code sharp at any zoom and PDF/A-clean.

The URL is split into segments (ISO/IEC 18004 mixed mode): long runs of characters of
the alphanumeric set (the upper-case base32 token and signed claim, 5.5 bits a
character) are alphanumeric segments, the rest (lower-case scheme and host, ``?c=``) is
byte mode.  A run pays for its own segment header and for splitting a byte segment, so
only runs long enough to save bits get one.  Decoders return the same text.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import numpy as np
import segno
from segno import consts
from segno import encoder as segno_encoder

from issuer import RenderingError
from issuer.rendering.qr_mask import best_masked

if TYPE_CHECKING:  # pragma: no cover
    from fpdf import FPDF

QUIET_ZONE = 4  # modules, as ISO/IEC 18004 requires
MAX_VERSION = 10
MIN_PRINTED_MM = 25.0

_ALNUM = re.compile(r"[0-9A-Z $%*+\-./:]+")  # the QR alphanumeric character set
_RUNS = re.compile(r"[0-9A-Z $%*+\-./:]+|[^0-9A-Z $%*+\-./:]+")
# Alphanumeric saves 2.5 bits a character over byte mode; a run inside byte text costs a
# second byte header too (up to 4+11 + 4+16 bits): worth it from 14 characters, at either
# end of the URL from 6.
_MIN_RUN_INSIDE, _MIN_RUN_AT_END = 14, 6


def qr_segments(url: str) -> list[str]:
    """url cut into segments; each gets the most compact mode segno finds for it."""
    runs = _RUNS.findall(url)
    segments: list[tuple[str, bool]] = []  # (text, alphanumeric?)
    for i, run in enumerate(runs):
        at_end = i in (0, len(runs) - 1)
        alnum = _ALNUM.fullmatch(run) is not None and len(run) >= (_MIN_RUN_AT_END if at_end else _MIN_RUN_INSIDE)
        if not alnum and segments and not segments[-1][1]:
            segments[-1] = (segments[-1][0] + run, False)
        else:
            segments.append((run, alnum))
    return [text for text, _ in segments]


def qr_version(url: str) -> int:
    """The QR version the symbol for url needs, without making it (a preflight costs ~0.1 ms
    instead of ~2 ms); raises RenderingError as :func:`qr_modules` does when none fits."""
    if not url:
        raise RenderingError("QR code: empty URL")
    try:
        # segno (pinned) picks the version this way inside segno.make: the same segments,
        # error level M, no Micro QR.
        segments = segno_encoder.prepare_data([(part, None) for part in qr_segments(url)], None, None)
        version = int(segno_encoder.find_version(segments, consts.ERROR_LEVEL_M, eci=False, micro=False))
    except segno.DataOverflowError as exc:
        raise RenderingError(f"QR code: URL too long ({len(url)} characters)") from exc
    if version > MAX_VERSION:
        raise RenderingError(
            f"QR code: URL of {len(url)} characters needs version {version} (> {MAX_VERSION}); shorten it"
        )
    return version


def qr_modules(url: str) -> list[list[bool]]:
    """The QR symbol for url as rows of dark (True) / light modules, without quiet zone."""
    version = qr_version(url)
    # Made with mask 0, so segno skips its own (pure Python, ~20 ms) scoring of the eight
    # masks; best_masked picks the mask segno would have picked, with numpy.
    segments = [(part, None) for part in qr_segments(url)]  # segno picks each segment's mode
    code = segno.make(segments, error="m", version=version, boost_error=False, micro=False, mask=0)  # type: ignore[arg-type]
    _, symbol = best_masked(code)
    rows: list[list[bool]] = symbol.astype(bool).tolist()
    return rows


def draw_qr(
    pdf: FPDF,
    modules: list[list[bool]],
    x: float,
    y: float,
    size: float,
    *,
    quiet_zone: int = QUIET_ZONE,
    dark: tuple[int, int, int] = (0, 0, 0),
    light: tuple[int, int, int] = (255, 255, 255),
) -> float:
    """Draw the symbol with its quiet zone in the square (x, y, size) (page units, top-left).

    Each horizontal run of dark modules is one filled rectangle, the operators fpdf2's
    ``rect(style="F")`` writes, all written at once (~1,000 ``rect()`` calls took ~10 ms).
    Not one path of all the rectangles: poppler snaps a fill of a lone rectangle to the
    pixel grid but anti-aliases the edges of a many-rectangle path, so the page would
    raster differently (greyer module edges).  Returns the module size in page units.
    """
    n = len(modules)
    if n == 0 or any(len(row) != n for row in modules):
        raise RenderingError("QR code: modules must be a non-empty square")
    mm_per_unit = 25.4 / 72 * pdf.k  # pdf.k = points per user unit
    if size * mm_per_unit < MIN_PRINTED_MM - 1e-6:
        raise RenderingError(f"QR code: printed size must be at least {MIN_PRINTED_MM} mm")
    module = size / (n + 2 * quiet_zone)
    pdf.set_fill_color(*light)
    pdf.rect(x, y, size, size, style="F")
    pdf.set_fill_color(*dark)
    # Runs: where a row turns dark (start) and light again (end), light fenced on both sides.
    fenced = np.zeros((n, n + 2), dtype=np.int8)
    fenced[:, 1:-1] = np.asarray(modules, dtype=bool)
    rows, edges = np.nonzero(np.diff(fenced, axis=1))
    starts, ends = edges[0::2], edges[1::2]  # each row's edges alternate start, end
    # Coordinates computed as rect() computes them, so that the content stream is the same.
    k, page_h = pdf.k, pdf.h  # PDF points per unit; PDF's y axis points up from the page's bottom
    ox = x + quiet_zone * module
    oy = y + quiet_zone * module
    fills = "\n".join(
        f"{(ox + c * module) * k:.2f} {(page_h - (oy + r * module)) * k:.2f} {(e - c) * module * k:.2f} "
        f"{-module * k:.2f} re f"
        for r, c, e in zip(rows[0::2].tolist(), starts.tolist(), ends.tolist(), strict=True)
    )
    # fpdf2 (pinned) has no public call that writes many operators at once.
    pdf._out(fills)
    return module
