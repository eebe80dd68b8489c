"""Document-timestamp renewal (``ecert renew-timestamps``): keep every valid certificate
verifiable for decades by adding a fresh document timestamp before the newest one weakens.

A certificate version is *due* when the TSA certificate of its file's newest timestamp
expires before ``before`` (default: ``RenewalPolicy.horizon_days`` from now), or when that
timestamp uses an algorithm the policy marks as weakening. What the newest timestamp says
is kept in ``certificate_revisions`` after a renewal, so later runs decide without opening
the file; a version never renewed is decided by reading its file once per run.

:func:`renew_certificate` renews one version and is what a task queue calls (it takes
only ids and values, owns its transactions and is idempotent): the new file goes to the
blob store, then one write transaction points the version at it, records the revision
(with the hash it replaced, so an upload of the earlier file is still recognised) and
writes the audit event ``certificate.timestamps_renewed``. The update is guarded by the
old hash: two workers renewing the same version at once make one revision, the other
reports it already renewed. :func:`renew_due` is the loop the command runs.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sqlalchemy import func, select, update

from ecert import audit
from ecert.clock import Clock
from ecert.db import Database
from ecert.models import Certificate, CertificateRevision, CertificateStatus
from ecert.settings import RenewalPolicy
from ecert.storage import BlobStore
from ecert.stored import StoredFileProblem, read_stored
from issuer import IssuerError, registry
from issuer.services.archival import Archiver, TimestampFacts, newest_timestamp

__all__ = [
    "Due",
    "Renewal",
    "RenewalOutcome",
    "RenewalStatus",
    "TSANotNewer",
    "due_certificates",
    "renew_certificate",
    "renew_due",
]

ACTION = "certificate.timestamps_renewed"


@dataclass(frozen=True)
class Renewal:
    """What renewing needs, built once per process and passed to each call."""

    db: Database
    store: BlobStore
    archiver: Archiver
    policy: RenewalPolicy
    clock: Clock
    actor: str = "system"

    def default_before(self) -> dt.datetime:
        return self.clock() + dt.timedelta(days=self.policy.horizon_days)


class RenewalStatus(enum.StrEnum):
    RENEWED = "renewed"
    NOT_DUE = "not_due"  # nothing to do (also: renewed meanwhile by another worker)
    NOT_CURRENT = "not_current"  # revoked, superseded or pending: not renewed


@dataclass(frozen=True)
class Due:
    """A certificate version to renew, and why (``expires`` before the date, or ``weak``)."""

    certificate_id: int
    number: str
    version: int
    sha256: str
    reason: str
    expires_at: dt.datetime | None


@dataclass(frozen=True)
class RenewalOutcome:
    certificate_id: int
    number: str
    version: int
    status: RenewalStatus
    revision: int | None = None
    sha256: str | None = None
    previous_sha256: str | None = None
    expires_at: dt.datetime | None = None  # the new timestamp's TSA certificate's end


class RenewalFailed(IssuerError):
    """One version could not be renewed (its file missing, the TSA down): nothing changed."""

    def __init__(self, number: str, version: int, cause: Exception) -> None:
        self.number, self.version, self.cause = number, version, cause
        super().__init__(f"{number} v{version}: {type(cause).__name__}: {cause}")


class TSANotNewer(IssuerError):
    """The TSA stamping now expires no later than the timestamp to renew: rotate it first."""

    def __init__(self, expires_at: dt.datetime) -> None:
        self.expires_at = expires_at
        super().__init__(
            f"the current TSA certificate expires {expires_at:%Y-%m-%d}, no later than the timestamp to renew"
        )


def _reason(policy: RenewalPolicy, facts: TimestampFacts, before: dt.datetime) -> str | None:
    if any(part in policy.weak_algorithms for part in _parts(facts.algorithms)):
        return "weak"
    if facts.expires_at < before:
        return "expires"
    return None


def _parts(algorithms: str) -> set[str]:
    parts = set(algorithms.lower().replace("/", "_").split("_"))
    return parts | set(algorithms.lower().split("/"))


def due_certificates(renewal: Renewal, before: dt.datetime) -> Iterator[Due]:
    """Every valid version whose newest timestamp is due before ``before``, oldest first."""
    with renewal.db.read() as session:
        newest = (
            select(CertificateRevision.certificate_id, func.max(CertificateRevision.revision).label("revision"))
            .group_by(CertificateRevision.certificate_id)
            .subquery()
        )
        rows = session.execute(
            select(
                Certificate.id,
                Certificate.number,
                Certificate.version,
                Certificate.pdf_sha256,
                CertificateRevision.timestamp_expires_at,
                CertificateRevision.algorithms,
            )
            .outerjoin(newest, newest.c.certificate_id == Certificate.id)
            .outerjoin(
                CertificateRevision,
                (CertificateRevision.certificate_id == newest.c.certificate_id)
                & (CertificateRevision.revision == newest.c.revision),
            )
            .where(Certificate.status == CertificateStatus.VALID, Certificate.pdf_sha256.is_not(None))
            .order_by(Certificate.id)
        ).all()
    for row in rows:
        if row.timestamp_expires_at is not None:
            facts = TimestampFacts(row.timestamp_expires_at, row.algorithms)
        else:  # never renewed: what its file says
            try:
                pdf = read_stored(renewal.store, row.pdf_sha256, number=row.number, version=row.version)
                facts = newest_timestamp(pdf)
            except (StoredFileProblem, IssuerError):
                # Due: renewing it names what is wrong with its file.
                yield Due(row.id, row.number, row.version, row.pdf_sha256, "unreadable", None)
                continue
        reason = _reason(renewal.policy, facts, before)
        if reason is not None:
            yield Due(row.id, row.number, row.version, row.pdf_sha256, reason, facts.expires_at)


def renew_certificate(renewal: Renewal, certificate_id: int, *, before: dt.datetime) -> RenewalOutcome:
    """Renew one certificate version if it is (still) due; idempotent, safe to retry.

    Raises ``RenewalFailed`` when the file cannot be read or timestamped (nothing changed).
    """
    with renewal.db.read() as session:
        certificate = session.get(Certificate, certificate_id)
        if certificate is None:
            raise RenewalFailed(f"#{certificate_id}", 0, LookupError("no such certificate"))
        number, version, status, old_sha256 = (
            certificate.number,
            certificate.version,
            certificate.status,
            certificate.pdf_sha256,
        )
        latest = session.scalar(
            select(CertificateRevision)
            .where(CertificateRevision.certificate_id == certificate_id)
            .order_by(CertificateRevision.revision.desc())
            .limit(1)
        )
    made = functools.partial(RenewalOutcome, certificate_id, number, version)
    if status != CertificateStatus.VALID or old_sha256 is None:
        return made(status=RenewalStatus.NOT_CURRENT)
    try:
        pdf = read_stored(renewal.store, old_sha256, number=number, version=version)
        if latest is not None and latest.pdf_sha256 == old_sha256:
            facts = TimestampFacts(latest.timestamp_expires_at, latest.algorithms)
        else:
            facts = newest_timestamp(pdf)
        reason = _reason(renewal.policy, facts, before)
        if reason is None:
            return made(status=RenewalStatus.NOT_DUE, sha256=old_sha256, expires_at=facts.expires_at)
        tsa_end = renewal.archiver.tsa_expires_at
        if reason == "expires" and tsa_end is not None and tsa_end <= facts.expires_at:
            # A new timestamp from the same TSA certificate would be due again at once.
            raise TSANotNewer(tsa_end)
        renewed = renewal.archiver.renew(pdf)
        new_facts = newest_timestamp(renewed)
        new_sha256 = renewal.store.put(renewed)
    except IssuerError as error:
        raise RenewalFailed(number, version, error) from error
    except Exception as error:  # the blob store's disk, an unforeseen parser error
        raise RenewalFailed(number, version, error) from error
    revision = (latest.revision if latest is not None else 1) + 1
    now = renewal.clock()
    with renewal.db.write() as session:
        changed = registry.updated_rows(
            session,
            update(Certificate)
            .where(
                Certificate.id == certificate_id,
                Certificate.pdf_sha256 == old_sha256,
                Certificate.status == CertificateStatus.VALID,
            )
            .values(pdf_sha256=new_sha256, pdf_size=len(renewed)),
        )
        if not changed:  # renewed (or revoked) meanwhile by someone else: theirs stands
            return made(status=RenewalStatus.NOT_DUE)
        session.add(
            CertificateRevision(
                certificate_id=certificate_id,
                revision=revision,
                pdf_sha256=new_sha256,
                pdf_size=len(renewed),
                previous_sha256=old_sha256,
                timestamp_expires_at=new_facts.expires_at,
                algorithms=new_facts.algorithms,
                created_at=now,
            )
        )
        audit.append(
            session,
            actor=renewal.actor,
            action=ACTION,
            subject=f"certificate:{number}/v{version}",
            payload={
                "number": number,
                "version": version,
                "revision": revision,
                "sha256": new_sha256,
                "previous_sha256": old_sha256,
                "timestamp_expires_at": new_facts.expires_at.isoformat(),
            },
            at=now,
        )
    return made(
        status=RenewalStatus.RENEWED,
        revision=revision,
        sha256=new_sha256,
        previous_sha256=old_sha256,
        expires_at=new_facts.expires_at,
    )


def renew_due(
    renewal: Renewal,
    due: list[Due],
    *,
    before: dt.datetime,
    on_done: Callable[[RenewalOutcome], None] | None = None,
    on_failed: Callable[[RenewalFailed], None] | None = None,
) -> list[RenewalOutcome]:
    """Renew each of ``due`` in turn; a failure is reported and the loop goes on."""
    outcomes = []
    for item in due:
        try:
            outcome = renew_certificate(renewal, item.certificate_id, before=before)
        except RenewalFailed as failure:
            if on_failed is None:
                raise
            on_failed(failure)
            continue
        outcomes.append(outcome)
        if on_done is not None:
            on_done(outcome)
    return outcomes
