"""One key-usage rule for a document-signing certificate: the verifier trusts exactly the
certificates the issuer would sign with (ecert.x509.DOCUMENT_SIGNING_USAGE)."""

from __future__ import annotations

import datetime as dt

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, ObjectIdentifier
from pyhanko_certvalidator.errors import InvalidCertificateError

from ecert.x509 import DOCUMENT_SIGNING_USAGE
from verifier.pdf.worker import signer_identity

OFFICE = "重庆市大足区职称改革办公室"
DOCUMENT_SIGNING = ObjectIdentifier("1.3.6.1.5.5.7.3.36")


def _usage(*, digital_signature: bool = False, content_commitment: bool = False) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=digital_signature,
        content_commitment=content_commitment,
        key_encipherment=not (digital_signature or content_commitment),
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )


def _certificate_der(usage: x509.KeyUsage, ekus: list[ObjectIdentifier] | None) -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(x509.NameOID.ORGANIZATION_NAME, OFFICE)])
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(7)
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(usage, critical=True)
    )
    if ekus is not None:
        builder = builder.add_extension(x509.ExtendedKeyUsage(ekus), critical=False)
    return builder.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


@pytest.mark.parametrize(
    ("usage", "ekus", "accepted"),
    [
        (_usage(digital_signature=True), None, True),
        (_usage(content_commitment=True), None, True),
        (_usage(digital_signature=True), [DOCUMENT_SIGNING], True),
        (_usage(digital_signature=True), [ExtendedKeyUsageOID.EMAIL_PROTECTION], True),
        (_usage(digital_signature=True), [ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE], True),
        (_usage(), None, False),  # key encipherment only
        (_usage(digital_signature=True), [ExtendedKeyUsageOID.TIME_STAMPING], False),
        (_usage(digital_signature=True), [ExtendedKeyUsageOID.SERVER_AUTH], False),
    ],
    ids=["ds", "nr", "ds+docsign", "ds+email", "ds+any", "encipher only", "timestamping", "server auth"],
)
def test_verifier_trusts_the_usages_the_issuer_signs_with(
    usage: x509.KeyUsage, ekus: list[ObjectIdentifier] | None, accepted: bool
) -> None:
    der = _certificate_der(usage, ekus)
    identity = signer_identity(der, (OFFICE,))
    assert identity.ok is accepted, identity.problems
    if not accepted:
        assert any("not for document signing" in problem for problem in identity.problems)
        with pytest.raises(InvalidCertificateError):
            DOCUMENT_SIGNING_USAGE.validate(asn1_x509.Certificate.load(der))
