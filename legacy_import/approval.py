"""Approval: the approver's sign-off issues the electronic certificate of a recommended
application, through the issuer's own service (``issuer.services.issuance.issue_decision``).

Order, for crash safety:

1. check (a read): the application is ``recommended``, the approver holds the approver's
   role, is not the reviewer who recommended it (谁审查、谁签字、谁负责: also not when one
   account holds both roles) and is not the applicant (``legacy_import.review``); the claim,
   as staff corrected it, passes the issuer's own row checks (``validate_record``) and
   prints (``print_problems``), each problem naming its field;
2. issue: the decision (``source`` legacy, the paper number and the provenance signed into
   it) gets its number of the year of conversion. Its identity key makes a retry after a
   crash between 2 and 3 find the same certificate instead of a second one;
3. one transaction: the application ``approved`` with its certificate number, the
   applicant's account bound to the registry holder when it was not yet
   (``identity_confirmed_by`` ``legacy_review``), the audit event ``legacy.approved`` and
   the holder's notice.

Between 1 and 2 the application is held (``approving``, in its own transaction, the claim
still the one checked): nobody returns, rejects or corrects what is being signed. A signer
or timestamp failure in 2 puts it back to ``recommended`` (``SigningFailed``, the issuer
has released the number); nothing in 3 is written. A crash in 2 leaves it ``approving``: the
same approver signs again, or after ``HELD_FOR`` another one (the identity key finds what
was issued).

Exceptions (besides ``IllegalTransition`` and ``NotAllowed``)::

    ApprovalError(LegacyImportError)
     ├── ClaimInvalid      the claim fails the issuer's checks (``errors``: RowError list)
     ├── AlreadyCertified  the same title has an electronic certificate of another origin
     └── SigningFailed     the issuer could not issue it now (``reason``: words for staff)
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from accounts.notifier import Notifier
from ecert import audit
from ecert.clock import office_date
from ecert.models import Account, Holder, LegacyApplication, RosterEntry
from ecert.models import Decision as DecisionRow
from ecert.notifications import deliver, notify
from ecert.stored import StoredFileProblem
from issuer import IssuerError
from issuer.cli.words import issuer_error_text
from issuer.decisions import Decision, Provenance, RowError, validate_record
from issuer.decisions.fields import COLUMNS
from issuer.services.identity import IdentityConflict
from issuer.services.issuance import IssuanceFailed, IssueOutcome, issue_decision
from issuer.services.pipeline import Issuance
from issuer.services.preflight import print_problems
from legacy_import import IllegalTransition, LegacyImportError, NotAllowed, workflow
from legacy_import.checks import parse_date
from legacy_import.review import check_may, locked, same_person, staff_actor

# A claim has no photo column: no path is ever resolved against this.
_NO_FILES = Path("/nonexistent-legacy-claims")
# The decision's columns a claim fills; the ID number is the account's, there is no photo
# (the paper certificate's is not the holder's photo of today) and no mobile.
_FROM_CLAIM = tuple(name for name in COLUMNS if name not in ("id_number", "photo", "mobile"))


class ApprovalError(LegacyImportError):
    """Base of what stops an approval after the checks of the workflow."""


class ClaimInvalid(ApprovalError):
    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(", ".join(f"{error.column}: {error.code}" for error in errors))
        self.errors = errors


class DateIncomplete(ApprovalError):
    """The claimed approval date has no day (``1996年12月``): a certificate prints one, so
    staff complete it from the archive material first."""

    def __init__(self, typed: str) -> None:
        super().__init__(f"approval date {typed!r} has no day")
        self.typed = typed


class AlreadyCertified(ApprovalError):
    def __init__(self, number: str) -> None:
        super().__init__(f"already certified as {number}")
        self.number = number


class SigningFailed(ApprovalError):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Approved:
    application_id: int
    number: str
    bound: bool  #: the applicant's account was bound to the holder by this approval


def decision_of(
    application: LegacyApplication, paper_number: str, *, verified_by: str, today: date
) -> Decision | list[RowError]:
    """The decision the claim makes, checked by the issuer's rules, with its provenance."""
    values = {name: str(application.claim.get(name, "") or "") for name in _FROM_CLAIM}
    values["id_number"] = application.id_number
    parsed = parse_date(values.get("approval_date", ""))
    if parsed is not None and parsed[1] == "month":
        raise DateIncomplete(values["approval_date"])
    if parsed is not None:  # any way the holder may write a day (二〇〇三年七月一日, 2003.7.1 …)
        values["approval_date"] = parsed[0].isoformat()
    checked = validate_record(values, base_dir=_NO_FILES, today=today)
    if isinstance(checked, list):
        return checked
    return replace(
        checked,
        provenance=Provenance(
            paper_number=paper_number, verified_by=verified_by, verified_on=today, application_id=application.id
        ),
    )


def approve(issuance: Issuance, notifier: Notifier | None, application_id: int, *, staff_id: int) -> Approved:
    """Issue the certificate of a recommended application and mark it approved."""
    now = issuance.clock()
    today = office_date(now)
    with issuance.db.read() as session:
        application = locked(session, application_id, lock=False)
        _check_approver(session, application, staff_id, now)
        paper_number = str(application.claim.get("paper_number", "") or "")
        if not paper_number and application.roster_entry_id:
            roster = session.get(RosterEntry, application.roster_entry_id)
            paper_number = (roster.paper_number or "") if roster else ""
        decision = decision_of(application, paper_number, verified_by=issuance.settings.office_name, today=today)
        seen = dict(application.claim)
    if isinstance(decision, list):
        raise ClaimInvalid(decision)
    signing = replace(issuance, actor=staff_actor(staff_id))
    problems = print_problems(signing, decision)
    if problems:
        raise ClaimInvalid(problems)
    _hold(issuance, application_id, staff_id, seen)
    try:
        outcome = _issue(signing, decision)
        with issuance.db.read() as session:
            existing = session.scalar(select(DecisionRow).where(DecisionRow.identity_key == decision.identity_key))
            origin = (existing.provenance or {}).get("application_id") if existing is not None else None
        if origin != application_id:
            # The same title (ID number, qualification, 文号, date) was issued from a decisions
            # file or another application: nothing new was issued, and this one is not its origin.
            raise AlreadyCertified(outcome.number)
    except ApprovalError as failed:
        _release(issuance, application_id, staff_id, type(failed).__name__)
        raise
    done = _mark_approved(issuance, notifier, application_id, staff_id=staff_id, outcome=outcome)
    audit.anchor_batch_end(issuance.db, at=issuance.clock())  # the issuance's events, pinned outside the database
    return done


# An approval held longer than this was interrupted (signing takes seconds): another
# approver may take it over and sign it again (the identity key finds what was issued).
HELD_FOR = timedelta(minutes=10)


def _check_approver(session: Any, application: LegacyApplication, staff_id: int, now: datetime) -> None:
    """The approver may sign this one off: the role, not the applicant, not the reviewer
    (nor another account of the reviewer's), and nobody else is signing it right now."""
    held_by_another = application.status == workflow.APPROVING and application.approver_id != staff_id
    if held_by_another and application.updated_at > now - HELD_FOR:
        raise NotAllowed("in_progress")
    staff = check_may(session, application, staff_id, workflow.APPROVE)
    if application.reviewer_id == staff_id:
        raise NotAllowed("same_person")
    reviewer = session.get(Account, application.reviewer_id) if application.reviewer_id else None
    if reviewer is not None and same_person(reviewer, staff):
        raise NotAllowed("same_person")


def _hold(issuance: Issuance, application_id: int, staff_id: int, seen: dict[str, Any]) -> None:
    """``recommended`` → ``approving`` in one transaction, the claim still the one checked:
    from here nobody returns, rejects or changes what is being signed."""
    now = issuance.clock()
    with issuance.db.write() as session:
        row = locked(session, application_id)
        _check_approver(session, row, staff_id, now)
        if dict(row.claim) != seen:  # changed between the check and now: check it again
            raise workflow_refusal(row.status)
        before = row.status
        row.status = workflow.next_status(workflow.RECOMMENDED, workflow.APPROVE)
        row.approver_id, row.updated_at = staff_id, now
        audit.append(
            session,
            actor=staff_actor(staff_id),
            action="legacy.approval_started",
            subject=f"legacy:{row.id}",
            payload={"from": before},
            at=now,
        )


def _release(issuance: Issuance, application_id: int, staff_id: int, reason: str) -> None:
    """Back to ``recommended`` after a failed signing: nothing was issued for it."""
    now = issuance.clock()
    with issuance.db.write() as session:
        row = locked(session, application_id)
        if row.status != workflow.APPROVING or row.approver_id != staff_id:
            return
        row.status, row.approver_id, row.updated_at = workflow.RECOMMENDED, None, now
        audit.append(
            session,
            actor=staff_actor(staff_id),
            action="legacy.approval_released",
            subject=f"legacy:{row.id}",
            payload={"reason": reason},
            at=now,
        )


def workflow_refusal(status: str) -> IllegalTransition:
    return IllegalTransition(status, workflow.APPROVE)


def _issue(issuance: Issuance, decision: Decision) -> IssueOutcome:
    try:
        return issue_decision(issuance, decision)
    except IssuanceFailed as failed:
        if failed.problem is not None:
            raise ClaimInvalid([failed.problem]) from failed
        raise SigningFailed(f"{type(failed.cause).__name__}: {failed.cause}") from failed
    except IdentityConflict as conflict:
        # The registry knows this ID number under another name: a claim problem, said at
        # the name (a name is changed by correcting the certificate, not by a conversion).
        raise ClaimInvalid([RowError(0, "name", conflict.code, conflict.params)]) from conflict
    except StoredFileProblem as problem:
        raise SigningFailed(str(problem)) from problem
    except IssuerError as error:
        raise SigningFailed(issuer_error_text(error)) from error


def _mark_approved(
    issuance: Issuance, notifier: Notifier | None, application_id: int, *, staff_id: int, outcome: IssueOutcome
) -> Approved:
    now = issuance.clock()
    with issuance.db.write() as session:
        row = locked(session, application_id)
        if row.status != workflow.APPROVING or row.approver_id != staff_id:
            # Another approver took over an interrupted signing and finished it (with the
            # same certificate: the identity key): nothing is written twice.
            if row.status == workflow.APPROVED and row.certificate_number == outcome.number:
                return Approved(row.id, outcome.number, False)
            raise workflow_refusal(row.status)
        row.status = workflow.next_status(row.status, workflow.APPROVE)
        row.approver_id, row.decided_at, row.updated_at = staff_id, now, now
        row.certificate_number = outcome.number
        holder = session.scalar(select(Holder).where(Holder.id_number == row.id_number))
        if holder is None:  # impossible: the issuer inserted it with the decision
            raise SigningFailed(f"no holder row for application {row.id}")
        bound = _bind(session, row.account_id, holder.id, now)
        payload: dict[str, Any] = {
            "number": outcome.number,
            "version": outcome.version,
            "reviewer": row.reviewer_id,
            "approver": staff_id,
            "changes": len(row.staff_changes),
            "account_bound": bound,
        }
        audit.append(
            session,
            actor=staff_actor(staff_id),
            action="legacy.approved",
            subject=f"legacy:{row.id}",
            payload=payload,
            at=now,
        )
        notice = notify(session, holder.id, "legacy.approved", number=outcome.number, at=now, application_id=row.id)
        notice_id = notice.id
    deliver(issuance.db, notifier, [notice_id], at=now)
    return Approved(application_id, outcome.number, bound)


def _bind(session: Any, account_id: int, holder_id: int, now: Any) -> bool:
    """Bind the applicant's account to the holder (its ID number's registry row): the
    archive evidence checked by two staff confirms the identity as an activation code would."""
    account = session.get_one(Account, account_id)
    if account.holder_id is not None:
        return False
    taken = session.scalar(select(Account.id).where(Account.holder_id == holder_id))
    if taken is not None:  # another account holds it already (cannot happen: one login per ID number)
        return False
    account.holder_id = holder_id
    account.identity_confirmed_by = "legacy_review"
    audit.append(
        session,
        actor=f"account:{account.id}",
        action="account.identity_confirmed",
        subject=f"account:{account.id}",
        payload={"by": "legacy_review", "holder_id": holder_id},
        at=now,
    )
    return True
