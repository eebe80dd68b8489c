"""Rotating the development PKI's keys: a new document signer, a new TSA, a new issuing CA.

DEVELOPMENT ONLY (``ecert pki rotate``); production rotates its keys as the README's
"Renewing timestamps and rotating keys" says. What was signed with an old key stays valid:
the old certificates are embedded in every PDF they signed, the root does not change, and
the replaced files are kept under ``history/<moment>/`` (the old issuing CA's key too, so
that it keeps publishing CRLs for the certificates it issued until they expire: a renewal
needs current revocation data of the previous timestamp's TSA)::

    history/20341208T000000Z/signer.key.pem  signer.cert.pem  tsa.key.pem  tsa.cert.pem ...

A new issuing CA implies a new signer and TSA (the old ones chain to the old CA). A new
part never outlives the CA that issues it (``issuer.pki.hierarchy.new_signer``, ``new_tsa``):
when the issuing CA has less left than a TSA certificate's life, rotate it too.
"""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import crl as asn1_crl
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from ecert.files import file_lock, write_atomic
from issuer import PKIError
from issuer.pki.development import _FILES, DevelopmentPKI, _key_pem
from issuer.pki.hierarchy import CRL_FILES, Issued, make_crl, new_issuing_ca, new_signer, new_tsa

__all__ = ["Rotated", "crls_at", "history_certificates", "rotate"]

HISTORY = "history"


@dataclass(frozen=True)
class Rotated:
    """What ``rotate`` replaced (``signer``, ``tsa``, ``issuing``), where the old files went,
    and until when each new certificate is valid."""

    parts: tuple[str, ...]
    history_dir: Path
    valid_until: dict[str, dt.datetime]


def rotate(
    pki: DevelopmentPKI, *, signer: bool = False, tsa: bool = False, issuing_ca: bool = False, now: dt.datetime
) -> Rotated:
    """Replace the chosen parts of ``pki`` (on disk) with new keys and certificates made at ``now``."""
    if issuing_ca:
        signer = tsa = True
    if not (signer or tsa):
        raise PKIError("nothing to rotate: choose the signer, the TSA or the issuing CA")
    directory = pki.directory
    parts = tuple(p for p, chosen in (("issuing", issuing_ca), ("signer", signer), ("tsa", tsa)) if chosen)
    with file_lock(directory / ".rotate.lock"):
        history = directory / HISTORY / now.strftime("%Y%m%dT%H%M%SZ")
        n = 1
        while history.exists():
            n += 1
            history = directory / HISTORY / f"{now:%Y%m%dT%H%M%SZ}-{n}"
        history.mkdir(parents=True, mode=0o700)
        for part in parts:
            for name in _FILES[part]:
                shutil.copy2(directory / name, history / name)
        if issuing_ca:
            shutil.copy2(directory / CRL_FILES["issuing"], history / CRL_FILES["issuing"])
        root = Issued(pki._root_key, pki._pyca_certs["root"])
        issuing = Issued(pki._issuing_key, pki._pyca_certs["issuing"])
        made: dict[str, Issued] = {}
        if issuing_ca:
            issuing = made["issuing"] = new_issuing_ca(root, pki.public_url, now)
        if signer:
            made["signer"] = new_signer(pki.office_name, pki.public_url, issuing, now)
        if tsa:
            made["tsa"] = new_tsa(pki.public_url, issuing, now)
        for part in ("issuing", "tsa", "signer"):  # the signer's certificate last: loaders watch it
            if part in made:
                key_file, cert_file = _FILES[part]
                write_atomic(directory / key_file, _key_pem(made[part].key), 0o600)
                if part == "issuing":
                    crl = make_crl(issuing.certificate, issuing.key, now, 1)
                    write_atomic(directory / CRL_FILES["issuing"], crl.public_bytes(serialization.Encoding.DER))
                write_atomic(directory / cert_file, made[part].certificate.public_bytes(serialization.Encoding.PEM))
        if "signer" not in made:  # a new file (inode) tells DevelopmentPKI.load_or_create to reload
            path = directory / _FILES["signer"][1]
            write_atomic(path, path.read_bytes())
    return Rotated(parts, history, {p: i.certificate.not_valid_after_utc for p, i in made.items()})


def _history_dirs(directory: Path) -> list[Path]:
    root = directory / HISTORY
    return sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else []


def history_certificates(directory: Path) -> list[asn1_x509.Certificate]:
    """Every certificate ``rotate`` replaced: what old signatures and timestamps chain through."""
    found = []
    for folder in _history_dirs(directory):
        for _, cert_file in _FILES.values():
            path = folder / cert_file
            if path.is_file():
                found.append(asn1_x509.Certificate.load(_der(path.read_bytes())))
    return found


def crls_at(pki: DevelopmentPKI, now: dt.datetime) -> list[asn1_crl.CertificateList]:
    """CRLs of the root, the issuing CA and every replaced issuing CA still valid at ``now``,
    made at ``now`` in memory (a development CA publishes fresh ones whenever asked)."""
    issuers: list[tuple[x509.Certificate, rsa.RSAPrivateKey]] = [
        (pki._pyca_certs["root"], pki._root_key),
        (pki._pyca_certs["issuing"], pki._issuing_key),
    ]
    for folder in _history_dirs(pki.directory):
        key_file, cert_file = _FILES["issuing"]
        if (folder / key_file).is_file():
            cert = x509.load_pem_x509_certificate((folder / cert_file).read_bytes())
            key = serialization.load_pem_private_key((folder / key_file).read_bytes(), None)
            if isinstance(key, rsa.RSAPrivateKey) and cert.not_valid_after_utc > now and _vouches(pki, cert, now):
                issuers.append((cert, key))
    number = int(now.timestamp())  # grows with the moment: a later CRL has a larger number
    return [
        asn1_crl.CertificateList.load(make_crl(cert, key, now, number).public_bytes(serialization.Encoding.DER))
        for cert, key in issuers
    ]


def _vouches(pki: DevelopmentPKI, ca: x509.Certificate, now: dt.datetime) -> bool:
    """Whether a replaced CA issued a signer or TSA certificate still valid at ``now``: only
    then is its CRL of any use. (A CRL issued after a certificate expired says nothing about
    it, yet pyHanko's time slide would take it as fresh revocation data for it.)"""
    for cert in (*history_certificates(pki.directory), pki.signing_cert, pki.tsa_cert):
        if cert.ca or cert.issuer.dump() != ca.subject.public_bytes():
            continue
        if cert["tbs_certificate"]["validity"]["not_after"].native > now:
            return True
    return False


def _der(pem: bytes) -> bytes:
    return x509.load_pem_x509_certificate(pem).public_bytes(serialization.Encoding.DER)
