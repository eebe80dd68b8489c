"""Text on the certificate page: measured with our fonts, placed in millimetres, written last.

Every text operation is queued first so that each font is subset once per document with
exactly the glyphs used (:mod:`issuer.rendering.fonts`).
"""

from __future__ import annotations

from contextlib import nullcontext

from fpdf import FPDF

from issuer import RenderingError
from issuer.rendering.fonts import FontSet

PT_PER_MM = 72 / 25.4
INK = (26, 26, 26)  # the default text colour


class TextLayer:
    """Text ops collected first, so each font is subset once with exactly the glyphs used."""

    def __init__(self, fonts: FontSet) -> None:
        self.fonts = fonts
        # (x, y, size, colour, [(font key, dx, run)], angle in degrees counter-clockwise about (x, y))
        self.ops: list[
            tuple[float, float, float, tuple[int, int, int], list[tuple[str, float, str]], float, tuple[float, float]]
        ] = []
        self.used: dict[str, set[int]] = {}

    def width(self, text: str, size: float, bold: bool = False) -> float:
        return self.fonts.width(text, size, bold) / PT_PER_MM

    def add(
        self,
        x: float,
        y: float,
        text: str,
        size: float,
        color: tuple[int, int, int] = INK,
        bold: bool = False,
        align: str = "L",
        angle: float = 0.0,
    ) -> float:
        """Queue text with its baseline at (x, y) mm; returns its width in mm. ``angle``
        turns it about its anchor (x, y), after alignment (the annotation band of a use copy)."""
        runs = self.fonts.runs(text, bold)
        placed: list[tuple[str, float, str]] = []
        total = 0.0
        for font, run in runs:
            placed.append((font.key, total, run))
            total += sum(font.advance(ord(ch)) for ch in run) * size / PT_PER_MM
            self.used.setdefault(font.key, set()).update(ord(ch) for ch in run)
        anchor = (x, y)
        if align == "R":
            x -= total
        elif align == "C":
            x -= total / 2
        self.ops.append((x, y, size, color, placed, angle, anchor))
        return total

    def spaced(self, x: float, y: float, text: str, size: float, width: float, color: tuple[int, int, int]) -> None:
        """Distribute the characters of a short label evenly over width (姓　　名)."""
        chars = list(text)
        if len(chars) == 1:
            self.add(x, y, text, size, color)
            return
        widths = [self.width(ch, size) for ch in chars]
        gap = max(0.0, (width - sum(widths)) / (len(chars) - 1))
        for ch, w in zip(chars, widths, strict=True):
            self.add(x, y, ch, size, color)
            x += w + gap

    def fit(self, text: str, size: float, max_w: float, min_size: float, what: str) -> float:
        """The largest size ≤ size at which text fits in max_w mm on one line."""
        w = self.width(text, size)
        if w <= max_w:
            return size
        fitted = int(size * max_w / w * 10) / 10
        if fitted < min_size:
            raise RenderingError(f"{what} is too long to print on one line ({len(text)} characters)")
        return fitted

    def flush(self, pdf: FPDF) -> None:
        self.fonts.register(pdf, self.used)
        current: tuple[str, float] | None = None
        color: tuple[int, int, int] | None = None
        for x, y, size, col, runs, angle, (ax, ay) in self.ops:
            if col != color:
                pdf.set_text_color(*col)
                color = col
            with pdf.rotation(angle, ax, ay) if angle else nullcontext():
                for key, dx, run in runs:
                    if current != (key, size):
                        pdf.set_font(key, size=size)
                        current = (key, size)
                    pdf.text(x + dx, y, run)
