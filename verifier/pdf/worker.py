"""What runs inside the sandbox for one uploaded PDF: parse, validate, read the record.

Everything that parses the hostile file's structure lives here and runs only in the
limited child process (see :mod:`ecert.sandbox`). The result is plain, picklable data
(:class:`Inspection`); the parent turns it into a verdict with the registry's status.

Importing this module loads pyHanko (the forkserver preloads it once).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
from pathlib import Path

import lxml.etree  # noqa: F401 - preload (pyHanko imports it lazily while validating)
from asn1crypto import crl as asn1_crl
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils import filters, generic  # noqa: F401 - preload
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature  # noqa: F401 - preload
from pyhanko.sign.validation.ades import ades_lta_validation  # noqa: F401 - preload
from pyhanko_certvalidator.errors import InvalidCertificateError

from ecert.vocab.tokens import is_token
from ecert.x509 import DOCUMENT_SIGNING_USAGE
from verifier.pdf import limits as structure_limits
from verifier.pdf.findings import Inspection, SignerIdentity
from verifier.pdf.signature import validate_signed_reader
from verifier.pdf.structure import structure_fault

RECORD_NAME = "certificate.json"
MAX_RECORD_BYTES = 256 * 1024
_MAX_NAME_TREE_NODES = 256


def inspect_pdf(
    data: bytes | str,
    roots_der: list[bytes],
    office_names: tuple[str, ...],
    crls_der: list[bytes],
    validation_time: dt.datetime | None,
) -> Inspection:
    """Parse ``data`` (the file's bytes, or the path of a file holding them), validate its
    signature against ``roots_der`` and read the record."""
    # pyHanko logs every failed path and tampered file with a traceback: the verdict carries
    # the reason, so keep hostile uploads out of the service's logs.
    logging.getLogger("pyhanko").setLevel(logging.CRITICAL)
    logging.getLogger("pyhanko_certvalidator").setLevel(logging.CRITICAL)
    if isinstance(data, str):  # an upload spooled to disk: read here, not piped through memory
        data = Path(data).read_bytes()
    # Refuse an over-complex structure before any PDF library walks it (verifier.pdf.limits).
    over = structure_limits.excess(data)
    if over is not None:
        return Inspection(parsed=False, too_complex=(over.what, over.count, over.limit))
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=True)
        fault = structure_fault(reader, data)  # encrypted, or an xref pointing elsewhere
        if fault is not None:
            return Inspection(parsed=False, parse_error=fault[1][:500], structure=fault[0])
        revisions = reader.xrefs.total_revisions
        _ = reader.root["/Pages"]  # a document without a page tree is no certificate
    except Exception as exc:
        return Inspection(parsed=False, parse_error=f"{type(exc).__name__}: {exc}"[:500])
    roots = [asn1_x509.Certificate.load(der) for der in roots_der]
    crls = [asn1_crl.CertificateList.load(der) for der in crls_der]
    report = validate_signed_reader(reader, data, roots, validation_time=validation_time, crls=crls)
    signer = signer_identity(report.signer_cert_der, office_names) if report.signer_cert_der else SignerIdentity()
    number, version, record_error, use_copy_token = _record(reader)
    return Inspection(
        parsed=True,
        revisions=revisions,
        report=report,
        signer=signer,
        record_number=number,
        record_version=version,
        record_error=record_error,
        record_use_copy_token=use_copy_token,
    )


def signer_identity(cert_der: bytes, office_names: tuple[str, ...]) -> SignerIdentity:
    """Is this the issuing office's document-signing certificate (by name and key usage)?

    The chain to the pinned roots is checked by pyHanko; this adds what a chain alone does
    not say: which key of that PKI signed (not the timestamp authority's, not a CA's, not
    another customer's of a public CA).
    """
    try:
        cert = asn1_x509.Certificate.load(cert_der)
        subject = cert.subject.native
        organization = _first(subject.get("organization_name"))
        common_name = _first(subject.get("common_name"))
        problems = []
        if not office_names:
            problems.append("no issuing office name configured")
        elif organization not in office_names and common_name not in office_names:
            problems.append(f"signer {common_name or organization!r} is not the issuing office")
        if cert.ca:
            problems.append("signed by a CA certificate, not a document-signing certificate")
        try:
            DOCUMENT_SIGNING_USAGE.validate(cert)
        except InvalidCertificateError as exc:
            problems.append(f"the certificate is not for document signing ({exc})")
        return SignerIdentity(
            subject=cert.subject.human_friendly,
            organization=organization,
            common_name=common_name,
            issuer=cert.issuer.human_friendly,
            serial=format(cert.serial_number, "x"),
            problems=tuple(problems),
        )
    except Exception as exc:
        return SignerIdentity(problems=(f"unreadable signer certificate: {type(exc).__name__}: {exc}",))


def _first(value: object) -> str:
    if isinstance(value, list):
        value = value[0] if value else ""
    return str(value or "")


def _record(reader: PdfFileReader) -> tuple[str | None, int | None, str, str | None]:
    """``number`` and ``version`` from the embedded ``certificate.json``, and for a use copy
    its token (nothing else: the record also holds personal data we never pass on)."""
    try:
        spec = _find_embedded(reader)
        if spec is None:
            return None, None, "no embedded certificate record", None
        ef = spec.get("/EF")
        stream = ef.get("/F") or ef.get("/UF")
        if isinstance(stream, generic.IndirectObject):
            stream = stream.get_object()
        declared = stream.get("/Length")
        if isinstance(declared, int) and declared > MAX_RECORD_BYTES:
            return None, None, "embedded record too large", None
        raw = stream.data
        if len(raw) > MAX_RECORD_BYTES:
            return None, None, "embedded record too large", None
        record = json.loads(raw.decode("utf-8"))
        number, version = record.get("number"), record.get("version")
        if not isinstance(number, str) or not isinstance(version, int) or isinstance(version, bool):
            return None, None, "embedded record has no valid number/version", None
        if "use_copy" not in record:
            return number[:64], version, "", None
        url = record.get("verify_url")
        token = url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1] if isinstance(url, str) else ""
        if not is_token(token):  # a use copy we cannot name is no record at all: fail closed
            return None, None, "embedded use-copy record has no valid token", None
        return number[:64], version, "", token
    except Exception as exc:
        return None, None, f"unreadable embedded record: {type(exc).__name__}: {exc}"[:300], None


def _find_embedded(reader: PdfFileReader):  # type: ignore[no-untyped-def]
    names = reader.root.get("/Names")
    if names is None:
        return None
    tree = names.get("/EmbeddedFiles")
    if tree is None:
        return None
    todo, seen = [tree], 0
    while todo and seen < _MAX_NAME_TREE_NODES:
        node = todo.pop()
        if isinstance(node, generic.IndirectObject):
            node = node.get_object()
        seen += 1
        pairs = node.get("/Names", [])
        for i in range(0, len(pairs) - 1, 2):
            key = pairs[i]
            text = key.original_bytes.decode("utf-8", "replace") if hasattr(key, "original_bytes") else str(key)
            if text == RECORD_NAME:
                spec = pairs[i + 1]
                return spec.get_object() if isinstance(spec, generic.IndirectObject) else spec
        todo.extend(node.get("/Kids", []))
    return None


def _freeze_heap() -> None:
    """This module is preloaded by the sandbox's forkserver (registered by
    ``verifier.extension``): move everything imported so far out of the cyclic GC's reach, so a collection in a forked child does not walk
    (and copy-on-write) the whole inherited heap: ~150 ms per check when the main module
    pulled in SQLAlchemy and Flask. (The web process imports it too, to name the job: what it
    freezes there is import-time state that lives as long as the process anyway.)"""
    import gc

    gc.collect()
    gc.freeze()


_freeze_heap()
