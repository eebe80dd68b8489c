"""After issuance: revocation and corrections (a correction is a new version).

- ``revoke`` marks the current version revoked with a reason code and the decision's
  文号; earlier versions stay "superseded" and their pages point to the revoked one.
- ``correct`` re-issues the certificate under the same number as version N+1 with a new
  token, rendered from the corrected decision; version N becomes "superseded by N+1".
  A certificate converted from paper keeps its provenance (paper number, who checked the
  archive evidence when) on every version: it is copied from the current version's
  snapshot, never taken from ``changes`` (it is no column a correction may set).
  Like issuance it reserves, signs outside the transaction, then completes: the old
  version is superseded in the same transaction that makes the new one valid.

Each state change commits with its audit event and the holder's notice
(``ecert.notifications``), sent through the notifier after the commit.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import ClassVar

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ecert import audit
from ecert.clock import Clock, office_date
from ecert.db import Database
from ecert.models import Certificate, CertificateStatus, Decision, Holder
from ecert.notifications import Sender, deliver, notify
from ecert.stored import read_stored
from ecert.vocab.paper_numbers import normalise_paper_number
from ecert.vocab.problem import Param
from ecert.vocab.titles import check_doc_no, normalise_doc_no
from issuer import IssuerError, registry
from issuer.decisions import Decision as DecisionRecord
from issuer.decisions import Provenance, RowError, validate_record
from issuer.decisions.fields import record_of, snapshot_values
from issuer.services.pipeline import Issuance, Reservation, produce, release_reservation, reserve_certificate
from issuer.services.preflight import print_problems
from issuer.services.public_url import check_public_url


class LifecycleError(IssuerError):
    """The certificate cannot undergo this change: a stable ``code`` with its ``params``
    for the edge to put in words (``str()`` is an English sentence for logs).

    Codes: ``certificate.not_found`` (number), ``certificate.not_valid`` (number, version,
    status), ``certificate.not_revoked`` (number, version, status: a reinstatement
    of a certificate that is not revoked), ``certificate.no_version`` (number, version, latest), ``certificate.not_signed``
    (number, version: still pending), ``certificate.busy`` and ``certificate.changed``
    (number: another change got there first; trying again is safe), ``certificate.unchanged``
    (number, version, columns: a correction whose every value is already the certificate's),
    ``doc_no.empty`` and ``doc_no.format`` (doc_no, example: the revoking decision's 文号,
    checked as the decisions file checks it).
    """

    _SENTENCES: ClassVar[Mapping[str, str]] = {
        "certificate.not_found": "no issued certificate with number {number}",
        "certificate.not_valid": "certificate {number} v{version} is {status}, not valid",
        "certificate.not_revoked": "certificate {number} v{version} is {status}, not revoked: nothing to reinstate",
        "certificate.busy": "certificate {number} is being corrected by someone else; try again",
        "certificate.changed": "certificate {number} changed while the correction was being signed; try again",
        "certificate.no_version": "certificate {number} has no version {version} (the latest is {latest})",
        "certificate.not_signed": "certificate {number} v{version} is still being issued: no signed PDF yet",
        "certificate.unchanged": "certificate {number} v{version} already says this ({columns}): nothing to correct",
        "doc_no.empty": "the document number is empty",
        "doc_no.format": "document number {doc_no} must look like {example}",
    }

    def __init__(self, code: str, **params: Param) -> None:
        self.code = code
        self.params = params
        super().__init__(self._SENTENCES[code].format(**params))


class RevocationReason(enum.StrEnum):
    FRAUD = "fraud"  # 弄虚作假取得 (人社部发〔2024〕56号)
    WRONGLY_GRANTED = "wrongly_granted"  # 不符合条件或程序错误
    DECISION_WITHDRAWN = "decision_withdrawn"  # 审批决定被撤回

    @property
    def label(self) -> str:
        return {
            "fraud": "以弄虚作假等不正当手段取得",
            "wrongly_granted": "不符合条件或程序错误",
            "decision_withdrawn": "审批决定已撤回",
        }[self.value]


@dataclass(frozen=True)
class Changed:
    number: str
    version: int
    token: str
    status: str
    sha256: str | None


def revoke(
    db: Database,
    number: str,
    *,
    reason: RevocationReason,
    doc_no: str,
    actor: str,
    clock: Clock,
    note: str = "",
    notifier: Sender | None = None,
    act: int | None = None,
    anchor: bool = True,
) -> Changed:
    """Revoke the current version of ``number``. Needs no signer: a key-less deployment can revoke.

    ``act``: the two-person act this revocation carries out (``issuer.services.acts``), named
    in the event; ``anchor=False`` leaves anchoring to that act, once for all its revocations.
    """
    return revoke_many(
        db,
        [number],
        reason=reason,
        doc_no=doc_no,
        actor=actor,
        clock=clock,
        note=note,
        notifier=notifier,
        act=act,
        anchor=anchor,
    )[0]


def revoke_many(
    db: Database,
    numbers: Iterable[str],
    *,
    reason: RevocationReason,
    doc_no: str,
    actor: str,
    clock: Clock,
    note: str = "",
    notifier: Sender | None = None,
    act: int | None = None,
    anchor: bool = True,
) -> list[Changed]:
    """Revoke the current version of each of ``numbers`` (one decision, one 文号): all or none.

    One transaction: if any number is unknown or its current version is not valid, nothing
    is revoked. Each revocation writes its audit event in that transaction. The 文号 must
    read as the decisions file requires (organ〔year〕number号) and is stored normalised,
    so that a revocation's 文号 looks up and prints like every other. Each holder gets a
    notice in the same transaction, sent through ``notifier`` once it committed.
    """
    malformed = check_doc_no(doc_no)
    if malformed is not None:
        raise LifecycleError(malformed.code, **malformed.params)
    doc_no = normalise_doc_no(doc_no)
    now = clock()
    text = reason.label + (f"：{note}" if note else "")
    changed = []
    notices = []
    with db.write() as session:
        for number in dict.fromkeys(numbers):
            current = _current(session, number)
            if current.status is not CertificateStatus.VALID:
                raise _not_valid(number, current)
            current.status = CertificateStatus.REVOKED
            current.revoked_at = now
            current.revocation_reason = text
            current.revocation_doc_no = doc_no
            audit.append(
                session,
                actor=actor,
                action="certificate.revoked",
                subject=f"certificate:{number}/v{current.version}",
                payload={"reason": reason.value, "doc_no": doc_no, "note": note, **({"act": act} if act else {})},
                at=now,
            )
            notice = notify(
                session,
                current.decision.holder_id,
                "certificate.revoked",
                number=number,
                at=now,
                version=current.version,
                reason=reason.value,
                note=note,
                doc_no=doc_no,
            )
            notices.append(notice.id)
            changed.append(Changed(number, current.version, current.token, current.status.value, current.pdf_sha256))
    if anchor:
        audit.anchor_batch_end(db, at=clock())  # the batch's events, pinned outside the database
    deliver(db, notifier, notices, at=clock())
    return changed


def correct(
    issuance: Issuance, number: str, changes: dict[str, str], *, reason: str, notifier: Sender | None = None
) -> Changed | list[RowError]:
    """Re-issue ``number`` with ``changes`` applied; row errors if the result is invalid.
    The holder's notice commits with the new version and goes out through ``notifier``."""
    now = issuance.clock()
    with issuance.db.read() as session:
        current = _current(session, number)
        if current.status is not CertificateStatus.VALID:
            raise _not_valid(number, current)
        decision = session.get(Decision, current.decision_id)
        assert decision is not None
        holder = session.get(Holder, decision.holder_id)
        assert holder is not None
        record = {**record_of(decision, holder.id_number), **changes}
        photo_sha256 = decision.photo_sha256
        previous = (current.id, current.version, decision.identity_key)
        holder_id = holder.id
        now_values = snapshot_values(decision)
        provenance = Provenance.from_json(decision.provenance)
    validated = validate_record(record, base_dir=issuance.settings.home, today=office_date(now))
    if isinstance(validated, list):
        return validated
    corrected = replace(validated, provenance=provenance)
    if all(getattr(corrected, name) == now_values.get(name) for name in changes):
        # Compared after normalisation (``[2025]`` is ``〔2025〕``): a version that differs in
        # nothing would still supersede the holder's QR code and stay in the registry forever.
        raise LifecycleError(
            "certificate.unchanged", number=number, version=previous[1], columns=tuple(sorted(changes))
        )
    unprintable = print_problems(issuance, corrected, version=previous[1] + 1)
    if unprintable:
        return unprintable

    # Read before reserving: a missing photo must not leave a pending version behind.
    photo = (
        read_stored(issuance.store, photo_sha256, number=number, version=previous[1], kind="photo")
        if photo_sha256
        else None
    )
    try:
        reservation = _reserve_version(issuance, number, previous, corrected, photo_sha256, reason)
    except IntegrityError:
        raise LifecycleError("certificate.busy", number=number) from None
    try:
        with produce(issuance, corrected, reservation, photo=photo) as produced:
            superseded = registry.updated_rows(
                produced.session,
                update(Certificate)
                .where(Certificate.id == previous[0], Certificate.status == CertificateStatus.VALID)
                .values(status=CertificateStatus.SUPERSEDED, superseded_by_id=reservation.certificate_id),
            )
            if not (produced.completed and superseded):
                # Revoked or corrected by someone else meanwhile: nothing of this attempt commits.
                raise LifecycleError("certificate.changed", number=number)
            done = produced.reservation
            audit.append(
                produced.session,
                actor=issuance.actor,
                action="certificate.corrected",
                subject=f"certificate:{number}/v{done.version}",
                payload={
                    "supersedes": previous[1],
                    "changes": sorted(changes),
                    "reason": reason,
                    "sha256": done.sha256,
                },
                at=produced.at,
            )
            notice = notify(
                produced.session,
                holder_id,
                "certificate.corrected",
                number=number,
                at=produced.at,
                version=done.version,
                previous=previous[1],
            )
    except Exception as error:
        # Whatever failed after the reservation, the pending version must not stay: it would
        # hold the version number and refuse every later correction as busy.
        release_reservation(issuance, reservation, error, action="certificate.correction_released")
        if isinstance(error, IssuerError):
            raise
        raise IssuerError(f"correction of {number} failed: {type(error).__name__}: {error}") from error
    audit.anchor_batch_end(issuance.db, at=issuance.clock())
    deliver(issuance.db, notifier, [notice.id], at=issuance.clock())
    return Changed(number, done.version, done.token, done.status.value, done.sha256)


def _reserve_version(
    issuance: Issuance,
    number: str,
    previous: tuple[int, int, str],
    corrected: DecisionRecord,
    photo_sha256: str | None,
    reason: str,
) -> Reservation:
    now = issuance.clock()
    _, previous_version, original_key = previous
    version = previous_version + 1
    with issuance.db.write() as session:
        # A correction prints a new QR code: the same rule for its URL as a first issue.
        check_public_url(
            session,
            issuance.settings.public_url,
            accept_change=issuance.accept_public_url_change,
            actor=issuance.actor,
            at=now,
        )
        original = session.scalars(select(Decision).where(Decision.identity_key == original_key)).one()
        snapshot = Decision(
            # A version's own decision snapshot; its key derives from the original so the
            # original decision stays the identity used by idempotent issuance.
            identity_key=audit.sha256_text(f"{original_key}:v{version}"),
            holder_id=original.holder_id,
            **snapshot_values(corrected),
            photo_sha256=photo_sha256,
            source="correction",
            paper_number=normalise_paper_number(corrected.provenance.paper_number) if corrected.provenance else None,
            provenance=corrected.provenance.as_json() if corrected.provenance else None,
            created_at=now,
        )
        session.add(snapshot)
        session.flush()
        reservation = reserve_certificate(
            session,
            decision_id=snapshot.id,
            office_code=issuance.settings.office_code,
            number=number,
            version=version,
            at=now,
        )
        audit.append(
            session,
            actor=issuance.actor,
            action="certificate.correction_reserved",
            subject=f"certificate:{number}/v{version}",
            payload={"supersedes": previous_version, "reason": reason},
            at=now,
        )
        return reservation


def _current(session: Session, number: str) -> Certificate:
    certificate = session.scalars(
        select(Certificate)
        .where(Certificate.number == number, Certificate.status != CertificateStatus.PENDING)
        .order_by(Certificate.version.desc())
        .limit(1)
    ).first()
    if certificate is None:
        raise LifecycleError("certificate.not_found", number=number)
    return certificate


def _not_valid(number: str, current: Certificate) -> LifecycleError:
    return LifecycleError("certificate.not_valid", number=number, version=current.version, status=current.status.value)
