"""The office's round red seal, drawn from scratch (no emblem artwork is used).

A red ring, a five-pointed star in the middle, the office name along the upper arc and
"职称电子证书专用章" in a line below the star, on a transparent background, in a slightly
translucent red so that the text under the seal stays readable.  It is meant to be the
visible appearance of the PDF signature (pyHanko stamp) over ``rendering.SEAL_BOX``.

The image is drawn at 3x and downsampled (antialiasing); the RGBA PNG has one
colour and an alpha channel, so it stays small (~20–40 KB at 300 px) and cached per (office name, size, subtitle).
"""

from __future__ import annotations

import io
import math
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

from issuer import RenderingError
from issuer.rendering.fonts import DEFAULT_SERIF_BOLD, FontSpec

SEAL_RED = (215, 25, 32)  # #d71920
SEAL_ALPHA = 225  # of 255: slightly translucent
DEFAULT_SUBTITLE = "职称电子证书专用章"
_SUPERSAMPLE = 3


def _font(spec: FontSpec, size: int) -> ImageFont.FreeTypeFont:
    if not spec.path.is_file():
        raise RenderingError(f"font {spec.path} not found; install Debian package {spec.package}")
    return ImageFont.truetype(str(spec.path), size, index=spec.index)


def _star(cx: float, cy: float, r_outer: float) -> list[tuple[float, float]]:
    r_inner = r_outer * math.sin(math.radians(18)) / math.sin(math.radians(126))
    pts = []
    for i in range(10):
        r = r_outer if i % 2 == 0 else r_inner
        a = math.radians(-90 + i * 36)
        pts.append((cx + r * math.cos(a), cy + r * math.sin(a)))
    return pts


def _glyph(ch: str, font: ImageFont.FreeTypeFont, width_scale: float = 1.0) -> Image.Image:
    """A single character as an L-mode mask, centred in a square tile."""
    size = int(font.size * 1.4)
    tile = Image.new("L", (size, size), 0)
    ImageDraw.Draw(tile).text((size / 2, size / 2), ch, font=font, fill=255, anchor="mm")
    if width_scale != 1.0:
        w = max(1, int(size * width_scale))
        tile = tile.resize((w, size), Image.Resampling.LANCZOS)
    return tile


def _render(office_name: str, size_px: int, subtitle: str, font_spec: FontSpec) -> bytes:
    if size_px < 64 or size_px > 2000:
        raise RenderingError("seal size must be between 64 and 2000 px")
    name = office_name.strip()
    if not name:
        raise RenderingError("seal: empty office name")
    s = size_px * _SUPERSAMPLE
    c = s / 2
    mask = Image.new("L", (s, s), 0)
    draw = ImageDraw.Draw(mask)

    # Ring.
    ring_w = s * 0.035
    r_out = s / 2 - s * 0.01
    draw.ellipse((c - r_out, c - r_out, c + r_out, c + r_out), outline=255, width=round(ring_w))

    # Star.
    draw.polygon(_star(c, c - s * 0.01, s * 0.16), fill=255)

    # Office name along the upper arc, characters upright to the centre.
    n = len(name)
    char_px = int(s * (0.125 if n <= 10 else 0.105 if n <= 14 else 0.085))
    font = _font(font_spec, char_px)
    r_text = r_out - ring_w - char_px * 0.68
    span = min(220.0, max(150.0, n * 17.0))  # degrees of arc used by the name
    step = span / max(n - 1, 1)
    start = -90 - span / 2 if n > 1 else -90
    for i, ch in enumerate(name):
        ang = start + i * step  # degrees, 0 = east, -90 = north (image y grows down)
        tile = _glyph(ch, font, width_scale=0.82)  # seal lettering is slightly condensed
        rot = tile.rotate(-(ang + 90), resample=Image.Resampling.BICUBIC, expand=True)
        x = c + r_text * math.cos(math.radians(ang)) - rot.width / 2
        y = c + r_text * math.sin(math.radians(ang)) - rot.height / 2
        mask.paste(255, (round(x), round(y)), rot)

    # Subtitle in a straight line below the star.
    if subtitle:
        sub_px = int(s * 0.062)
        sfont = _font(font_spec, sub_px)
        width = sfont.getlength(subtitle)
        max_w = s * 0.50
        if width > max_w:
            sfont = _font(font_spec, max(8, int(sub_px * max_w / width)))
        draw.text((c, c + s * 0.265), subtitle, font=sfont, fill=255, anchor="mm")

    mask = mask.resize((size_px, size_px), Image.Resampling.LANCZOS)
    alpha = mask.point(lambda v: v * SEAL_ALPHA // 255)
    img = Image.new("RGBA", (size_px, size_px), (*SEAL_RED, 0))
    img.putalpha(alpha)
    out = io.BytesIO()
    img.save(out, format="PNG", optimize=True)
    return out.getvalue()


@lru_cache(maxsize=16)
def _cached(office_name: str, size_px: int, subtitle: str, font_spec: FontSpec) -> bytes:
    return _render(office_name, size_px, subtitle, font_spec)


def make_seal_png(
    office_name: str,
    size_px: int = 300,
    subtitle: str = DEFAULT_SUBTITLE,
    font: FontSpec = DEFAULT_SERIF_BOLD,
) -> bytes:
    """The seal as PNG bytes (transparent background), cached per arguments."""
    return _cached(office_name, size_px, subtitle, font)
