"""The individual named checks of an uploaded PDF, from what the sandboxed worker found.

Each function records one check in the report's :class:`~verifier.pdf.report.Builder`
with a reason code and parameters (no sentences) and says whether it passed. ``report``
is ``verifier.pdf.findings.SignatureReport`` and ``signer`` its ``SignerIdentity``.
"""

from __future__ import annotations

from typing import Any

from ecert.clock import office_date
from ecert.sandbox import SandboxOutcome
from verifier.lookup import PublicCertificate
from verifier.pdf.report import Builder
from verifier.status import PublicStatus


def parse_failure(b: Builder, outcome: SandboxOutcome, inspection: Any) -> None:
    """``is_pdf`` failed inside the sandbox: too costly (its CPU budget spent), too big once
    expanded, too complex, or unreadable. (A starved or killed checker is no verdict: the
    caller answers "could not check now" before coming here.)"""
    if outcome.failure == "cpu":
        b.add("is_pdf", False, "timeout", outcome.message)
    elif outcome.failure == "memory":
        b.add("is_pdf", False, "memory", outcome.message)
    elif outcome.failure is not None:
        b.add("is_pdf", False, "unsafe", f"{outcome.failure}: {outcome.message}")
    elif inspection is not None and inspection.too_complex is not None:
        what, count, limit = inspection.too_complex
        b.add("is_pdf", False, "too_complex", f"{count} {what}, limit {limit}", what=what, count=count, limit=limit)
    elif inspection is not None and inspection.structure:  # encrypted, xref_broken
        b.add("is_pdf", False, inspection.structure, inspection.parse_error)
    else:
        b.add("is_pdf", False, "damaged", inspection.parse_error if inspection is not None else "")


def signature(b: Builder, report: Any) -> bool:
    if report.signatures == 0:
        # "no signature" only when there truly is none; a validation that broke off is damage
        reason = "unreadable" if report.error else "no_signature"
        return _fail(b, "signature_intact", reason, "; ".join(report.problems))
    if not report.intact:
        reason = _damaged_dss_reason(report) or "changed"
        return _fail(b, "signature_intact", reason, "; ".join(report.problems))
    if not report.valid:
        return _fail(b, "signature_intact", "invalid", "; ".join(report.problems))
    if report.doc_timestamp_problems:
        return _fail(b, "signature_intact", "timestamp_damaged", "; ".join(report.doc_timestamp_problems))
    stamps = f"; {report.doc_timestamps} document timestamp(s) intact" if report.doc_timestamps else ""
    b.add("signature_intact", True, "ok", f"signed by {report.signer_subject}{stamps}")
    return True


def signer(b: Builder, report: Any, identity: Any, require_lta: bool) -> bool:
    lta = "AdES-LTA at validation time: " + (
        "passed" if report.lta_ok else next((p for p in report.problems if p.startswith("AdES-LTA")), "not passed")
    )
    detail = f"signer {identity.subject or report.signer_subject}; issuer {identity.issuer}; {lta}"
    damaged = _damaged_dss_reason(report)
    if damaged:
        return _fail(b, "trusted_signer", damaged, f"{detail}; " + "; ".join(report.damaged_validation_data))
    if not report.trusted:
        trust = report.trust_problem or "untrusted"
        return _fail(b, "trusted_signer", "untrusted", f"{detail}; trust problem: {trust}")
    if not identity.ok:
        return _fail(b, "trusted_signer", "not_office_certificate", f"{detail}; " + "; ".join(identity.problems))
    if report.doc_timestamp_trust_problems:
        problems = "; ".join(report.doc_timestamp_trust_problems)
        return _fail(b, "trusted_signer", "timestamp_untrusted", f"{detail}; {problems}")
    missing = []
    if not report.timestamp_ok:
        missing.append("no valid signature timestamp")
    if not report.ltv:
        missing.append("validation data (DSS) missing or incomplete")
    if not report.certified:
        missing.append("not a certification signature")
    if require_lta and not report.lta_ok:
        missing.append("AdES-LTA validation did not pass")
    if missing:
        return _fail(b, "trusted_signer", "validation_data_missing", f"{detail}; " + "; ".join(missing))
    b.add("trusted_signer", True, "ok", detail, office=identity.organization or identity.common_name)
    return True


def coverage(b: Builder, report: Any) -> bool:
    changed = report.modification_level not in ("NONE", "LTA_UPDATES")
    what = []
    if report.signatures > 1:
        what.append(f"{report.signatures} signatures (a signature was added after ours)")
    if changed:
        what.append(f"modification level {report.modification_level or 'unknown'}")
    if not report.docmdp_ok:
        what.append("changes not permitted by the certification (DocMDP)")
    if report.trailing_bytes:
        what.append("data appended after the end of the file (%%EOF)")
    if report.changes and changed:
        what.append(f"pyHanko: {report.changes}")
    if report.changed_fields:
        what.append("changed fields: " + ", ".join(report.changed_fields))
    later = report.later_changes
    if later:
        what.append("after signing: " + "; ".join(f"revision {c.revision}: {c.kind} {c.what}" for c in later[:20]))
    if what:
        # What a person is told changed (codes; words in verifier.words.pdf), and the parts
        # by their technical names (the same in every language).
        changes = []
        if report.signatures > 1:
            changes.append("another_signature")
        if report.trailing_bytes:
            changes.append("appended")
        if changed and report.signatures <= 1:
            changes.append("objects_changed")
        for change in later:
            code = _LATER_CHANGES.get(change.kind, "objects_changed")
            if code not in changes:
                changes.append(code)
        named = tuple(dict.fromkeys(c.what for c in later if c.kind not in ("no_timestamp", "unreadable")))[:8]
        detail = f"coverage {report.coverage}; " + "; ".join(what)
        b.add("coverage", False, "modified", detail, changes=tuple(changes), what=named)
        return False
    reason = "whole_file" if report.modification_level == "NONE" else "only_timestamps_added"
    b.add("coverage", True, reason, f"coverage {report.coverage}; modifications {report.modification_level}")
    return True


def registry(b: Builder, certificate: PublicCertificate) -> None:
    label = {"number": certificate.number, "version": certificate.version}
    status = certificate.status
    if status is PublicStatus.VALID:
        b.add("registry_status", True, "valid", "valid", **label)
    elif status is PublicStatus.REVOKED:
        day = office_date(certificate.revoked_at) if certificate.revoked_at is not None else None
        b.add(
            "registry_status", False, "revoked", f"revoked: {certificate.revocation_reason}",
            **label, day=day, revocation_reason=certificate.revocation_reason or "",
            doc_no=certificate.revocation_doc_no or "",
        )  # fmt: skip
    elif status is PublicStatus.SUPERSEDED:
        current = certificate.current_version
        b.add("registry_status", False, "superseded", f"superseded by version {current}", **label, current=current)
    elif status in (PublicStatus.EXPIRED, PublicStatus.WITHDRAWN):
        b.add("registry_status", False, status.value, status.value, **label)
    else:
        b.add("registry_status", False, "unknown", "unknown", **label)


# LaterChange.kind (verifier.pdf.revisions) -> the change code a person is told
_LATER_CHANGES = {
    "metadata": "metadata",
    "orphan": "orphan_objects",
    "shadow": "shadow_objects",
    "object": "objects_changed",
    "no_timestamp": "revision_without_timestamp",
}


def _damaged_dss_reason(report: Any) -> str:
    """``crl_damaged`` (a CRL in the DSS does not parse), ``validation_data_damaged``
    (another DSS item), or "" when the DSS is sound."""
    damaged = report.damaged_validation_data
    if not damaged:
        return ""
    return "crl_damaged" if any(p.startswith("CRL ") for p in damaged) else "validation_data_damaged"


def _fail(b: Builder, code: str, reason: str, detail: str) -> bool:
    b.add(code, False, reason, detail)
    return False
