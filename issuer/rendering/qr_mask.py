"""segno's choice of QR data mask (ISO/IEC 18004:2015 7.8.3), computed with numpy.

segno scores all eight masks in pure Python (~75% of its time for our URLs).  Here segno
encodes the symbol once with mask 0 (no scoring), the mask is taken off the data
region, and the eight candidates are scored at once as arrays: the same four penalties
(N1 runs, N2 blocks, N3 finder-like patterns, N4 dark proportion) with segno's exact
rules — among them its N3 search, which after a pattern found next to a light area
resumes 7 modules on and otherwise 4, so two overlapping patterns count as segno counts
them.  The lowest score wins, the first on a tie, as in segno; the symbol's format and
version information for that mask come from segno too.  tests/unit/test_qr_mask.py checks
symbol for symbol against ``segno.make`` on many URLs of every length we print.

segno is pinned (``segno==1.6.6``): the function patterns are laid out by its own
``segno.encoder`` functions, as its mask evaluation sees them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import segno
from segno import encoder as segno_encoder

_N3 = (1, 0, 1, 1, 1, 0, 1)  # dark light dark dark dark light dark


@dataclass(frozen=True)
class _Geometry:
    """The parts of a symbol of one size that do not depend on the data."""

    data: np.ndarray  # bool (n, n): the modules a mask applies to
    function: np.ndarray  # uint8 (n, n): everything else as segno scores it (format/version areas light)
    masks: np.ndarray  # bool (8, n, n): each mask pattern, on the data region only


def _patterns(n: int) -> list[np.ndarray]:
    """The eight mask conditions of ISO/IEC 18004 Table 10 (i row, j column)."""
    i, j = np.indices((n, n))
    ij = i * j
    return [
        (i + j) % 2 == 0,
        i % 2 == 0,
        j % 3 == 0,
        (i + j) % 3 == 0,
        (i // 2 + j // 3) % 2 == 0,
        ij % 2 + ij % 3 == 0,
        (ij % 2 + ij % 3) % 2 == 0,
        ((i + j) % 2 + ij % 3) % 2 == 0,
    ]


@cache  # one entry per symbol size: at most the 40 versions
def _geometry(n: int) -> _Geometry:
    layout = segno_encoder.make_matrix(n, n)  # timing patterns; format and version areas reserved light
    segno_encoder.add_finder_patterns(layout, n, n)
    segno_encoder.add_alignment_patterns(layout, n, n)
    function = np.frombuffer(b"".join(layout), dtype=np.uint8).reshape(n, n)
    data = function > 1  # segno's marker for "not a function module"
    masks = np.stack(_patterns(n)) & data
    geometry = _Geometry(data, np.where(data, 0, function).astype(np.uint8), masks)
    for shared in (geometry.data, geometry.function, geometry.masks):  # one per process, every thread's
        shared.flags.writeable = False
    return geometry


@cache  # at most 40 versions x 8 masks, each a small symbol
def _frame(version: int, error: str, mask: int) -> np.ndarray:
    """A symbol of this version, error level and mask: outside the data region, every
    module (function patterns, format and version information) is what ours needs."""
    code = segno.make("1", version=version, error=error, mask=mask, boost_error=False, micro=False)
    return _matrix(code)


def _matrix(code: Any) -> np.ndarray:
    rows = code.matrix
    return np.frombuffer(b"".join(rows), dtype=np.uint8).reshape(len(rows), len(rows))


def penalties(candidates: np.ndarray) -> np.ndarray:
    """segno's penalty score (N1+N2+N3+N4) of each symbol in candidates (k, n, n) of 0/1."""
    k, n, _ = candidates.shape
    lines = np.concatenate([candidates, candidates.transpose(0, 2, 1)], axis=1).astype(np.int8)  # rows, columns

    # N1: every run of 5 or more modules of one colour in a row or column, length - 2.
    fenced = np.full((k, 2 * n, n + 1), 2, dtype=np.int8)  # a value of neither colour ends each line
    fenced[..., :n] = lines
    flat = fenced.reshape(-1)
    starts = np.concatenate(([0], np.flatnonzero(flat[1:] != flat[:-1]) + 1))
    lengths = np.diff(np.append(starts, flat.size))
    long = lengths >= 5
    n1 = np.bincount(starts[long] // (2 * n * (n + 1)), weights=lengths[long] - 2, minlength=k)

    # N2: 3 for every 2x2 block of one colour (overlapping blocks each count).
    corner = candidates[:, :-1, :-1]
    blocks = (corner == candidates[:, 1:, :-1]) & (corner == candidates[:, :-1, 1:]) & (corner == candidates[:, 1:, 1:])
    n2 = 3 * blocks.sum(axis=(1, 2))

    # N3: 1011101 with 4 light modules before or after it (the symbol's edge counts as light).
    width = n - 6
    found = np.ones((k, 2 * n, width), dtype=bool)
    for offset, bit in enumerate(_N3):
        found &= lines[..., offset : offset + width] == bit
    darks = np.zeros((k, 2 * n, n + 1), dtype=np.int32)
    np.cumsum(lines, axis=-1, out=darks[..., 1:])
    at = np.arange(width)
    before = darks[..., at] - darks[..., np.maximum(at - 4, 0)]
    after = darks[..., np.minimum(at + 11, n)] - darks[..., at + 7]
    counts = found & ((before == 0) | (after == 0) | (at == 0) | (at == n - 7))
    # segno resumes its search 7 modules after a pattern it counted and 4 after one it did
    # not: a pattern overlapping an earlier one (4 or 6 modules on) may be skipped. Only
    # lines holding such a pair are walked one pattern at a time.
    overlapping = np.logical_or(
        np.logical_and(found[..., 4:], found[..., :-4]).any(axis=-1, keepdims=True),
        np.logical_and(found[..., 6:], found[..., :-6]).any(axis=-1, keepdims=True),
    )[..., 0]
    n3: np.ndarray = 40 * (counts & ~overlapping[..., np.newaxis]).sum(axis=(1, 2))
    for m, line in zip(*np.nonzero(overlapping), strict=True):
        resume = 0
        for p in np.flatnonzero(found[m, line]).tolist():
            if p < resume:
                continue
            if counts[m, line, p]:
                n3[m] += 40
                resume = p + 7
            else:
                resume = p + 4

    # N4: 10 for every 5% the dark modules are away from half (float arithmetic as segno's).
    darks_total = candidates.sum(axis=(1, 2))
    n4 = [10 * int(abs(float(d) / (n**2) * 100 - 50) / 5) for d in darks_total.tolist()]

    return n1.astype(np.int64) + n2 + n3 + np.array(n4, dtype=np.int64)


def best_masked(code: Any) -> tuple[int, np.ndarray]:
    """For a segno QR Code made with ``mask=0``: the mask segno would have chosen and the
    symbol with it, as rows of 0/1 (uint8 array, without quiet zone)."""
    if code.mask != 0 or not isinstance(code.version, int):
        raise ValueError("a QR Code (not Micro) made with mask=0 is needed")
    symbol = _matrix(code)
    geometry = _geometry(symbol.shape[0])
    unmasked = symbol ^ geometry.masks[0]  # the data region's modules before masking
    candidates = np.where(geometry.data, unmasked ^ geometry.masks, geometry.function).astype(np.uint8)
    mask = int(np.argmin(penalties(candidates)))  # the first of equal scores, as segno
    final = np.where(geometry.data, unmasked ^ geometry.masks[mask], _frame(code.version, code.error, mask))
    return mask, final.astype(np.uint8)
