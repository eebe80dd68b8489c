"""The one reader of certificate files (ecert.x509): PEM bundles or one DER certificate."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from asn1crypto import pem as asn1_pem
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from ecert.x509 import CertificateFormatError, certificate_pem, parse_certificates, read_certificates


def _certificate(name: str) -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.DER)


def test_certificates_from_a_pem_bundle_or_der() -> None:
    first, second = _certificate("one"), _certificate("two")
    bundle = (
        asn1_pem.armor("CERTIFICATE", first)
        + asn1_pem.armor("PRIVATE KEY", b"ignored")
        + asn1_pem.armor("CERTIFICATE", second)
    )
    names = [c.subject.native["common_name"] for c in parse_certificates(bundle)]
    assert names == ["one", "two"]
    assert [c.dump() for c in parse_certificates(bundle.decode("ascii"))] == [first, second]
    (der,) = parse_certificates(first)
    assert parse_certificates(certificate_pem(der))[0].dump() == first


@pytest.mark.parametrize("junk", [b"", b"junk", asn1_pem.armor("PRIVATE KEY", b"x")])
def test_no_certificate_is_an_error(junk: bytes, tmp_path: Path) -> None:
    with pytest.raises(CertificateFormatError):
        parse_certificates(junk)
    (tmp_path / "roots.pem").write_bytes(junk)
    with pytest.raises(CertificateFormatError, match=r"roots\.pem"):
        read_certificates(tmp_path / "roots.pem")
    with pytest.raises(CertificateFormatError, match="cannot read"):
        read_certificates(tmp_path / "missing.pem")
