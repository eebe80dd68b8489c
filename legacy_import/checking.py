"""Runs the automatic checks on one application: gathers from the database what the pure
rules (``legacy_import.checks``) read, reads the evidence that has no OCR text yet, and
returns their findings with the best roster row.

``check_application(session, application, *, today) -> CheckResult``; the caller stores
``[f.as_json() for f in result.findings]`` in ``application.findings``,
``max_severity(result.findings)`` in ``application.max_severity`` and
``result.roster_entry_id`` in ``roster_entry_id``. OCR text it reads is set on the evidence
rows in ``session`` (committed with the caller's transaction). Tesseract takes about a
second a page: a caller holding a write transaction should call ``read_missing_texts``
first, outside it, so that the check itself reads nothing.

Every query is by an indexed column (roster: ``id_number``, ``paper_number``, ``doc_no``;
evidence: ``sha256``, ``original_sha256``, ``application_id``; decisions: ``holder_id``,
``paper_number``), but one: near-duplicate images are found by scanning the perceptual
hashes of the evidence not deleted (two short columns a row, streamed, compared in Python:
measured 0.3-0.6 s for 10^5 hashes in SQLite on the shared two-core machine, 3-6 µs a row,
so still well under a second for a province's 10^5). At national scale (10^7 files, tens of
seconds) that scan wants an index: on PostgreSQL the 64-bit hash as a ``bigint`` column and ``bit_count(hash # :h) <= 10``
(PostgreSQL 14+, a sequential scan of one narrow column, ~10^7 rows a second), or
multi-index hashing (split into 11 bands: two hashes within 10 bits agree exactly on at least
one band, each band an indexed column), or a BK-tree kept by a worker.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ecert.models import Account, Certificate, Decision, Holder, LegacyApplication, LegacyEvidence, RosterEntry
from ecert.sandbox import SandboxLimits
from ecert.storage import BlobNotFound, BlobStore
from ecert.vocab.idnumber import normalise_id_number
from ecert.vocab.titles import normalise_doc_no
from legacy_import import checks, ocr
from legacy_import.findings import HIGH, INFO, LOW, MEDIUM, SEVERITIES, CheckResult, Finding, max_severity
from legacy_import.matching import HOMOPHONE, SAME, RosterRow, compare_names, normalise_paper_number

__all__ = [
    "HIGH",
    "INFO",
    "LOW",
    "MEDIUM",
    "SEVERITIES",
    "CheckResult",
    "Finding",
    "check_application",
    "max_severity",
    "read_missing_texts",
]

log = logging.getLogger(__name__)
# Rows of one 文号 looked at for the applicant's name (a 文号 names a few hundred people).
_DOC_NO_ROWS = 2000
_IMAGE_TYPES = ("image/png", "image/jpeg", "image/tiff")


def check_application(
    session: Session,
    application: LegacyApplication,
    *,
    today: date,
    store: BlobStore | None = None,
    limits: SandboxLimits | None = None,
    read_ocr: bool = True,
) -> CheckResult:
    """Every automatic check of ``application``. ``store``/``limits``: where evidence
    blobs are and the sandbox's limits (default: the app's, in an app context); without a
    store, or with ``read_ocr=False``, evidence without OCR text is not read."""
    claim = {key: str(value) for key, value in (application.claim or {}).items()}
    id_number = application.id_number
    account = session.get(Account, application.account_id)
    evidence = _own_evidence(session, application.id)
    if read_ocr:
        store, limits = _defaults(store, limits)
        if store is not None:
            for item in evidence:
                if item.ocr_text is None:
                    item.ocr_text = _read(item, store, limits)

    findings: list[Finding] = []
    findings += checks.check_id_number_rule(id_number, account.login if account else None, today=today)
    findings += checks.check_approval_date(claim.get("approval_date", ""))
    findings += checks.check_age(id_number, claim.get("approval_date", ""))
    findings += checks.check_doc_no(claim.get("doc_no", ""), claim.get("approval_date", ""))
    findings += checks.check_qualification(
        claim.get("series", ""), claim.get("level", ""), claim.get("qualification", "")
    )
    findings += checks.check_evidence_present(application.case, {item.kind for item in evidence})
    facts = checks.claim_facts(id_number, claim)
    roster_findings, roster_id = checks.check_roster(facts, roster_candidates(session, facts))
    findings += roster_findings
    own = [_facts(item, id_number) for item in evidence]
    findings += checks.check_duplicates(own, other_evidence(session, application.id, own))
    findings += checks.check_existing_certificates(claim, existing_certificates(session, id_number, claim))
    findings += checks.check_ocr(id_number, claim, [item.ocr_text for item in evidence])
    return CheckResult(findings, roster_id)


def read_missing_texts(db: Any, application_id: int, *, store: BlobStore, limits: SandboxLimits | None = None) -> int:
    """Reads the evidence of ``application_id`` that has no OCR text, outside any write
    transaction, then stores the texts in a short one. Returns how many were stored."""
    with db.read() as session:
        pending = [
            (item.id, item.kind, item.content_type, item.sha256, item.thumbnail_sha256)
            for item in _own_evidence(session, application_id)
            if item.ocr_text is None
        ]
    texts: dict[int, str] = {}
    for evidence_id, _kind, content_type, sha256, thumbnail in pending:
        text = _read_blob(content_type, sha256, thumbnail, store, limits or SandboxLimits())
        if text is not None:
            texts[evidence_id] = text
    if not texts:
        return 0
    with db.write() as session:
        for item in session.scalars(select(LegacyEvidence).where(LegacyEvidence.id.in_(texts))):
            if item.ocr_text is None:  # a cache of the scan's reading, not a state change: no audit
                item.ocr_text = texts[item.id]
    return len(texts)


# --- what the rules read ---------------------------------------------------------------------


def roster_candidates(session: Session, facts: checks.ClaimFacts) -> list[RosterRow]:
    """Roster rows that may be the applicant's: by ID number (18 digits, or the 15-digit
    form a roster kept), by paper number, and by 文号 with the same or a homophone name."""
    number = normalise_id_number(facts.id_number)
    numbers = [number]
    if len(number) == 18 and number[6:8] == "19":
        numbers.append(number[:6] + number[8:17])
    conditions = [RosterEntry.id_number.in_(numbers)]
    paper = facts.paper_number.strip()
    if paper:
        conditions.append(RosterEntry.paper_number.in_({paper, normalise_paper_number(paper)}))
    rows = {entry.id: entry for entry in session.scalars(select(RosterEntry).where(or_(*conditions)))}
    doc_no = normalise_doc_no(facts.doc_no)
    if doc_no and facts.name.strip():
        by_doc_no = select(RosterEntry).where(RosterEntry.doc_no == doc_no).limit(_DOC_NO_ROWS)
        for entry in session.scalars(by_doc_no):
            if compare_names(facts.name, entry.name) in (SAME, HOMOPHONE):
                rows.setdefault(entry.id, entry)
    return [RosterRow.from_entry(entry) for entry in sorted(rows.values(), key=lambda e: e.id)]


def other_evidence(
    session: Session, application_id: int, own: list[checks.EvidenceFacts]
) -> list[checks.EvidenceFacts]:
    """Evidence of other applications with one of ``own``'s file hashes (deleted ones too:
    their hashes outlive the files), or a perceptual hash within the near-duplicate distance
    (evidence not deleted)."""
    hashes = {value for item in own for value in (item.sha256, item.original_sha256)}
    found: dict[int, tuple[LegacyEvidence, str]] = {}
    if hashes:
        query = (
            select(LegacyEvidence, LegacyApplication.id_number)
            .join(LegacyApplication, LegacyApplication.id == LegacyEvidence.application_id)
            .where(LegacyEvidence.application_id != application_id)
            .where(or_(LegacyEvidence.sha256.in_(hashes), LegacyEvidence.original_sha256.in_(hashes)))
        )
        for item, holder_number in session.execute(query):
            found[item.id] = (item, holder_number)
    # (bits as an int, the distance within which another hash is near), per own image
    probes = [
        (int(item.image_hash, 16), checks.near_duplicate_threshold(len(item.image_hash) * 4), len(item.image_hash))
        for item in own
        if item.image_hash and _is_hex(item.image_hash)
    ]
    if probes:
        near_ids = []
        scan = (
            select(LegacyEvidence.id, LegacyEvidence.image_hash)
            .where(LegacyEvidence.deleted_at.is_(None), LegacyEvidence.image_hash.is_not(None))
            .where(LegacyEvidence.application_id != application_id)
            .execution_options(yield_per=20000)
        )
        for evidence_id, image_hash in session.execute(scan):
            try:
                bits = int(image_hash or "", 16)
            except ValueError:  # not a hash this rule knows
                continue
            near_any = any(
                size == len(image_hash or "") and (bits ^ mine).bit_count() <= near for mine, near, size in probes
            )
            if near_any and evidence_id not in found:
                near_ids.append(evidence_id)
        if near_ids:
            query = (
                select(LegacyEvidence, LegacyApplication.id_number)
                .join(LegacyApplication, LegacyApplication.id == LegacyEvidence.application_id)
                .where(LegacyEvidence.id.in_(near_ids))
            )
            for item, holder_number in session.execute(query):
                found[item.id] = (item, holder_number)
    return [_facts(item, holder_number) for item, holder_number in found.values()]


def existing_certificates(session: Session, id_number: str, claim: dict[str, str]) -> list[checks.ExistingCertificate]:
    """Decisions of the holder with this ID number, and decisions converted from the
    claimed paper number (anyone's), each with its latest certificate version."""
    holder_id = session.scalar(select(Holder.id).where(Holder.id_number == normalise_id_number(id_number)))
    conditions = []
    if holder_id is not None:
        conditions.append(Decision.holder_id == holder_id)
    paper = claim.get("paper_number", "").strip()
    if paper:
        conditions.append(Decision.paper_number.in_({paper, normalise_paper_number(paper)}))
    if not conditions:
        return []
    decisions = list(session.scalars(select(Decision).where(or_(*conditions))))
    latest: dict[int, Certificate] = {}
    if decisions:
        query = select(Certificate).where(Certificate.decision_id.in_([d.id for d in decisions]))
        for certificate in session.scalars(query):
            known = latest.get(certificate.decision_id)
            if known is None or certificate.version > known.version:
                latest[certificate.decision_id] = certificate
    found = []
    for decision in decisions:
        latest_version = latest.get(decision.id)
        found.append(
            checks.ExistingCertificate(
                decision_id=decision.id,
                qualification=decision.qualification,
                paper_number=decision.paper_number,
                number=latest_version.number if latest_version else None,
                status=latest_version.status.value if latest_version else None,
                same_holder=decision.holder_id == holder_id,
            )
        )
    return found


# --- helpers --------------------------------------------------------------------------------


def _is_hex(text: str) -> bool:
    return bool(text) and all(ch in "0123456789abcdefABCDEF" for ch in text)


def _own_evidence(session: Session, application_id: int) -> list[LegacyEvidence]:
    query = (
        select(LegacyEvidence)
        .where(LegacyEvidence.application_id == application_id, LegacyEvidence.deleted_at.is_(None))
        .order_by(LegacyEvidence.id)
    )
    return list(session.scalars(query))


def _facts(item: LegacyEvidence, id_number: str) -> checks.EvidenceFacts:
    return checks.EvidenceFacts(
        id=item.id,
        application_id=item.application_id,
        kind=item.kind,
        sha256=item.sha256,
        original_sha256=item.original_sha256,
        image_hash=item.image_hash,
        id_number=id_number,
        deleted=item.deleted_at is not None,
        ocr_text=item.ocr_text,
    )


def _defaults(store: BlobStore | None, limits: SandboxLimits | None) -> tuple[BlobStore | None, SandboxLimits]:
    if store is None or limits is None:
        from flask import has_app_context

        if has_app_context():
            from ecert.kernel import kernel

            found = kernel()
            store = store or found.store
            limits = limits or found.settings.sandbox
    return store, limits or SandboxLimits()


def _read(item: LegacyEvidence, store: BlobStore, limits: SandboxLimits) -> str | None:
    return _read_blob(item.content_type, item.sha256, item.thumbnail_sha256, store, limits)


def _read_blob(
    content_type: str, sha256: str, thumbnail: str | None, store: BlobStore, limits: SandboxLimits
) -> str | None:
    """The OCR text of an evidence file: the cleaned image itself, or a PDF's first-page
    thumbnail. ``""`` when there is nothing to read or Tesseract failed on it (not tried
    again), None when the reader was unavailable (tried at the next check)."""
    name = sha256 if content_type in _IMAGE_TYPES else thumbnail
    if name is None:
        return ""
    try:
        data = store.get(name)
    except BlobNotFound:
        log.warning("evidence blob %s is missing: no OCR", name)
        return None
    outcome = ocr.read_text(data, limits)
    if outcome.text is not None:
        return outcome.text
    log.info("OCR of evidence blob %s: %s", name, outcome.failure)
    return None if outcome.retry else ""
