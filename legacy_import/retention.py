"""Retention of evidence: the scans of applications that were rejected or withdrawn are
deleted once the retention period (``Settings.legacy_evidence_retention_days``) has passed
since the decision; approved evidence is kept with the certificate it supports.

The rows stay (``deleted_at`` set: the staff page says the file is gone, the file routes
answer 404) so the audit trail and the application keep making sense; only the blobs go,
and only a blob no other row names: the store is content-addressed, so the same scan
uploaded for another application, a correction request's attachment, a photo or a signed
PDF with the same bytes is the same file. One audit event per application, in the
transaction that marks its rows; the files are removed after it commits (a crash in
between leaves files no row names, which a later run cannot see and which harm nothing
but disk).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ecert import audit
from ecert.db import Database
from ecert.models import Certificate, CorrectionRequest, Decision, LegacyApplication, LegacyEvidence, UseCopy
from ecert.storage import BlobStore
from legacy_import import workflow

PURGED_STATUSES = (workflow.REJECTED, workflow.WITHDRAWN)


@dataclass(frozen=True)
class Purged:
    application_id: int
    evidence: int  #: evidence rows marked deleted
    blobs: int  #: files removed from the store


@dataclass
class PurgeReport:
    cutoff: datetime
    dry_run: bool
    applications: list[Purged] = field(default_factory=list)

    @property
    def evidence(self) -> int:
        return sum(item.evidence for item in self.applications)

    @property
    def blobs(self) -> int:
        return sum(item.blobs for item in self.applications)


def due(session: Session, cutoff: datetime) -> list[int]:
    """Applications rejected or withdrawn before ``cutoff`` that still have evidence files."""
    decided = func.coalesce(LegacyApplication.decided_at, LegacyApplication.updated_at)
    return list(
        session.scalars(
            select(LegacyApplication.id)
            .where(LegacyApplication.status.in_(PURGED_STATUSES), decided < cutoff)
            .where(
                select(LegacyEvidence.id)
                .where(LegacyEvidence.application_id == LegacyApplication.id, LegacyEvidence.deleted_at.is_(None))
                .exists()
            )
            .order_by(LegacyApplication.id)
        )
    )


def purge_evidence(
    db: Database, store: BlobStore, *, now: datetime, retention_days: int, actor: str, dry_run: bool = False
) -> PurgeReport:
    """Delete what the retention period allows; with ``dry_run`` only say what that would be."""
    report = PurgeReport(cutoff=now - timedelta(days=retention_days), dry_run=dry_run)
    with db.read() as session:
        candidates = due(session, report.cutoff)
    for application_id in candidates:
        done = _purge_one(db, application_id, report.cutoff, now=now, actor=actor, dry_run=dry_run)
        if done is None:
            continue
        purged, blobs = done
        removed = 0
        if not dry_run:
            for sha256 in blobs:
                removed += bool(store.delete(sha256))
        report.applications.append(Purged(application_id, purged, removed if not dry_run else len(blobs)))
    return report


def _purge_one(
    db: Database, application_id: int, cutoff: datetime, *, now: datetime, actor: str, dry_run: bool
) -> tuple[int, list[str]] | None:
    with db.read() if dry_run else db.write() as session:
        row = session.get(LegacyApplication, application_id, with_for_update=not dry_run)
        decided = row.decided_at or row.updated_at if row is not None else None
        # Re-read under the lock: resubmitted or changed since the list was made? Not due.
        if row is None or row.status not in PURGED_STATUSES or decided is None or decided >= cutoff:
            return None
        evidence = session.scalars(
            select(LegacyEvidence).where(
                LegacyEvidence.application_id == application_id, LegacyEvidence.deleted_at.is_(None)
            )
        ).all()
        if not evidence:
            return None
        ids = [item.id for item in evidence]
        names = {name for item in evidence for name in (item.sha256, item.thumbnail_sha256) if name}
        blobs = sorted(name for name in names if not blob_in_use(session, name, besides=ids))
        if dry_run:
            return len(evidence), blobs
        for item in evidence:
            item.deleted_at = now
        audit.append(
            session,
            actor=actor,
            action="legacy.evidence_deleted",
            subject=f"legacy:{application_id}",
            payload={
                "status": row.status,
                "evidence": ids,
                "blobs": blobs,
                "kept_shared": sorted(names - set(blobs)),
                "decided_at": decided.isoformat(),
            },
            at=now,
        )
        return len(evidence), blobs


def blob_in_use(session: Session, sha256: str, *, besides: Iterable[int]) -> bool:
    """Whether a row other than the evidence ``besides`` names the blob: another live
    evidence file or thumbnail, a correction request's attachment, a photo, a signed PDF."""
    others = [
        select(LegacyEvidence.id).where(
            or_(LegacyEvidence.sha256 == sha256, LegacyEvidence.thumbnail_sha256 == sha256),
            LegacyEvidence.deleted_at.is_(None),
            LegacyEvidence.id.not_in(list(besides)),
        ),
        select(CorrectionRequest.id).where(CorrectionRequest.attachment_sha256 == sha256),
        select(Decision.id).where(Decision.photo_sha256 == sha256),
        select(Certificate.id).where(Certificate.pdf_sha256 == sha256),
        select(UseCopy.id).where(UseCopy.pdf_sha256 == sha256),
    ]
    return any(session.scalar(query.limit(1)) is not None for query in others)
