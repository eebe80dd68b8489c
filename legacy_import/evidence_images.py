"""Images of the evidence (JPEG, PNG, TIFF): decoded within the pixel limits, put upright,
and re-encoded from their pixels alone; and the preview of a first page (thumbnail and
perceptual hash), for images and rendered PDFs alike. Runs in the confined child.

- The size each page declares is checked before it is decoded (a 30000×30000 PNG can be
  a few kilobytes); Pillow's own bomb check is set to the same limit, its warning an error.
- Orientation (EXIF 0x0112) is applied, then the picture is rebuilt from its pixels: EXIF
  (GPS, camera, time), XMP, IPTC, Photoshop blocks, PNG text chunks and the ICC profile
  (whose text names the device) are not carried over; an ICC-tagged colour image is first
  converted to sRGB so it looks the same. Whatever follows the image data is not read.
- JPEG → JPEG (quality 90, the original's chroma subsampling), PNG → PNG (lossless, the
  first frame of an animated one). TIFF → TIFF, every page kept, lossless: CCITT Group 4
  for black-and-white pages, Deflate for the rest (JPEG at quality 90 for pages that were
  JPEG-compressed: lossless would make them several times bigger), the resolution (dpi)
  kept because a scan's scale matters to whoever prints it; CMYK, YCbCr and Lab pages
  become RGB.
"""

from __future__ import annotations

import io
import struct
import warnings
from collections.abc import Iterator
from typing import Any

import imagehash
from PIL import Image, ImageCms, ImageOps, JpegImagePlugin, TiffImagePlugin

from legacy_import.evidence_rules import (
    CONTENT_TYPES,
    MAX_PAGES,
    MAX_PIXELS,
    MAX_TOTAL_PIXELS,
    THUMBNAIL_SIDE,
    CleanEvidence,
    RefusedEvidence,
)

# What Pillow raises on a malformed file, besides its own OSError ("cannot identify",
# "truncated"): plugins index, unpack and divide what the header says.
DECODING_ERRORS: tuple[type[Exception], ...] = (OSError, ValueError, SyntaxError, EOFError, struct.error)
DECODING_ERRORS += (IndexError, KeyError, TypeError, ZeroDivisionError, OverflowError)

_PILLOW_FORMATS = {"jpeg": ["JPEG"], "png": ["PNG"], "tiff": ["TIFF"]}
_FORMAT_NAMES = {"jpeg": ("JPEG", "MPO"), "png": ("PNG",), "tiff": ("TIFF",)}
_SUBSAMPLING = {0: "4:4:4", 1: "4:2:2", 2: "4:2:0"}
_LOSSY_TIFF = {"jpeg", "tiff_jpeg"}  # Pillow's names of TIFF compressions 7 and 6
_KEPT_MODES = {"jpeg": ("L", "RGB"), "png": ("1", "L", "LA", "P", "RGB", "RGBA", "I;16", "I")}
_KEPT_MODES["tiff"] = ("1", "L", "LA", "P", "RGB", "RGBA", "I;16", "I", "F")
_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
_PROFILE_ERRORS: tuple[type[Exception], ...] = (ImageCms.PyCMSError, *DECODING_ERRORS)


def clean_image(data: bytes, kind: str) -> CleanEvidence | RefusedEvidence:
    """``kind``: ``jpeg``, ``png`` or ``tiff`` (what the first bytes declare)."""
    previous, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, MAX_PIXELS  # Pillow's bomb check at our limit
    try:
        return _clean_image(data, kind)
    finally:
        Image.MAX_IMAGE_PIXELS = previous  # (the confined child ends anyway; a test's process does not)


def _clean_image(data: bytes, kind: str) -> CleanEvidence | RefusedEvidence:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=_PILLOW_FORMATS[kind]) as image:
                if image.format not in _FORMAT_NAMES[kind]:
                    return RefusedEvidence("unreadable")
                if kind == "tiff":
                    return _tiff(image)
                return _single(image, kind)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return RefusedEvidence("too_many_pixels", {"limit": MAX_PIXELS // 1_000_000})
    except DECODING_ERRORS:
        return RefusedEvidence("unreadable")


def _single(image: Image.Image, kind: str) -> CleanEvidence | RefusedEvidence:
    refused = _too_many_pixels(image.width * image.height, MAX_PIXELS)
    if refused:
        return refused
    subsampling = JpegImagePlugin.get_sampling(image) if kind == "jpeg" else -1
    image.load()  # every pixel decoded here: a truncated or corrupt file fails now
    upright = _upright(image)
    image.close()  # the decoded original's pixels are freed: one full copy at a time
    page = _pixels_only(upright, kind)
    del upright
    out = io.BytesIO()
    if kind == "jpeg":
        options: dict[str, Any] = {"quality": 90}
        if subsampling in _SUBSAMPLING and page.mode == "RGB":
            options["subsampling"] = _SUBSAMPLING[subsampling]
        page.save(out, "JPEG", **options)
    else:
        options = {"transparency": page.info["transparency"]} if "transparency" in page.info else {}
        page.save(out, "PNG", **options)
    thumbnail, image_hash = preview(page)
    return CleanEvidence(out.getvalue(), CONTENT_TYPES[kind], 1, image_hash, thumbnail)


def _tiff(image: Image.Image) -> CleanEvidence | RefusedEvidence:
    pages = getattr(image, "n_frames", 1)  # reads the chain of page directories only
    if pages > MAX_PAGES:
        return RefusedEvidence("too_many_pages", {"pages": pages, "limit": MAX_PAGES})
    total = 0
    for index in range(pages):  # every page's declared size, before any is decoded
        image.seek(index)
        refused = _too_many_pixels(image.width * image.height, MAX_PIXELS)
        if refused:
            return refused
        total += image.width * image.height
    refused = _too_many_pixels(total, MAX_TOTAL_PIXELS)
    if refused:
        return refused
    out = io.BytesIO()
    thumbnail, image_hash = b"", ""
    with TiffImagePlugin.AppendingTiffWriter(out, new=True) as writer:
        for index, page in enumerate(_tiff_pages(image, pages)):
            if index == 0:
                thumbnail, image_hash = preview(page)
            dpi, lossy = page.info.get("dpi"), page.info.get("compression") in _LOSSY_TIFF
            page.info = {key: value for key, value in page.info.items() if key == "transparency"}
            options: dict[str, Any] = {"compression": "tiff_adobe_deflate"}
            if page.mode == "1":
                options["compression"] = "group4"
            elif lossy and page.mode in ("L", "RGB"):  # a colour scanner's JPEG pages stay JPEG, not 5× bigger
                options.update(compression="jpeg", quality=90)
            if _valid_dpi(dpi):
                options["dpi"] = dpi
            page.save(writer, "TIFF", **options)
            writer.newFrame()
    return CleanEvidence(out.getvalue(), CONTENT_TYPES["tiff"], pages, image_hash, thumbnail)


def _tiff_pages(image: Image.Image, pages: int) -> Iterator[Image.Image]:
    """Each page decoded, upright, with its pixels only (and its dpi and compression, read
    before, for the writer)."""
    for index in range(pages):
        image.seek(index)
        image.load()
        kept: dict[str | tuple[int, int], Any] = {k: image.info[k] for k in ("dpi", "compression") if k in image.info}
        page = _pixels_only(_upright(image), "tiff")
        page.info.update(kept)
        yield page


def _valid_dpi(dpi: object) -> bool:
    if not isinstance(dpi, tuple) or len(dpi) != 2:
        return False
    try:
        return all(1 <= float(value) <= 10_000 for value in dpi)
    except (TypeError, ValueError, ZeroDivisionError):
        return False


def _too_many_pixels(pixels: int, limit: int) -> RefusedEvidence | None:
    if pixels <= limit:
        return None
    return RefusedEvidence("too_many_pixels", {"limit": limit // 1_000_000, "megapixels": round(pixels / 1e6)})


def _upright(image: Image.Image) -> Image.Image:
    """The picture turned as its EXIF orientation says (a copy); as it is when that tag
    cannot be read (a photo with a damaged EXIF block is still a photo)."""
    try:
        return ImageOps.exif_transpose(image)
    except DECODING_ERRORS:
        return image.copy()


def _pixels_only(image: Image.Image, kind: str) -> Image.Image:
    """``image`` (a plain image of ours: a copy, never the decoded file with its tags) with
    its pixels in sRGB and a mode the output format keeps, and no metadata but a palette's
    transparency."""
    transparency = image.info.get("transparency")
    image = _to_srgb(image)
    if image.mode not in _KEPT_MODES[kind]:
        if image.mode == "1" or image.mode.startswith("I;16"):
            image = _to_grey(image)
        elif "A" in image.mode and kind != "jpeg":
            image = image.convert("RGBA")
        else:
            image = image.convert("RGB")
    keep = transparency is not None and image.mode in ("P", "L", "RGB", "1", "I;16", "I")
    image.info = {"transparency": transparency} if keep else {}
    return image


def _to_srgb(image: Image.Image) -> Image.Image:
    profile = image.info.get("icc_profile")
    if not profile or image.mode not in ("RGB", "RGBA", "CMYK"):
        return image
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
        if "srgb" in ImageCms.getProfileDescription(source).lower().replace(" ", ""):
            return image
        mode = "RGBA" if image.mode == "RGBA" else "RGB"
        converted = ImageCms.profileToProfile(image, source, _SRGB, outputMode=mode)
        return converted if converted is not None else image
    except _PROFILE_ERRORS:
        return image  # a damaged profile: the pixels as they are (and the profile dropped)


def _to_grey(image: Image.Image) -> Image.Image:
    """8-bit grey for a 1-bit or 16-bit page (JPEG cannot hold either)."""
    if image.mode == "1":
        return image.convert("L")
    return image.convert("I").point(lambda v: v * (1 / 256)).convert("L")


def preview(image: Image.Image) -> tuple[bytes, str]:
    """The first page's thumbnail (PNG, longest side at most :data:`THUMBNAIL_SIDE`,
    transparent parts on white) and its perceptual hash (``imagehash.phash``, 64 bits as
    16 hex digits), computed from that thumbnail so that every type is hashed alike."""
    if image.mode in ("1", "P", "PA") or image.mode.startswith("I;16"):
        image = _for_display(image)  # resampling needs grey or colour values, not bits or a palette
    scale = THUMBNAIL_SIDE / max(image.size)
    if scale < 1:  # made small first: what follows then costs nothing, even for 40 megapixels
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        image = image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
    display = _for_display(image)
    out = io.BytesIO()
    display.save(out, "PNG")
    return out.getvalue(), str(imagehash.phash(display))


def _for_display(image: Image.Image) -> Image.Image:
    if image.mode in ("RGB", "L"):
        return image
    if image.mode == "1" or image.mode.startswith("I;16"):
        return _to_grey(image)
    if image.mode in ("I", "F"):
        return image.convert("L")
    if image.mode == "P" and "transparency" not in image.info:
        return image.convert("RGB")
    if image.mode in ("P", "PA", "LA", "RGBA", "La", "RGBa"):
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, "white")
        return Image.alpha_composite(white, rgba).convert("RGB")
    return image.convert("RGB")
