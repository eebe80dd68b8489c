"""Use copies (加注件): make one, withdraw it, record the expiry of those past their end.

A copy is the third run of the production line (``issuer.services.pipeline``): the
certificate version's own view (``certificate_view``: the stored decision snapshot, its
photo, a claim signed for the copy's own token), plus the annotation across the page,
rendered and signed outside any transaction. A copy has no number to reserve, so there is
no pending row: the completing transaction inserts the copy, already signed, with its
``use_copy.issued`` event, after checking once more, with the certificate's row locked,
that the certificate is still valid and the holder's limit is not reached (two tabs
submitting at once make one copy too many otherwise). A refusal there leaves only an
unreferenced blob behind.

Signing takes well under a second (measured in the portal's tests), so the portal does it
in the request; once a task queue exists, :func:`make_use_copy` is what its task runs.

State changes and their events: ``use_copy.issued`` (number, version, recipient, purpose,
valid_until, sha256), ``use_copy.withdrawn``, ``use_copy.expired`` (written by
:func:`record_expiries`, ``ecert use-copies expire``; the status itself is computed from
the clock at read time, so a copy is 已过期 at the end of its day whether or not that ran).
The subject is ``use_copy:<id>``; ``ecert audit verify`` replays them (``ecert.audit.use_copies``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import ClassVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ecert import audit
from ecert.clock import Clock, office_date
from ecert.db import Database
from ecert.models import AuditEvent, Certificate, CertificateStatus, Decision, Holder, UseCopy
from ecert.stored import read_stored
from ecert.vocab import use_copies as rules
from ecert.vocab.problem import Param
from ecert.vocab.tokens import new_token
from issuer import IssuerError, RenderingError
from issuer.decisions import Decision as DecisionRecord
from issuer.decisions import Provenance
from issuer.rendering.layout import SEAL_BOX, clean_text
from issuer.services.pipeline import Issuance, Reservation, certificate_view


class UseCopyError(IssuerError):
    """A use copy cannot be made or changed: a stable ``code`` with its ``params`` (and the
    form ``field`` it is about, if any) for the edge to put in words.

    Codes: ``use_copy.certificate_not_found`` (not the holder's, or no such version),
    ``use_copy.certificate_not_valid`` (status), ``use_copy.limit`` (limit, next_day: when
    the oldest copy in the window leaves it), ``use_copy.not_found``,
    ``use_copy.not_valid`` (state: already withdrawn or expired), and per field
    (recipient, purpose, valid_until): ``use_copy.empty``, ``use_copy.too_long`` (max), ``use_copy.control``,
    ``use_copy.unprintable`` (characters), ``use_copy.date_past`` (today),
    ``use_copy.date_too_far`` (latest).
    """

    _SENTENCES: ClassVar[Mapping[str, str]] = {
        "use_copy.certificate_not_found": "no such certificate of this holder",
        "use_copy.certificate_not_valid": "the certificate is {status}: only a valid one can have use copies",
        "use_copy.limit": "{limit} use copies were made in the last 90 days; the next one on {next_day}",
        "use_copy.not_found": "no such use copy of this holder",
        "use_copy.not_valid": "the use copy is {state} already",
        "use_copy.empty": "{field} is empty",
        "use_copy.too_long": "{field} is longer than {max} characters",
        "use_copy.control": "{field} has control characters",
        "use_copy.unprintable": "{field} has characters no font prints: {characters}",
        "use_copy.date_past": "the expiry date is before today ({today})",
        "use_copy.date_too_far": "the expiry date is after {latest}",
    }

    def __init__(self, code: str, field: str | None = None, **params: Param) -> None:
        self.code, self.field, self.params = code, field, params
        super().__init__(self._SENTENCES[code].format(field=field, **params))


@dataclass(frozen=True)
class MadeCopy:
    id: int
    token: str
    sha256: str
    valid_until: date


def make_use_copy(
    issuance: Issuance,
    *,
    holder_id: int,
    certificate_id: int,
    recipient: str,
    purpose: str,
    valid_until: date,
) -> MadeCopy:
    """Render, sign and record a use copy of the holder's valid certificate version."""
    now = issuance.clock()
    recipient, purpose = _text(issuance, "recipient", recipient), _text(issuance, "purpose", purpose)
    _check_date(valid_until, now)
    with issuance.db.read() as session:
        certificate, decision, holder = _held(session, holder_id, certificate_id)
        _check_limit(session, certificate.id, now)
        record = _record(decision, holder)
        reservation = Reservation(
            certificate.id, certificate.number, new_token(), certificate.version, certificate.status, None
        )
        issued_on = office_date(certificate.issued_at or now)
        photo_sha256, number, version = decision.photo_sha256, certificate.number, certificate.version
    photo = (
        read_stored(issuance.store, photo_sha256, number=number, version=version, kind="photo")
        if photo_sha256
        else None
    )
    view = certificate_view(
        record, reservation, issuance.settings, photo=photo, issue_date=issued_on, claim_signer=issuance.claim_signer
    )
    annotation = rules.annotation(recipient, purpose, valid_until)
    view = replace(
        view,
        annotation=annotation,
        record={
            **view.record,
            "use_copy": {
                "annotation": annotation,
                "recipient": recipient,
                "purpose": purpose,
                "valid_until": valid_until.isoformat(),
            },
        },
    )
    pdf = issuance.signer.sign(issuance.renderer.render(view), seal_png=issuance.seal_png, box=SEAL_BOX)
    sha256 = issuance.store.put(pdf)
    at = issuance.clock()
    with issuance.db.write() as session:
        # Locked (PostgreSQL; SQLite's writer already holds the database): a revocation or a
        # second copy made meanwhile is seen here, and decides.
        certificate, _decision, _holder = _held(session, holder_id, certificate_id, lock=True)
        _check_limit(session, certificate.id, at)
        copy = UseCopy(
            certificate_id=certificate.id,
            token=reservation.token,
            recipient=recipient,
            purpose=purpose,
            valid_until=valid_until,
            created_at=at,
            created_by=issuance.actor,
            pdf_sha256=sha256,
            pdf_size=len(pdf),
        )
        session.add(copy)
        session.flush()
        audit.append(
            session,
            actor=issuance.actor,
            action="use_copy.issued",
            subject=f"use_copy:{copy.id}",
            payload={
                "number": number,
                "version": version,
                "recipient": recipient,
                "purpose": purpose,
                "valid_until": valid_until.isoformat(),
                "sha256": sha256,
            },
            at=at,
        )
        return MadeCopy(copy.id, copy.token, sha256, valid_until)


def withdraw_use_copy(db: Database, *, holder_id: int, copy_id: int, actor: str, clock: Clock) -> None:
    """Withdraw the holder's use copy: its page says 已撤回 from now on."""
    now = clock()
    with db.write() as session:
        copy = session.execute(
            select(UseCopy)
            .join(Certificate, UseCopy.certificate_id == Certificate.id)
            .join(Decision, Certificate.decision_id == Decision.id)
            .where(UseCopy.id == copy_id, Decision.holder_id == holder_id)
            # Locked: two withdrawals at once (two tabs) wait for each other and write one event.
            .with_for_update(of=UseCopy)
        ).scalar_one_or_none()
        if copy is None:
            raise UseCopyError("use_copy.not_found")
        state = rules.state(copy.valid_until, copy.withdrawn_at, now)
        if state is not rules.UseCopyState.VALID:
            raise UseCopyError("use_copy.not_valid", state=state.value)
        copy.withdrawn_at = now
        audit.append(
            session, actor=actor, action="use_copy.withdrawn", subject=f"use_copy:{copy.id}", payload={}, at=now
        )


def record_expiries(db: Database, *, actor: str, clock: Clock) -> list[int]:
    """One ``use_copy.expired`` event for each copy past its end (not withdrawn before it)
    that has none yet; the ids of those recorded now. Safe to run any number of times."""
    now = clock()
    recorded = []
    with db.write() as session:
        done = set(session.scalars(select(AuditEvent.subject).where(AuditEvent.action == "use_copy.expired")))
        candidates = session.scalars(
            select(UseCopy)
            .where(UseCopy.withdrawn_at.is_(None), UseCopy.valid_until < office_date(now))
            .order_by(UseCopy.id)
        )
        for copy in candidates:
            subject = f"use_copy:{copy.id}"
            if subject in done or rules.state(copy.valid_until, None, now) is not rules.UseCopyState.EXPIRED:
                continue
            audit.append(
                session,
                actor=actor,
                action="use_copy.expired",
                subject=subject,
                payload={"valid_until": copy.valid_until.isoformat()},
                at=now,
            )
            recorded.append(copy.id)
    if recorded:
        audit.anchor_batch_end(db, at=clock())  # the batch's events, pinned outside the database
    return recorded


def _held(
    session: Session, holder_id: int, certificate_id: int, *, lock: bool = False
) -> tuple[Certificate, Decision, Holder]:
    query = (
        select(Certificate, Decision, Holder)
        .join(Decision, Certificate.decision_id == Decision.id)
        .join(Holder, Decision.holder_id == Holder.id)
        .where(Certificate.id == certificate_id, Decision.holder_id == holder_id)
        .where(Certificate.status != CertificateStatus.PENDING)
    )
    row = session.execute(query.with_for_update(of=Certificate) if lock else query).first()
    if row is None:
        raise UseCopyError("use_copy.certificate_not_found")
    certificate, decision, holder = row
    if certificate.status is not CertificateStatus.VALID:
        raise UseCopyError("use_copy.certificate_not_valid", status=certificate.status.value)
    return certificate, decision, holder


def _check_limit(session: Session, certificate_id: int, now: datetime) -> None:
    since = now - rules.WINDOW
    made = session.execute(
        select(func.count(), func.min(UseCopy.created_at)).where(
            UseCopy.certificate_id == certificate_id, UseCopy.created_at > since
        )
    ).one()
    if made[0] >= rules.LIMIT:
        oldest: datetime = made[1]
        next_day = office_date(oldest + rules.WINDOW)
        raise UseCopyError("use_copy.limit", limit=rules.LIMIT, next_day=next_day.isoformat())


def _text(issuance: Issuance, field: str, value: str) -> str:
    try:
        text = clean_text(value or "")
    except RenderingError:  # control characters: nothing a person types on purpose
        raise UseCopyError("use_copy.control", field) from None
    if not text:
        raise UseCopyError("use_copy.empty", field)
    if len(text) > rules.MAX_LENGTH[field]:
        raise UseCopyError("use_copy.too_long", field, max=rules.MAX_LENGTH[field])
    missing = issuance.renderer.unprintable(text)
    if missing:
        raise UseCopyError("use_copy.unprintable", field, characters="".join(dict.fromkeys(missing)))
    return text


def _check_date(valid_until: date, now: datetime) -> None:
    today = office_date(now)
    if valid_until < today:
        raise UseCopyError("use_copy.date_past", "valid_until", today=today.isoformat())
    if valid_until > rules.latest_end(now):
        raise UseCopyError("use_copy.date_too_far", "valid_until", latest=rules.latest_end(now).isoformat())


def _record(decision: Decision, holder: Holder) -> DecisionRecord:
    """The stored snapshot as the renderer's input: what was issued is what the copy prints."""
    return DecisionRecord(
        row=0,
        name=decision.name,
        gender=decision.gender,
        id_number=holder.id_number,
        employer=decision.employer,
        series=decision.series,
        specialty=decision.specialty,
        level=decision.level,
        qualification=decision.qualification,
        grant_route=decision.grant_route,
        approval_date=decision.approval_date,
        approving_body=decision.approving_body,
        doc_no=decision.doc_no,
        provenance=Provenance.from_json(decision.provenance),
    )
