"""Damaged or encrypted copies of a genuine certificate, which must be named as what they
are (encrypted, a damaged CRL, an xref pointing elsewhere), never "no signature"."""

from __future__ import annotations

import io
import re

from pyhanko.pdf_utils.reader import PdfFileReader

from tests.integration.pdf_variants import append_revision, catalog_and_page, last_trailer, object_body, objects


def encrypted(pdf: bytes, user: str = "") -> bytes:
    """The genuine file re-saved with encryption (as qpdf/pikepdf do): owner password only,
    or a user password too."""
    import pikepdf

    with pikepdf.open(io.BytesIO(pdf)) as doc:
        out = io.BytesIO()
        doc.save(out, encryption=pikepdf.Encryption(owner="owner-secret", user=user, R=6))
    return out.getvalue()


def encrypted_by_qpdf(pdf: bytes) -> bytes:
    """The same with the qpdf command line (AES-256, empty user password)."""
    import subprocess
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as folder:
        source, target = Path(folder) / "in.pdf", Path(folder) / "out.pdf"
        source.write_bytes(pdf)
        subprocess.run(
            ["qpdf", "--encrypt", "", "owner-secret", "256", "--", str(source), str(target)],
            check=True,
            capture_output=True,
        )
        return target.read_bytes()


def _dss_crl(pdf: bytes) -> int:
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    return int(reader.root["/DSS"]["/CRLs"].raw_get(0).idnum)


def crl_flipped_in_place(pdf: bytes) -> bytes:
    """One byte flipped inside a CRL of the DSS (in the signed revision)."""
    start = objects(pdf)[_dss_crl(pdf)]
    data = pdf.index(b"stream", start) + len(b"stream\n") + 40
    return pdf[:data] + bytes([pdf[data] ^ 0x55]) + pdf[data + 1 :]


def crl_damaged_in_a_later_revision(pdf: bytes) -> bytes:
    """A later revision that updates the DSS with a CRL that is not a CRL (truncated DER)."""
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    dss_ref = reader.root.raw_get("/DSS")
    _, size, _, _ = last_trailer(pdf)
    good_crl = reader.root["/DSS"]["/CRLs"][0].data
    broken = good_crl[: len(good_crl) // 2]
    body = object_body(pdf, dss_ref.idnum)
    new_body = re.sub(rb"/CRLs\s*\[", b"/CRLs [ %d 0 R " % size, body, count=1)
    assert new_body != body
    crl = b"<< /Length %d >>\nstream\n%s\nendstream" % (len(broken), broken)
    return append_revision(pdf, {size: crl, dss_ref.idnum: new_body})


def xref_offset_wrong_in_signed_revision(pdf: bytes) -> bytes:
    """The signed revision's xref entry for the signature dictionary points elsewhere
    (bytes of equal length, so every later offset still holds)."""
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    sig_ref = reader.root["/AcroForm"]["/Fields"][0].raw_get("/V")
    return _rewrite_xref_entry(pdf, sig_ref.idnum, revision=1)


def xref_offset_wrong_in_last_revision(pdf: bytes) -> bytes:
    """An entry of the last revision's xref points elsewhere: the catalog's when that revision
    rewrote it, else its first object (a document timestamp's revision need not touch the
    catalog)."""
    catalog, _ = catalog_and_page(pdf)
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    last = reader.xrefs.total_revisions - 1
    entries = reader.xrefs.get_xref_data(last).standard_xrefs
    return _rewrite_xref_entry(pdf, catalog if catalog in entries else min(entries), revision=last)


def xref_offset_wrong_in_appended_revision(pdf: bytes) -> bytes:
    catalog, _ = catalog_and_page(pdf)
    real = objects(pdf)[catalog]
    return append_revision(pdf, {}, offsets={catalog: real + 7})


def _rewrite_xref_entry(pdf: bytes, number: int, revision: int) -> bytes:
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    _, offset = reader.xrefs.get_xref_data(revision).standard_xrefs[number]
    start = reader.xrefs.get_xref_container_info(revision).start_location
    entry = b"%010d 00000 n" % offset
    at = pdf.index(entry, start)
    wrong = b"%010d 00000 n" % (offset + 11)
    return pdf[:at] + wrong + pdf[at + len(entry) :]
