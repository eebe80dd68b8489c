"""Validation of our PAdES signatures against pinned trust roots only, offline.

Never imports ``issuer``. Never raises for a bad file: any exception (a parser error on
a shadow-attack file, a broken CMS, ...) becomes a report with ``valid=False`` and the
exception text in ``problems``.

Checks (see :func:`validate_signed_pdf`):

1. Integrity: the signed byte ranges hash to the CMS message digest (``intact``) and the
   CMS signature verifies (``valid``); coverage and the incremental-update analysis
   (``modification_level``; pyHanko's diff analysis) and the DocMDP rule (``docmdp_ok``).
2. Long-term validation (``trusted``, ``ltv``, ``timestamp_ok``): at the time of the
   signature timestamp, the signer's chain must lead to one of the given roots (never the
   system store) with revocation checking REQUIRED, using only the certificates and CRLs/
   OCSP responses embedded in the document's DSS (no fetching).
3. Document timestamps (``doc_timestamp_problems``, ``doc_timestamp_trust_problems``):
   every one must be intact and valid on its own (its token's message imprint matches the
   bytes it covers and the TSA's signature verifies: pyHanko's ``intact``/``valid``, never
   ``summary()``, which can read INTACT for a tampered one), and its TSA must chain to the
   given roots at the token's own time with the embedded validation data. Independent of
   the AdES-LTA freshness below.
4. AdES-LTA (``lta_ok``): ETSI EN 319 102-1 validation at ``validation_time`` (default
   now) with the document timestamp chain as evidence record; passes only when the
   indication is PASSED (pyHanko's ``bottom_line`` can be True with NO_POE).
5. Our file rules: coverage is the entire file, or everything after the signed revision
   is at most LTA updates (DSS and document timestamps) and nothing follows the last
   ``%%EOF``; and what pyHanko's analysis lets through (metadata beyond dates and producer,
   orphan and shadow objects, revisions without a timestamp) is found by
   :mod:`verifier.pdf.revisions`. A damaged DSS item (:mod:`verifier.pdf.structure`) is
   reported as such, and the signature is then validated without the DSS.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
from collections.abc import Sequence
from typing import Any

from asn1crypto import crl as asn1_crl
from asn1crypto import x509 as asn1_x509

from ecert.clock import utc_now
from verifier.pdf.findings import ACCEPTED_MODIFICATIONS, SignatureReport
from verifier.pdf.revisions import later_changes
from verifier.pdf.structure import damaged_validation_data

__all__ = ["validate_signed_pdf", "validate_signed_reader"]


def validate_signed_pdf(
    pdf: bytes,
    trust_roots: list[asn1_x509.Certificate],
    *,
    validation_time: dt.datetime | None = None,
    crls: Sequence[asn1_crl.CertificateList] = (),
) -> SignatureReport:
    """Validate the (first) certification signature of ``pdf`` and every document
    timestamp after it; never raises.

    ``crls``: current revocation data the verifier obtained itself (e.g. the CAs' published
    CRLs). Not needed near signing time; needed by the AdES-LTA check once the revocation
    data embedded for the last document timestamp is stale (ETSI requires fresh status of
    the last timestamp's chain at validation time). Nothing is ever fetched.
    """
    try:
        from pyhanko.pdf_utils.reader import PdfFileReader

        reader = PdfFileReader(io.BytesIO(pdf), strict=True)
    except Exception as exc:  # fail closed
        return SignatureReport(problems=[f"not a readable PDF: {type(exc).__name__}: {exc}"])
    return validate_signed_reader(reader, pdf, trust_roots, validation_time=validation_time, crls=crls)


def validate_signed_reader(
    reader: Any,
    pdf: bytes,
    trust_roots: list[asn1_x509.Certificate],
    *,
    validation_time: dt.datetime | None = None,
    crls: Sequence[asn1_crl.CertificateList] = (),
) -> SignatureReport:
    """Like :func:`validate_signed_pdf` on an already parsed ``reader`` of ``pdf``; never raises."""
    try:
        return _validate(reader, pdf, list(trust_roots), validation_time, list(crls))
    except Exception as exc:  # fail closed
        error = f"validation error: {type(exc).__name__}: {exc}"
        return SignatureReport(problems=[error], error=error[:500])


# --------------------------------------------------------------------------- internals


def _enum_name(value: Any) -> str:
    return getattr(value, "name", str(value)) if value is not None else ""


def _tst_gen_time(embedded_sig: Any) -> dt.datetime | None:
    from pyhanko.sign.validation.generic_cms import extract_tst_data_iter

    for tst in extract_tst_data_iter(embedded_sig.signer_info, signed=False):
        return tst["encap_content_info"]["content"].parsed["gen_time"].native
    return None


def _validate(reader: Any, pdf: bytes, roots: list, validation_time: dt.datetime | None, crls: list) -> SignatureReport:
    from pyhanko.sign.validation import DocumentSecurityStore, validate_pdf_signature
    from pyhanko.sign.validation.errors import NoDSSFoundError

    if not roots:
        return SignatureReport(problems=["no trust roots given"])
    problems: list[str] = []
    sigs = reader.embedded_regular_signatures
    doc_ts = reader.embedded_timestamp_signatures
    if not sigs:
        return SignatureReport(problems=["the document has no signature"])
    if len(sigs) > 1:
        problems.append(f"{len(sigs)} signatures; only one is expected")
    sig = sigs[0]

    damaged = damaged_validation_data(reader)
    problems.extend(damaged)
    try:
        # a damaged item would make validation fail deep inside: validate without the DSS
        dss = None if damaged else DocumentSecurityStore.read_dss(reader)
    except NoDSSFoundError:
        dss = None
        problems.append("no DSS (validation data) in the document")

    # (2) validation at the time of the signature timestamp, embedded data only
    tst_time = _tst_gen_time(sig)
    moment = tst_time or validation_time or utc_now()
    vc_kwargs: dict[str, Any] = dict(
        trust_roots=roots,
        allow_fetching=False,
        revocation_mode="require",
        moment=moment,
    )
    if dss is not None:
        signer_vc = dss.as_validation_context(vc_kwargs)
        ts_vc = dss.as_validation_context(vc_kwargs)
    else:
        from pyhanko_certvalidator import ValidationContext

        # No embedded revocation data: the chain cannot validate ("require"), but the
        # signature's integrity can still be reported.
        signer_vc = ValidationContext(**vc_kwargs, crls=[], ocsps=[])
        ts_vc = ValidationContext(**vc_kwargs, crls=[], ocsps=[])
    status = validate_pdf_signature(sig, signer_validation_context=signer_vc, ts_validation_context=ts_vc)

    intact = bool(status.intact)
    valid = bool(status.intact and status.valid)
    trusted = bool(valid and status.trusted)
    ts_status = status.timestamp_validity
    timestamp_ok = bool(ts_status is not None and ts_status.intact and ts_status.valid and ts_status.trusted)
    if tst_time is None:
        problems.append("no signature timestamp (B-T)")
    elif not timestamp_ok:
        problems.append("the signature timestamp does not validate against the given roots")
    ltv = bool(trusted and timestamp_ok and dss is not None)
    if not intact:
        problems.append("the signed bytes were changed")
    elif not status.valid:
        problems.append("the CMS signature does not verify")
    if valid and not status.trusted:
        problems.append(
            "signer not trusted with the embedded validation data: "
            + _enum_name(getattr(status, "trust_problem_indic", None))
        )
    modification = _enum_name(status.modification_level)
    coverage = _enum_name(status.coverage)
    if modification not in ACCEPTED_MODIFICATIONS:
        problems.append(f"changed after signing ({modification})")
    docmdp_ok = bool(status.docmdp_ok)
    docmdp_perm = sig.docmdp_level
    certified = docmdp_perm is not None
    if not certified:
        problems.append("not a certification signature")
    docmdp_level = int(docmdp_perm.value) if docmdp_perm is not None else None

    changes, changed_fields = _describe_changes(status)
    trust_problem = ""
    if valid and not status.trusted:
        trust_problem = _enum_name(getattr(status, "trust_problem_indic", None))

    # (5) what pyHanko's difference analysis lets through: metadata, orphans, shadows, ...
    changed_later = later_changes(reader, pdf, sig.signed_revision)
    if changed_later:
        problems.append("changed after signing: " + "; ".join(f"{c.kind} {c.what}" for c in changed_later[:20]))

    # (4) nothing outside the revisions: pyHanko calls junk after %%EOF "intact"
    trailing = _has_trailing_bytes(reader, pdf)
    if trailing:
        problems.append("bytes after the last revision")

    # (3) every document timestamp, on its own
    ts_corrupted, ts_untrusted = _check_doc_timestamps(doc_ts, dss, roots)
    problems.extend(ts_corrupted)
    problems.extend(ts_untrusted)

    # (4) AdES-LTA at validation_time
    lta_ok = False
    if valid:
        try:
            lta_ok, lta_msg = _lta(sig, roots, validation_time, crls)
            if not lta_ok:
                problems.append(f"AdES-LTA: {lta_msg}")
        except Exception as exc:
            problems.append(f"AdES-LTA validation error: {type(exc).__name__}: {exc}")

    signer_cert = sig.signer_cert
    return SignatureReport(
        intact=intact,
        valid=valid,
        trusted=trusted,
        signer_subject=signer_cert.subject.human_friendly if signer_cert is not None else "",
        signing_time=tst_time if timestamp_ok else status.signer_reported_dt,
        timestamp_ok=timestamp_ok,
        coverage=coverage,
        modification_level=modification,
        docmdp_ok=docmdp_ok,
        certified=certified,
        docmdp_level=docmdp_level,
        ltv=ltv,
        lta_ok=lta_ok,
        doc_timestamps=len(doc_ts),
        has_dss=dss is not None,
        problems=problems,
        signatures=len(sigs),
        trailing_bytes=trailing,
        changes=changes,
        changed_fields=changed_fields,
        trust_problem=trust_problem,
        doc_timestamp_problems=tuple(ts_corrupted),
        doc_timestamp_trust_problems=tuple(ts_untrusted),
        signer_cert_der=signer_cert.dump() if signer_cert is not None else b"",
        later_changes=changed_later,
        damaged_validation_data=tuple(damaged),
    )


def _check_doc_timestamps(doc_ts: list, dss: Any, roots: list) -> tuple[list[str], list[str]]:
    """Validate each document timestamp on its own: ``(corrupted, untrusted)`` descriptions.

    Corrupted: the token cannot be read, its imprint does not match the bytes it covers
    (``intact``), or the TSA's signature does not verify (``valid``). Untrusted: intact and
    valid, but the TSA's chain does not lead to ``roots`` at the token's own time with the
    document's embedded validation data (revocation required, nothing fetched).
    """
    from pyhanko.sign.validation import validate_pdf_timestamp
    from pyhanko_certvalidator import ValidationContext

    corrupted: list[str] = []
    untrusted: list[str] = []
    total = len(doc_ts)
    for number, ts in enumerate(doc_ts, start=1):
        label = f"document timestamp {number} of {total}"
        try:
            gen_time = ts.signed_data["encap_content_info"]["content"].parsed["gen_time"].native
            vc_kwargs: dict[str, Any] = dict(
                trust_roots=roots, allow_fetching=False, revocation_mode="require", moment=gen_time
            )
            if dss is not None:
                vc = dss.as_validation_context(vc_kwargs)
            else:
                vc = ValidationContext(**vc_kwargs, crls=[], ocsps=[])
            # the regular signature's difference analysis already judged the later revisions
            status = validate_pdf_timestamp(ts, validation_context=vc, skip_diff=True)
        except Exception as exc:  # an unreadable token is a corrupted one
            corrupted.append(f"{label} is corrupted: {type(exc).__name__}: {exc}"[:300])
            continue
        if not status.intact:
            corrupted.append(f"{label} is corrupted: its token does not match the bytes it covers")
        elif not status.valid:
            corrupted.append(f"{label} is corrupted: the timestamp authority's signature does not verify")
        elif not status.trusted:
            why = _enum_name(getattr(status, "trust_problem_indic", None)) or "no path to the roots"
            untrusted.append(f"{label}: its timestamp authority does not chain to the pinned roots ({why})")
    return corrupted, untrusted


def _describe_changes(status: Any) -> tuple[str, tuple[str, ...]]:
    """What pyHanko's difference analysis says about the revisions after the signed one."""
    from pyhanko.sign.diff_analysis import DiffResult, SuspiciousModification

    diff = getattr(status, "diff_result", None)
    if isinstance(diff, SuspiciousModification):
        return str(diff) or type(diff).__name__, ()
    if isinstance(diff, DiffResult):
        fields = tuple(sorted(diff.changed_form_fields))
        level = _enum_name(diff.modification_level)
        text = level + (f": changed form fields {', '.join(fields)}" if fields else "")
        return text, fields
    return "", ()


def _has_trailing_bytes(reader: Any, pdf: bytes) -> bool:
    xrefs = reader.xrefs
    info = xrefs.get_xref_container_info(xrefs.total_revisions - 1)
    tail = pdf[info.end_location :]
    eof = tail.find(b"%%EOF")
    return eof < 0 or bool(tail[eof + 5 :].strip(b"\r\n\t \x00\x0c"))


def _lta(sig: Any, roots: list, validation_time: dt.datetime | None, crls: list) -> tuple[bool, str]:
    from pyhanko.sign.ades.report import AdESPassed
    from pyhanko.sign.validation.ades import ades_lta_validation
    from pyhanko.sign.validation.policy_decl import (
        CertificateFetchingRule,
        LocalKnowledge,
        PdfSignatureValidationSpec,
        RevinfoOnlineFetchingRule,
        RevocationInfoGatheringSpec,
        SignatureValidationSpec,
    )
    from pyhanko_certvalidator.context import CertValidationPolicySpec
    from pyhanko_certvalidator.ltv.types import ValidationTimingInfo
    from pyhanko_certvalidator.policy_decl import CertRevTrustPolicy, RevocationCheckingPolicy
    from pyhanko_certvalidator.registry import SimpleTrustManager
    from pyhanko_certvalidator.revinfo.archival import CRLContainer

    policy = CertValidationPolicySpec(
        trust_manager=SimpleTrustManager.build(trust_roots=roots),
        revinfo_policy=CertRevTrustPolicy(RevocationCheckingPolicy.from_legacy("require")),
    )
    spec = PdfSignatureValidationSpec(
        SignatureValidationSpec(
            cert_validation_policy=policy,
            revinfo_gathering_policy=RevocationInfoGatheringSpec(
                online_fetching_rule=RevinfoOnlineFetchingRule.LOCAL_ONLY,
                certificate_fetching_rule=CertificateFetchingRule.NEVER_FETCH,
            ),
            local_knowledge=LocalKnowledge(known_crls=[CRLContainer(c) for c in crls]),
        )
    )
    now = validation_time or utc_now()
    timing = ValidationTimingInfo(
        validation_time=now, best_signature_time=now, point_in_time_validation=validation_time is not None
    )
    result = asyncio.run(ades_lta_validation(sig, spec, timing_info=timing))
    passed = result.ades_subindic == AdESPassed.OK
    return passed, f"{_enum_name(result.ades_subindic)} {result.failure_msg or ''}".strip()
