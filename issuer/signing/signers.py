"""The signer kinds a deployment configures (``ECERT_SIGNER``): development, PKCS#12, PKCS#11.

``build_document_signer`` turns the settings into the process's one
:class:`~issuer.signing.pades.DocumentSigner`: the key (parsed once), the timestamp
authority, the trust roots and how validation contexts are built and renewed. ``none``
(a verifier-only deployment) has no signer at all.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from pyhanko.sign import signers
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.errors import InvalidCertificateError
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

from ecert.clock import utc_now
from ecert.x509 import DOCUMENT_SIGNING_USAGE, CertificateFormatError, read_certificates
from issuer import PKIError
from issuer.signing.cms_template import TemplateSigner
from issuer.signing.pades import RESERVE_MARGIN_LOCAL, RESERVE_MARGIN_REMOTE, DocumentSigner, VCFactory
from issuer.signing.timestamping import build_timestamper

if TYPE_CHECKING:
    from ecert.settings import Settings
    from issuer.pki.development import DevelopmentPKI

__all__ = ["build_document_signer"]

# Reused validation contexts are rebuilt at the latest after this long ...
_VC_MAX_AGE = dt.timedelta(hours=1)
# ... and at the latest this long before the earliest CRL nextUpdate they were built with.
_VC_NEXT_UPDATE_MARGIN = dt.timedelta(days=2)
# Production contexts fetch OCSP/CRLs online; those may be valid for hours only.
_VC_MAX_AGE_FETCHING = dt.timedelta(minutes=10)


# --------------------------------------------------------------------------- key cache


class CachedKeySigner(signers.SimpleSigner):
    """``SimpleSigner`` that parses its RSA key once (stock one re-parses per signature)."""

    def __init__(self, *args: Any, pyca_key: RSAPrivateKey | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if pyca_key is None:
            loaded = serialization.load_der_private_key(self.signing_key.dump(), password=None)
            pyca_key = loaded if isinstance(loaded, RSAPrivateKey) else None
        self._pyca_key = pyca_key

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mech = self.get_signature_mechanism_for_digest(digest_algorithm)
        if self._pyca_key is not None and mech["algorithm"].native in (
            "rsassa_pkcs1v15",
            "sha256_rsa",
            "sha384_rsa",
            "sha512_rsa",
        ):
            return self._pyca_key.sign(data, PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))
        return super().sign_raw(data, digest_algorithm)


# --------------------------------------------------------------------------- factories


def _load_pem_certs(path: Path) -> list[asn1_x509.Certificate]:
    try:
        return read_certificates(path)
    except CertificateFormatError as exc:
        raise PKIError(str(exc)) from exc


def _read_secret(path: Path | None, what: str) -> str | None:
    if path is None:
        return None
    try:
        return path.read_text("utf-8").rstrip("\r\n")
    except OSError as exc:
        raise PKIError(f"cannot read the {what} file {path}: {exc}") from exc


def _existing_dev_pki(settings: Settings) -> DevelopmentPKI | None:
    """The development PKI if it already exists (non-production only; never created here)."""
    from issuer.pki.development import DevelopmentPKI, is_complete

    if settings.is_production or not is_complete(settings.pki_dir):
        return None
    return DevelopmentPKI.load_or_create(settings.pki_dir, settings.office_name, settings.public_url)


def _vc_factory(
    *,
    trust_roots: list[asn1_x509.Certificate],
    other_certs: list[asn1_x509.Certificate],
    pki: DevelopmentPKI | None,
    allow_fetching: bool,
) -> VCFactory:
    def build() -> tuple[ValidationContext, dt.datetime]:
        now = utc_now()
        crls = pki.crls() if pki is not None else []
        valid_until = now + (_VC_MAX_AGE_FETCHING if allow_fetching else _VC_MAX_AGE)
        if pki is not None:
            valid_until = min(valid_until, pki.crl_next_update() - _VC_NEXT_UPDATE_MARGIN)
            valid_until = max(valid_until, now + dt.timedelta(minutes=1))
        vc = ValidationContext(
            trust_roots=trust_roots,
            other_certs=other_certs,
            crls=crls,
            allow_fetching=allow_fetching,
            revocation_mode="require",
        )
        return vc, valid_until

    return build


def build_document_signer(settings: Settings) -> DocumentSigner:
    """Build the process's DocumentSigner from settings (call once; keep the result)."""
    from issuer.pki.development import DevelopmentPKI

    production = settings.is_production
    pki: DevelopmentPKI | None = None
    on_close = None
    signer: signers.Signer
    if settings.signer == "none":
        raise PKIError("ECERT_SIGNER=none: this deployment only verifies and cannot sign certificates")
    if settings.signer == "development":
        if production:
            raise PKIError("the development signer is refused in production")
        pki = DevelopmentPKI.load_or_create(settings.pki_dir, settings.office_name, settings.public_url)
        registry = SimpleCertificateStore.from_certs(pki.chain)
        signer = CachedKeySigner(
            signing_cert=pki.signing_cert,
            signing_key=pki.signing_key_info,
            cert_registry=registry,
            pyca_key=pki.signing_key,
        )
    elif settings.signer == "pkcs12":
        cfg = settings.pkcs12
        if cfg is None:
            raise PKIError("signer pkcs12 needs a PKCS12Config")
        passphrase = _read_secret(cfg.passphrase_file, "PKCS#12 passphrase")
        loaded = signers.SimpleSigner.load_pkcs12(
            str(cfg.path), passphrase=passphrase.encode("utf-8") if passphrase is not None else None
        )
        if loaded is None or loaded.signing_cert is None:
            raise PKIError(f"cannot load the PKCS#12 file {cfg.path} (wrong passphrase or no key?)")
        signer = CachedKeySigner(
            signing_cert=loaded.signing_cert,
            signing_key=loaded.signing_key,
            cert_registry=loaded.cert_registry,
        )
        pki = _existing_dev_pki(settings)
    elif settings.signer == "pkcs11":
        cfg11 = settings.pkcs11
        if cfg11 is None:
            raise PKIError("signer pkcs11 needs a PKCS11Config")
        from pyhanko.config.pkcs11 import TokenCriteria
        from pyhanko.sign.pkcs11 import PKCS11Signer, open_pkcs11_session

        pin = _read_secret(cfg11.pin_file, "PKCS#11 PIN")
        pki = _existing_dev_pki(settings)
        try:
            session = open_pkcs11_session(
                str(cfg11.module), token_criteria=TokenCriteria(label=cfg11.token_label), user_pin=pin
            )
        except Exception as exc:
            raise PKIError(f"cannot open PKCS#11 token {cfg11.token_label!r}: {exc}") from exc
        signer = PKCS11Signer(
            session,
            key_label=cfg11.key_label,
            cert_label=cfg11.cert_label or cfg11.key_label,
            other_certs_to_pull=None,  # the chain is expected on the token ...
            ca_chain=pki.chain if pki is not None else None,  # ... or from the dev PKI in tests
        )
        on_close = session.close
    else:  # pragma: no cover - Settings validates this
        raise PKIError(f"unknown signer {settings.signer!r}")

    _check_usage(signer.signing_cert)
    # Every kind signs through the CMS template (the chain and fixed attributes encoded once).
    signer = TemplateSigner(signer)
    timestamper = build_timestamper(tsa_url=settings.tsa_url, pki=pki, production=production)

    trust_roots: list[asn1_x509.Certificate] = []
    if production and settings.trust_roots_file is None:
        raise PKIError("production needs ECERT_TRUST_ROOTS (the pinned roots the signer's chain must reach)")
    if settings.trust_roots_file is not None:
        trust_roots.extend(_load_pem_certs(settings.trust_roots_file))
    if pki is not None:
        trust_roots.append(pki.root_cert)
    if not trust_roots:
        registry_certs = list(getattr(signer, "cert_registry", []) or [])
        trust_roots = [c for c in registry_certs if c.self_signed]
    if not trust_roots:
        raise PKIError("no trust roots: set ECERT_TRUST_ROOTS to the PEM bundle of the signer's root")
    other = [*pki.chain, pki.tsa_cert] if pki is not None else []
    factory = _vc_factory(trust_roots=trust_roots, other_certs=other, pki=pki, allow_fetching=pki is None)
    return DocumentSigner(
        signer,
        timestamper,
        factory,
        on_close=on_close,
        signer_name=settings.office_name,
        reserve_margin=RESERVE_MARGIN_REMOTE if settings.tsa_url else RESERVE_MARGIN_LOCAL,
    )


def _check_usage(cert: asn1_x509.Certificate | None) -> None:
    """Refuse a key whose certificate is not for signing documents when the signer is built,
    not at its first signature."""
    if cert is None:
        raise PKIError("the signer has no certificate")
    try:
        DOCUMENT_SIGNING_USAGE.validate(cert)
    except InvalidCertificateError as error:
        raise PKIError(
            f"the signing certificate {cert.subject.human_friendly!r} is not for signing documents (key usage): {error}"
        ) from None
