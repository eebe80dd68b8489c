"""PAdES B-LTA certification signatures with a visible seal.

One :class:`DocumentSigner` is built per process (``build_document_signer``) and reused:
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
import hashlib
import io
import logging
import threading
import zlib
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from asn1crypto import pem as asn1_pem
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from PIL import Image
from pyhanko.pdf_utils import generic, layout
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.images import PdfImage
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.fields import MDPPerm, SigSeedSubFilter
from pyhanko.sign.signers.pdf_signer import DSSContentSettings, SigDSSPlacementPreference
from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko.stamp import StaticStampStyle
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

from issuer import PKIError, SigningError

if TYPE_CHECKING:
    from ecert.settings import Settings
    from issuer.pki.development import DevelopmentPKI

__all__ = ["DocumentSigner", "build_document_signer"]

log = logging.getLogger(__name__)


class _DropOfflineEmbedWarning(logging.Filter):
    """pyHanko warns on every signature that fetching is off; offline is our choice."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "fetching is not allowed" not in record.getMessage()


logging.getLogger("pyhanko.sign.signers.pdf_signer").addFilter(_DropOfflineEmbedWarning())

Box = tuple[float, float, float, float]

# Margin added (in hex characters of /Contents) to the measured size of the first CMS:
# an in-process TSA answers with a constant size; a remote TSA may vary more.
_RESERVE_MARGIN_LOCAL = 1024
_RESERVE_MARGIN_REMOTE = 8192
# Reused validation contexts are rebuilt at the latest after this long ...
_VC_MAX_AGE = dt.timedelta(hours=1)
# ... and at the latest this long before the earliest CRL nextUpdate they were built with.
_VC_NEXT_UPDATE_MARGIN = dt.timedelta(days=2)
# Production contexts fetch OCSP/CRLs online; those may be valid for hours only.
_VC_MAX_AGE_FETCHING = dt.timedelta(minutes=10)
_SEAL_CACHE_SIZE = 8
_MAX_SEAL_PIXELS = 4_000_000


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


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


# --------------------------------------------------------------------------- seal image


class _SealImage(PdfImage):
    """A PNG seal whose Flate streams are compressed once and re-added to each writer."""

    def __init__(self, png: bytes):
        if len(png) > 5_000_000:
            raise SigningError("seal image too large")
        try:
            img: Image.Image = Image.open(io.BytesIO(png))
            if img.width * img.height > _MAX_SEAL_PIXELS:
                raise SigningError("seal image has too many pixels")
            img.load()
        except SigningError:
            raise
        except Exception as exc:  # Pillow raises many types for bad input
            raise SigningError(f"cannot read the seal PNG: {exc}") from exc
        if img.mode not in ("RGB", "RGBA", "L", "LA"):
            img = img.convert("RGBA" if ("A" in img.getbands() or "transparency" in img.info) else "RGB")
        super().__init__(img)
        self._streams = self._precompress(img)

    @staticmethod
    def _precompress(img: Image.Image) -> tuple[dict, bytes, dict | None, bytes | None]:
        smask = None
        if img.mode.endswith("A"):
            alpha = img.split()[-1]
            smask = (
                {"/ColorSpace": "/DeviceGray", "/Width": alpha.width, "/Height": alpha.height},
                zlib.compress(alpha.tobytes(), 9),
            )
            img = img.convert(img.mode[:-1])
        cs = "/DeviceGray" if img.mode == "L" else "/DeviceRGB"
        main = ({"/ColorSpace": cs, "/Width": img.width, "/Height": img.height}, zlib.compress(img.tobytes(), 9))
        return main[0], main[1], smask[0] if smask else None, smask[1] if smask else None

    @staticmethod
    def _stream(meta: dict, data: bytes) -> generic.StreamObject:
        d = {
            pdf_name("/Type"): pdf_name("/XObject"),
            pdf_name("/Subtype"): pdf_name("/Image"),
            pdf_name("/Width"): generic.NumberObject(meta["/Width"]),
            pdf_name("/Height"): generic.NumberObject(meta["/Height"]),
            pdf_name("/ColorSpace"): pdf_name(meta["/ColorSpace"]),
            pdf_name("/BitsPerComponent"): generic.NumberObject(8),
            pdf_name("/Filter"): pdf_name("/FlateDecode"),
        }
        return generic.StreamObject(d, encoded_data=data)

    @property
    def image_ref(self) -> generic.IndirectObject:
        assert self.writer is not None
        ref = self._image_ref
        if ref is None or ref.get_pdf_handler() is not self.writer:
            meta, data, smeta, sdata = self._streams
            stream = self._stream(meta, data)
            if smeta is not None and sdata is not None:
                stream[pdf_name("/SMask")] = self.writer.add_object(self._stream(smeta, sdata))
            ref = self._image_ref = self.writer.add_object(stream)
        return ref


# --------------------------------------------------------------------------- signer


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
        seal_png_provider: Callable[[], bytes] | None = None,
        on_close: Callable[[], None] | None = None,
        signer_name: str | None = None,
        reserve_margin: int = _RESERVE_MARGIN_REMOTE,
    ):
        self._signer = signer
        self._timestamper = timestamper
        self._vc_factory = validation_context_factory
        self._vc: ValidationContext | None = None
        self._vc_valid_until = _utcnow()
        self._seal_png_provider = seal_png_provider
        self._seals: OrderedDict[bytes, StaticStampStyle] = OrderedDict()
        self._bytes_reserved: int | None = None
        self._reserve_margin = reserve_margin
        self._on_close = on_close
        self._signer_name = signer_name
        self._lock = threading.RLock()

    # ------------------------------------------------------------------ helpers
    @property
    def signing_cert(self) -> asn1_x509.Certificate:
        cert = self._signer.signing_cert
        if cert is None:
            raise PKIError("the signer has no certificate")
        return cert

    def validation_context(self) -> ValidationContext:
        """The reusable context, rebuilt before its revocation data goes stale."""
        with self._lock:
            if self._vc is None or _utcnow() >= self._vc_valid_until:
                self._vc, self._vc_valid_until = self._vc_factory()
            return self._vc

    def _stamp_style(self, seal_png: bytes) -> StaticStampStyle:
        key = hashlib.sha256(seal_png).digest()
        style = self._seals.get(key)
        if style is None:
            style = StaticStampStyle(
                background=_SealImage(seal_png),
                border_width=0,
                background_opacity=1.0,
                background_layout=layout.SimpleBoxLayoutRule(
                    x_align=layout.AxisAlignment.ALIGN_MID,
                    y_align=layout.AxisAlignment.ALIGN_MID,
                    margins=layout.Margins.uniform(0),
                    inner_content_scaling=layout.InnerScaling.SHRINK_TO_FIT,
                ),
            )
            self._seals[key] = style
            while len(self._seals) > _SEAL_CACHE_SIZE:
                self._seals.popitem(last=False)
        else:
            self._seals.move_to_end(key)
        return style

    # ------------------------------------------------------------------ signing
    def sign(
        self,
        pdf: bytes,
        *,
        seal_png: bytes | None = None,
        box: Box,
        field_name: str = "Signature1",
        reason: str | None = None,
        location: str | None = None,
    ) -> bytes:
        """Certify ``pdf`` (PAdES B-LTA, DocMDP P=2) with a visible seal in ``box`` on page 1.

        ``box`` is ``(x1, y1, x2, y2)`` in PDF points, origin bottom-left of page 1.
        Only sign bytes this service rendered itself (shadow attacks cannot be detected later).
        """
        if seal_png is None:
            if self._seal_png_provider is None:
                raise SigningError("no seal image given")
            seal_png = self._seal_png_provider()
        x1, y1, x2, y2 = box
        if not (x2 > x1 and y2 > y1):
            raise SigningError(f"bad signature box {box!r}")
        with self._lock:
            try:
                return self._sign_locked(pdf, seal_png, (x1, y1, x2, y2), field_name, reason, location)
            except (SigningError, PKIError):
                raise
            except Exception as exc:
                raise SigningError(f"signing failed: {type(exc).__name__}: {exc}") from exc

    def _sign_locked(self, pdf, seal_png, box, field_name, reason, location) -> bytes:
        vc = self.validation_context()
        style = self._stamp_style(seal_png)
        meta = signers.PdfSignatureMetadata(
            field_name=field_name,
            md_algorithm="sha256",
            certify=True,
            docmdp_permissions=MDPPerm.FILL_FORMS,
            subfilter=SigSeedSubFilter.PADES,
            embed_validation_info=True,
            use_pades_lta=True,
            validation_context=vc,
            reason=reason,
            location=location,
            name=self._signer_name,
            # Validation data in the signed revision itself (no VRI: deprecated, and it would
            # force a separate revision), so the certified revision is already B-LT.
            dss_settings=DSSContentSettings(
                include_vri=False, placement=SigDSSPlacementPreference.TOGETHER_WITH_SIGNATURE
            ),
        )
        field_spec = fields.SigFieldSpec(sig_field_name=field_name, on_page=0, box=box)  # type: ignore[arg-type]
        pdf_signer = signers.PdfSigner(
            meta,
            signer=self._signer,
            timestamper=self._timestamper,
            stamp_style=style,
            new_field_spec=field_spec,
        )
        out = self._run(pdf_signer, pdf, self._bytes_reserved)
        if self._bytes_reserved is None:
            self._bytes_reserved = self._measure_reserve(out, field_name)
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

    def _measure_reserve(self, data: bytes, field_name: str) -> int | None:
        r = PdfFileReader(io.BytesIO(data), strict=False)
        for sig in r.embedded_regular_signatures:
            if sig.field_name == field_name:
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
                    reader, self.validation_context(), in_place=False, output=io.BytesIO()
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


# --------------------------------------------------------------------------- factories


def _load_pem_certs(path: Path) -> list[asn1_x509.Certificate]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise PKIError(f"cannot read certificates from {path}: {exc}") from exc
    certs = []
    if asn1_pem.detect(data):
        for kind, _hdr, der in asn1_pem.unarmor(data, multiple=True):
            if kind == "CERTIFICATE":
                certs.append(asn1_x509.Certificate.load(der))
    else:
        certs.append(asn1_x509.Certificate.load(data))
    if not certs:
        raise PKIError(f"no certificate in {path}")
    return certs


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
        now = _utcnow()
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


def build_document_signer(
    settings: Settings, *, seal_png_provider: Callable[[], bytes] | None = None
) -> DocumentSigner:
    """Build the process's DocumentSigner from settings (call once; keep the result)."""
    from issuer.pki.development import DevelopmentPKI, build_timestamper

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
    other = list(pki.chain) + [pki.tsa_cert] if pki is not None else []
    factory = _vc_factory(
        trust_roots=trust_roots, other_certs=other, pki=pki, allow_fetching=pki is None
    )
    return DocumentSigner(
        signer,
        timestamper,
        factory,
        seal_png_provider=seal_png_provider,
        on_close=on_close,
        signer_name=settings.office_name,
        reserve_margin=_RESERVE_MARGIN_REMOTE if settings.tsa_url else _RESERVE_MARGIN_LOCAL,
    )
