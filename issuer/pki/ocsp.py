"""OCSP responses from the development CAs, made on request at a given moment (DEVELOPMENT ONLY).

Why OCSP beside the CRLs: in AdES past validation (years later, the signer's or an old TSA's
certificate expired) pyHanko 0.38 looks for the expired leaf's own revocation data through
a path anchored at its issuer, and never finds a CRL that way (its issuer is the anchor of
that path); an OCSP response signed by the issuing CA itself is found. A renewal therefore
embeds OCSP responses for the certificates it vouches for while they are still valid.
Each response is signed by the CA that issued the certificate (no delegated responder),
``good``, valid for seven days like the CRLs.
"""

from __future__ import annotations

import datetime as dt

from asn1crypto import ocsp as asn1_ocsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509 import ocsp

from issuer.pki.development import _FILES, DevelopmentPKI
from issuer.pki.hierarchy import BACKDATE, CRL_VALIDITY

__all__ = ["ocsp_responses_at"]


def _response(
    cert: x509.Certificate, issuer: x509.Certificate, key: rsa.RSAPrivateKey, now: dt.datetime
) -> asn1_ocsp.OCSPResponse:
    built = (
        ocsp.OCSPResponseBuilder()
        .add_response(
            cert=cert,
            issuer=issuer,
            algorithm=hashes.SHA256(),
            cert_status=ocsp.OCSPCertStatus.GOOD,
            this_update=now - BACKDATE,
            next_update=now + CRL_VALIDITY,
            revocation_time=None,
            revocation_reason=None,
        )
        .responder_id(ocsp.OCSPResponderEncoding.HASH, issuer)
        .certificates([issuer])
        .sign(key, hashes.SHA256())
    )
    return asn1_ocsp.OCSPResponse.load(built.public_bytes(serialization.Encoding.DER))


def _issuers(pki: DevelopmentPKI) -> list[tuple[x509.Certificate, rsa.RSAPrivateKey]]:
    from issuer.pki.rotation import HISTORY

    found = [(pki._pyca_certs["issuing"], pki._issuing_key)]
    history = pki.directory / HISTORY
    for folder in sorted(history.iterdir()) if history.is_dir() else []:
        key_file, cert_file = _FILES["issuing"]
        if (folder / key_file).is_file():
            key = serialization.load_pem_private_key((folder / key_file).read_bytes(), None)
            if isinstance(key, rsa.RSAPrivateKey):
                found.append((x509.load_pem_x509_certificate((folder / cert_file).read_bytes()), key))
    return found


def ocsp_responses_at(
    pki: DevelopmentPKI, certificates: list[asn1_x509.Certificate], now: dt.datetime
) -> list[asn1_ocsp.OCSPResponse]:
    """A ``good`` response made at ``now`` for each of ``certificates`` valid then and issued
    by one of the PKI's issuing CAs (current or replaced)."""
    issuers = _issuers(pki)
    out = []
    for asn1_cert in certificates:
        cert = x509.load_der_x509_certificate(asn1_cert.dump())
        if not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
            continue
        for issuer, key in issuers:
            if issuer.subject == cert.issuer and issuer.not_valid_after_utc >= now:
                try:
                    cert.verify_directly_issued_by(issuer)
                except (ValueError, TypeError, Exception):  # another CA of the same name
                    continue
                out.append(_response(cert, issuer, key, now))
                break
    return out
