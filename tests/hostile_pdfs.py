"""Hostile PDFs for the tests of the PDF check's limits (and the benchmark): files whose
structure is over (or just under) the limits of ``verifier.pdf.limits``, and a file that
costs the parser CPU. Each is built from bytes, with offsets right, so a reader would
actually walk it."""

from __future__ import annotations

HEAD = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"


def _xref(offsets: dict[int, int]) -> bytes:
    out = bytearray(b"xref\n")
    for number in sorted(offsets):
        out += b"%d 1\n%010d 00000 n \n" % (number, offsets[number])
    return bytes(out)


def minimal(extra_objects: int = 0) -> bytes:
    """A one-page PDF with ``extra_objects`` small objects referenced from the page."""
    out = bytearray(HEAD)
    offsets = {}
    refs = b" ".join(b"%d 0 R" % (4 + i) for i in range(extra_objects))
    for number, body in (
        (1, b"<< /Type /Catalog /Pages 2 0 R >>"),
        (2, b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"),
        (3, b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Extra [" + refs + b"] >>"),
    ):
        offsets[number] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    for i in range(extra_objects):
        offsets[4 + i] = len(out)
        out += b"%d 0 obj\n<< /I %d >>\nendobj\n" % (4 + i, i)
    start = len(out)
    size = 4 + extra_objects
    out += b"xref\n0 1\n0000000000 65535 f \n" + _xref(offsets)[5:]
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, start)
    return bytes(out)


def many_revisions(count: int) -> bytes:
    """``minimal()`` followed by ``count`` incremental updates, each re-defining the page."""
    out = bytearray(minimal())
    prev = int(out[out.rindex(b"startxref") + 10 :].split()[0])
    for revision in range(count):
        offset = len(out)
        out += b"3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Rev %d >>\nendobj\n" % revision
        start = len(out)
        out += _xref({3: offset}) + b"trailer\n<< /Size 4 /Root 1 0 R /Prev %d >>\n" % prev
        out += b"startxref\n%d\n%%%%EOF\n" % start
        prev = start
    return bytes(out)


def many_xref_streams(count: int) -> bytes:
    """One revision whose body holds ``count`` (unused) xref streams."""
    out = bytearray(minimal())
    body = b"\x01\x00\x00\x00\x00\x00"
    cut = out.rindex(b"\nxref\n") + 1
    tail = bytes(out[cut:])
    del out[cut:]
    for i in range(count):
        out += b"%d 0 obj\n<< /Type /XRef /Size 4 /W [1 4 1] /Length %d >>\nstream\n" % (100 + i, len(body))
        out += body + b"\nendstream\nendobj\n"
    start = len(out)
    return bytes(out) + tail[: tail.rindex(b"startxref")] + b"startxref\n%d\n%%%%EOF\n" % start


def many_objects(count: int) -> bytes:
    return minimal(extra_objects=count - 3)


def token_flood(megabytes: float = 1.0) -> bytes:
    """A valid little PDF whose trailer carries ``megabytes`` of integers: a handful of
    objects (well under every structure limit), but the reader must tokenise all of it.
    About 1.5 s of CPU per MB in pyHanko's reader."""
    out = bytearray(HEAD)
    offsets = {}
    for number, body in ((1, b"<< /Type /Catalog /Pages 2 0 R >>"), (2, b"<< /Type /Pages /Kids [] /Count 0 >>")):
        offsets[number] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    start = len(out)
    junk = b"0 " * int(megabytes * 1024 * 1024 / 2)
    out += b"xref\n0 1\n0000000000 65535 f \n" + _xref(offsets)[5:]
    out += b"trailer\n<< /Size 3 /Root 1 0 R /Junk [" + junk + b"] >>\nstartxref\n%d\n%%%%EOF\n" % start
    return bytes(out)
