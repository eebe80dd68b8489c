"""What an upload is, by its first bytes, and whether it is a second type as well
(``ecert.uploads``: shared by the holders' attachments and the legacy evidence)."""

from __future__ import annotations

import pytest

from ecert.uploads import kind_of, polyglot_of
from tests import evidence_files as files


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"%PDF-1.4\n", "pdf"),
        (b"\xff\xd8\xff\xe0", "jpeg"),
        (b"\x89PNG\r\n\x1a\n", "png"),
        (b"II*\x00", "tiff"),
        (b"MM\x00*", "tiff"),
        (b"II+\x00\x08\x00\x00\x00", "tiff"),  # BigTIFF
        (b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1", "avif"),
        (b"\x00\x00\x00\x18ftypmif1\x00\x00\x00\x00mif1heic", "heif"),
        (b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2", "mp4"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "webp"),
        (b"  \n<html lang=zh><body>", "html"),
        (b'<?xml version="1.0"?><root/>', "xml"),
        ("姓名：王丽".encode()[:-1], "text"),  # a character cut at the end of the sample
        (b"\x00\x01\x02\x03", "unknown"),
        (b"", "unknown"),
    ],
)
def test_the_kind_is_named_by_the_first_bytes(data: bytes, kind: str) -> None:
    assert kind_of(data) == kind


def test_office_and_ofd_archives_are_told_apart_from_plain_zips() -> None:
    assert kind_of(files.zip_archive(("[Content_Types].xml", "xl/workbook.xml"))) == "xlsx"
    assert kind_of(files.zip_archive(("OFD.xml",))) == "ofd"
    assert kind_of(files.zip_archive(("photo.jpg",))) == "zip"
    assert kind_of(b"PK\x03\x04 not really an archive") == "zip"


def test_ordinary_files_are_no_polyglots() -> None:
    for data, kind in ((files.phone_jpeg(), "jpeg"), (files.png_scan(), "png"), (files.pdf_pages(2), "pdf")):
        assert polyglot_of(data, kind) is None


def test_a_pdf_header_counts_only_with_a_version_and_only_in_a_file_that_is_not_a_pdf() -> None:
    assert polyglot_of(files.png_scan() + b"%PDF-", "png") is None  # no version: no reader takes it
    assert polyglot_of(files.png_scan() + b"%PDF-1.7", "png") == "pdf"
    assert polyglot_of(files.pdf_pages(1) + b"%PDF-1.7", "pdf") is None
