"""The evidence check's rules, run in this process (the pure function the sandboxed child
runs): which types are accepted by content, what cleaning leaves of an image, which files
are refused and with which code; the preview and its perceptual hash."""

from __future__ import annotations

import io

import imagehash
import pikepdf
import pytest
from PIL import Image, ImageEnhance

from legacy_import.evidence_rules import MAX_PAGES, THUMBNAIL_SIDE, CleanEvidence, RefusedEvidence
from legacy_import.evidence_worker import clean_in_child
from tests import evidence_files as files

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def clean(data: bytes) -> CleanEvidence | RefusedEvidence:
    return clean_in_child(data, 5.0, 30.0)


def accepted(data: bytes) -> CleanEvidence:
    result = clean(data)
    assert isinstance(result, CleanEvidence), result
    return result


def refused(data: bytes) -> RefusedEvidence:
    result = clean(data)
    assert isinstance(result, RefusedEvidence), f"accepted as {getattr(result, 'content_type', '?')}"
    return result


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def assert_preview(result: CleanEvidence) -> None:
    assert result.thumbnail_png is not None and result.thumbnail_png.startswith(PNG_MAGIC)
    thumbnail = opened(result.thumbnail_png)
    assert thumbnail.format == "PNG" and max(thumbnail.size) <= THUMBNAIL_SIDE
    assert result.image_hash is not None and len(result.image_hash) == 16
    int(result.image_hash, 16)
    assert result.ocr_text is None  # read by the OCR step, not here


# --- accepted, and what cleaning leaves ------------------------------------------------


def test_a_phone_photo_loses_its_gps_position_and_camera_but_keeps_its_picture() -> None:
    original = files.phone_jpeg()
    assert files.PLACE.encode() in original and opened(original).getexif().get_ifd(files.GPS_IFD)
    result = accepted(original)
    assert result.content_type == "image/jpeg" and result.pages == 1
    image = opened(result.data)
    assert image.format == "JPEG" and image.size == (1200, 900)
    assert not image.getexif() and not image.getexif().get_ifd(files.GPS_IFD)
    assert files.PLACE.encode() not in result.data and b"PhoneMaker" not in result.data
    assert b"Exif" not in result.data
    assert_preview(result)


def test_a_turned_photo_is_stored_upright_without_its_orientation() -> None:
    result = accepted(files.phone_jpeg(size=(600, 300), orientation=6))  # rotate 90° to view
    image = opened(result.data)
    assert image.size == (300, 600) and 0x0112 not in image.getexif()
    assert opened(result.thumbnail_png or b"").size == (240, 480)


def test_xmp_and_an_icc_profile_are_not_carried_over() -> None:
    from PIL import ImageCms

    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF>' + files.PLACE.encode() + b"</rdf:RDF></x:xmpmeta>"
    original = files.phone_jpeg(icc_profile=srgb, xmp=xmp)
    assert opened(original).info.get("icc_profile") and b"xmpmeta" in original
    result = accepted(original)
    assert "icc_profile" not in opened(result.data).info
    assert b"xmpmeta" not in result.data and files.PLACE.encode() not in result.data


def test_a_photo_in_another_colour_space_is_converted_to_srgb_then_its_profile_dropped() -> None:
    from PIL import ImageCms

    profile = files.non_srgb_profile()
    assert ImageCms.getProfileDescription(ImageCms.ImageCmsProfile(io.BytesIO(profile))).strip() == "Wide"
    out = io.BytesIO()
    Image.new("RGB", (64, 64), (200, 100, 50)).save(out, "JPEG", icc_profile=profile, quality=95)
    result = accepted(out.getvalue())
    image = opened(result.data)
    assert "icc_profile" not in image.info
    assert all(abs(a - b) <= 4 for a, b in zip(image.getpixel((5, 5)), (200, 100, 50), strict=True))


def test_data_hidden_after_the_image_is_dropped() -> None:
    original = files.phone_jpeg() + b"secret appended after the end of the image"
    result = accepted(original)
    assert b"secret appended" not in result.data


def test_a_png_scan_is_kept_lossless_without_its_text_chunks() -> None:
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "GPS " + files.PLACE)
    original = files.png_scan(pnginfo=info)
    result = accepted(original)
    assert result.content_type == "image/png" and result.pages == 1
    assert files.PLACE.encode() not in result.data
    assert opened(result.data).tobytes() == opened(original).tobytes()  # the same pixels
    assert_preview(result)


def test_a_single_page_tiff_is_reencoded_as_tiff_without_its_metadata() -> None:
    original = files.tiff_with_metadata()
    assert files.PLACE.encode() in original and b"Clerk Wang" in original
    result = accepted(original)
    assert result.content_type == "image/tiff" and result.pages == 1
    assert files.PLACE.encode() not in result.data and b"Clerk Wang" not in result.data
    image = opened(result.data)
    assert image.format == "TIFF" and image.info["compression"] == "tiff_adobe_deflate"
    assert tuple(round(v) for v in image.info["dpi"]) == (300, 300)  # a scan keeps its scale
    assert 700 not in image.tag_v2 and 270 not in image.tag_v2 and 315 not in image.tag_v2
    assert image.tobytes() == opened(original).tobytes()
    assert_preview(result)


def test_a_multi_page_tiff_keeps_every_page_black_and_white_in_group_4() -> None:
    result = accepted(files.tiff_scan(pages=3, mode="1", dpi=(200, 200)))
    assert result.content_type == "image/tiff" and result.pages == 3
    image = opened(result.data)
    assert getattr(image, "n_frames", 1) == 3
    for page in range(3):
        image.seek(page)
        assert image.mode == "1" and image.info["compression"] == "group4"
    assert_preview(result)


def test_a_colour_scanners_jpeg_compressed_tiff_stays_jpeg_compressed() -> None:
    original = files.tiff_scan(pages=2, mode="RGB", compression="jpeg", dpi=(300, 300))
    result = accepted(original)
    image = opened(result.data)
    assert result.pages == 2 and image.info["compression"] == "jpeg"
    assert len(result.data) < 2 * len(original)


def test_a_file_that_grows_too_much_when_cleaned_is_refused() -> None:
    from legacy_import.evidence_worker import within_size

    result = accepted(files.png_scan())
    assert within_size(result, len(result.data)) is result
    refusal = within_size(result, len(result.data) - 1)
    assert isinstance(refusal, RefusedEvidence) and refusal.code == "too_large" and refusal.params["cleaned"]


def test_a_pdf_is_kept_as_uploaded_with_its_page_count_and_first_page_preview() -> None:
    original = files.pdf_pages(5)
    result = accepted(original)
    assert result.data == original and result.content_type == "application/pdf" and result.pages == 5
    assert_preview(result)
    thumbnail = opened(result.thumbnail_png or b"")
    assert thumbnail.size == (339, 480)  # A4 rendered at 72 dpi (595×842), scaled to 480


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (files.pdf_pages(1), "application/pdf"),
        (files.phone_jpeg(), "image/jpeg"),
        (files.png_scan(), "image/png"),
        (files.tiff_scan(), "image/tiff"),
    ],
    ids=["pdf", "jpeg", "png", "tiff"],
)
def test_the_type_comes_from_the_content(data: bytes, kind: str) -> None:
    assert accepted(data).content_type == kind


def test_a_small_image_keeps_its_size_in_the_thumbnail_and_a_large_one_is_shrunk() -> None:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, "PNG")
    assert opened(accepted(out.getvalue()).thumbnail_png or b"").size == (40, 30)
    big = accepted(files.phone_jpeg(size=(2000, 1500)))
    assert opened(big.thumbnail_png or b"").size == (480, 360)


def test_a_phone_photo_with_a_second_frame_is_taken_as_its_first_frame() -> None:
    out = io.BytesIO()
    first, second = Image.new("RGB", (40, 30), "red"), Image.new("RGB", (20, 15), "blue")
    first.save(out, "MPO", save_all=True, append_images=[second])
    result = accepted(out.getvalue())
    image = opened(result.data)
    assert image.format == "JPEG" and image.size == (40, 30) and getattr(image, "n_frames", 1) == 1


@pytest.mark.parametrize(
    ("mode", "fmt", "stored"),
    [
        ("CMYK", "JPEG", "RGB"),
        ("L", "JPEG", "L"),
        ("I;16", "PNG", "I;16"),
        ("P", "PNG", "P"),
        ("LA", "PNG", "LA"),
        ("CMYK", "TIFF", "RGB"),
        ("I;16", "TIFF", "I;16"),
        ("RGBA", "TIFF", "RGBA"),
    ],
)
def test_colour_modes_are_kept_where_the_format_holds_them(mode: str, fmt: str, stored: str) -> None:
    out = io.BytesIO()
    Image.new(mode, (30, 20)).save(out, fmt)
    result = accepted(out.getvalue())
    assert opened(result.data).mode == stored
    assert opened(result.thumbnail_png or b"").mode in ("L", "RGB")


def test_a_transparent_png_is_previewed_on_white() -> None:
    out = io.BytesIO()
    Image.new("RGBA", (50, 50), (0, 0, 0, 0)).save(out, "PNG")
    result = accepted(out.getvalue())
    assert opened(result.data).mode == "RGBA"  # the file keeps its transparency
    assert opened(result.thumbnail_png or b"").convert("RGB").getpixel((25, 25)) == (255, 255, 255)


# --- perceptual hash --------------------------------------------------------------------


def _hash(image: Image.Image, fmt: str = "PNG", **save: object) -> imagehash.ImageHash:
    out = io.BytesIO()
    image.save(out, fmt, **save)
    result = accepted(out.getvalue())
    assert result.image_hash is not None
    return imagehash.hex_to_hash(result.image_hash)


def test_near_identical_scans_have_close_hashes_and_different_ones_far() -> None:
    page = files.document(7)
    original = _hash(page)
    # The same form photographed again: smaller, a little brighter, saved as a JPEG.
    again = ImageEnhance.Brightness(page.resize((700, 906))).enhance(1.08).convert("RGB")
    similar = _hash(again, "JPEG", quality=70)
    other = _hash(files.document(8))
    assert original - similar <= 6, original - similar
    assert original - other >= 16, original - other


def test_a_pdf_and_an_image_of_the_same_page_hash_alike() -> None:
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(850, 1100))
    page = files.document(9).convert("RGB")
    pdf.pages[0].Resources = pikepdf.Dictionary(
        XObject=pikepdf.Dictionary(
            Im0=pdf.make_stream(
                page.tobytes(),
                Type=pikepdf.Name.XObject,
                Subtype=pikepdf.Name.Image,
                Width=850,
                Height=1100,
                ColorSpace=pikepdf.Name.DeviceRGB,
                BitsPerComponent=8,
            )
        )
    )
    pdf.pages[0].Contents = pdf.make_stream(b"q 850 0 0 1100 0 0 cm /Im0 Do Q")
    out = io.BytesIO()
    pdf.save(out)
    from_pdf = imagehash.hex_to_hash(accepted(out.getvalue()).image_hash or "")
    assert from_pdf - _hash(page) <= 6


# --- refused, each with its code ----------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "code"),
    [
        (lambda: files.pdf_with(files._names_js), "javascript"),
        (lambda: files.pdf_with(files.open_action_goto), "open_action"),
        (lambda: files.pdf_with(files._launch_link), "launch"),
        (lambda: files.pdf_with(files._embedded), "embedded_files"),
        (lambda: files.pdf_with(files._xfa), "xfa"),
        (lambda: files.pdf_with(encryption=pikepdf.Encryption(owner="o", user="u")), "encrypted"),
        (lambda: files.pdf_with(encryption=pikepdf.Encryption(owner="o", user="")), "encrypted"),
        (lambda: b"%PDF-1.7\n1 0 obj garbage", "unreadable"),
        (lambda: files.phone_jpeg()[:5000], "unreadable"),
        (lambda: files.png_scan()[:3000], "unreadable"),
        (lambda: b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, "unreadable"),
    ],
    ids=[
        "javascript",
        "open_action",
        "launch",
        "embedded_file",
        "xfa",
        "encrypted",
        "owner_password_only",
        "broken_pdf",
        "truncated_jpeg",
        "truncated_png",
        "png_without_chunks",
    ],
)
def test_hostile_or_broken_files_are_refused(build, code: str) -> None:  # type: ignore[no-untyped-def]
    assert refused(build()).code == code


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (files.SVG, "svg"),
        (b"\xef\xbb\xbf  " + files.SVG, "svg"),
        (files.heic(), "heif"),
        (files.gif(), "gif"),
        (files.webp(), "webp"),
        (files.HTML, "html"),
        (files.zip_archive(), "zip"),
        (files.zip_archive(("OFD.xml", "Doc_0/Document.xml")), "ofd"),
        (files.zip_archive(("[Content_Types].xml", "word/document.xml")), "docx"),
        (b"MZ\x90\x00" + bytes(100), "exe"),
        ("证书编号 123".encode(), "text"),
        (bytes(range(256)), "unknown"),
    ],
    ids=["svg", "svg_with_bom", "heic", "gif", "webp", "html", "zip", "ofd", "docx", "exe", "text", "unknown"],
)
def test_other_types_are_refused_naming_what_they_are(data: bytes, kind: str) -> None:
    assert refused(data) == RefusedEvidence("unsupported_type", {"kind": kind})


def test_a_pixel_bomb_is_refused_from_its_header_before_decoding() -> None:
    bomb = files.png_declaring(30_000, 30_000)
    assert len(bomb) < 1000  # 900 megapixels declared in a few hundred bytes
    assert refused(bomb).code == "too_many_pixels"
    assert refused(files.png_declaring(7_000, 7_000)).code == "too_many_pixels"  # 49 MP: Pillow only warns
    assert refused(files.jpeg_declaring(60_000, 60_000)).code == "too_many_pixels"
    result = refused(files.tiff_with_big_second_page())
    assert result == RefusedEvidence("too_many_pixels", {"limit": 40, "megapixels": 100})


def test_a_tiff_whose_pages_together_are_too_many_pixels_is_refused() -> None:
    pages = [Image.new("1", (6000, 6000), 1) for _ in range(6)]  # 36 MP each, 216 together
    out = io.BytesIO()
    pages[0].save(out, "TIFF", save_all=True, append_images=pages[1:], compression="group4")
    assert refused(out.getvalue()) == RefusedEvidence("too_many_pixels", {"limit": 200, "megapixels": 216})


def test_too_many_pages_are_refused_for_pdf_and_tiff() -> None:
    assert accepted(files.pdf_pages(MAX_PAGES)).pages == MAX_PAGES
    assert refused(files.pdf_pages(MAX_PAGES + 1)) == RefusedEvidence("too_many_pages", {"pages": 21, "limit": 20})
    tiff = files.tiff_scan(pages=MAX_PAGES + 1, mode="1", size=(300, 400))
    assert refused(tiff) == RefusedEvidence("too_many_pages", {"pages": 21, "limit": 20})


@pytest.mark.parametrize(
    ("data", "kind", "also"),
    [
        (files.phone_jpeg() + files.pdf_pages(1), "jpeg", "pdf"),
        (files.pdf_pages(1) + files.zip_archive(), "pdf", "zip"),
        (files.png_scan() + files.zip_archive(("a.class",)), "png", "zip"),
        (files.tiff_scan() + files.pdf_pages(1), "tiff", "pdf"),
    ],
    ids=["jpeg_with_pdf_appended", "pdf_with_zip_appended", "png_with_jar", "tiff_with_pdf"],
)
def test_a_file_that_is_also_a_second_type_is_refused_as_a_polyglot(data: bytes, kind: str, also: str) -> None:
    assert refused(data) == RefusedEvidence("polyglot", {"kind": kind, "also": also})


def test_a_png_with_a_pdf_header_in_its_first_bytes_is_a_polyglot() -> None:
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "%PDF-1.4 1 0 obj << >> endobj")
    data = files.png_scan(pnginfo=info)
    assert data.index(b"%PDF-1.4") < 1024
    assert refused(data).code == "polyglot"


def test_a_stray_zip_signature_without_an_archive_is_not_a_polyglot() -> None:
    original = files.pdf_pages(1)
    stray = original + b"\n% PK\x05\x06 is only four bytes here\n"
    assert accepted(stray).data == stray
