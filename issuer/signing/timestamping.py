"""Timestamp authorities for signatures and document timestamps (RFC 3161).

A configured ``ECERT_TSA_URL`` is used over HTTP; without one, development answers
in-process with the development PKI's TSA key (no sockets, key parsed once). Production
needs a URL and refuses the development TSA.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from asn1crypto import algos, cms, core, tsp, x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from pyhanko.sign import general
from pyhanko.sign.general import simple_cms_attribute
from pyhanko.sign.timestamps import HTTPTimeStamper
from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko.sign.timestamps.common_utils import get_nonce
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

from issuer import PKIError
from issuer.signing.cms_template import der_set, tlv

if TYPE_CHECKING:
    from issuer.pki.development import DevelopmentPKI

__all__ = ["DevelopmentTimeStamper", "build_anchor_stamper", "build_timestamper"]

_DIGEST = "sha256"
_POLICY = "1.3.6.1.4.1.4146.2.2"  # the policy pyHanko's dummy TSA names


class DevelopmentTimeStamper(DummyTimeStamper):
    """In-process RFC 3161 TSA signing with the development TSA key (DEVELOPMENT ONLY).

    pyHanko's dummy TSA re-parses its key and encodes every token as asn1crypto objects; this
    one signs with the parsed key and writes the token from DER encoded once (its certificates,
    policy, name and fixed attributes), as the document signer writes its CMS
    (``issuer.signing.cms_template``): per token only the digest, serial number, time, nonce and
    signature are new.
    """

    def __init__(self, pki: DevelopmentPKI) -> None:
        super().__init__(
            tsa_cert=pki.tsa_cert,
            tsa_key=pki.tsa_key_info,
            certs_to_embed=SimpleCertificateStore.from_certs([pki.issuing_ca_cert]),
        )
        self._pyca_key = pki.tsa_key
        cert = self.tsa_cert
        digest_algorithm = algos.DigestAlgorithm({"algorithm": _DIGEST}).dump()
        # The tagged fields as asn1crypto writes them, cut from a token made once.
        probe = tsp.TSTInfo(
            {
                "version": "v1",
                "policy": _POLICY,
                "message_imprint": {"hash_algorithm": {"algorithm": _DIGEST}, "hashed_message": bytes(32)},
                "serial_number": 1,
                "gen_time": datetime(2000, 1, 1, tzinfo=UTC),
                "tsa": x509.GeneralName(name="directory_name", value=cert.subject),
            }
        )
        self._tst_head = probe["version"].dump() + probe["policy"].dump()
        self._tst_tail = probe["tsa"].dump()
        self._attr_content_type = simple_cms_attribute("content_type", "tst_info").dump()
        self._attr_signing_cert = simple_cms_attribute(
            "signing_certificate", general.as_signing_certificate(cert)
        ).dump()
        self._oid_signing_time = cms.CMSAttributeType("signing_time").dump()
        self._oid_message_digest = cms.CMSAttributeType("message_digest").dump()
        sid = cms.SignerIdentifier(
            {
                "issuer_and_serial_number": cms.IssuerAndSerialNumber(
                    {"issuer": cert.issuer, "serial_number": cert.serial_number}
                )
            }
        )
        self._signer_info_head = b"\x02\x01\x01" + sid.dump() + digest_algorithm
        self._signature_algorithm = algos.SignedDigestAlgorithm({"algorithm": "rsassa_pkcs1v15"}).dump()
        certificates = {c.dump(): None for c in (*self.certs_to_embed, cert)}
        self._signed_data_head = b"\x02\x01\x03" + tlv(0x31, digest_algorithm)
        self._certificates = tlv(0xA0, *certificates)
        self._oid_tst_info = cms.ContentType("tst_info").dump()
        self._oid_signed_data = cms.ContentType("signed_data").dump()
        self._status_granted = tsp.PKIStatusInfo({"status": "granted"}).dump()

    def _sign_tst_info(self, tst_info_data: bytes, md_algorithm: str, dt_: datetime) -> tuple[bytes, cms.CMSAttributes]:
        # Only for requests the template does not take (another digest): the parsed key still.
        attrs = cms.CMSAttributes.load(self._signed_attributes(tst_info_data, dt_, md_algorithm))
        signature = self._pyca_key.sign(
            attrs.dump(), padding.PKCS1v15(), get_pyca_cryptography_hash(md_algorithm.upper())
        )
        return signature, attrs

    def _signed_attributes(self, tst_info: bytes, moment: datetime, md_algorithm: str = _DIGEST) -> bytes:
        digest = hashes.Hash(get_pyca_cryptography_hash(md_algorithm))
        digest.update(tst_info)
        signing_time = cms.Time({"utc_time": core.UTCTime(moment)}).dump()
        return der_set(
            self._attr_content_type,
            tlv(0x30, self._oid_signing_time, tlv(0x31, signing_time)),
            self._attr_signing_cert,
            tlv(0x30, self._oid_message_digest, tlv(0x31, tlv(0x04, digest.finalize()))),
        )

    def request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        imprint = req["message_imprint"]
        if self.override_md is not None or imprint["hash_algorithm"]["algorithm"].native != _DIGEST:
            return super().request_tsa_response(req)
        moment = self.fixed_dt or datetime.now(tz=UTC)
        nonce = req["nonce"]
        tst_info = tlv(
            0x30,
            self._tst_head,
            imprint.dump(),
            core.Integer(get_nonce()).dump(),  # serial number: random, as pyHanko's dummy TSA
            core.GeneralizedTime(moment).dump(),
            b"" if nonce.native is None else nonce.dump(),
            self._tst_tail,
        )
        attrs = self._signed_attributes(tst_info, moment)
        signature = self._pyca_key.sign(attrs, padding.PKCS1v15(), hashes.SHA256())
        signer_info = tlv(
            0x30,
            self._signer_info_head,
            b"\xa0" + attrs[1:],  # [0] IMPLICIT SET OF Attribute
            self._signature_algorithm,
            tlv(0x04, signature),
        )
        encapsulated = tlv(0x30, self._oid_tst_info, tlv(0xA0, tlv(0x04, tst_info)))
        signed_data = tlv(0x30, self._signed_data_head, encapsulated, self._certificates, tlv(0x31, signer_info))
        token = tlv(0x30, self._oid_signed_data, tlv(0xA0, signed_data))
        return tsp.TimeStampResp.load(tlv(0x30, self._status_granted, token))


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
