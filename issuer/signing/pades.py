"""PAdES B-LTA certification signatures with a visible seal.

One :class:`DocumentSigner` is built per process (``issuer.signing.signers.build_document_signer``)
and reused:
the private key is parsed once, the CMS's unchanging parts are encoded once
(``issuer.signing.cms_template``), the seal image is compressed once per distinct PNG, the
sizes of the signature and the document timestamp are measured once (``bytes_reserved``,
measured again after one that did not fit), and the ``ValidationContext`` with the
pre-signing validation made with it is reused until it gets close to the revocation data's
``nextUpdate`` (a context older than its CRLs would embed stale revocation data that later
validates as untrusted).

Every signature is:

- a certification signature (``/DocMDP`` with ``P=2``, ``MDPPerm.FILL_FORMS``). P=2 is a
  decision: Acrobat treats any change after a P=1 certification as breaking it, and B-LTA
  needs a later document timestamp. The verifier itself only accepts LTA updates;
- subfilter ``ETSI.CAdES.detached`` (PAdES), SHA-256, RSA PKCS#1 v1.5;
- timestamped by the TSA (B-T), with the validation data (certificates and CRLs) in a DSS
  written in the signed revision itself (B-LT), then a document timestamp (B-LTA);
- visible: the seal PNG fills the field's box on page 1, no text (so no unembedded font).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import logging
import os
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.fields import MDPPerm, SigSeedSubFilter
from pyhanko.sign.general import SigningError as PyHankoSigningError
from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes
from pyhanko.sign.signers.pdf_signer import (
    DSSContentSettings,
    PdfSigningSession,
    PreSignValidationStatus,
    SigDSSPlacementPreference,
)
from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko_certvalidator import ValidationContext

from ecert.clock import utc_now
from issuer import PKIError, SigningError
from issuer.signing.appearance import SealStyles

__all__ = ["RESERVE_MARGIN_LOCAL", "RESERVE_MARGIN_REMOTE", "DocumentSigner", "VCFactory"]

log = logging.getLogger(__name__)


class _DropOfflineEmbedWarning(logging.Filter):
    """pyHanko warns on every signature that fetching is off; offline is our choice."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "fetching is not allowed" not in record.getMessage()


logging.getLogger("pyhanko.sign.signers.pdf_signer").addFilter(_DropOfflineEmbedWarning())

Box = tuple[float, float, float, float]

# Margin added (in hex characters of /Contents) to the measured size of the first signature
# and document timestamp: the in-process TSA's tokens vary by a byte or two (serial number,
# nonce); a remote TSA's may vary more. A token that still does not fit is signed again with
# pyHanko's estimates (generous) and measured anew: a reservation too small costs time, never
# a certificate.
RESERVE_MARGIN_LOCAL = 128
RESERVE_MARGIN_REMOTE = 2048
_CONTENT_INFO_HEAD = 24  # bytes a ContentInfo adds around its SignedData (OID, [0], headers)
FIELD_NAME = "Signature1"  # the one signature field of a certificate

T = TypeVar("T")


@dataclass(frozen=True)
class Reserved:
    """Hex characters reserved in ``/Contents`` for the signature and the document timestamp."""

    signature: int
    timestamp: int


class _KeptMetadataWriter(IncrementalPdfFileWriter):
    """Leaves the document's metadata as the signature's revision wrote it. pyHanko would parse
    the XMP packet and write it again (Producer, dates) in the document timestamp's revision
    too: ~1.2 KB and time, for nothing a validator reads. The signature's revision still
    rewrites it once: pyHanko's form of the packet (PDF/A identification as attributes) is
    then the one every later pyHanko revision (a renewal) writes again unchanged, which the
    verifier's metadata rule requires."""

    def _update_meta(self) -> None:
        return None


async def _released(coro: Awaitable[T], vc: ValidationContext) -> T:
    """Await, then close what the context opened for fetching (as pyHanko's ``sign_pdf``)."""
    try:
        return await coro
    finally:
        await vc.aclose()


VCFactory = Callable[[], tuple[ValidationContext, dt.datetime]]
"""Returns a fresh ValidationContext and the moment until which it may be reused."""


class DocumentSigner:
    """Signs PDFs as PAdES B-LTA certification signatures. Build once, reuse (thread-safe)."""

    def __init__(
        self,
        signer: signers.Signer,
        timestamper: TimeStamper,
        validation_context_factory: VCFactory,
        *,
        on_close: Callable[[], None] | None = None,
        signer_name: str | None = None,
        reserve_margin: int = RESERVE_MARGIN_REMOTE,
    ):
        self._signer = signer
        self._timestamper = timestamper
        self._vc_factory = validation_context_factory
        self._vc: ValidationContext | None = None
        self._vc_valid_until = utc_now()
        self._seals = SealStyles()
        self._reserved: Reserved | None = None
        self._presign: tuple[ValidationContext, PreSignValidationStatus] | None = None
        self._event_loop: asyncio.AbstractEventLoop | None = None
        self._loop_pid = os.getpid()
        self._reserve_margin = reserve_margin
        self._on_close = on_close
        self._signer_name = signer_name
        self._lock = threading.RLock()

    def _validation_context(self) -> ValidationContext:
        """The reusable context, rebuilt before its revocation data goes stale."""
        with self._lock:
            if self._vc is None or utc_now() >= self._vc_valid_until:
                self._vc, self._vc_valid_until = self._vc_factory()
            return self._vc

    # ------------------------------------------------------------------ signing
    def sign(
        self,
        pdf: bytes,
        *,
        seal_png: bytes,
        box: Box,
    ) -> bytes:
        """Certify ``pdf`` (PAdES B-LTA, DocMDP P=2) with a visible seal in ``box`` on page 1.

        ``box`` is ``(x1, y1, x2, y2)`` in PDF points, origin bottom-left of page 1.
        Only sign bytes this service rendered itself (shadow attacks cannot be detected later).
        """
        x1, y1, x2, y2 = box
        if not (x2 > x1 and y2 > y1):
            raise SigningError(f"bad signature box {box!r}")
        with self._lock:
            try:
                return self._sign_locked(pdf, seal_png, (x1, y1, x2, y2))
            except (SigningError, PKIError):
                raise
            except Exception as exc:
                raise SigningError(f"signing failed: {type(exc).__name__}: {exc}") from exc

    def _sign_locked(self, pdf: bytes, seal_png: bytes, box: Box) -> bytes:
        vc = self._validation_context()
        pdf_signer = signers.PdfSigner(
            self._metadata(vc),
            signer=self._signer,
            timestamper=self._timestamper,
            stamp_style=self._seals.style(seal_png),
            new_field_spec=fields.SigFieldSpec(sig_field_name=FIELD_NAME, on_page=0, box=box),  # type: ignore[arg-type]  # points need not be whole
        )
        reserved = self._reserved
        try:
            data = self._run(pdf_signer, pdf, vc, reserved)
        except PyHankoSigningError as exc:
            if reserved is None or "larger than expected" not in str(exc):
                raise
            # A token larger than measured (another TSA certificate, a longer serial …):
            # sign again with pyHanko's own generous estimates, then measure anew.
            log.warning("signature larger than reserved (%s); signing again with estimated sizes", exc)
            reserved = self._reserved = None
            data = self._run(pdf_signer, pdf, vc, None)
        if reserved is None:
            self._reserved = self._measure_reserve(data)
        return data

    def _metadata(self, vc: ValidationContext) -> signers.PdfSignatureMetadata:
        return signers.PdfSignatureMetadata(
            field_name=FIELD_NAME,
            md_algorithm="sha256",
            certify=True,
            # Key usage is checked once, when the signer is built (ecert.x509.DOCUMENT_SIGNING_USAGE:
            # either digitalSignature or nonRepudiation); pyHanko's default demands the latter.
            signer_key_usage=set(),
            docmdp_permissions=MDPPerm.FILL_FORMS,
            subfilter=SigSeedSubFilter.PADES,
            embed_validation_info=True,
            use_pades_lta=True,
            validation_context=vc,
            name=self._signer_name,
            # Validation data in the signed revision itself (no VRI: deprecated, and it would
            # force a separate revision), so the certified revision is already B-LT.
            dss_settings=DSSContentSettings(
                include_vri=False, placement=SigDSSPlacementPreference.TOGETHER_WITH_SIGNATURE
            ),
        )

    def _run(
        self, pdf_signer: signers.PdfSigner, pdf: bytes, vc: ValidationContext, reserved: Reserved | None
    ) -> bytes:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
        version = writer.output_version
        if version > (1, 7):
            raise SigningError(f"refusing to sign a PDF {version[0]}.{version[1]} document (PDF/A needs ≤ 1.7)")
        return self._loop().run_until_complete(_released(self._sign_async(pdf_signer, writer, vc, reserved), vc))

    def _loop(self) -> asyncio.AbstractEventLoop:
        """One event loop for the signer's life: ``asyncio.run`` per signature makes and tears
        down a loop (and its self-pipe sockets) each time. Used under the lock only; a worker
        process forked from one that signed makes its own (the inherited one's sockets are
        shared with the parent)."""
        if self._event_loop is None or self._event_loop.is_closed() or self._loop_pid != os.getpid():
            self._event_loop = asyncio.new_event_loop()
            self._loop_pid = os.getpid()
        return self._event_loop

    async def _sign_async(
        self,
        pdf_signer: signers.PdfSigner,
        writer: IncrementalPdfFileWriter,
        vc: ValidationContext,
        reserved: Reserved | None,
    ) -> bytes:
        """``PdfSigner.async_sign_pdf`` in its documented steps, with what never changes between
        two certificates kept: the pre-signing validation (the signer's and the TSA's paths and
        revocation data, which is what the reused context holds anyway) and the sizes."""
        session = pdf_signer.init_signing_session(writer)
        info = await self._presign_validation(session, writer, vc)
        if reserved is None:
            signature_bytes = await session.estimate_signature_container_size(info)
        else:
            signature_bytes = reserved.signature
        tbs = session.prepare_tbs_document(validation_info=info, bytes_reserved=signature_bytes)
        prepared, output = tbs.digest_tbs_document(output=io.BytesIO())
        await tbs.perform_signature(
            document_digest=prepared.document_digest,
            pdf_cms_signed_attrs=PdfCMSSignedAttributes(signing_time=session.system_time),
        )
        # B-LTA: the document timestamp in a revision of its own. The validation data of its
        # TSA is in the DSS already (the pre-signing validation covers the TSA, as in
        # pyHanko's own TOGETHER_WITH_SIGNATURE flow), so the revision adds nothing else.
        stamp_writer = _KeptMetadataWriter(output, strict=False)
        await signers.PdfTimeStamper(self._timestamper).async_timestamp_pdf(
            stamp_writer,
            "sha256",
            validation_context=None,
            bytes_reserved=None if reserved is None else reserved.timestamp,
            in_place=True,
        )
        # What the writers wrote is what the file says (no need to parse it again).
        for written in (writer, stamp_writer):
            if written.output_version > (1, 7):
                raise SigningError("signing raised the PDF version above 1.7 (breaks PDF/A)")
        output.seek(0)
        return output.read()

    async def _presign_validation(
        self, session: PdfSigningSession, writer: IncrementalPdfFileWriter, vc: ValidationContext
    ) -> PreSignValidationStatus:
        """The signer's and the TSA's validation paths with their revocation data, kept as long
        as the context they came from (rebuilt before its CRLs go stale). What pyHanko would
        also look at, an earlier document timestamp, never exists: only our own unsigned
        renderings are signed."""
        cached = self._presign
        if cached is not None and cached[0] is vc:
            return cached[1]
        info = await session.perform_presign_validation(writer)
        if info is None:  # pragma: no cover - there is always a context
            raise SigningError("no validation context for the signature's validation data")
        self._presign = (vc, info)
        return info

    @staticmethod
    def _check_version(data: bytes) -> None:
        r = PdfFileReader(io.BytesIO(data), strict=False)
        if r.input_version > (1, 7):
            raise SigningError("signing raised the PDF version above 1.7 (breaks PDF/A)")

    def _measure_reserve(self, data: bytes) -> Reserved | None:
        """Room for the next signatures: the measured DER (as hex) and a small margin."""
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        signature = timestamp = None
        for sig in reader.embedded_signatures:
            # the DER length, not the padded /Contents
            size = 2 * (len(sig.signed_data.dump()) + _CONTENT_INFO_HEAD) + self._reserve_margin
            if sig.field_name == FIELD_NAME:
                signature = size
            elif sig.sig_object_type == "/DocTimeStamp":
                timestamp = size
        if signature is None or timestamp is None:
            return None
        return Reserved(signature=signature, timestamp=timestamp)

    # ------------------------------------------------------------------ archival renewal
    def renew_archival_timestamp(self, pdf: bytes) -> bytes:
        """Append a new document timestamp (and the validation data of the previous one).

        Run before the last timestamp's TSA certificate expires or its algorithms weaken.
        """
        with self._lock:
            try:
                reader = PdfFileReader(io.BytesIO(pdf), strict=False)
                ts = signers.PdfTimeStamper(self._timestamper)
                out = ts.update_archival_timestamp_chain(
                    reader, self._validation_context(), in_place=False, output=io.BytesIO()
                )
                data = out.getvalue()
                self._check_version(data)
                return data
            except (SigningError, PKIError):
                raise
            except Exception as exc:
                raise SigningError(f"archival timestamp renewal failed: {type(exc).__name__}: {exc}") from exc

    def close(self) -> None:
        with self._lock:
            if self._event_loop is not None and self._loop_pid == os.getpid():
                self._event_loop.close()
                self._event_loop = None
        if self._on_close is not None:
            self._on_close()
            self._on_close = None
