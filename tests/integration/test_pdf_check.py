"""Uploaded-PDF verdicts: a tamper corpus made from freshly issued certificates.

Every hostile case must come back "not valid" with the right named failing check and
never raise; the untouched file is valid with every check passed; revoked and superseded
certificates fail on the registry's status. Built once per module (signing is the cost).
Also: every document timestamp must hold (a corrupted archive timestamp is not valid), and
a busy or broken checker is "unavailable" (try again), never "not valid".
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import math
import os
import re
import time
import zlib
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests import factories
from tests.conftest import OFFICE, make_home
from verifier.status import PublicStatus

CODES = ["is_pdf", "issued_by_us", "signature_intact", "trusted_signer", "coverage", "registry_status"]


@dataclass(frozen=True)
class Corpus:
    db: object
    roots: list
    good: bytes
    good_number: str
    revoked: bytes
    superseded: bytes
    superseded_v2: bytes
    renewed: bytes  # good + a renewed archive timestamp: two document timestamps


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, pki_home: Path, renderer, signer, seal_png, trust_roots):  # type: ignore[no-untyped-def]
    from dataclasses import replace
    from datetime import UTC, datetime

    from ecert.migrate import upgrade
    from issuer.services.issuance import issue_decision
    from issuer.services.lifecycle import correct
    from tests.conftest import make_issuance

    tmp = tmp_path_factory.mktemp("pdf-check")
    url = f"sqlite:///{tmp / 'ecert.sqlite3'}"
    upgrade(url)
    issuance = make_issuance(url, make_home(tmp, pki_home), renderer, signer, seal_png)
    good = issue_decision(issuance, factories.decision(name="李四"))
    bad = issue_decision(issuance, factories.decision(name="王五"))
    # 16:30 UTC on 26 November is 00:30 on the 27th in the office (Asia/Shanghai)
    late = replace(issuance, clock=lambda: datetime(2026, 11, 26, 16, 30, tzinfo=UTC))
    factories.revoked(late, bad.number, note="材料造假")
    old = issue_decision(issuance, factories.decision(name="赵六", employer="重庆市大足区中医院"))
    new = correct(issuance, old.number, {"employer": "重庆市大足区人民医院"}, reason="工作单位填写错误")
    assert not isinstance(new, list) and new.sha256
    yield Corpus(
        db=issuance.db,
        roots=trust_roots,
        good=issuance.store.get(good.sha256),
        good_number=good.number,
        revoked=issuance.store.get(bad.sha256),
        superseded=issuance.store.get(old.sha256),
        superseded_v2=issuance.store.get(new.sha256),
        renewed=signer.renew_archival_timestamp(issuance.store.get(good.sha256)),
    )
    issuance.db.dispose()


def check(corpus: Corpus, data: bytes, **kwargs):  # type: ignore[no-untyped-def]
    from verifier.pdf.check import verify_pdf

    verdict = verify_pdf(data, db=corpus.db, trust_roots=corpus.roots, office_names=(OFFICE,), **kwargs)
    assert [c.code for c in verdict.checks] == CODES
    import json

    json.dumps(as_json(verdict), ensure_ascii=False)  # JSON-able
    return verdict


@functools.cache
def _i18n_app():  # type: ignore[no-untyped-def]
    from flask import Flask

    from ecert.i18n import init_i18n

    app = Flask(__name__)
    init_i18n(app)
    return app


def as_json(verdict):  # type: ignore[no-untyped-def]
    """The verdict as the API and ``ecert verify --json`` give it (both languages)."""
    from ecert.settings import Settings
    from verifier.shapes import pdf_verdict_json

    with _i18n_app().test_request_context("/"):
        return pdf_verdict_json(verdict, Settings(home=Path("/nonexistent"), database_url="sqlite://"))


def said(verdict, code: str = "", lang: str = "zh") -> str:  # type: ignore[no-untyped-def]
    """A check's explanation (or, without ``code``, the summary) in ``lang``."""
    data = as_json(verdict)
    if not code:
        return data[f"summary_{lang}"]  # type: ignore[no-any-return]
    return next(c for c in data["checks"] if c["code"] == code)[f"explanation_{lang}"]  # type: ignore[no-any-return]


def first_failure(verdict) -> str:  # type: ignore[no-untyped-def]
    return next(c.code for c in verdict.checks if c.passed is False and c.code != "issued_by_us")


# ----------------------------------------------------------------------------- good files


def test_untouched_certificate_is_valid_with_every_check_passed(corpus: Corpus) -> None:
    verdict = check(corpus, corpus.good)
    assert verdict.valid, as_json(verdict)
    assert all(c.passed for c in verdict.checks)
    assert verdict.certificate is not None and verdict.certificate.number == corpus.good_number
    assert verdict.summary == "valid" and said(verdict).startswith("有效") and corpus.good_number in said(verdict)
    assert "*" in as_json(verdict)["certificate"]["masked_name"]


def test_revoked_certificate_fails_on_registry_status_with_the_reason(corpus: Corpus) -> None:
    verdict = check(corpus, corpus.revoked)
    assert not verdict.valid
    assert [c.code for c in verdict.checks if c.passed is False] == ["registry_status"]
    status = verdict.check("registry_status")
    assert (status.reason, verdict.summary) == ("revoked", "revoked")
    zh = said(verdict, "registry_status")
    assert "被撤销" in zh and "材料造假" in zh and "足人社发〔2026〕3号" in zh
    assert "revoked" in said(verdict, lang="en")
    # the office's date (Asia/Shanghai), as on the landing page, not the UTC date
    assert status.params["day"] == dt.date(2026, 11, 27)
    assert "2026年11月27日" in zh and "November 27, 2026" in said(verdict, "registry_status", "en")
    # machine-readable times: ISO 8601 UTC with a Z
    cert = as_json(verdict)["certificate"]
    assert cert["revoked_at"] == "2026-11-26T16:30:00Z"
    assert cert["issued_at"].endswith("Z") and cert["issued_at"].startswith("2026-11-26T02:30:00")


def test_superseded_certificate_names_the_new_version(corpus: Corpus) -> None:
    verdict = check(corpus, corpus.superseded)
    assert not verdict.valid and verdict.authentic
    assert verdict.status is PublicStatus.SUPERSEDED and as_json(verdict)["status"] == "superseded"
    assert verdict.failed == ["registry_status"]
    assert verdict.check("registry_status").params["current"] == 2
    assert "replaced by version 2" in said(verdict, "registry_status", "en")
    assert "第 2 版" in said(verdict)
    assert check(corpus, corpus.superseded_v2).valid


# ----------------------------------------------------------------------------- tampering


def _signature_contents(pdf: bytes) -> re.Match[bytes]:
    match = re.search(rb"/Contents\s*<([0-9A-Fa-f]+)>", pdf)
    assert match
    return match


def _byte_range(pdf: bytes) -> re.Match[bytes]:
    match = re.search(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", pdf)
    assert match
    return match


def flip_byte_in_signed_range(pdf: bytes) -> bytes:
    start = _byte_range(pdf).start()
    # a byte well inside the first signed range, in a stream's data (not a structural token)
    stream = pdf.rfind(b">>\nstream\n", 0, start // 2)
    assert stream > 0
    pos = stream + 40
    return pdf[:pos] + bytes([pdf[pos] ^ 0x01]) + pdf[pos + 1 :]


def junk_after_eof(pdf: bytes) -> bytes:
    return pdf + b"\n% appended after signing\n1 0 obj (forged) endobj\n"


def _incremental(pdf: bytes):  # type: ignore[no-untyped-def]
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    return IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)


def _out(writer) -> bytes:  # type: ignore[no-untyped-def]
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def paint_text_overlay(pdf: bytes) -> bytes:
    from pyhanko.pdf_utils import generic

    w = _incremental(pdf)
    font = w.add_object(
        generic.DictionaryObject(
            {
                generic.NameObject("/Type"): generic.NameObject("/Font"),
                generic.NameObject("/Subtype"): generic.NameObject("/Type1"),
                generic.NameObject("/BaseFont"): generic.NameObject("/Helvetica"),
            }
        )
    )
    stream = w.add_object(
        generic.StreamObject(stream_data=b"q 1 1 1 rg 60 600 300 40 re f Q BT /FX 28 Tf 70 610 Td (SENIOR) Tj ET")
    )
    resources = generic.DictionaryObject(
        {generic.NameObject("/Font"): generic.DictionaryObject({generic.NameObject("/FX"): font})}
    )
    w.add_stream_to_page(0, stream, resources=resources)
    return _out(w)


def add_annotation(pdf: bytes) -> bytes:
    from pyhanko.pdf_utils import generic

    w = _incremental(pdf)
    page_ref, _ = w.find_page_for_modification(0)
    page = page_ref.get_object()
    annot = w.add_object(
        generic.DictionaryObject(
            {
                generic.NameObject("/Type"): generic.NameObject("/Annot"),
                generic.NameObject("/Subtype"): generic.NameObject("/FreeText"),
                generic.NameObject("/Rect"): generic.ArrayObject([generic.FloatObject(v) for v in (50, 50, 300, 90)]),
                generic.NameObject("/Contents"): generic.TextStringObject("正高级"),
                generic.NameObject("/DA"): generic.TextStringObject("/Helv 12 Tf 0 g"),
            }
        )
    )
    annots = page.get("/Annots")
    if annots is None:
        page[generic.NameObject("/Annots")] = generic.ArrayObject([annot])
    else:
        annots = annots.get_object() if isinstance(annots, generic.IndirectObject) else annots
        annots.append(annot)
        if isinstance(page.raw_get("/Annots"), generic.IndirectObject):
            w.mark_update(page.raw_get("/Annots"))
    w.update_container(page)
    w.mark_update(page_ref)
    return _out(w)


def _lookalike_signer():  # type: ignore[no-untyped-def]
    """A self-made CA and a signer certificate with exactly the office's subject."""
    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    now = dt.datetime.now(dt.UTC)
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ecert DEVELOPMENT Issuing CA — NOT FOR PRODUCTION")])
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, OFFICE),
            x509.NameAttribute(NameOID.COMMON_NAME, OFFICE),
        ]
    )

    def build(subj, issuer, pub, signing_key, ca: bool):  # type: ignore[no-untyped-def]
        builder = (
            x509.CertificateBuilder()
            .subject_name(subj)
            .issuer_name(issuer)
            .public_key(pub)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=not ca,
                    content_commitment=not ca,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=ca,
                    crl_sign=ca,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
        )
        return builder.sign(signing_key, hashes.SHA256())

    ca = build(ca_name, ca_name, ca_key.public_key(), ca_key, True)
    cert = build(subject, ca_name, key.public_key(), ca_key, False)
    as_asn1 = lambda c: asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER))  # noqa: E731
    key_info = asn1_keys.PrivateKeyInfo.load(
        key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return signers.SimpleSigner(
        signing_cert=as_asn1(cert),
        signing_key=key_info,
        cert_registry=SimpleCertificateStore.from_certs([as_asn1(ca)]),
    )


def second_lookalike_signature(pdf: bytes) -> bytes:
    from pyhanko.sign import fields, signers

    meta = signers.PdfSignatureMetadata(field_name="Signature2", md_algorithm="sha256")
    pdf_signer = signers.PdfSigner(
        meta, signer=_lookalike_signer(), new_field_spec=fields.SigFieldSpec(sig_field_name="Signature2")
    )
    return pdf_signer.sign_pdf(_incremental(pdf)).getvalue()


def signed_entirely_by_lookalike(pdf: bytes) -> bytes:
    """Our rendered certificate (its first revision, before our signature), certified by a look-alike."""
    from pyhanko.sign import fields, signers
    from pyhanko.sign.fields import MDPPerm

    first_eof = pdf.index(b"%%EOF") + len(b"%%EOF")
    unsigned = pdf[:first_eof] + b"\n"
    meta = signers.PdfSignatureMetadata(
        field_name="Signature1", md_algorithm="sha256", certify=True, docmdp_permissions=MDPPerm.FILL_FORMS
    )
    pdf_signer = signers.PdfSigner(
        meta, signer=_lookalike_signer(), new_field_spec=fields.SigFieldSpec(sig_field_name="Signature1")
    )
    return pdf_signer.sign_pdf(_incremental(unsigned)).getvalue()


def _lookalike_tsa():  # type: ignore[no-untyped-def]
    """A self-made CA and a timestamp authority certificate with the dev TSA's look."""
    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
    from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

    now = dt.datetime.now(dt.UTC)
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ecert DEVELOPMENT Issuing CA — NOT FOR PRODUCTION")])
    tsa_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ecert DEVELOPMENT TSA")])

    def build(subj, pub, ca: bool):  # type: ignore[no-untyped-def]
        builder = (
            x509.CertificateBuilder()
            .subject_name(subj)
            .issuer_name(ca_name)
            .public_key(pub)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        if not ca:
            builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        return asn1_x509.Certificate.load(
            builder.sign(ca_key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)
        )

    ca = build(ca_name, ca_key.public_key(), True)
    cert = build(tsa_name, key.public_key(), False)
    key_info = asn1_keys.PrivateKeyInfo.load(
        key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return DummyTimeStamper(tsa_cert=cert, tsa_key=key_info, certs_to_embed=[ca])


def doc_timestamp_by_lookalike_tsa(pdf: bytes) -> bytes:
    """A well-formed archive timestamp appended by a TSA outside our PKI."""
    from pyhanko.sign import signers

    out = signers.PdfTimeStamper(_lookalike_tsa()).timestamp_pdf(_incremental(pdf), "sha256")
    return out.getvalue()


def _doc_timestamp_hex(pdf: bytes, index: int) -> tuple[int, int]:
    """Offsets of the hex digits of the ``index``-th document timestamp's /Contents."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    stamps = PdfFileReader(io.BytesIO(pdf), strict=False).embedded_timestamp_signatures
    assert stamps, "no document timestamp"
    _, len1, start2, _ = (int(x) for x in stamps[index].byte_range)
    assert pdf[len1 : len1 + 1] == b"<" and pdf[start2 - 1 : start2] == b">"
    return len1 + 1, start2 - 1


def flip_in_doc_timestamp(pdf: bytes, part: str = "signature", index: int = -1) -> bytes:
    """Flip one hex digit inside a document timestamp's /Contents: in the TSA's signature
    value, the message imprint, or the middle of the token (a certificate)."""
    from asn1crypto import cms

    start, end = _doc_timestamp_hex(pdf, index)
    der = bytes.fromhex(pdf[start:end].decode("ascii"))
    token = cms.ContentInfo.load(der, strict=False)  # /Contents is zero-padded
    signed = token["content"]
    if part == "signature":
        needle = signed["signer_infos"][0]["signature"].native
        offset = der.index(needle) + len(needle) // 2
    elif part == "imprint":
        needle = signed["encap_content_info"]["content"].parsed["message_imprint"]["hashed_message"].native
        offset = der.index(needle) + len(needle) // 2
    else:
        offset = len(token.dump()) // 2
    pos = start + 2 * offset
    digit = int(pdf[pos : pos + 1], 16)
    return pdf[:pos] + b"0123456789abcdef"[digit ^ 0x1 : (digit ^ 0x1) + 1] + pdf[pos + 1 :]


def zeroed_contents(pdf: bytes) -> bytes:
    match = _signature_contents(pdf)
    start, end = match.span(1)
    return pdf[:start] + b"0" * (end - start) + pdf[end:]


def broken_byte_range(pdf: bytes) -> bytes:
    match = _byte_range(pdf)
    start, end = match.span(4)
    wrong = str(int(match.group(4)) - 100).encode().ljust(end - start)
    return pdf[:start] + wrong + pdf[end:]


def truncated(pdf: bytes) -> bytes:
    return pdf[: len(pdf) * 2 // 3]


def jpeg_renamed() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (64, 64), (200, 30, 30)).save(buf, "JPEG")
    return buf.getvalue()


def inflation_bomb(megabytes: int = 512) -> bytes:
    """~0.5 MB: a PDF whose catalog sits in an object stream that inflates to ``megabytes``
    of zeros; the xref stream points the catalog (object 2) into it, so a reader must inflate it."""
    comp = zlib.compressobj(9)
    chunk = b"\0" * (1 << 20)
    body = b"".join(comp.compress(chunk) for _ in range(megabytes)) + comp.flush()
    head = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
    obj1 = len(head)
    head += b"1 0 obj\n<< /Type /ObjStm /N 2 /First 10 /Filter /FlateDecode /Length %d >>\nstream\n" % len(body)
    head += body + b"\nendstream\nendobj\n"
    obj4 = len(head)
    head += b"4 0 obj\n<< /Type /Page /Parent 3 0 R /MediaBox [0 0 595 842] >>\nendobj\n"
    rows = [(0, 0, 0xFFFF), (1, obj1, 0), (2, 1, 0), (2, 1, 1), (1, obj4, 0), (1, len(head), 0)]
    data = b"".join(t.to_bytes(1, "big") + f.to_bytes(4, "big") + g.to_bytes(2, "big") for t, f, g in rows)
    xref = b"5 0 obj\n<< /Type /XRef /Size 6 /W [1 4 2] /Root 2 0 R /Length %d >>\nstream\n" % len(data)
    xref += data + b"\nendstream\nendobj\n"
    return head + xref + b"startxref\n%d\n%%%%EOF\n" % len(head)


CASES = {
    "flipped byte in signed range": (flip_byte_in_signed_range, "signature_intact"),
    "junk after %%EOF": (junk_after_eof, "coverage"),
    "incremental update painting text": (paint_text_overlay, "coverage"),
    "added annotation": (add_annotation, "coverage"),
    "second signature by a look-alike": (second_lookalike_signature, "coverage"),
    "signed entirely by a look-alike": (signed_entirely_by_lookalike, "trusted_signer"),
    "zeroed /Contents": (zeroed_contents, "signature_intact"),
    "broken /ByteRange": (broken_byte_range, "signature_intact"),
    "truncated file": (truncated, "is_pdf"),
    "flipped byte in the document timestamp's signature": (flip_in_doc_timestamp, "signature_intact"),
    "flipped byte in the document timestamp's imprint": (
        lambda p: flip_in_doc_timestamp(p, "imprint"),
        "signature_intact",
    ),
    "flipped byte in the middle of the document timestamp": (
        lambda p: flip_in_doc_timestamp(p, "middle"),
        "signature_intact",
    ),
    "document timestamp by a look-alike TSA": (doc_timestamp_by_lookalike_tsa, "trusted_signer"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_tampered_certificate_is_not_valid_with_the_named_reason(corpus: Corpus, case: str) -> None:
    make, expected = CASES[case]
    verdict = check(corpus, make(corpus.good))
    assert not verdict.valid, case
    assert first_failure(verdict) == expected, (case, as_json(verdict))
    assert verdict.check("issued_by_us").passed is False
    assert verdict.summary == expected
    assert said(verdict, expected) and said(verdict, expected, "en")
    assert said(verdict).startswith("无效")
    # later checks are still listed, but not run
    later = CODES[CODES.index(expected) + 1 :]
    assert all(verdict.check(code).passed is None for code in later if code != "issued_by_us")


def test_modified_after_signing_names_what_changed(corpus: Corpus) -> None:
    annotated = check(corpus, add_annotation(corpus.good)).check("coverage")
    assert "pyHanko" in annotated.detail and "OTHER" in annotated.detail
    second = check(corpus, second_lookalike_signature(corpus.good)).check("coverage")
    assert "2 signatures" in second.detail and "Signature2" in second.detail
    assert second.reason == "modified" and "another_signature" in second.params["changes"]
    junk = check(corpus, junk_after_eof(corpus.good)).check("coverage")
    assert "%%EOF" in junk.detail


def test_lookalike_record_points_at_a_real_number_but_the_registry_is_not_consulted(corpus: Corpus) -> None:
    verdict = check(corpus, signed_entirely_by_lookalike(corpus.good))
    assert verdict.check("signature_intact").passed is True
    assert verdict.check("trusted_signer").passed is False
    assert verdict.certificate is None
    assert verdict.check("registry_status").passed is None


@pytest.mark.parametrize(
    "data, label",
    [(b"", "empty"), (jpeg_renamed(), "JPEG"), (b"%PDF-1.7\n" + b"x" * 64, "garbage after the magic")],
)
def test_non_pdfs_fail_the_first_check(corpus: Corpus, data: bytes, label: str) -> None:
    verdict = check(corpus, data)
    assert not verdict.valid
    assert verdict.check("is_pdf").passed is False, label
    assert all(c.passed is None for c in verdict.checks[2:])
    if label == "JPEG":
        assert verdict.check("is_pdf").params == {"kind": "JPEG"}
        assert "JPEG" in said(verdict, "is_pdf", "en") and "看起来是 JPEG" in said(verdict, "is_pdf")


def test_oversize_file_is_refused_before_parsing(corpus: Corpus) -> None:
    verdict = check(corpus, b"%PDF-1.7\n" + b"\0" * (10 * 1024 * 1024), max_bytes=10 * 1024 * 1024)
    assert verdict.check("is_pdf").passed is False and verdict.check("is_pdf").reason == "too_large"
    assert "10 MB" in said(verdict, "is_pdf", "en")


def test_inflation_bomb_is_contained(corpus: Corpus) -> None:
    import time

    bomb = inflation_bomb(512)
    assert len(bomb) < 600 * 1024
    started = time.monotonic()
    verdict = check(corpus, bomb)
    assert not verdict.valid
    assert first_failure(verdict) in ("is_pdf", "signature_intact")
    assert time.monotonic() - started < 12


def test_cpu_and_memory_limits_answer_not_valid(corpus: Corpus) -> None:
    from ecert.settings import SandboxLimits

    tight = check(corpus, corpus.good, limits=SandboxLimits(cpu_seconds=0.02))
    assert not tight.valid and tight.check("is_pdf").passed is False and not tight.unavailable
    assert tight.check("is_pdf").reason == "timeout" and "CPU" in tight.check("is_pdf").detail
    small = check(corpus, inflation_bomb(64), limits=SandboxLimits(memory_bytes=300 * 1024 * 1024))
    assert not small.valid


def test_signer_must_be_the_offices(corpus: Corpus) -> None:
    from verifier.pdf.check import verify_pdf

    verdict = verify_pdf(corpus.good, db=corpus.db, trust_roots=corpus.roots, office_names=("另一个办公室",))
    assert not verdict.valid and verdict.failed[0] == "trusted_signer"
    assert "not the issuing office" in verdict.check("trusted_signer").detail


def test_the_sandbox_is_generic() -> None:
    """The kernel's confinement knows nothing of what runs in it: callers pass the function."""
    from ecert import sandbox

    assert "verifier" not in Path(sandbox.__file__).read_text(encoding="utf-8")


def test_sandbox_enforces_memory_and_time_limits() -> None:
    import time

    from ecert.sandbox import run_sandboxed
    from ecert.settings import SandboxLimits

    hog = run_sandboxed(bytearray, 2 * 1024**3, limits=SandboxLimits(memory_bytes=512 * 1024**2))
    assert hog.failure == "memory"
    started = time.monotonic()
    spin = run_sandboxed(sum, range(10**12), limits=SandboxLimits(cpu_seconds=0.3, timeout=20))
    assert spin.failure == "cpu" and not spin.unavailable and 0.25 <= spin.cpu < 2
    assert time.monotonic() - started < 15
    # waiting without CPU (asleep, stopped, starved) is not the input's fault
    slow = run_sandboxed(time.sleep, 30, limits=SandboxLimits(timeout=0.5, cpu_seconds=0.5))
    assert slow.failure == "starved" and slow.unavailable and slow.cpu < 0.2
    crash = run_sandboxed(os.abort)
    assert crash.failure in ("crashed", "memory") and not crash.ok
    assert run_sandboxed(math.sqrt, 16.0).value == 4.0


# ----------------------------------------------------------------------- document timestamps


def test_renewed_archive_timestamp_stays_valid(corpus: Corpus) -> None:
    verdict = check(corpus, corpus.renewed)
    assert verdict.valid, as_json(verdict)
    assert verdict.check("issued_by_us").passed is False  # a new hash, still genuine
    assert "2 document timestamp(s) intact" in verdict.check("signature_intact").detail


def test_a_corrupted_document_timestamp_is_named(corpus: Corpus) -> None:
    last = check(corpus, flip_in_doc_timestamp(corpus.renewed, "signature", index=-1))
    assert not last.valid and first_failure(last) == "signature_intact"
    detail = last.check("signature_intact").detail
    assert "document timestamp 2 of 2 is corrupted" in detail and "1 of 2" not in detail
    assert last.check("signature_intact").reason == "timestamp_damaged"
    assert "存档时间戳已损坏" in said(last, "signature_intact")
    # the first one's /Contents lies inside the second one's signed range: both break
    first = check(corpus, flip_in_doc_timestamp(corpus.renewed, "imprint", index=0))
    assert not first.valid and first_failure(first) == "signature_intact"
    detail = first.check("signature_intact").detail
    assert "document timestamp 1 of 2 is corrupted" in detail and "document timestamp 2 of 2 is corrupted" in detail


def test_document_timestamp_must_come_from_a_trusted_tsa(corpus: Corpus) -> None:
    verdict = check(corpus, doc_timestamp_by_lookalike_tsa(corpus.good))
    assert not verdict.valid and verdict.failed == ["issued_by_us", "trusted_signer"]
    assert verdict.check("signature_intact").passed is True
    assert "document timestamp 2 of 2: its timestamp authority does not chain to the pinned roots" in (
        verdict.check("trusted_signer").detail
    )


# ---------------------------------------------------------------- load: busy is not "fake"


def _concurrent(corpus: Corpus, count: int, limits):  # type: ignore[no-untyped-def]
    import threading

    from verifier.pdf.check import verify_pdf

    results: list = []
    barrier = threading.Barrier(count)

    def one() -> None:
        barrier.wait()
        results.append(
            verify_pdf(corpus.good, db=corpus.db, trust_roots=corpus.roots, office_names=(OFFICE,), limits=limits)
        )

    threads = [threading.Thread(target=one) for _ in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert len(results) == count
    return results


def test_a_busy_checker_answers_unavailable_never_not_valid(corpus: Corpus) -> None:
    from ecert.settings import SandboxLimits

    results = _concurrent(corpus, 6, SandboxLimits(max_jobs=1, wait=0.05, timeout=10))
    assert all(v.valid or v.unavailable for v in results), [as_json(v) for v in results]
    assert any(v.valid for v in results) and any(v.unavailable for v in results)
    busy = next(v for v in results if v.unavailable)
    assert not busy.valid and busy.failed == []  # no check failed: no verdict on the file
    assert busy.check("is_pdf").passed is None and "busy" in busy.check("is_pdf").detail
    assert busy.summary == "unavailable" and said(busy) == "暂时无法检查此文件，请稍后再试。"
    assert said(busy, lang="en") == "We could not check this file right now; please try again in a minute."
    assert as_json(busy)["unavailable"] is True and as_json(busy)["valid"] is False


def test_waiting_for_a_slot_does_not_count_against_the_files_time_limit(corpus: Corpus) -> None:
    from ecert.settings import SandboxLimits

    # one checker at a time: the last of five waits for four checks, longer than `timeout`
    results = _concurrent(corpus, 5, SandboxLimits(max_jobs=1, wait=60, timeout=2.0))
    assert all(v.valid for v in results), [as_json(v) for v in results if not v.valid]
    assert not any(v.unavailable for v in results)


def test_sandbox_time_limit_starts_when_the_child_runs() -> None:
    import threading

    from ecert.sandbox import run_sandboxed
    from ecert.settings import SandboxLimits

    limits = SandboxLimits(max_jobs=1, wait=30, timeout=0.8)
    outcomes: list = []
    threads = [
        threading.Thread(target=lambda: outcomes.append(run_sandboxed(time.sleep, 0.25, limits=limits)))
        for _ in range(5)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert [o.failure for o in outcomes] == [None] * 5
    assert max(o.waited for o in outcomes) > limits.timeout  # the last one queued for 4 x 0.25 s


def test_checker_that_cannot_start_is_unavailable(corpus: Corpus, monkeypatch: pytest.MonkeyPatch) -> None:
    from ecert import sandbox

    def refuse(self) -> None:  # type: ignore[no-untyped-def]
        raise OSError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(sandbox._Process, "start", refuse)
    monkeypatch.setattr(sandbox, "_START_RETRY_PAUSES", (0.0, 0.0))
    outcome = sandbox.run_sandboxed(math.sqrt, 4.0)
    assert outcome.failure == "unavailable" and outcome.unavailable and "Resource temporarily" in outcome.message
    verdict = check(corpus, corpus.good)
    assert verdict.unavailable and not verdict.valid
    assert verdict.check("is_pdf").passed is None and verdict.certificate is None


def test_a_dead_forkserver_is_restarted() -> None:
    import os
    import signal
    from multiprocessing import forkserver

    from ecert.sandbox import run_sandboxed

    assert run_sandboxed(math.sqrt, 9.0).value == 3.0
    pid = forkserver._forkserver._forkserver_pid  # type: ignore[attr-defined]
    assert pid
    os.kill(pid, signal.SIGKILL)
    again = run_sandboxed(math.sqrt, 16.0)  # multiprocessing starts a new one (one retry)
    assert again.value == 4.0, again
    assert forkserver._forkserver._forkserver_pid not in (None, pid)  # type: ignore[attr-defined]
