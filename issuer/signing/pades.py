"""PAdES B-LTA certification signatures with a visible seal.

One :class:`DocumentSigner` is built per process (``issuer.signing.signers.build_document_signer``)
and reused:
the private key is parsed once, the seal image is compressed once per distinct PNG, the
CMS size is estimated once (``bytes_reserved``) and the ``ValidationContext`` is reused
until it gets close to the revocation data's ``nextUpdate`` (a context older than its CRLs
would embed stale revocation data that later validates as untrusted).

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

import datetime as dt
import io
import logging
import threading
from collections.abc import Callable

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.fields import MDPPerm, SigSeedSubFilter
from pyhanko.sign.signers.pdf_signer import DSSContentSettings, SigDSSPlacementPreference
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

# Margin added (in hex characters of /Contents) to the measured size of the first CMS:
# an in-process TSA answers with a constant size; a remote TSA may vary more.
RESERVE_MARGIN_LOCAL = 1024
RESERVE_MARGIN_REMOTE = 8192
FIELD_NAME = "Signature1"  # the one signature field of a certificate


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
        self._bytes_reserved: int | None = None
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
        style = self._seals.style(seal_png)
        meta = signers.PdfSignatureMetadata(
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
        field_spec = fields.SigFieldSpec(sig_field_name=FIELD_NAME, on_page=0, box=box)  # type: ignore[arg-type]  # points need not be whole
        pdf_signer = signers.PdfSigner(
            meta,
            signer=self._signer,
            timestamper=self._timestamper,
            stamp_style=style,
            new_field_spec=field_spec,
        )
        out = self._run(pdf_signer, pdf, self._bytes_reserved)
        if self._bytes_reserved is None:
            self._bytes_reserved = self._measure_reserve(out)
        return out

    def _run(self, pdf_signer: signers.PdfSigner, pdf: bytes, bytes_reserved: int | None) -> bytes:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
        version = writer.output_version
        if version > (1, 7):
            raise SigningError(f"refusing to sign a PDF {version[0]}.{version[1]} document (PDF/A needs ≤ 1.7)")
        try:
            out = pdf_signer.sign_pdf(writer, bytes_reserved=bytes_reserved)
        except Exception as exc:
            if bytes_reserved is None or "reserved" not in str(exc).lower():
                raise
            log.warning("signature larger than reserved (%s); re-estimating", exc)
            self._bytes_reserved = None
            writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
            out = pdf_signer.sign_pdf(writer)
        data = out.getvalue()
        self._check_version(data)
        return data

    @staticmethod
    def _check_version(data: bytes) -> None:
        r = PdfFileReader(io.BytesIO(data), strict=False)
        if r.input_version > (1, 7):
            raise SigningError("signing raised the PDF version above 1.7 (breaks PDF/A)")

    def _measure_reserve(self, data: bytes) -> int | None:
        r = PdfFileReader(io.BytesIO(data), strict=False)
        for sig in r.embedded_regular_signatures:
            if sig.field_name == FIELD_NAME:
                # the DER length, not the padded /Contents
                return len(sig.signed_data.dump()) * 2 + 2 * 64 + self._reserve_margin
        return None

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
        if self._on_close is not None:
            self._on_close()
            self._on_close = None
