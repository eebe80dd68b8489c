"""The development PKI's certificates: root CA → issuing CA → document signer, and a TSA.

Pure generation (keys, certificates, CRLs in memory); ``issuer.pki.development`` writes
them to files and loads them. DEVELOPMENT ONLY: every subject says so, the document
signer's in an organisational unit next to the office's own name (which validators match).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

ROOT_CN = "ecert DEVELOPMENT Root CA — NOT FOR PRODUCTION"
ISSUING_CN = "ecert DEVELOPMENT Issuing CA — NOT FOR PRODUCTION"
TSA_CN = "ecert DEVELOPMENT Timestamp Authority — NOT FOR PRODUCTION"
DEV_ORG = "ecert DEVELOPMENT PKI — NOT FOR PRODUCTION"

ROOT_VALIDITY = dt.timedelta(days=25 * 365 + 6)
ISSUING_VALIDITY = dt.timedelta(days=15 * 365 + 4)
SIGNER_VALIDITY = dt.timedelta(days=5 * 365 + 1)
TSA_VALIDITY = dt.timedelta(days=10 * 365 + 2)
CRL_VALIDITY = dt.timedelta(days=7)
BACKDATE = dt.timedelta(minutes=5)

# Where the CRLs are published, below the public URL (and their file names in the PKI's directory).
CRL_FILES = {"root": "root.crl", "issuing": "issuing-ca.crl"}


def crl_url(public_url: str, which: str) -> str:
    return f"{public_url.rstrip('/')}/pki/{CRL_FILES[which]}"


@dataclass(frozen=True)
class Issued:
    key: rsa.RSAPrivateKey
    certificate: x509.Certificate


def _name(cn: str, org: str, unit: str | None = None) -> x509.Name:
    attributes = [x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"), x509.NameAttribute(NameOID.ORGANIZATION_NAME, org)]
    if unit:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, unit))
    attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, cn))
    return x509.Name(attributes)


def _new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _ku(*, sign: bool = False, ca: bool = False) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=sign,
        content_commitment=sign,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def _issue(
    *,
    subject: x509.Name,
    public_key: rsa.RSAPublicKey,
    issuer_name: x509.Name,
    issuer_key: rsa.RSAPrivateKey,
    validity: dt.timedelta,
    now: dt.datetime,
    ca_path_length: int | bool | None,
    key_usage: x509.KeyUsage,
    crl_dp: str | None = None,
    eku_timestamping: bool = False,
) -> x509.Certificate:
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(now + validity)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False)
        .add_extension(key_usage, critical=True)
    )
    if ca_path_length is False:
        builder = builder.add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
    else:
        builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=ca_path_length), critical=True)
    if crl_dp:
        builder = builder.add_extension(
            x509.CRLDistributionPoints(
                [
                    x509.DistributionPoint(
                        full_name=[x509.UniformResourceIdentifier(crl_dp)],
                        relative_name=None,
                        reasons=None,
                        crl_issuer=None,
                    )
                ]
            ),
            critical=False,
        )
    if eku_timestamping:
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
    return builder.sign(issuer_key, hashes.SHA256())


def make_crl(
    issuer_cert: x509.Certificate, issuer_key: rsa.RSAPrivateKey, now: dt.datetime, number: int
) -> x509.CertificateRevocationList:
    return (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer_cert.subject)
        .last_update(now - BACKDATE)
        .next_update(now + CRL_VALIDITY)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False)
        .add_extension(x509.CRLNumber(number), critical=False)
        .sign(issuer_key, hashes.SHA256())
    )


def generate(office_name: str, public_url: str, now: dt.datetime) -> dict[str, Issued]:
    """New keys and certificates for ``root``, ``issuing``, ``signer`` and ``tsa``."""
    root_key, issuing_key, signer_key, tsa_key = (_new_key() for _ in range(4))
    root_name = _name(ROOT_CN, DEV_ORG)
    issuing_name = _name(ISSUING_CN, DEV_ORG)
    root = _issue(
        subject=root_name,
        public_key=root_key.public_key(),
        issuer_name=root_name,
        issuer_key=root_key,
        validity=ROOT_VALIDITY,
        now=now,
        ca_path_length=None,
        key_usage=_ku(ca=True),
    )
    issuing = _issue(
        subject=issuing_name,
        public_key=issuing_key.public_key(),
        issuer_name=root_name,
        issuer_key=root_key,
        validity=ISSUING_VALIDITY,
        now=now,
        ca_path_length=0,
        key_usage=_ku(ca=True),
        crl_dp=crl_url(public_url, "root"),
    )
    signer = _issue(
        subject=_name(office_name, office_name, DEV_ORG),
        public_key=signer_key.public_key(),
        issuer_name=issuing_name,
        issuer_key=issuing_key,
        validity=SIGNER_VALIDITY,
        now=now,
        ca_path_length=False,
        key_usage=_ku(sign=True),
        crl_dp=crl_url(public_url, "issuing"),
    )
    tsa = _issue(
        subject=_name(TSA_CN, DEV_ORG),
        public_key=tsa_key.public_key(),
        issuer_name=issuing_name,
        issuer_key=issuing_key,
        validity=TSA_VALIDITY,
        now=now,
        ca_path_length=False,
        key_usage=_ku(sign=True),
        crl_dp=crl_url(public_url, "issuing"),
        eku_timestamping=True,
    )
    return {
        "root": Issued(root_key, root),
        "issuing": Issued(issuing_key, issuing),
        "signer": Issued(signer_key, signer),
        "tsa": Issued(tsa_key, tsa),
    }


# --------------------------------------------------------------------------- rotation
# New parts under the existing root (``issuer.pki.rotation``). A part never outlives the
# CA that issues it: past its issuer's end it could not be validated anyway (shell model).


def _capped(validity: dt.timedelta, now: dt.datetime, issuer: x509.Certificate) -> dt.timedelta:
    return min(validity, issuer.not_valid_after_utc - now)


def new_issuing_ca(root: Issued, public_url: str, now: dt.datetime) -> Issued:
    """A new issuing CA under the root (the old one keeps signing CRLs for what it issued)."""
    key = _new_key()
    # Its own name: CRLs and paths are matched by issuer name, two CAs must not share one.
    cn = ISSUING_CN.replace("Issuing CA", f"Issuing CA {now:%Y%m%d%H%M}")
    cert = _issue(
        subject=_name(cn, DEV_ORG),
        public_key=key.public_key(),
        issuer_name=root.certificate.subject,
        issuer_key=root.key,
        validity=ISSUING_VALIDITY,  # may outlive the root: a pinned root is a trust anchor, its dates are not checked
        now=now,
        ca_path_length=0,
        key_usage=_ku(ca=True),
        crl_dp=crl_url(public_url, "root"),
    )
    return Issued(key, cert)


def new_signer(office_name: str, public_url: str, issuing: Issued, now: dt.datetime) -> Issued:
    """A new document-signing key and certificate for the office under ``issuing``."""
    key = _new_key()
    cert = _issue(
        subject=_name(office_name, office_name, DEV_ORG),
        public_key=key.public_key(),
        issuer_name=issuing.certificate.subject,
        issuer_key=issuing.key,
        validity=_capped(SIGNER_VALIDITY, now, issuing.certificate),
        now=now,
        ca_path_length=False,
        key_usage=_ku(sign=True),
        crl_dp=crl_url(public_url, "issuing"),
    )
    return Issued(key, cert)


def new_tsa(public_url: str, issuing: Issued, now: dt.datetime) -> Issued:
    """A new timestamp authority key and certificate under ``issuing``."""
    key = _new_key()
    cert = _issue(
        subject=_name(TSA_CN, DEV_ORG),
        public_key=key.public_key(),
        issuer_name=issuing.certificate.subject,
        issuer_key=issuing.key,
        validity=_capped(TSA_VALIDITY, now, issuing.certificate),
        now=now,
        ca_path_length=False,
        key_usage=_ku(sign=True),
        crl_dp=crl_url(public_url, "issuing"),
        eku_timestamping=True,
    )
    return Issued(key, cert)
