"""The attachment check, pure: types by content, images re-encoded without their metadata,
active PDFs refused wherever the active part hides."""

from __future__ import annotations

import io

import pikepdf
from PIL import Image, PngImagePlugin

from portal.attachments import JPEG, PDF, PNG, Cleaned, Refused, clean
from tests.functional.test_corrections import _names_js, jpeg_with_exif, pdf_with


def test_javascript_inside_a_compressed_object_stream_is_found() -> None:
    hidden = pdf_with(_names_js, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    assert b"JavaScript" not in hidden  # not visible to a byte search: only a parser finds it
    assert clean(hidden) == Refused("javascript")


def test_a_png_loses_its_exif_and_text_chunks() -> None:
    exif = Image.Exif()
    exif[0x010F] = "Spy Camera"
    out = io.BytesIO()
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "GPS 29.7N 105.7E")
    Image.new("RGB", (20, 20)).save(out, "PNG", exif=exif, pnginfo=info)
    assert b"Spy Camera" in out.getvalue() and b"GPS 29.7N" in out.getvalue()
    result = clean(out.getvalue())
    assert isinstance(result, Cleaned) and result.content_type == PNG
    assert b"Spy Camera" not in result.data and b"GPS 29.7N" not in result.data


def test_a_turned_photo_stays_upright_without_its_orientation_tag() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to view
    out = io.BytesIO()
    Image.new("RGB", (60, 20)).save(out, "JPEG", exif=exif)
    result = clean(out.getvalue())
    assert isinstance(result, Cleaned) and result.content_type == JPEG
    with Image.open(io.BytesIO(result.data)) as image:
        assert image.size == (20, 60) and 0x0112 not in image.getexif()


def test_types_are_decided_by_content() -> None:
    assert clean(b"") == Refused("empty")
    assert clean(b"GIF89a" + b"\x00" * 20) == Refused("unsupported_type")
    assert clean(b"\x89PNG\r\n\x1a\n" + b"\x00" * 20) == Refused("unreadable")
    assert isinstance(clean(jpeg_with_exif()), Cleaned)
    plain = pdf_with()
    assert clean(plain) == Cleaned(plain, PDF)


def test_a_phone_photo_with_a_second_frame_mpo_is_taken_as_its_first_frame() -> None:
    out = io.BytesIO()
    first, second = Image.new("RGB", (40, 30), "red"), Image.new("RGB", (20, 15), "blue")
    first.save(out, "MPO", save_all=True, append_images=[second])
    with Image.open(io.BytesIO(out.getvalue())) as opened:
        assert opened.format == "MPO"  # as Pillow reads many phones' JPEGs
    result = clean(out.getvalue())
    assert isinstance(result, Cleaned) and result.content_type == JPEG
    with Image.open(io.BytesIO(result.data)) as cleaned:
        assert cleaned.format == "JPEG" and cleaned.size == (40, 30)
