"""Evidence files for the tests, built from scratch: phone photos with GPS, scans as PNG and
(multi-page) TIFF, PDFs plain and hostile, pixel bombs that declare far more than they
hold, polyglots and the kinds holders send by mistake."""

from __future__ import annotations

import io
import random
import struct
import zipfile
import zlib
from typing import Any

import pikepdf
from PIL import Image, ImageDraw, ImageFilter, TiffImagePlugin

from tests.functional.test_corrections import _embedded, _launch_link, _names_js, _xfa, pdf_with

__all__ = ["_embedded", "_launch_link", "_names_js", "_xfa", "pdf_with"]

GPS_IFD = 0x8825
PLACE = "Dazu, Chongqing"


def document(seed: int = 1, size: tuple[int, int] = (850, 1100)) -> Image.Image:
    """A page that looks like a filled-in form: a frame, ruled rows and blocks of "text"
    (dark strokes) placed by ``seed``: different seeds, different pages."""
    rng = random.Random(seed)
    page = Image.new("L", size, 250)
    draw = ImageDraw.Draw(page)
    width, height = size
    draw.rectangle((40, 40, width - 40, height - 40), outline=30, width=4)
    y = 90
    while y < height - 120:
        draw.line((60, y, width - 60, y), fill=120, width=2)
        x = 70 + rng.randrange(0, 200)
        while x < width - 120:
            word = rng.randrange(20, 90)
            draw.rectangle((x, y - rng.randrange(18, 34), x + word, y - 6), fill=rng.randrange(10, 80))
            x += word + rng.randrange(12, 60)
        y += rng.randrange(45, 110)
    draw.ellipse((width - 300, height - 300, width - 90, height - 90), outline=40, width=8)  # a seal
    return page


def gps_exif(orientation: int | None = None) -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Phone 12 Pro"  # Model
    exif[0x0131] = PLACE  # Software (a text we can look for)
    if orientation is not None:
        exif[0x0112] = orientation
    exif[GPS_IFD] = {
        1: "N",
        2: (29.0, 42.0, 3.0),
        3: "E",
        4: (105.0, 42.0, 51.0),
        0x1B: b"ASCII\x00\x00\x00" + PLACE.encode(),
    }
    return exif


def phone_jpeg(size: tuple[int, int] = (1200, 900), orientation: int | None = None, **save: Any) -> bytes:
    """A photo of a document with the EXIF a phone writes: make, model, GPS position."""
    photo = document(3, size).convert("RGB").filter(ImageFilter.GaussianBlur(1))
    out = io.BytesIO()
    photo.save(out, "JPEG", quality=88, exif=gps_exif(orientation), **save)
    return out.getvalue()


def photo_2mb() -> bytes:
    """A 12-megapixel phone photo of about 2 MB (textured like a real picture, with GPS)."""
    rng = random.Random(12)
    small = Image.frombytes("RGB", (504, 378), bytes(rng.randrange(256) for _ in range(504 * 378 * 3)))
    photo = small.resize((4032, 3024), Image.Resampling.BICUBIC).filter(ImageFilter.GaussianBlur(4))
    out = io.BytesIO()
    photo.save(out, "JPEG", quality=88, exif=gps_exif(6))
    return out.getvalue()


def png_scan(seed: int = 1, **save: Any) -> bytes:
    out = io.BytesIO()
    document(seed).save(out, "PNG", **save)
    return out.getvalue()


def tiff_scan(pages: int = 1, mode: str = "L", size: tuple[int, int] = (850, 1100), **save: Any) -> bytes:
    images = [document(seed, size).convert(mode) for seed in range(1, pages + 1)]
    out = io.BytesIO()
    images[0].save(out, "TIFF", save_all=True, append_images=images[1:], **save)
    return out.getvalue()


def pdf_pages(pages: int, text: str = "scan") -> bytes:
    """A PDF of ``pages`` A4 pages, each with a little drawing on it (a real scan's worth of
    content for poppler to render)."""
    pdf = pikepdf.new()
    for number in range(pages):
        pdf.add_blank_page(page_size=(595, 842))
        content = f"0.2 g 60 {700 - 10 * number} 300 40 re f 0 0 1 rg 100 100 200 200 re f % {text} {number}"
        pdf.pages[number].Contents = pdf.make_stream(content.encode())
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def open_action_goto(pdf: pikepdf.Pdf) -> None:
    """An OpenAction that only jumps to the first page (no script): still refused."""
    pdf.Root.OpenAction = pikepdf.Array([pdf.pages[0].obj, pikepdf.Name.Fit])


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def png_declaring(width: int, height: int) -> bytes:
    """A PNG whose header claims ``width``×``height`` (1-bit grey) with a few bytes of data:
    a pixel bomb of a few hundred bytes."""
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    data = zlib.compress(b"\x00" * 4096)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", data) + _chunk(b"IEND", b"")


def jpeg_declaring(width: int, height: int) -> bytes:
    """A small real JPEG whose frame header (SOF0) is rewritten to claim ``width``×``height``."""
    out = io.BytesIO()
    Image.new("RGB", (16, 16), "white").save(out, "JPEG")
    data = bytearray(out.getvalue())
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def tiff_with_big_second_page() -> bytes:
    """A small first page, then a 10000×10000 black-and-white page (Group 4: a few KB)."""
    first = Image.new("1", (100, 100), 1)
    second = Image.new("1", (10_000, 10_000), 1)
    out = io.BytesIO()
    first.save(out, "TIFF", save_all=True, append_images=[second], compression="group4")
    return out.getvalue()


def tiff_with_metadata() -> bytes:
    """A TIFF scan carrying an XMP packet, a description, an artist and its dpi."""
    info = TiffImagePlugin.ImageFileDirectory_v2()
    info[270] = "Scanned at " + PLACE  # ImageDescription
    info[315] = "Clerk Wang"  # Artist
    info[700] = b"<x:xmpmeta><rdf:Description>" + PLACE.encode() + b"</rdf:Description></x:xmpmeta>"  # XMP
    out = io.BytesIO()
    document(5).save(out, "TIFF", tiffinfo=info, dpi=(300, 300), compression="tiff_lzw")
    return out.getvalue()


def zip_archive(names: tuple[str, ...] = ("scan.jpg",)) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name in names:
            archive.writestr(name, b"payload")
    return out.getvalue()


def heic() -> bytes:
    """The first box of an iPhone photo (ISO BMFF ``ftyp``, brand heic) and some data."""
    ftyp = b"ftyp" + b"heic" + b"\x00\x00\x00\x00" + b"mif1heic"
    return struct.pack(">I", len(ftyp) + 4) + ftyp + b"\x00\x00\x00\x08meta" + bytes(200)


def gif() -> bytes:
    out = io.BytesIO()
    Image.new("P", (20, 20)).save(out, "GIF")
    return out.getvalue()


def webp() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (20, 20), "red").save(out, "WEBP")
    return out.getvalue()


SVG = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"


def non_srgb_profile() -> bytes:
    """An RGB ICC profile that does not call itself sRGB (pikepdf's sRGB profile with its
    description renamed), so that cleaning converts the pixels through it."""
    from pathlib import Path

    profile = bytearray((Path(pikepdf.__file__).parent / "pdfa" / "data" / "sRGB.icc").read_bytes())
    at = profile.index(b"desc\x00\x00\x00\x00\x00\x00\x00\x05sRGB") + 12  # a v2 'desc': count, then ASCII
    profile[at : at + 4] = b"Wide"
    return bytes(profile)


def scanned_pdf(pages: int = 5) -> bytes:
    """What a scanner app makes: each A4 page one greyscale JPEG at 300 dpi (2480×3508)."""
    pdf = pikepdf.new()
    for number in range(pages):
        scan = io.BytesIO()
        document(20 + number, (2480, 3508)).filter(ImageFilter.GaussianBlur(1)).save(scan, "JPEG", quality=75)
        pdf.add_blank_page(page_size=(595, 842))
        image = pdf.make_stream(
            scan.getvalue(),
            Type=pikepdf.Name.XObject,
            Subtype=pikepdf.Name.Image,
            Width=2480,
            Height=3508,
            ColorSpace=pikepdf.Name.DeviceGray,
            BitsPerComponent=8,
            Filter=pikepdf.Name.DCTDecode,
        )
        pdf.pages[number].Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image))
        pdf.pages[number].Contents = pdf.make_stream(b"q 595 0 0 842 0 0 cm /Im0 Do Q")
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()
