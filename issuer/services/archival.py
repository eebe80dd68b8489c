"""The bytes of a renewal: a fresh document timestamp (PAdES B-LTA) on a signed PDF, and what
the newest timestamp of a PDF says (when its TSA certificate expires, which algorithms).

``Archiver.renew`` is pyHanko's ``PdfTimeStamper.update_archival_timestamp_chain``: it
validates the file's newest timestamp at the archiver's clock, writes the validation data it
needed (certificates, CRLs) into the DSS and adds a new document timestamp over everything,
in one incremental update. The development archiver first adds, in a revision of its own,
OCSP responses for the signer and TSA certificates still valid (``issuer.pki.ocsp`` says
why AdES past validation needs them). The clock is injected, so tests can renew at a moment decades
ahead with CRLs of that moment (the development CAs make them on request,
``issuer.pki.rotation.crls_at``); a production archiver fetches revocation data online.
"""

from __future__ import annotations

import binascii
import datetime as dt
import io
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from asn1crypto import cms
from asn1crypto import crl as asn1_crl
from asn1crypto import ocsp as asn1_ocsp
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko_certvalidator import ValidationContext

from ecert.clock import Clock
from ecert.x509 import CertificateFormatError, read_certificates
from issuer import PKIError, SigningError

if TYPE_CHECKING:
    from ecert.settings import Settings
    from issuer.pki.development import DevelopmentPKI

__all__ = ["Archiver", "TimestampFacts", "build_archiver", "newest_timestamp"]


@dataclass(frozen=True)
class TimestampFacts:
    """The newest timestamp of a file: its TSA certificate's end and its algorithms
    (``"sha256/sha256_rsa"``: the message imprint's digest, the TSA's signature)."""

    expires_at: dt.datetime
    algorithms: str


_CONTENTS = re.compile(rb"/Contents\s*<([0-9A-Fa-f]+)>")


def newest_timestamp(pdf: bytes) -> TimestampFacts:
    """What the newest document timestamp of ``pdf`` (else its signature's timestamp) says.

    Our files end with a document timestamp, whose token is the last ``/Contents`` string:
    read it directly (pyHanko would tokenise every signature's hex string, ~50 ms). This
    schedules renewals and validates nothing (``renew`` and the verifier do that); any other
    shape falls back to pyHanko's reader.
    """
    try:
        matches = list(_CONTENTS.finditer(pdf, max(0, len(pdf) - 65536)))
        if matches:
            last = matches[-1]
            info = cms.ContentInfo.load(binascii.unhexlify(last.group(1)).rstrip(b"\x00"))
            signed_data = info["content"]
            if signed_data["encap_content_info"]["content_type"].native == "tst_info":
                return _facts(signed_data)
    except Exception:  # not the shape we write: let pyHanko read it
        pass
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        stamps = reader.embedded_timestamp_signatures
        if stamps:
            signed_data = stamps[-1].signed_data
        else:
            regular = reader.embedded_regular_signatures
            token = regular[0].attached_timestamp_data if regular else None
            if token is None:
                raise SigningError("the file has no timestamp")
            signed_data = token.signed_data
        return _facts(signed_data)
    except SigningError:
        raise
    except Exception as exc:
        raise SigningError(f"cannot read the file's newest timestamp: {type(exc).__name__}: {exc}") from exc


def _facts(signed_data: Any) -> TimestampFacts:
    signer_info = signed_data["signer_infos"][0]
    sid = signer_info["sid"]
    cert = None
    for choice in signed_data["certificates"]:
        candidate = choice.chosen
        if sid.name == "issuer_and_serial_number":
            serial = sid.chosen["serial_number"].native
            if candidate.serial_number == serial and candidate.issuer == sid.chosen["issuer"]:
                cert = candidate
        elif candidate.key_identifier == sid.chosen.native:
            cert = candidate
    if cert is None:
        raise SigningError("the newest timestamp does not carry its TSA certificate")
    tst_info = signed_data["encap_content_info"]["content"].parsed
    digest = tst_info["message_imprint"]["hash_algorithm"]["algorithm"].native
    signature = signer_info["signature_algorithm"].signature_algo
    signature_digest = signer_info["digest_algorithm"]["algorithm"].native
    return TimestampFacts(
        cert["tbs_certificate"]["validity"]["not_after"].native, f"{digest}/{signature_digest}_{signature}"
    )


CRLSource = Callable[[dt.datetime], Sequence[asn1_crl.CertificateList]]
OCSPSource = Callable[[dt.datetime], Sequence[asn1_ocsp.OCSPResponse]]


class Archiver:
    """Renews PDFs with the given TSA and trust, at the clock's moment. Build once per process."""

    def __init__(
        self,
        timestamper: TimeStamper,
        *,
        trust_roots: Sequence[asn1_x509.Certificate],
        other_certs: Sequence[asn1_x509.Certificate] = (),
        crls: CRLSource | None = None,
        ocsps: OCSPSource | None = None,
        allow_fetching: bool = False,
        clock: Clock,
        vc_max_age: dt.timedelta = dt.timedelta(minutes=10),
        tsa_expires_at: dt.datetime | None = None,
    ) -> None:
        self.timestamper = timestamper
        self.trust_roots = list(trust_roots)
        self.other_certs = list(other_certs)
        self._crls = crls
        self._ocsps = ocsps
        self._extra: list[asn1_ocsp.OCSPResponse] = []
        self._allow_fetching = allow_fetching
        self.clock = clock
        self._vc_max_age = vc_max_age
        self._vc: tuple[ValidationContext, dt.datetime] | None = None
        self._lock = threading.Lock()
        # When the certificate of the TSA that stamps now expires: known for the development
        # TSA, learnt from the first new timestamp for a remote one.
        self.tsa_expires_at: dt.datetime | None = tsa_expires_at

    def _validation_context(self, now: dt.datetime) -> ValidationContext:
        # Reused for a few minutes at most: far less than any CRL's validity, so it never
        # embeds stale revocation data (NOTES.md). A clock that jumps builds a new one.
        if self._vc is not None and dt.timedelta(0) <= now - self._vc[1] < self._vc_max_age:
            return self._vc[0]
        self._extra = list(self._ocsps(now)) if self._ocsps is not None else []
        vc = ValidationContext(
            trust_roots=self.trust_roots,
            other_certs=self.other_certs,
            crls=list(self._crls(now)) if self._crls is not None else [],
            ocsps=self._extra,
            allow_fetching=self._allow_fetching,
            revocation_mode="require",
            moment=now,
        )
        self._vc = (vc, now)
        return vc

    def _with_revocation_data(self, pdf: bytes) -> bytes:
        """``pdf`` with this moment's OCSP responses for the signer and TSA certificates added
        to its DSS, in a revision of its own that the new timestamp then covers: the proof,
        for later past validation, that they were not revoked while still valid."""
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
        DocumentSecurityStore.supply_dss_in_writer(writer, None, ocsps=self._extra)
        out = io.BytesIO()
        writer.write(out)
        return out.getvalue()

    def renew(self, pdf: bytes) -> bytes:
        """``pdf`` with the validation data of its newest timestamp and a new document timestamp."""
        with self._lock:
            try:
                vc = self._validation_context(self.clock())
                if self._extra:
                    pdf = self._with_revocation_data(pdf)
                reader = PdfFileReader(io.BytesIO(pdf), strict=False)
                out = signers.PdfTimeStamper(self.timestamper).update_archival_timestamp_chain(
                    reader, vc, in_place=False, output=io.BytesIO()
                )
                data = bytes(out.getvalue())
                self.tsa_expires_at = newest_timestamp(data).expires_at
                return data
            except (SigningError, PKIError):
                raise
            except Exception as exc:
                raise SigningError(f"archival timestamp renewal failed: {type(exc).__name__}: {exc}") from exc


def development_timestamper(pki: DevelopmentPKI, clock: Clock) -> TimeStamper:
    """The in-process development TSA (``issuer.signing.timestamping``), its tokens dated by ``clock``."""
    from issuer.signing.timestamping import DevelopmentTimeStamper

    class Clocked(DevelopmentTimeStamper):
        @property
        def fixed_dt(self) -> dt.datetime:
            return clock()

        @fixed_dt.setter
        def fixed_dt(self, _value: Any) -> None:
            pass  # DummyTimeStamper.__init__ sets it; ours is the clock

    return Clocked(pki)


def build_archiver(settings: Settings, clock: Clock) -> Archiver:
    """The process's archiver from settings: ``ECERT_TSA_URL`` with online revocation data,
    or (development) the development TSA and CAs answering at ``clock``."""
    from issuer.pki import rotation
    from issuer.pki.development import DevelopmentPKI, is_complete
    from issuer.pki.ocsp import ocsp_responses_at
    from issuer.signing.timestamping import build_timestamper

    trust_roots: list[asn1_x509.Certificate] = []
    if settings.trust_roots_file is not None:
        try:
            trust_roots.extend(read_certificates(settings.trust_roots_file))
        except CertificateFormatError as exc:
            raise PKIError(str(exc)) from exc
    pki = None
    if not settings.is_production and is_complete(settings.pki_dir):
        pki = DevelopmentPKI.load_or_create(settings.pki_dir, settings.office_name, settings.public_url)
        trust_roots.append(pki.root_cert)
    if not trust_roots:
        raise PKIError("no trust roots: set ECERT_TRUST_ROOTS to the PEM bundle the timestamps chain to")
    if settings.tsa_url:
        timestamper = build_timestamper(tsa_url=settings.tsa_url, production=settings.is_production)
    elif pki is not None:
        timestamper = development_timestamper(pki, clock)
    else:
        raise PKIError("production needs ECERT_TSA_URL: the development timestamp authority is refused")
    if pki is None:
        return Archiver(timestamper, trust_roots=trust_roots, allow_fetching=True, clock=clock)
    dev = pki
    other = [*dev.chain, dev.tsa_cert, dev.signing_cert, *rotation.history_certificates(dev.directory)]
    ends = [cert for cert in other if not cert.ca]  # signers and TSAs, current and replaced
    return Archiver(
        timestamper,
        trust_roots=trust_roots,
        other_certs=other,
        # CRLs of every CA, and OCSP for the signers and TSAs (``issuer.pki.ocsp`` says why).
        crls=lambda now: rotation.crls_at(dev, now),
        ocsps=lambda now: ocsp_responses_at(dev, ends, now),
        allow_fetching=False,
        clock=clock,
        tsa_expires_at=dev.tsa_cert["tbs_certificate"]["validity"]["not_after"].native,
    )
