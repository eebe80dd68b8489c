"""Holder photos: decoded fully, checked, and re-encoded before they go near a PDF.

Re-encoding drops EXIF (GPS included) and anything hidden behind the image data, and a
full decode is the only way to know a file is really a picture (sniffing misses
polyglots and truncated files). Used both when a decisions file is validated, so that a
bad photo is a row error before anything is issued (:func:`check_photo`), and by the renderer.
"""

from __future__ import annotations

import hashlib
import io
import threading
import warnings
from collections import OrderedDict

from PIL import Image, ImageOps

from issuer import RenderingError

MAX_PHOTO_PIXELS = 40_000_000
MAX_PHOTO_BYTES = 10 * 1024 * 1024
PHOTO_PX = (413, 531)  # 35×45 mm at 300 dpi


# The last photos normalised, by SHA-256 of what was given: issuing one certificate
# normalises its photo just before the reservation and again in the renderer (and a
# re-issue or a use copy renders a stored photo again): the second costs a hash.
_CACHE_SIZE = 32
_cache: OrderedDict[bytes, bytes] = OrderedDict()
_cache_lock = threading.Lock()


def check_photo(data: bytes) -> None:
    """Raise RenderingError for a photo :func:`normalize_photo` would refuse.

    The same full decode and checks, without the resize and re-encode (two thirds of the
    cost), which cannot fail on an image that decoded: for validating a whole file first.
    """
    _decoded(data)


def normalize_photo(data: bytes) -> bytes:
    """Decode an uploaded photo fully and re-encode it as a 35×45 RGB JPEG without metadata.

    Raises RenderingError for anything Pillow cannot decode, decompression bombs, and
    images too small to be a portrait.
    """
    if not isinstance(data, (bytes, bytearray)):
        raise RenderingError("photo: no image data")
    digest = hashlib.sha256(data).digest()
    with _cache_lock:
        done = _cache.get(digest)
        if done is not None:
            _cache.move_to_end(digest)
            return done
    img = _decoded(data)
    try:
        img = ImageOps.fit(img, PHOTO_PX, Image.Resampling.LANCZOS, centering=(0.5, 0.4))
        out = io.BytesIO()
        img.save(out, format="JPEG", quality=88, optimize=True)  # no exif=, no icc_profile=
    except Exception as exc:  # not seen for an image that decoded; still a photo error
        raise RenderingError(f"photo: cannot re-encode image ({type(exc).__name__}: {exc})") from exc
    done = out.getvalue()
    with _cache_lock:
        _cache[digest] = done
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return done


def _decoded(data: bytes) -> Image.Image:
    """The photo decoded fully, upright, flattened onto white, as RGB."""
    if not isinstance(data, (bytes, bytearray)) or not data:
        raise RenderingError("photo: no image data")
    if len(data) > MAX_PHOTO_BYTES:
        raise RenderingError(f"photo: file larger than {MAX_PHOTO_BYTES // (1024 * 1024)} MiB")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as src:
                img: Image.Image = src
                if img.format not in ("JPEG", "PNG"):
                    raise RenderingError(f"photo: format {img.format} not accepted (JPEG or PNG)")
                w, h = img.size
                if w * h > MAX_PHOTO_PIXELS:
                    raise RenderingError(f"photo: {w}×{h} pixels is too large")
                if w < 60 or h < 60:
                    raise RenderingError(f"photo: {w}×{h} pixels is too small")
                img.load()  # decode everything: truncated or corrupt data fails here
                ImageOps.exif_transpose(img, in_place=True)  # honour orientation, then drop EXIF
                if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
                    rgba = img.convert("RGBA")
                    flat = Image.new("RGB", rgba.size, (255, 255, 255))
                    flat.paste(rgba, mask=rgba.getchannel("A"))
                    return flat
                return img.convert("RGB")  # decoded already: the pixels outlive the file
    except RenderingError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise RenderingError(f"photo: decompression bomb rejected ({exc})") from exc
    except Exception as exc:  # Pillow raises many types for bad input
        raise RenderingError(f"photo: cannot decode image ({type(exc).__name__}: {exc})") from exc
