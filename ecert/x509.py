"""X.509 certificates as files hold them: PEM bundles (or one DER certificate) in, PEM out,
and what a document-signing certificate must be for.

One reader for the trust roots the verifier pins, the chain a PKCS#12/PKCS#11 signer
is configured with and the development PKI's export, so they all accept the same files;
one key-usage rule for the signer the issuer refuses to build and the signer the verifier
refuses to trust.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from asn1crypto import pem as asn1_pem
from asn1crypto import x509 as asn1_x509

from ecert import EcertError

if TYPE_CHECKING:
    from pyhanko.sign.validation.settings import KeyUsageConstraints

    DOCUMENT_SIGNING_USAGE: KeyUsageConstraints


def __getattr__(name: str) -> Any:
    # DOCUMENT_SIGNING_USAGE is built on first use: importing pyHanko (~0.3 s) only to read a
    # trust-roots file would slow every process that reads one (``ecert verify`` checks the
    # file's signature in the sandbox, which imports pyHanko there).
    if name == "DOCUMENT_SIGNING_USAGE":
        usage = _document_signing_usage()
        globals()[name] = usage
        return usage
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _document_signing_usage() -> KeyUsageConstraints:
    from pyhanko.sign.validation.settings import KeyUsageConstraints

    # Either key usage and, when the certificate names extended key usages, one meant for signing
    # documents (anyExtendedKeyUsage passes: pyHanko's rule when no EKU is required).
    return KeyUsageConstraints(
        key_usage={"digital_signature", "non_repudiation"},
        match_all_key_usages=False,
        extd_key_usage={
            "1.3.6.1.5.5.7.3.36",  # id-kp-documentSigning (RFC 9336)
            "microsoft_document_signing",
            "adobe_authentic_documents_trust",
            "email_protection",  # common on commercial signing certificates
        },
        explicit_extd_key_usage_required=False,
    )


class CertificateFormatError(EcertError, ValueError):
    """No certificate could be read (unreadable file, neither PEM nor DER, no CERTIFICATE block)."""


def parse_certificates(data: bytes | str) -> list[asn1_x509.Certificate]:
    """The ``CERTIFICATE`` blocks of a PEM bundle (other blocks ignored), or one DER certificate."""
    raw = data.encode("ascii", errors="replace") if isinstance(data, str) else data
    try:
        if asn1_pem.detect(raw):
            certificates = [
                asn1_x509.Certificate.load(der)
                for kind, _headers, der in asn1_pem.unarmor(raw, multiple=True)
                if kind == "CERTIFICATE"
            ]
        else:
            certificates = [asn1_x509.Certificate.load(raw)]
    except (ValueError, TypeError) as exc:
        raise CertificateFormatError(f"not a PEM bundle or DER certificate: {exc}") from exc
    if not certificates:
        raise CertificateFormatError("no CERTIFICATE in the PEM bundle")
    return certificates


def read_certificates(path: Path) -> list[asn1_x509.Certificate]:
    """``parse_certificates`` of the file ``path``; the error names the file."""
    try:
        return parse_certificates(Path(path).read_bytes())
    except OSError as exc:
        raise CertificateFormatError(f"cannot read certificates from {path}: {exc.strerror or exc}") from exc
    except CertificateFormatError as exc:
        raise CertificateFormatError(f"{path}: {exc}") from exc


def certificate_pem(certificate: asn1_x509.Certificate) -> str:
    return asn1_pem.armor("CERTIFICATE", certificate.dump()).decode("ascii")
