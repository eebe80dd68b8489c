"""Staff review of conversion applications: the queue, one application with its roster
match, findings and evidence (every reading audited), and the staff steps short of approval
(return for 补正, reject, recommend, correct the claimed data). Approval, which issues the
certificate, is ``legacy_import.approval``.

Each step re-reads the application and the staff member's account under a row lock, takes
the transition from ``legacy_import.workflow`` and writes its audit event (naming the staff
member) in the same transaction. Who may act:

- the role: a reviewer's step needs the ``review`` action of ``accounts.roles``, an
  approver's the ``approve`` action (``workflow.actor_of`` says which a step is);
- never the applicant: a staff account with the applicant's name or mobile number is taken
  for the applicant (a staff account holds no ID number to compare), ``NotAllowed("applicant")``;
- never the reviewer who recommended it as its approver (``approval``).

The holder hears of a return or a rejection: a notice in 我的证书 when the account is bound
to a registry holder (``ecert.notifications``), and in every case a text through the
notifier to the account's mobile; the application's status page says it too.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from flask import has_app_context
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from accounts.notifier import Notifier
from accounts.roles import may
from ecert import audit
from ecert.db import Database
from ecert.i18n import _, force_locale
from ecert.models import Account, LegacyApplication, LegacyEvidence, RosterEntry
from ecert.notice_words import notice_text
from ecert.notifications import deliver, notify
from ecert.vocab.names import normalise_name
from ecert.vocab.titles import normalise_doc_no
from legacy_import import NotAllowed, workflow
from legacy_import.checks import parse_date
from legacy_import.claim import CLAIM_FIELDS

log = logging.getLogger(__name__)

# The action of ``accounts.roles`` each workflow actor needs.
ROLE_ACTION: Mapping[str, str] = {workflow.REVIEWER: "review", workflow.APPROVER: "approve"}
MAX_MESSAGE = 1000
MAX_VALUE = 200
# Staff see an application once the holder has submitted it; a draft is the holder's own.
VISIBLE = frozenset(set(workflow.STATUSES) - {workflow.DRAFT})
# The roster row's fields the detail page sets beside the claim.
COMPARED = (
    "name", "gender", "qualification", "series", "specialty", "level", "approval_date",
    "approving_body", "doc_no", "paper_number", "employer",
)  # fmt: skip


# --- reading ---


@dataclass(frozen=True)
class QueueFilter:
    statuses: frozenset[str] = workflow.IN_QUEUE
    waited_days: int = 0  #: submitted at least this many days ago
    min_severity: int = 0  #: highest finding at least this severe


@dataclass(frozen=True)
class QueueRow:
    id: int
    name: str
    case: str
    status: str
    qualification: str
    paper_number: str
    max_severity: int
    submitted_at: datetime | None
    waited_days: int


def queue(session: Session, chosen: QueueFilter, *, now: datetime, limit: int = 500) -> list[QueueRow]:
    """The applications ``chosen``, the longest waiting first."""
    query = select(LegacyApplication).where(
        LegacyApplication.status.in_(sorted(chosen.statuses & VISIBLE)), LegacyApplication.submitted_at.is_not(None)
    )
    if chosen.waited_days > 0:
        query = query.where(LegacyApplication.submitted_at <= now - timedelta(days=chosen.waited_days))
    if chosen.min_severity > 0:
        query = query.where(LegacyApplication.max_severity >= chosen.min_severity)
    query = query.order_by(
        LegacyApplication.submitted_at.is_(None), LegacyApplication.submitted_at, LegacyApplication.id
    )
    rows = session.scalars(query.limit(limit)).all()
    return [
        QueueRow(
            id=row.id,
            name=str(row.claim.get("name", "")),
            case=row.case,
            status=row.status,
            qualification=str(row.claim.get("qualification", "")),
            paper_number=str(row.claim.get("paper_number", "")),
            max_severity=row.max_severity,
            submitted_at=row.submitted_at,
            waited_days=(now - row.submitted_at).days if row.submitted_at else 0,
        )
        for row in rows
    ]


def counts(session: Session) -> dict[str, int]:
    """Applications per status staff see (every status, zeros included)."""
    found = dict(
        session.execute(
            select(LegacyApplication.status, func.count(LegacyApplication.id))
            .where(LegacyApplication.submitted_at.is_not(None))
            .group_by(LegacyApplication.status)
        ).all()
    )
    return {status: int(found.get(status, 0)) for status in workflow.STATUSES if status in VISIBLE}


def open_count(session: Session) -> tuple[int, datetime | None]:
    """Applications waiting for staff, and since when the oldest has waited (the dashboard)."""
    count, oldest = session.execute(
        select(func.count(LegacyApplication.id), func.min(LegacyApplication.submitted_at)).where(
            LegacyApplication.status.in_(sorted(workflow.IN_QUEUE))
        )
    ).one()
    return int(count), oldest


@dataclass(frozen=True)
class Compared:
    field: str
    claimed: str
    roster: str | None  #: None: no roster match
    differs: bool


@dataclass(frozen=True)
class EvidenceItem:
    id: int
    kind: str
    content_type: str
    original_name: str
    size: int
    pages: int
    has_thumbnail: bool
    deleted: bool
    uploaded_at: datetime


@dataclass(frozen=True)
class Detail:
    id: int
    account_id: int
    applicant_name: str
    id_number: str
    case: str
    status: str
    claim: Mapping[str, str]
    compared: list[Compared]
    roster_source: str | None  #: where the matched roster row comes from
    findings: list[Mapping[str, Any]]
    max_severity: int
    evidence: list[EvidenceItem]
    staff_changes: list[Mapping[str, Any]]
    staff_message: str | None
    reviewer_id: int | None
    recommended_at: datetime | None
    approver_id: int | None
    decided_at: datetime | None
    certificate_number: str | None
    commitment_accepted_at: datetime | None
    submitted_at: datetime | None
    staff_names: Mapping[int, str] = field(default_factory=dict)


def viewed(db: Database, application_id: int, *, actor: str, now: datetime) -> Detail | None:
    """The application as staff read it (its ID number, the evidence list), that reading audited."""
    with db.write() as session:
        row = session.get(LegacyApplication, application_id)
        if row is None or not staff_see(row):
            return None
        audit.append(
            session,
            actor=actor,
            action="legacy.viewed",
            subject=f"legacy:{row.id}",
            payload={"status": row.status},
            at=now,
        )
        return _detail(session, row)


def _detail(session: Session, row: LegacyApplication) -> Detail:
    applicant = session.get_one(Account, row.account_id)
    roster = session.get(RosterEntry, row.roster_entry_id) if row.roster_entry_id else None
    evidence = session.scalars(
        select(LegacyEvidence).where(LegacyEvidence.application_id == row.id).order_by(LegacyEvidence.id)
    ).all()
    claim = {name: str(row.claim.get(name, "") or "") for name in CLAIM_FIELDS}
    staff_ids = {i for i in (row.reviewer_id, row.approver_id) if i} | {
        int(change["by"]) for change in row.staff_changes if isinstance(change.get("by"), int)
    }
    names = dict(session.execute(select(Account.id, Account.name).where(Account.id.in_(staff_ids))).all())
    return Detail(
        id=row.id,
        account_id=row.account_id,
        applicant_name=applicant.name,
        id_number=row.id_number,
        case=row.case,
        status=row.status,
        claim=claim,
        compared=compare(claim, roster),
        roster_source=(
            f"{roster.source_label} · {roster.source_file}{' · ' + roster.sheet if roster.sheet else ''} · "
            + _("第 %(row)s 行", row=roster.source_row)
            if roster
            else None
        ),
        findings=[finding for finding in row.findings if isinstance(finding, dict)],
        max_severity=row.max_severity,
        evidence=[
            EvidenceItem(
                id=e.id,
                kind=e.kind,
                content_type=e.content_type,
                original_name=e.original_name,
                size=e.size,
                pages=e.pages,
                has_thumbnail=e.thumbnail_sha256 is not None,
                deleted=e.deleted_at is not None,
                uploaded_at=e.uploaded_at,
            )
            for e in evidence
        ],
        # Each change with its moment as a datetime (stored as ISO text), for the page to show.
        staff_changes=[{**change, "moment": _moment(change.get("at"))} for change in row.staff_changes],
        staff_message=row.staff_message,
        reviewer_id=row.reviewer_id,
        recommended_at=row.recommended_at,
        approver_id=row.approver_id,
        decided_at=row.decided_at,
        certificate_number=row.certificate_number,
        commitment_accepted_at=row.commitment_accepted_at,
        submitted_at=row.submitted_at,
        staff_names={int(k): str(v) for k, v in names.items()},
    )


def _moment(text: object) -> datetime | None:
    try:
        return datetime.fromisoformat(str(text))
    except ValueError:
        return None


def compare(claim: Mapping[str, str], roster: RosterEntry | None) -> list[Compared]:
    """Each compared field: what the holder claims beside what the roster says; ``differs``
    when both say something and it is not the same (spaces and the 文号's brackets aside)."""
    rows = []
    for name in COMPARED:
        claimed = str(claim.get(name, "") or "")
        if roster is None:
            rows.append(Compared(name, claimed, None, False))
            continue
        value = getattr(roster, name)
        shown = value.isoformat() if hasattr(value, "isoformat") else str(value or "")
        if name == "approval_date":
            differs = bool(claimed and value) and not _same_day(claimed, value, roster.approval_date_precision)
        else:
            differs = bool(claimed and shown) and _comparable(name, claimed) != _comparable(name, shown)
        rows.append(Compared(name, claimed, shown, differs))
    return rows


def _same_day(claimed: str, roster_day: date, precision: str | None) -> bool:
    """``1996年12月20日`` is 1996-12-20; a roster that has only the month agrees with any day
    of it, and a claim of only the month with any day of that month."""
    parsed = parse_date(claimed)
    if parsed is None:
        return False
    day, claimed_precision = parsed
    if "month" in (precision, claimed_precision):
        return (day.year, day.month) == (roster_day.year, roster_day.month)
    return day == roster_day


def _comparable(name: str, text: str) -> str:
    text = "".join(text.split())
    if name == "name":
        return normalise_name(text)
    if name == "doc_no":
        return normalise_doc_no(text)
    return text


@dataclass(frozen=True)
class EvidenceBlob:
    id: int
    application_id: int
    sha256: str
    content_type: str
    original_name: str


def evidence_viewed(db: Database, evidence_id: int, part: str, *, actor: str, now: datetime) -> EvidenceBlob | None:
    """The evidence's cleaned file (``part`` file) or its PNG thumbnail (``thumbnail``),
    that opening audited; None for no such evidence, one deleted, or no thumbnail."""
    with db.write() as session:
        row = session.get(LegacyEvidence, evidence_id)
        if row is None or row.deleted_at is not None:
            return None
        application = session.get_one(LegacyApplication, row.application_id)
        if not staff_see(application):
            return None
        sha256 = row.sha256 if part == "file" else row.thumbnail_sha256
        if sha256 is None:
            return None
        audit.append(
            session,
            actor=actor,
            action="legacy.evidence_viewed",
            subject=f"legacy:{row.application_id}",
            payload={"evidence": row.id, "part": part, "sha256": sha256},
            at=now,
        )
        content_type = row.content_type if part == "file" else "image/png"
        return EvidenceBlob(row.id, row.application_id, sha256, content_type, row.original_name)


# --- the staff steps ---


def locked(session: Session, application_id: int, *, lock: bool = True) -> LegacyApplication:
    """The application staff may act on (``NotAllowed("not_found")`` else), locked for a write."""
    row = session.get(LegacyApplication, application_id, with_for_update=lock)
    if row is None or not staff_see(row):
        raise NotAllowed("not_found")
    return row


def staff_see(application: LegacyApplication) -> bool:
    """Staff see an application once it was submitted: never a draft, nor one withdrawn
    before it ever was (it is the holder's own business, evidence included)."""
    return application.status in VISIBLE and application.submitted_at is not None


def same_person(one: Account, other: Account) -> bool:
    """Two staff accounts of one person, as far as the accounts tell (staff carry no ID
    number): the same name, or the same mobile."""
    if normalise_name(one.name) == normalise_name(other.name):
        return True
    return bool(one.mobile and other.mobile and one.mobile == other.mobile)


def check_may(session: Session, application: LegacyApplication, staff_id: int, action: str) -> Account:
    """The staff account, once it may take ``action`` on ``application`` now: the transition
    exists (else ``IllegalTransition``), the role fits, and it is not the applicant's."""
    actor = workflow.actor_of(application.status, action)
    staff = session.get(Account, staff_id)
    if staff is None or staff.kind != "staff" or not staff.active:
        raise NotAllowed("role")
    if not may(_roles(staff), ROLE_ACTION[actor]):
        raise NotAllowed("role")
    check_not_applicant(session, application, staff)
    return staff


def check_not_applicant(session: Session, application: LegacyApplication, staff: Account) -> None:
    applicant = session.get_one(Account, application.account_id)
    if applicant.id == staff.id:
        raise NotAllowed("applicant")
    if normalise_name(applicant.name) == normalise_name(staff.name):
        raise NotAllowed("applicant")
    if applicant.mobile and staff.mobile and applicant.mobile == staff.mobile:
        raise NotAllowed("applicant")
    claimed = normalise_name(str(application.claim.get("name", "") or ""))
    if claimed and claimed == normalise_name(staff.name):
        raise NotAllowed("applicant")


def _roles(account: Account) -> Iterable[str]:
    return [role for role in account.roles.split(",") if role]


def staff_actor(staff_id: int) -> str:
    return f"account:{staff_id}"


def return_for_correction(
    db: Database, notifier: Notifier | None, application_id: int, *, staff_id: int, message: str, now: datetime
) -> None:
    """Back to the holder for 补正, with what to correct (required)."""
    _close(db, notifier, application_id, workflow.RETURN, staff_id=staff_id, text=message, now=now)


def reject(
    db: Database, notifier: Notifier | None, application_id: int, *, staff_id: int, reason: str, now: datetime
) -> None:
    """Refuse the conversion, with the reason (required); final."""
    _close(db, notifier, application_id, workflow.REJECT, staff_id=staff_id, text=reason, now=now)


_NOTICE = {workflow.RETURN: "legacy.returned", workflow.REJECT: "legacy.rejected"}
_EVENT = {workflow.RETURN: "legacy.returned", workflow.REJECT: "legacy.rejected"}


def _close(
    db: Database,
    notifier: Notifier | None,
    application_id: int,
    action: str,
    *,
    staff_id: int,
    text: str,
    now: datetime,
) -> None:
    text = text.strip()
    if not text:
        raise NotAllowed("message_required")
    text = text[:MAX_MESSAGE]
    with db.write() as session:
        row = locked(session, application_id)
        check_may(session, row, staff_id, action)
        before = row.status
        row.status = workflow.next_status(row.status, action)
        row.staff_message = text
        row.updated_at = now
        if action == workflow.REJECT:
            row.decided_at = now
        # A returned application comes back as new: its next recommendation is a new one.
        row.reviewer_id, row.recommended_at = None, None
        audit.append(
            session,
            actor=staff_actor(staff_id),
            action=_EVENT[action],
            subject=f"legacy:{row.id}",
            payload={"from": before, "to": row.status, "message_length": len(text)},
            at=now,
        )
        tell = _notice(session, row, _NOTICE[action], now)
    tell.send(db, notifier, now)


def recommend(db: Database, application_id: int, *, staff_id: int, now: datetime) -> None:
    """The reviewer's 审查通过: the application waits for an approver (another person)."""
    with db.write() as session:
        row = locked(session, application_id)
        check_may(session, row, staff_id, workflow.RECOMMEND)
        row.status = workflow.next_status(row.status, workflow.RECOMMEND)
        row.reviewer_id, row.recommended_at, row.updated_at = staff_id, now, now
        audit.append(
            session,
            actor=staff_actor(staff_id),
            action="legacy.recommended",
            subject=f"legacy:{row.id}",
            payload={"from": workflow.SUBMITTED, "to": row.status, "changes": len(row.staff_changes)},
            at=now,
        )


# Fields staff may correct: the claim's, as the decision will carry them.
CORRECTABLE = CLAIM_FIELDS


def correct_claim(
    db: Database, application_id: int, *, staff_id: int, field_name: str, value: str, reason: str, now: datetime
) -> bool:
    """Change one claimed field before approval, with the reason (required), appended to
    ``staff_changes`` and audited. A change after the recommendation sends the application
    back to ``submitted``: a reviewer recommends the data as changed. Returns whether it
    went back."""
    if field_name not in CORRECTABLE:
        raise NotAllowed("unknown_field")
    value, reason = value.strip()[:MAX_VALUE], reason.strip()[:MAX_MESSAGE]
    if not reason:
        raise NotAllowed("message_required")
    with db.write() as session:
        row = locked(session, application_id)
        if row.status not in workflow.STAFF_EDITABLE:
            # Only while staff hold it: the same refusal as any step from a status without it.
            workflow.next_status(row.status, "correct")
        staff = session.get(Account, staff_id)
        if staff is None or staff.kind != "staff" or not staff.active:
            raise NotAllowed("role")
        if not (may(_roles(staff), "review") or may(_roles(staff), "approve")):
            raise NotAllowed("role")
        check_not_applicant(session, row, staff)
        old = str(row.claim.get(field_name, "") or "")
        if old == value:
            raise NotAllowed("unchanged")
        row.claim = {**row.claim, field_name: value}
        change = {
            "field": field_name,
            "old": old,
            "new": value,
            "reason": reason,
            "by": staff_id,
            "at": now.isoformat(),
        }
        row.staff_changes = [*row.staff_changes, change]
        sent_back = row.status == workflow.RECOMMENDED
        before = row.status
        if sent_back:
            row.status, row.reviewer_id, row.recommended_at = workflow.SUBMITTED, None, None
        row.updated_at = now
        audit.append(
            session,
            actor=staff_actor(staff_id),
            action="legacy.claim_corrected",
            subject=f"legacy:{row.id}",
            # The field's name, never its values: a claim holds personal data.
            payload={"field": field_name, "from": before, "to": row.status},
            at=now,
        )
        return sent_back


# --- telling the holder ---


@dataclass(frozen=True)
class Tell:
    """What to send once the transaction committed: the notice rows (a bound account), or
    the text for the account's mobile when no holder row exists yet."""

    notice_ids: Sequence[int]
    mobile: str | None
    kind: str
    number: str
    params: Mapping[str, Any]

    def send(self, db: Database, notifier: Notifier | None, now: datetime) -> None:
        if self.notice_ids:
            deliver(db, notifier, list(self.notice_ids), at=now)
            return
        if notifier is None or not self.mobile:
            return
        try:
            with force_locale("zh_CN") if has_app_context() else nullcontext():
                text = notice_text(self.kind, self.number, self.params)
            notifier.send(self.mobile, text, at=now)
        except Exception:  # the step is done; the portal's status page says it too
            log.exception("legacy notice %s for application %s not sent", self.kind, self.params.get("application_id"))


def _notice(session: Session, row: LegacyApplication, kind: str, now: datetime) -> Tell:
    account = session.get_one(Account, row.account_id)
    number = str(row.certificate_number or row.claim.get("paper_number", "") or "")[:32]
    params = {"application_id": row.id}
    if account.holder_id is not None:
        notice = notify(session, account.holder_id, kind, number=number, at=now, **params)
        return Tell([notice.id], None, kind, number, params)
    return Tell([], account.mobile, kind, number, params)
