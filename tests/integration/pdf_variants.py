"""A generated corpus of certificates changed after signing, derived from a genuine one.

Each function takes the bytes of a genuine issued certificate (PAdES B-LTA: the signed
revision, then a document-timestamp revision) and returns a variant. Two ways of adding a
revision are used, as an attacker would: a hand-written incremental update appended to the
bytes (:func:`append_revision`), and pyHanko's incremental writer followed by a genuine
document timestamp from our own TSA in the same revision (:func:`stamped`), so that the
change hides inside a revision that looks like one of ours.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from typing import Any

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader

Writer = IncrementalPdfFileWriter


# ------------------------------------------------------------------------ building blocks


def last_trailer(pdf: bytes) -> tuple[int, int, bytes, bytes]:
    """``(startxref, size, root, id)`` of the newest revision (classic xref tables)."""
    prev = int(re.findall(rb"startxref\s+(\d+)", pdf)[-1])
    trailer = pdf[pdf.rindex(b"trailer") :]
    size = int(re.search(rb"/Size\s+(\d+)", trailer).group(1))  # type: ignore[union-attr]
    root = re.search(rb"/Root\s+(\d+\s+\d+\s+R)", trailer).group(1)  # type: ignore[union-attr]
    ids = re.search(rb"/ID\s*\[[^\]]*\]", trailer).group(0)  # type: ignore[union-attr]
    return prev, size, root, ids


def append_revision(
    pdf: bytes,
    objects: dict[int, bytes],
    *,
    raw_body: bytes = b"",
    offsets: dict[int, int] | None = None,
) -> bytes:
    """Append one incremental update by hand: ``objects`` (number -> the object's body) get
    xref entries; ``raw_body`` is written into the body without any; ``offsets`` overrides
    the offset written for an object number (a lying xref)."""
    prev, size, root, ids = last_trailer(pdf)
    out = pdf if pdf.endswith(b"\n") else pdf + b"\n"
    out += raw_body
    where: dict[int, int] = {}
    for number, body in objects.items():
        where[number] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    where.update(offsets or {})
    assert where, "an xref section needs at least one entry"
    xref = len(out)
    out += b"xref\n"
    for number in sorted(where):
        out += b"%d 1\n%010d 00000 n \n" % (number, where[number])
    size = max([size, *(n + 1 for n in where)])
    out += b"trailer\n<< /Size %d /Root %s /Prev %d %s >>\nstartxref\n%d\n%%%%EOF\n" % (size, root, prev, ids, xref)
    return out


def stamped(pdf: bytes, timestamper: Any, change: Callable[[Writer], None]) -> bytes:
    """``change`` made with pyHanko's incremental writer, then a document timestamp from
    ``timestamper`` (ours) in the same revision: it looks like one of our renewals."""
    from pyhanko.sign import signers

    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    change(writer)
    return signers.PdfTimeStamper(timestamper).timestamp_pdf(writer, "sha256").getvalue()  # type: ignore[no-any-return]


def objects(pdf: bytes) -> dict[int, int]:
    """Object number -> offset of its newest definition, from the classic xref tables."""
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    found: dict[int, int] = {}
    for revision in range(reader.xrefs.total_revisions):
        for number, (_, offset) in reader.xrefs.get_xref_data(revision).standard_xrefs.items():
            found[number] = offset
    return found


def object_body(pdf: bytes, number: int) -> bytes:
    """The bytes between ``N 0 obj`` and ``endobj`` of an object's newest definition."""
    start = objects(pdf)[number]
    head = re.match(rb"\d+\s+\d+\s+obj\s*", pdf[start:])
    assert head
    begin = start + head.end()
    return pdf[begin : pdf.index(b"endobj", begin)].rstrip()


def catalog_and_page(pdf: bytes) -> tuple[int, int]:
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    root_ref = reader.trailer.raw_get("/Root")
    page_ref = reader.root["/Pages"]["/Kids"].raw_get(0)
    return root_ref.idnum, page_ref.idnum


def xmp(pdf: bytes) -> tuple[int, str]:
    """The metadata stream's object number and its XML, as the newest revision has them."""
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    ref = reader.root.raw_get("/Metadata")
    return ref.idnum, ref.get_object().data.decode("utf-8")


def _xmp_stream(text: str) -> bytes:
    data = text.encode("utf-8")
    return b"<< /Type /Metadata /Subtype /XML /Length %d >>\nstream\n%s\nendstream" % (len(data), data)


def _info(**entries: str) -> bytes:
    return b"<< " + b" ".join(b"/%s %s" % (k.encode(), _text(v)) for k, v in entries.items()) + b" >>"


def _text(value: str) -> bytes:
    """A PDF text string (UTF-16BE with BOM, hex)."""
    return b"<FEFF" + value.encode("utf-16-be").hex().upper().encode() + b">"


def _with_info(pdf: bytes, info: bytes, number: int | None = None) -> bytes:
    """Like :func:`append_revision`, with an /Info dictionary (object ``number``, default a
    new one) in the new trailer."""
    if number is None:
        number = last_trailer(pdf)[1]
    out = append_revision(pdf, {number: info})
    head, tail = out.rsplit(b"trailer\n<< ", 1)
    return head + b"trailer\n<< /Info %d 0 R " % number + tail


# ------------------------------------------------------------------- metadata changes


def info_title_added(pdf: bytes) -> bytes:
    return _with_info(pdf, _info(Title="正高级职称证书"))


def info_subject_added(pdf: bytes) -> bytes:
    return _with_info(pdf, _info(Subject="正高级"))


def info_keywords_added(pdf: bytes) -> bytes:
    return _with_info(pdf, _info(Keywords="正高级, 教授"))


def info_title_changed_twice(pdf: bytes) -> bytes:
    """A first later revision adds a title, a second changes it."""
    number = last_trailer(pdf)[1]
    first = _with_info(pdf, _info(Title="职称证书"), number)
    return _with_info(first, _info(Title="正高级职称证书"), number)


def xmp_title_changed(pdf: bytes) -> bytes:
    number, text = xmp(pdf)
    changed = re.sub(r"(<dc:title[^>]*>\s*<rdf:Alt>\s*<rdf:li[^>]*>)[^<]*", r"\1正高级职称证书", text)
    assert changed != text
    return append_revision(pdf, {number: _xmp_stream(changed)})


def xmp_description_changed(pdf: bytes) -> bytes:
    number, text = xmp(pdf)
    changed = re.sub(r"(<dc:description[^>]*>\s*<rdf:Alt>\s*<rdf:li[^>]*>)[^<]*", r"\1正高级职称：教授", text)
    assert changed != text
    return append_revision(pdf, {number: _xmp_stream(changed)})


def xmp_keywords_added(pdf: bytes) -> bytes:
    number, text = xmp(pdf)
    changed = text.replace('pdf:Producer="', 'pdf:Keywords="正高级" pdf:Producer="', 1)
    assert changed != text
    return append_revision(pdf, {number: _xmp_stream(changed)})


def xmp_second_description_first(pdf: bytes) -> bytes:
    """A second rdf:Description with another dc:title, placed before the genuine one."""
    number, text = xmp(pdf)
    forged = (
        '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        '<dc:title><rdf:Alt><rdf:li xml:lang="x-default">正高级职称证书</rdf:li></rdf:Alt></dc:title>'
        "</rdf:Description>"
    )
    at = text.index("<rdf:Description")
    return append_revision(pdf, {number: _xmp_stream(text[:at] + forged + text[at:])})


def info_title_in_a_timestamp_revision(timestamper: Any) -> Callable[[bytes], bytes]:
    """The change sits in a genuine document-timestamp revision of our own TSA."""

    def make(pdf: bytes) -> bytes:
        def change(w: Writer) -> None:
            w._info = w.add_object(  # pyHanko keeps the /Info reference here
                generic.DictionaryObject({generic.NameObject("/Title"): generic.TextStringObject("正高级职称证书")})
            )

        return stamped(pdf, timestamper, change)

    return make


def xmp_subject_in_a_timestamp_revision(timestamper: Any) -> Callable[[bytes], bytes]:
    """pyHanko's own metadata API, used while adding a genuine document timestamp: it
    writes dc:description and pdf:Keywords into the XMP of that revision."""

    def make(pdf: bytes) -> bytes:
        def change(w: Writer) -> None:
            w.document_meta.subject = "正高级"
            w.document_meta.keywords = ["教授"]

        return stamped(pdf, timestamper, change)

    return make


# ------------------------------------------------------------ dates and producer only


def info_dates_in_a_timestamp_revision(timestamper: Any) -> Callable[[bytes], bytes]:
    """What a renewal by pyHanko does to a file with /Info: ModDate and Producer only."""

    def make(pdf: bytes) -> bytes:
        def change(w: Writer) -> None:
            w._info = w.add_object(
                generic.DictionaryObject(
                    {
                        generic.NameObject("/ModDate"): generic.pdf_date(__import__("datetime").datetime.now()),
                        generic.NameObject("/Producer"): generic.TextStringObject("pyHanko"),
                    }
                )
            )

        return stamped(pdf, timestamper, change)

    return make


def later_timestamp_revision(timestamper: Any, days: int = 2) -> Callable[[bytes], bytes]:
    """A timestamp ``days`` later (within the embedded CRLs' validity): pyHanko then
    rewrites xmp:ModifyDate in its revision."""

    def make(pdf: bytes) -> bytes:
        import datetime as dt

        from freezegun import freeze_time

        with freeze_time(dt.datetime.now(dt.UTC) + dt.timedelta(days=days)):
            return stamped(pdf, timestamper, lambda w: None)

    return make


def xmp_dates_without_a_timestamp(pdf: bytes) -> bytes:
    number, text = xmp(pdf)
    changed = re.sub(r'xmp:ModifyDate="[^"]*"', 'xmp:ModifyDate="2030-01-01T00:00:00+00:00"', text)
    assert changed != text
    return append_revision(pdf, {number: _xmp_stream(changed)})


def info_dates_without_a_timestamp(pdf: bytes) -> bytes:
    return _with_info(pdf, b"<< /ModDate (D:20300101000000Z) /Producer (pyHanko 0.99.0) >>")


# ------------------------------------------------------------------- objects


def orphan_object(pdf: bytes) -> bytes:
    """A new object nothing references, in a hand-written revision."""
    _, size, _, _ = last_trailer(pdf)
    return append_revision(pdf, {size: b"<< /Note (SENIOR) >>"})


def orphan_in_a_timestamp_revision(timestamper: Any) -> Callable[[bytes], bytes]:
    def make(pdf: bytes) -> bytes:
        def change(w: Writer) -> None:
            w.add_object(generic.StreamObject(stream_data=b"BT /F1 24 Tf 100 700 Td (SENIOR) Tj ET"))

        return stamped(pdf, timestamper, change)

    return make


def _shadow_page(pdf: bytes) -> tuple[bytes, int]:
    _, page = catalog_and_page(pdf)
    body = object_body(pdf, page)
    # the same page, painting a second content stream (which a lenient reader may pick up)
    shadow = body.replace(b"/Contents", b"/Contents [ 999 0 R ] /X", 1)
    return b"%d 0 obj\n%s\nendobj\n999 0 obj\n<< /Length 20 >>\nstream\nBT (SENIOR) Tj ET  \nendstream\nendobj\n" % (
        page,
        shadow,
    ), page


def shadow_page_in_a_timestamp_revision(timestamper: Any) -> Callable[[bytes], bytes]:
    """A second definition of the page object in the body, listed in no xref, then a
    genuine document timestamp over it all."""

    def make(pdf: bytes) -> bytes:
        raw, _ = _shadow_page(pdf)
        base = pdf if pdf.endswith(b"\n") else pdf + b"\n"
        return stamped(base + raw, timestamper, lambda w: None)

    return make


def shadow_page_in_a_revision(pdf: bytes) -> bytes:
    """The same, in a hand-written revision whose xref lists something harmless."""
    raw, _ = _shadow_page(pdf)
    catalog, _ = catalog_and_page(pdf)
    return append_revision(pdf, {catalog: object_body(pdf, catalog)}, raw_body=raw)


def page_content_rewritten(pdf: bytes) -> bytes:
    """An xref entry in a later revision replacing the page's content stream."""
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    contents = reader.root["/Pages"]["/Kids"][0].raw_get("/Contents")
    data = b"q 1 0 0 1 0 0 cm BT /F1 28 Tf 70 610 Td (SENIOR) Tj ET Q"
    return append_revision(pdf, {contents.idnum: b"<< /Length %d >>\nstream\n%s\nendstream" % (len(data), data)})


def page_rewritten_in_a_timestamp_revision(timestamper: Any) -> Callable[[bytes], bytes]:
    def make(pdf: bytes) -> bytes:
        def change(w: Writer) -> None:
            page_ref, _ = w.find_page_for_modification(0)
            page = page_ref.get_object()
            page[generic.NameObject("/Rotate")] = generic.NumberObject(90)
            w.update_container(page)

        return stamped(pdf, timestamper, change)

    return make


def visible_timestamp_widget(timestamper: Any) -> Callable[[bytes], bytes]:
    """A genuine document timestamp whose widget paints text on the page."""

    def make(pdf: bytes) -> bytes:
        from pyhanko.sign import fields, signers

        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
        fields.append_signature_field(
            writer, fields.SigFieldSpec(sig_field_name="Stamp2", on_page=0, box=(60, 600, 360, 640))
        )
        stamper = signers.PdfTimeStamper(timestamper, field_name="Stamp2")
        return stamper.timestamp_pdf(writer, "sha256").getvalue()  # type: ignore[no-any-return]

    return make


def catalog_gains_actions(pdf: bytes) -> bytes:
    catalog, _ = catalog_and_page(pdf)
    body = object_body(pdf, catalog)
    assert body.endswith(b">>")
    js = b"/AA << /WC << /S /JavaScript /JS (app.alert(1)) >> >>"
    return append_revision(pdf, {catalog: body[:-2] + b" /PageMode /UseOutlines " + js + b" >>"})


def font_replaced(pdf: bytes) -> bytes:
    """A later revision redefines a font object (another glyph program, same name)."""
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    fonts = reader.root["/Pages"]["/Kids"][0]["/Resources"]["/Font"]
    ref = next(fonts.raw_get(name) for name in fonts)
    return append_revision(pdf, {ref.idnum: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"})
