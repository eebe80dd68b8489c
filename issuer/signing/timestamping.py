"""Timestamp authorities for signatures and document timestamps (RFC 3161).

A configured ``ECERT_TSA_URL`` is used over HTTP; without one, development answers
in-process with the development PKI's TSA key (no sockets, key parsed once). Production
needs a URL and refuses the development TSA.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from asn1crypto import cms, core
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from pyhanko.sign import general
from pyhanko.sign.general import simple_cms_attribute
from pyhanko.sign.timestamps import HTTPTimeStamper
from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

from issuer import PKIError

if TYPE_CHECKING:
    from issuer.pki.development import DevelopmentPKI

__all__ = ["DevelopmentTimeStamper", "build_anchor_stamper", "build_timestamper"]


class DevelopmentTimeStamper(DummyTimeStamper):
    """In-process RFC 3161 TSA signing with the development TSA key (DEVELOPMENT ONLY)."""

    def __init__(self, pki: DevelopmentPKI) -> None:
        super().__init__(
            tsa_cert=pki.tsa_cert,
            tsa_key=pki.tsa_key_info,
            certs_to_embed=SimpleCertificateStore.from_certs([pki.issuing_ca_cert]),
        )
        self._pyca_key = pki.tsa_key
        self._signing_cert_attr: cms.CMSAttribute | None = None

    def _sign_tst_info(self, tst_info_data: bytes, md_algorithm: str, dt_: datetime) -> tuple[bytes, cms.CMSAttributes]:
        # pyHanko's dummy TSA re-parses its key per timestamp; ours signs with the parsed one.
        digest = hashes.Hash(get_pyca_cryptography_hash(md_algorithm))
        digest.update(tst_info_data)
        if self._signing_cert_attr is None:  # constant: encode once
            attr = simple_cms_attribute("signing_certificate", general.as_signing_certificate(self.tsa_cert))
            self._signing_cert_attr = cms.CMSAttribute.load(attr.dump())
        signed_attrs = cms.CMSAttributes(
            [
                simple_cms_attribute("content_type", "tst_info"),
                simple_cms_attribute("signing_time", cms.Time({"utc_time": core.UTCTime(dt_)})),
                self._signing_cert_attr,
                simple_cms_attribute("message_digest", digest.finalize()),
            ]
        )
        signature = self._pyca_key.sign(
            signed_attrs.dump(), padding.PKCS1v15(), get_pyca_cryptography_hash(md_algorithm.upper())
        )
        return signature, signed_attrs


def build_timestamper(
    *, tsa_url: str | None, pki: DevelopmentPKI | None = None, production: bool = False
) -> TimeStamper:
    """``HTTPTimeStamper(tsa_url)`` when a URL is configured, else the in-process dev TSA.

    In production a URL is mandatory and the development TSA is refused.
    """
    if tsa_url:
        return HTTPTimeStamper(tsa_url, timeout=10)
    if production:
        raise PKIError("production needs ECERT_TSA_URL: the development timestamp authority is refused")
    if pki is None:
        raise PKIError("no TSA URL configured and no development PKI to timestamp with")
    return DevelopmentTimeStamper(pki)


def build_anchor_stamper(
    *, tsa_url: str | None, pki_loader: Callable[[], DevelopmentPKI], production: bool
) -> Callable[[bytes], bytes]:
    """The audit log's anchors get their RFC 3161 token from the same authority as the
    signatures: ``ECERT_TSA_URL``, else (development) the in-process development TSA.
    Built on the first anchor: a process that never anchors never loads the PKI."""
    built: list[TimeStamper] = []

    def stamp(digest: bytes) -> bytes:
        if not built:
            pki = None if tsa_url or production else pki_loader()
            built.append(build_timestamper(tsa_url=tsa_url, pki=pki, production=production))
        token = asyncio.run(built[0].async_timestamp(digest, "sha256"))
        return bytes(token.dump())

    return stamp
