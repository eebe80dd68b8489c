"""Signing with the key in a PKCS#11 token (SoftHSM2), as production does with an HSM."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from fpdf import FPDF
from PIL import Image, ImageDraw

from ecert.settings import PKCS11Config, Settings
from ecert.x509 import parse_certificates
from issuer.pki.development import DevelopmentPKI
from issuer.signing.signers import build_document_signer
from verifier.pdf.signature import validate_signed_pdf

OFFICE = "重庆市大足区职称改革办公室"
MODULE = Path("/usr/lib/softhsm/libsofthsm2.so")
BOX = (380.0, 60.0, 500.0, 180.0)


def _require(tool: str, package: str) -> None:
    if shutil.which(tool) is None:
        message = f"{tool} is missing: install the Debian package {package}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="module")
def token(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    """(ECERT_HOME with a dev PKI, PIN file), the signing key and cert imported in a token."""
    _require("softhsm2-util", "softhsm2")
    _require("pkcs11-tool", "opensc")
    if not MODULE.is_file():
        message = f"{MODULE} is missing: install the Debian package softhsm2"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    base = tmp_path_factory.mktemp("softhsm")
    (base / "tokens").mkdir()
    conf = base / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {base / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n")
    old = os.environ.get("SOFTHSM2_CONF")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    try:
        home = base / "home"
        pki = DevelopmentPKI.load_or_create(home / "pki", OFFICE, "http://127.0.0.1:8000")
        key_pem = base / "key.pem"
        shutil.copy(pki.directory / "signer.key.pem", key_pem)  # PKCS#8
        cert_der = base / "cert.der"
        cert_der.write_bytes(pki.signing_cert.dump())

        def run(*args: str) -> None:
            done = subprocess.run(args, capture_output=True, text=True)
            assert done.returncode == 0, f"{args[0]}: {done.stdout}{done.stderr}"

        run("softhsm2-util", "--init-token", "--free", "--label", "ecert-test", "--pin", "1234", "--so-pin", "5678")
        run(
            "softhsm2-util",
            "--import",
            str(key_pem),
            "--token",
            "ecert-test",
            "--label",
            "signer",
            "--id",
            "01",
            "--pin",
            "1234",
        )
        run(
            "pkcs11-tool",
            "--module",
            str(MODULE),
            "--token-label",
            "ecert-test",
            "--login",
            "--pin",
            "1234",
            "--write-object",
            str(cert_der),
            "--type",
            "cert",
            "--label",
            "signer",
            "--id",
            "01",
        )
        key_pem.unlink()
        pin = base / "pin.txt"
        pin.write_text("1234\n")
        yield home, pin
    finally:
        if old is None:
            os.environ.pop("SOFTHSM2_CONF", None)
        else:
            os.environ["SOFTHSM2_CONF"] = old


def _input_pdf() -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.add_font("DejaVu", fname="/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    pdf.set_font("DejaVu", size=14)
    pdf.cell(text="PKCS#11 test")
    return bytes(pdf.output())


def _seal() -> bytes:
    img = Image.new("RGBA", (200, 200), (0, 0, 0, 0))
    ImageDraw.Draw(img).ellipse((5, 5, 195, 195), outline=(215, 25, 32, 255), width=10)
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def test_sign_with_softhsm(token: tuple[Path, Path]) -> None:
    home, pin = token
    settings = Settings(
        home=home,
        database_url="sqlite://",
        signer="pkcs11",
        pkcs11=PKCS11Config(module=MODULE, token_label="ecert-test", key_label="signer", pin_file=pin),
    )
    signer = build_document_signer(settings)
    try:
        pdf = _input_pdf()
        signed = signer.sign(pdf, seal_png=_seal(), box=BOX)
        signed_again = signer.sign(pdf, seal_png=_seal(), box=BOX)  # the session stays open
    finally:
        signer.close()
    roots = parse_certificates(DevelopmentPKI.load_or_create(home / "pki", OFFICE, "").roots_pem())
    for data in (signed, signed_again):
        report = validate_signed_pdf(data, roots)
        assert report.ok and report.trusted and report.lta_ok, report.problems
        assert OFFICE in report.signer_subject


def test_wrong_pin_is_a_pki_error(token: tuple[Path, Path], tmp_path: Path) -> None:
    from issuer import PKIError

    home, _pin = token
    bad = tmp_path / "pin.txt"
    bad.write_text("0000\n")
    settings = Settings(
        home=home,
        database_url="sqlite://",
        signer="pkcs11",
        pkcs11=PKCS11Config(module=MODULE, token_label="ecert-test", key_label="signer", pin_file=bad),
    )
    with pytest.raises(PKIError):
        build_document_signer(settings)
