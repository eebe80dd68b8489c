"""A decisions file's photos are checked with the renderer's own decode (``check_photo``):
it refuses exactly what ``normalize_photo`` refuses, with the same words."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image

from issuer import RenderingError
from issuer.rendering.photos import check_photo, normalize_photo


def _encoded(image: Image.Image, fmt: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **options)
    return out.getvalue()


PORTRAIT = Image.linear_gradient("L").resize((300, 400)).convert("RGB")
_ROTATED = Image.Exif()
_ROTATED[0x0112] = 6  # Orientation: turned a quarter
GOOD = {
    "jpeg": _encoded(PORTRAIT, "JPEG"),
    "png-alpha": _encoded(PORTRAIT.convert("RGBA"), "PNG"),
    "grey-png": _encoded(PORTRAIT.convert("L"), "PNG"),
    "rotated-jpeg": _encoded(PORTRAIT, "JPEG", exif=_ROTATED.tobytes()),
}
BAD = {
    "empty": b"",
    "junk": b"not an image at all",
    "truncated-png": _encoded(PORTRAIT, "PNG")[:200],
    "truncated-jpeg": _encoded(PORTRAIT, "JPEG")[:-2000],
    "gif": _encoded(PORTRAIT, "GIF"),
    "tiny": _encoded(PORTRAIT.resize((40, 50)), "PNG"),
    "bomb": _encoded(Image.new("1", (10_000, 10_000)), "PNG"),
}


@pytest.mark.parametrize("data", BAD.values(), ids=BAD.keys())
def test_a_bad_photo_is_refused_by_both_in_the_same_words(data: bytes) -> None:
    with pytest.raises(RenderingError) as checked:
        check_photo(data)
    with pytest.raises(RenderingError) as normalised:
        normalize_photo(data)
    # Pillow names the file object it could not identify by its address: the rest is equal.
    assert re.sub("0x[0-9a-f]+", "ADDRESS", str(checked.value)) == re.sub(
        "0x[0-9a-f]+", "ADDRESS", str(normalised.value)
    )
    assert str(checked.value).startswith("photo: ")


@pytest.mark.parametrize("data", GOOD.values(), ids=GOOD.keys())
def test_a_good_photo_passes_and_normalises_to_the_same_jpeg_every_time(data: bytes) -> None:
    check_photo(data)
    first = normalize_photo(data)
    assert normalize_photo(bytes(bytearray(data))) == first  # the remembered one, for equal bytes
    image = Image.open(io.BytesIO(first))
    assert image.format == "JPEG" and image.mode == "RGB" and image.size == (413, 531)
    assert b"Exif" not in first
