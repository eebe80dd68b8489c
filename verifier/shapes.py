"""The documented JSON forms (``verifier/views/openapi.yaml``) of a certificate and of a PDF check.

One place for each, used by the API and by ``ecert verify --json``. The ``*_zh`` / ``*_en``
pairs are part of the contract: HR systems store both, whatever the request's language.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from ecert.i18n import EN, ZH
from ecert.settings import Settings
from verifier import lookup
from verifier.lookup import PublicCertificate, PublicProvenance
from verifier.paper import PaperRecord
from verifier.pdf.report import Check, PdfVerdict
from verifier.status import PublicStatus
from verifier.verdict import verdict_for
from verifier.words import paper as paper_words
from verifier.words import pdf as pdf_words
from verifier.words import verdict as verdict_words
from verifier.words.verdict import in_lang


def both(name: str, say: Callable[[], str]) -> dict[str, str]:
    """``{name_zh: ..., name_en: ...}``: ``say()`` in each language."""
    return {f"{name}_zh": in_lang(ZH, say), f"{name}_en": in_lang(EN, say)}


def certificate_json(certificate: PublicCertificate, settings: Settings) -> dict[str, Any]:
    """The public fields: the same minimum as the landing page (masked name; no ID number,
    birth date or photo)."""
    verdict = verdict_for(certificate)
    data: dict[str, Any] = {
        "number": certificate.number,
        "version": certificate.version,
        "status": certificate.status.value,
        "verdict": {
            **both("word", lambda: verdict_words.status_word(verdict.status)),
            **both("explanation", lambda: verdict_words.sentence(verdict)),
        },
        "masked_name": certificate.masked_name,
        "qualification": certificate.qualification,
        "level": certificate.level,
        "series": certificate.series,
        "specialty": certificate.specialty,
        "grant_date": certificate.grant_date.isoformat(),
        "approving_body": certificate.approving_body,
        "doc_no": certificate.doc_no,
        "issuing_office": lookup.issuing_office_name(
            certificate.issuing_office_code, settings.office_code, settings.office_name
        ),
        "issuing_office_code": certificate.issuing_office_code,
        "issued_at": timestamp(certificate.issued_at),
        # Converted from a paper certificate: where from; null when born electronic.
        "provenance": provenance_json(certificate.provenance),
    }
    if certificate.status is PublicStatus.REVOKED:
        data["revoked_at"] = timestamp(certificate.revoked_at)
        data["revocation_reason"] = certificate.revocation_reason
        data["revocation_doc_no"] = certificate.revocation_doc_no
    if certificate.status is PublicStatus.SUPERSEDED:
        data["current_version"] = certificate.current_version
        data["current_url"] = settings.verify_url(certificate.current_token) if certificate.current_token else None
    copy = certificate.use_copy
    if copy is not None:  # a use copy (加注件): its annotation, and each status that made ``status``
        data["use_copy"] = {
            "recipient": copy.recipient,
            "purpose": copy.purpose,
            "valid_until": copy.valid_until.isoformat(),
            "state": copy.state.value,
            "withdrawn_at": timestamp(copy.withdrawn_at) if copy.withdrawn_at is not None else None,
            "certificate_status": copy.certificate_status.value,
            **both("annotation", lambda: verdict_words.use_copy_lines(certificate)[0]),
        }
    return data


def provenance_json(provenance: PublicProvenance | None) -> dict[str, Any] | None:
    if provenance is None:
        return None
    return {
        "converted_from": "paper",
        "paper_number": provenance.paper_number,
        "verified_by": provenance.verified_by,
        "verified_on": provenance.verified_on.isoformat(),
        **both("text", lambda: paper_words.provenance_sentence(provenance)),
    }


def paper_record_json(record: PaperRecord, settings: Settings) -> dict[str, Any]:
    """A paper certificate on an archive roster, not converted yet: the minimum (no name,
    ID number, employer or 文号) and whom to ask."""
    return {
        "status": record.status,
        **both("word", paper_words.paper_word),
        **both("explanation", lambda: paper_words.paper_api_sentence(settings.office_name)),
        "qualification": record.qualification,
        "approval_year": record.approval_year,
        "contact": {"office": settings.office_name, "phone": settings.office_phone or None},
    }


def pdf_verdict_json(verdict: PdfVerdict, settings: Settings) -> dict[str, Any]:
    """A PDF check as the API answers it and ``ecert verify --json`` prints it."""
    certificate = verdict.certificate
    return {
        "valid": verdict.valid,
        "status": pdf_status(verdict),
        "authentic": verdict.authentic,
        "unavailable": verdict.unavailable,
        **both("word", lambda: pdf_words.verdict_word(verdict)),
        "sha256": verdict.sha256,
        **both("summary", lambda: pdf_words.summary(verdict)),
        "checks": [_check_json(check) for check in verdict.checks],
        "certificate": certificate_json(certificate, settings) if certificate is not None else None,
    }


def pdf_status(verdict: PdfVerdict) -> str:
    """The file's one status: the certificate's (``verifier.status``) when the file is
    authentic, else ``invalid``, or ``unavailable`` when it could not be checked."""
    if verdict.unavailable:
        return "unavailable"
    status = verdict.status
    return "invalid" if status is None or status is PublicStatus.UNKNOWN else status.value


def _check_json(check: Check) -> dict[str, Any]:
    return {
        "code": check.code,
        "passed": check.passed,
        "reason": check.reason,
        **both("title", lambda: pdf_words.title(check)),
        **both("explanation", lambda: pdf_words.explanation(check)),
        "detail": check.detail,
    }


def timestamp(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC with a trailing ``Z``."""
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
