"""The signature's CMS, assembled from DER parts encoded once.

pyHanko builds the ``SignedData`` of every signature as asn1crypto objects and encodes it in
pure Python: with the key cached and ``bytes_reserved`` set, that re-encoding (the certificate
chain included) is most of what a signature costs (NOTES.md). Everything but three values is
the same for every certificate the process signs: the chain, the signer's identifier, the
algorithms, and the signed attributes ``content-type`` and ``signing-certificate-v2``. They
are encoded once, when the signer is built; per signature only the document's digest, the raw
RSA signature and the signature's timestamp token are written around them.

The result has the shape pyHanko's own ``Signer.async_sign`` gives a PAdES signature
(``SignedData`` v1, the chain without its root and the signer's certificate, SHA-256, no
``signing-time``, the token as the unsigned ``signature-time-stamp-token``). Any call outside that shape (a dry run,
other attributes, another digest) is handed to pyHanko unchanged.
"""

from __future__ import annotations

import hashlib
from typing import Any

from asn1crypto import algos, cms
from pyhanko.sign import general
from pyhanko.sign.general import simple_cms_attribute
from pyhanko.sign.signers import pdf_cms
from pyhanko.sign.timestamps.api import TimeStamper

__all__ = ["TemplateSigner", "der_set", "tlv"]

DIGEST = "sha256"


def _length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    octets = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(octets)]) + octets


def tlv(tag: int, *contents: bytes) -> bytes:
    """One DER element: tag, definite length, contents."""
    body = b"".join(contents)
    return bytes([tag]) + _length(len(body)) + body


_SEQUENCE, _SET, _OCTET_STRING = 0x30, 0x31, 0x04
_CONTEXT_0, _CONTEXT_1 = 0xA0, 0xA1  # [0] / [1] IMPLICIT (or EXPLICIT), constructed


def der_set(*elements: bytes) -> bytes:
    """A DER ``SET OF``: its elements in the order of their encodings (as asn1crypto, and so
    pyHanko, writes signed attributes)."""
    return tlv(_SET, *sorted(elements))


class TemplateSigner(pdf_cms.Signer):
    """A :class:`pyhanko.sign.signers.Signer` around another one (PKCS#12, PKCS#11, …) whose
    ordinary PAdES signatures reuse DER encoded once; the raw signature comes from ``inner``."""

    def __init__(self, inner: pdf_cms.Signer):
        cert = inner.signing_cert
        if cert is None:
            raise ValueError("a TemplateSigner needs the signer's certificate")
        super().__init__(
            signing_cert=cert,
            cert_registry=inner.cert_registry,
            signature_mechanism=inner.get_signature_mechanism_for_digest(DIGEST),
            embed_roots=inner.embed_roots,
            prefer_pss=inner.prefer_pss,
        )
        self.inner = inner
        mechanism = self.get_signature_mechanism_for_digest(DIGEST)
        digest_algorithm = algos.DigestAlgorithm({"algorithm": DIGEST})
        sid = cms.SignerIdentifier(
            {
                "issuer_and_serial_number": cms.IssuerAndSerialNumber(
                    {"issuer": cert.issuer, "serial_number": cert.serial_number}
                )
            }
        )
        # SignerInfo up to its signed attributes, and from there to the signature value.
        self._signer_info_head = b"\x02\x01\x01" + sid.dump() + digest_algorithm.dump()
        self._signature_algorithm = mechanism.dump()
        self._fixed_attrs = (
            simple_cms_attribute("content_type", "data").dump(),
            simple_cms_attribute("signing_certificate_v2", general.as_signing_certificate_v2(cert, DIGEST)).dump(),
        )
        # The chain without its root (as pyHanko's ``embed_roots=False``) and the signer's own
        # certificate, each once. A root in the CMS proves nothing (validators trust their own
        # copy) and costs ~2 KB as hex; the DSS keeps it for the record.
        certificates: dict[bytes, None] = {}
        for c in inner.cert_registry or ():
            if c.self_signed == "no":
                certificates[c.dump()] = None
        certificates[cert.dump()] = None
        self._signed_data_head = (
            b"\x02\x01\x01"
            + tlv(_SET, digest_algorithm.dump())
            + cms.EncapsulatedContentInfo({"content_type": "data"}).dump()
            + tlv(_CONTEXT_0, *certificates)
        )
        self._oid_signed_data = cms.ContentType("signed_data").dump()
        self._oid_timestamp_token = cms.CMSAttributeType("signature_time_stamp_token").dump()
        self._oid_message_digest = cms.CMSAttributeType("message_digest").dump()

    # The raw signature is the inner signer's (cached key, PKCS#11 token, …).
    async def async_sign_raw(self, data: bytes, digest_algorithm: str, dry_run: bool = False) -> bytes:
        return await self.inner.async_sign_raw(data, digest_algorithm, dry_run=dry_run)

    def signed_attributes(self, document_digest: bytes) -> bytes:
        """The DER of the signed attributes as signed (``SET OF``); the CMS carries them as [0]."""
        message_digest = tlv(_SEQUENCE, self._oid_message_digest, tlv(_SET, tlv(_OCTET_STRING, document_digest)))
        return der_set(*self._fixed_attrs, message_digest)

    def assemble(self, signed_attrs: bytes, signature: bytes, token: bytes | None) -> bytes:
        """The ``ContentInfo`` of a signature from its variable parts (all DER)."""
        signer_info = [
            self._signer_info_head,
            bytes([_CONTEXT_0]) + signed_attrs[1:],  # [0] IMPLICIT SET OF Attribute
            self._signature_algorithm,
            tlv(_OCTET_STRING, signature),
        ]
        if token is not None:
            signer_info.append(tlv(_CONTEXT_1, tlv(_SEQUENCE, self._oid_timestamp_token, tlv(_SET, token))))
        signed_data = tlv(_SEQUENCE, self._signed_data_head, tlv(_SET, tlv(_SEQUENCE, *signer_info)))
        return tlv(_SEQUENCE, self._oid_signed_data, tlv(_CONTEXT_0, signed_data))

    def _ordinary(
        self,
        digest_algorithm: str,
        dry_run: bool,
        use_pades: bool,
        signed_attr_settings: pdf_cms.PdfCMSSignedAttributes | None,
        is_pdf_sig: bool,
        encap_content_info: Any,
    ) -> bool:
        """Whether a call asks for exactly what the template makes."""
        settings = signed_attr_settings
        return (
            digest_algorithm == DIGEST
            and not dry_run
            and use_pades
            and is_pdf_sig
            and encap_content_info is None
            and self.signed_attr_prov_spec is None
            and self.unsigned_attr_prov_spec is None
            and not self.attribute_certs
            and (settings is None or (settings.cades_signed_attrs is None and settings.adobe_revinfo_attr is None))
        )

    async def async_sign(
        self,
        data_digest: bytes,
        digest_algorithm: str,
        dry_run: bool = False,
        use_pades: bool = False,
        timestamper: TimeStamper | None = None,
        signed_attr_settings: pdf_cms.PdfCMSSignedAttributes | None = None,
        is_pdf_sig: bool = True,
        encap_content_info: Any = None,
    ) -> cms.ContentInfo:
        if not self._ordinary(
            digest_algorithm, dry_run, use_pades, signed_attr_settings, is_pdf_sig, encap_content_info
        ):
            return await super().async_sign(
                data_digest,
                digest_algorithm,
                dry_run=dry_run,
                use_pades=use_pades,
                timestamper=timestamper,
                signed_attr_settings=signed_attr_settings,
                is_pdf_sig=is_pdf_sig,
                encap_content_info=encap_content_info,
            )
        signed_attrs = self.signed_attributes(data_digest)
        signature = await self.async_sign_raw(signed_attrs, digest_algorithm)
        token = None
        if timestamper is not None:
            stamped = await timestamper.async_timestamp(hashlib.sha256(signature).digest(), digest_algorithm)
            token = stamped.dump()  # a token parsed from DER keeps its bytes: no re-encoding
        # Loaded lazily: pyHanko only dumps it, which returns these bytes as they are.
        return cms.ContentInfo.load(self.assemble(signed_attrs, signature, token))
