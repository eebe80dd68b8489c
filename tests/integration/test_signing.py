"""PAdES B-LTA signing (issuer.signing.signers) checked by the verifier (verifier.pdf.signature). No mocks."""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess
from pathlib import Path

import pikepdf
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from fpdf import FPDF
from PIL import Image, ImageDraw

from ecert.settings import PKCS12Config, Settings
from ecert.x509 import parse_certificates
from issuer import PKIError
from issuer.pki.development import DevelopmentPKI
from issuer.pki.hierarchy import make_crl
from issuer.signing.pades import DocumentSigner
from issuer.signing.signers import build_document_signer
from verifier.pdf.signature import validate_signed_pdf

OFFICE = "重庆市大足区职称改革办公室"
PUBLIC_URL = "http://127.0.0.1:8000"
BOX = (380.0, 60.0, 500.0, 180.0)
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def make_input_pdf() -> bytes:
    pdf = FPDF()
    pdf.set_creator("ecert tests")
    pdf.add_page()
    pdf.add_font("DejaVu", fname=str(FONT))
    pdf.set_font("DejaVu", size=16)
    pdf.cell(text="Professional title certificate (test)")
    return bytes(pdf.output())


def make_seal_png(px: int = 300) -> bytes:
    img = Image.new("RGBA", (px, px), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    draw.ellipse((6, 6, px - 6, px - 6), outline=(215, 25, 32, 225), width=14)
    draw.regular_polygon((px / 2, px / 2, px / 5), 5, fill=(215, 25, 32, 225))
    out = io.BytesIO()
    img.save(out, "PNG", optimize=True)
    return out.getvalue()


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("signing-home")
    DevelopmentPKI.load_or_create(home / "pki", OFFICE, PUBLIC_URL)
    return home


@pytest.fixture(scope="module")
def pki(home: Path) -> DevelopmentPKI:
    return DevelopmentPKI.load_or_create(home / "pki", OFFICE, PUBLIC_URL)


@pytest.fixture(scope="module")
def roots(pki: DevelopmentPKI) -> list:
    return parse_certificates(pki.roots_pem())


@pytest.fixture(scope="module")
def doc_signer(home: Path) -> DocumentSigner:
    return build_document_signer(Settings(home=home, database_url="sqlite://"))


@pytest.fixture(scope="module")
def input_pdf() -> bytes:
    return make_input_pdf()


@pytest.fixture(scope="module")
def seal() -> bytes:
    return make_seal_png()


@pytest.fixture(scope="module")
def signed(doc_signer: DocumentSigner, input_pdf: bytes, seal: bytes) -> bytes:
    return doc_signer.sign(input_pdf, seal_png=seal, box=BOX)


# --------------------------------------------------------------------------- PKI


def test_pki_files_and_reload(home: Path, pki: DevelopmentPKI) -> None:
    d = home / "pki"
    for key in d.glob("*.key.pem"):
        assert key.stat().st_mode & 0o777 == 0o600, key
    for cert in (pki.root_cert, pki.issuing_ca_cert, pki.signing_cert, pki.tsa_cert):
        assert "DEVELOPMENT" in cert.subject.human_friendly and "NOT FOR PRODUCTION" in cert.subject.human_friendly
    # The office's own name stays where validators look for it.
    assert pki.signing_cert.subject.native["common_name"] == OFFICE
    assert pki.signing_cert.subject.native["organization_name"] == OFFICE
    assert pki.signing_cert.key_usage_value.native == {"digital_signature", "non_repudiation"}
    assert pki.tsa_cert.extended_key_usage_value.native == ["time_stamping"]
    assert pki.signing_cert.public_key.algorithm == "rsa"
    assert [c["tbs_cert_list"]["issuer"] for c in pki.crls()] == [
        pki.root_cert.subject,
        pki.issuing_ca_cert.subject,
    ]
    urls = [dp.url for dp in pki.signing_cert.crl_distribution_points]
    assert urls == [f"{PUBLIC_URL}/pki/issuing-ca.crl"]
    again = DevelopmentPKI.load_or_create(d, OFFICE, PUBLIC_URL)
    assert again.root_cert.dump() == pki.root_cert.dump()
    with pytest.raises(PKIError):
        DevelopmentPKI.load_or_create(d, "another office", PUBLIC_URL)


def test_concurrent_first_use_creates_one_pki(tmp_path: Path) -> None:
    from concurrent.futures import ProcessPoolExecutor

    target = tmp_path / "pki"
    with ProcessPoolExecutor(4) as pool:
        futures = [pool.submit(_load_root_der, target) for _ in range(4)]
        results = {f.result() for f in futures}
    assert len(results) == 1
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".pki.") and p.is_dir()]


def _load_root_der(target: Path) -> bytes:
    return DevelopmentPKI.load_or_create(target, OFFICE, PUBLIC_URL).root_cert.dump()


# --------------------------------------------------------------------------- signing


def test_signed_pdf_is_clean_and_valid(signed: bytes, roots: list, input_pdf: bytes, tmp_path: Path) -> None:
    if shutil.which("qpdf") is None:
        pytest.fail("qpdf is missing (Debian package qpdf)")
    path = tmp_path / "signed.pdf"
    path.write_bytes(signed)
    check = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "No syntax or stream encoding errors" in check.stdout

    report = validate_signed_pdf(signed, roots)
    assert report.intact and report.valid and report.trusted, report.problems
    assert report.modification_level in {"NONE", "LTA_UPDATES"}
    assert report.docmdp_ok and report.certified and report.docmdp_level == 2
    assert report.ltv and report.timestamp_ok and report.lta_ok, report.problems
    assert report.ok and report.problems == []
    assert OFFICE in report.signer_subject
    assert report.signing_time is not None
    assert report.doc_timestamps == 1 and report.has_dss

    header = re.match(rb"%PDF-(\d)\.(\d)", signed)
    assert header and (int(header[1]), int(header[2])) <= (1, 7)
    with pikepdf.open(io.BytesIO(signed)) as pdf:
        version = str(pdf.Root.get("/Version", "/1.0")).lstrip("/")
        assert tuple(int(x) for x in version.split(".")) <= (1, 7)
        assert "/DSS" in pdf.Root
        fields = {str(f.get("/T")): f for f in pdf.Root.AcroForm.Fields}
        assert any(f.get("/V") is not None and f.V.get("/Type") == "/DocTimeStamp" for f in fields.values())
        sig = fields["Signature1"]
        assert sig.V.SubFilter == "/ETSI.CAdES.detached"
        assert sig.V.Reference[0].TransformParams.P == 2
        rect = [float(x) for x in sig.Rect]
        assert rect == list(BOX)
        assert pdf.pages[0].obj.Annots[0].objgen == sig.objgen
        assert _has_image(sig.AP.N), "the seal appearance has no image XObject"
    # size overhead stays reasonable (seal ~ 10-40 KB + B-LTA CMS ~ 40 KB)
    assert len(signed) - len(input_pdf) < 120_000


def _has_image(xobject, depth: int = 0) -> bool:
    if xobject.get("/Subtype") == "/Image":
        return True
    if depth > 4:
        return False
    resources = xobject.get("/Resources") or {}
    return any(_has_image(child, depth + 1) for child in (resources.get("/XObject") or {}).values())


def test_other_root_is_not_trusted(signed: bytes, tmp_path: Path) -> None:
    other = DevelopmentPKI.load_or_create(tmp_path / "other", OFFICE, PUBLIC_URL)
    report = validate_signed_pdf(signed, parse_certificates(other.roots_pem()))
    assert report.intact and report.valid
    assert not report.trusted and not report.ltv and not report.ok


def test_changed_byte_is_not_intact(signed: bytes, roots: list) -> None:
    pos = signed.index(b"Professional") if b"Professional" in signed else len(signed) // 10
    sig_ranges = _signed_ranges(signed)
    assert any(a <= pos < a + n for a, n in sig_ranges)
    tampered = bytearray(signed)
    tampered[pos] ^= 0x01
    report = validate_signed_pdf(bytes(tampered), roots)
    assert not report.intact and not report.ok


def _signed_ranges(data: bytes) -> list[tuple[int, int]]:
    m = re.search(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", data)
    assert m
    a, b, c, d = (int(x) for x in m.groups())
    return [(a, b), (c, d)]


def test_uncompressed_content_tamper(doc_signer: DocumentSigner, seal: bytes, roots: list) -> None:
    pdf = FPDF()
    pdf.compress = False
    pdf.add_page()
    pdf.add_font("DejaVu", fname=str(FONT))
    pdf.set_font("DejaVu", size=12)
    pdf.cell(text="Grade 5")
    signed = doc_signer.sign(bytes(pdf.output()), seal_png=seal, box=BOX)
    assert validate_signed_pdf(signed, roots).ok
    i = signed.index(b" Tj")
    tampered = bytearray(signed)
    tampered[i - 3] ^= 0x01  # a glyph id inside the text-showing operand
    report = validate_signed_pdf(bytes(tampered), roots)
    assert not report.intact and not report.ok


def test_appended_annotation_is_beyond_lta_updates(signed: bytes, roots: list) -> None:
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.generic import pdf_name
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    w = IncrementalPdfFileWriter(io.BytesIO(signed))
    page_ref = w.root["/Pages"]["/Kids"][0]
    page = page_ref.get_object()
    annot = generic.DictionaryObject(
        {
            pdf_name("/Type"): pdf_name("/Annot"),
            pdf_name("/Subtype"): pdf_name("/FreeText"),
            pdf_name("/Rect"): generic.ArrayObject(map(generic.FloatObject, (50, 700, 300, 740))),
            pdf_name("/Contents"): generic.TextStringObject("Grade: senior (forged)"),
            pdf_name("/DA"): generic.TextStringObject("/Helv 12 Tf 0 g"),
        }
    )
    page["/Annots"].append(w.add_object(annot))
    w.update_container(page)
    out = io.BytesIO()
    w.write(out)
    report = validate_signed_pdf(out.getvalue(), roots)
    assert report.intact  # the signed bytes are untouched ...
    assert report.modification_level not in {"NONE", "LTA_UPDATES"}  # ... but the update is caught
    assert not report.ok


def test_junk_after_eof_is_refused(signed: bytes, roots: list) -> None:
    report = validate_signed_pdf(signed + b"\n% harmless?\n" + b"x" * 100, roots)
    assert report.intact and not report.ok
    assert "bytes after the last revision" in report.problems
    # junk that ends with a startxref pointing back at the real last xref section
    startxref = re.findall(rb"startxref\s+(\d+)\s+%%EOF", signed)[-1]
    forged = signed + b"\n(junk) Tj\nstartxref\n" + startxref + b"\n%%EOF\n"
    report = validate_signed_pdf(forged, roots)
    assert not report.ok and "bytes after the last revision" in report.problems


@pytest.mark.parametrize("garbage", [b"", b"not a pdf", b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF"])
def test_garbage_fails_closed(garbage: bytes, roots: list) -> None:
    report = validate_signed_pdf(garbage, roots)
    assert not report.valid and not report.ok and report.problems


def test_unsigned_pdf_is_not_valid(input_pdf: bytes, roots: list) -> None:
    report = validate_signed_pdf(input_pdf, roots)
    assert not report.ok and report.problems


def crls_published_at(pki_dir: Path, moment: dt.datetime) -> list:
    """The CRLs the development CAs would publish at ``moment``; the ones on disk stay."""
    from asn1crypto import crl as asn1_crl
    from cryptography import x509

    crls = []
    for ca in ("root-ca", "issuing-ca"):
        key = serialization.load_pem_private_key((pki_dir / f"{ca}.key.pem").read_bytes(), None)
        cert = x509.load_pem_x509_certificate((pki_dir / f"{ca}.cert.pem").read_bytes())
        crl = make_crl(cert, key, moment, 1000)  # type: ignore[arg-type]
        crls.append(asn1_crl.CertificateList.load(crl.public_bytes(serialization.Encoding.DER)))
    return crls


def test_lta_years_later_and_renewal(
    signed: bytes, roots: list, pki: DevelopmentPKI, doc_signer: DocumentSigner
) -> None:
    # 2035: the signer certificate (5 years) has expired; the TSA's (10 years) has not.
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=9 * 365)
    assert later > pki.signing_cert.not_valid_after
    fresh = crls_published_at(pki.directory, later - dt.timedelta(hours=1))
    report = validate_signed_pdf(signed, roots, validation_time=later, crls=fresh)
    assert report.lta_ok, report.problems
    # Without current revocation data for the last timestamp's chain there is no LTA proof.
    assert not validate_signed_pdf(signed, roots, validation_time=later).lta_ok

    renewed = doc_signer.renew_archival_timestamp(signed)
    assert len(renewed) > len(signed)
    r2 = validate_signed_pdf(renewed, roots)
    assert r2.ok and r2.lta_ok and r2.doc_timestamps == 2, r2.problems
    r3 = validate_signed_pdf(renewed, roots, validation_time=later, crls=fresh)
    assert r3.lta_ok, r3.problems


def test_signer_is_reused_and_fast_enough(doc_signer: DocumentSigner, input_pdf: bytes, seal: bytes) -> None:
    import time

    doc_signer.sign(input_pdf, seal_png=seal, box=BOX)  # warm
    t0 = time.perf_counter()
    for _ in range(5):
        doc_signer.sign(input_pdf, seal_png=seal, box=BOX)
    per_signature = (time.perf_counter() - t0) / 5
    assert per_signature < 0.5, f"{per_signature * 1000:.0f} ms per B-LTA signature"


def test_bad_box_and_seal_are_signing_errors(doc_signer: DocumentSigner, input_pdf: bytes, seal: bytes) -> None:
    from issuer import SigningError

    with pytest.raises(SigningError):
        doc_signer.sign(input_pdf, seal_png=seal, box=(10, 10, 5, 20))
    with pytest.raises(SigningError):
        doc_signer.sign(input_pdf, seal_png=b"not a png", box=BOX)


# --------------------------------------------------------------------------- settings


def test_production_refuses_development_parts(home: Path) -> None:
    settings = Settings(home=home, database_url="sqlite://", environment="production", tsa_url=None)
    with pytest.raises(PKIError):
        build_document_signer(settings)


def test_pkcs12_signer(
    home: Path, pki: DevelopmentPKI, tmp_path: Path, input_pdf: bytes, seal: bytes, roots: list
) -> None:
    passphrase = "correct horse battery staple"
    key = serialization.load_pem_private_key((pki.directory / "signer.key.pem").read_bytes(), None)
    from cryptography import x509

    def pyca(cert):  # type: ignore[no-untyped-def]
        return x509.load_der_x509_certificate(cert.dump())

    p12 = pkcs12.serialize_key_and_certificates(
        b"signer",
        key,  # type: ignore[arg-type]
        pyca(pki.signing_cert),
        [pyca(c) for c in pki.chain],
        serialization.BestAvailableEncryption(passphrase.encode()),
    )
    (tmp_path / "signer.p12").write_bytes(p12)
    (tmp_path / "pass.txt").write_text(passphrase + "\n")
    shutil.copytree(home / "pki", tmp_path / "home" / "pki")  # revocation data + TSA
    settings = Settings(
        home=tmp_path / "home",
        database_url="sqlite://",
        signer="pkcs12",
        pkcs12=PKCS12Config(path=tmp_path / "signer.p12", passphrase_file=tmp_path / "pass.txt"),
    )
    signer = build_document_signer(settings)
    report = validate_signed_pdf(signer.sign(input_pdf, seal_png=seal, box=BOX), roots)
    assert report.ok and report.trusted and report.lta_ok, report.problems

    (tmp_path / "pass.txt").write_text("wrong\n")
    with pytest.raises(PKIError):
        build_document_signer(settings)


def test_a_certificate_not_for_signing_documents_is_refused_when_the_signer_is_built(
    pki: DevelopmentPKI, tmp_path: Path
) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = serialization.load_pem_private_key((pki.directory / "signer.key.pem").read_bytes(), None)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, OFFICE)])

    def p12_with(usage: x509.KeyUsage, eku: x509.ExtendedKeyUsage | None = None) -> Settings:
        now = dt.datetime.now(dt.UTC)
        builder = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())  # type: ignore[union-attr]
            .serial_number(x509.random_serial_number())
            .not_valid_before(now)
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(usage, critical=True)
        )
        if eku is not None:
            builder = builder.add_extension(eku, critical=False)
        cert = builder.sign(key, hashes.SHA256())  # type: ignore[arg-type]
        path = tmp_path / f"{len(list(tmp_path.iterdir()))}.p12"
        path.write_bytes(pkcs12.serialize_key_and_certificates(b"x", key, cert, None, serialization.NoEncryption()))  # type: ignore[arg-type]
        return Settings(
            home=tmp_path,
            database_url="sqlite://",
            signer="pkcs12",
            pkcs12=PKCS12Config(path=path, passphrase_file=None),
        )

    flags = dict.fromkeys(
        (
            "digital_signature",
            "content_commitment",
            "key_encipherment",
            "data_encipherment",
            "key_agreement",
            "key_cert_sign",
            "crl_sign",
            "encipher_only",
            "decipher_only",
        ),
        False,
    )
    with pytest.raises(PKIError, match="not for signing documents"):
        build_document_signer(p12_with(x509.KeyUsage(**{**flags, "key_encipherment": True})))
    with pytest.raises(PKIError, match="not for signing documents"):
        build_document_signer(
            p12_with(
                x509.KeyUsage(**{**flags, "digital_signature": True}),
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]),
            )
        )
