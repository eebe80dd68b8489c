"""Two-person acts: a change one staff member proposes and a second, different account
confirms before it happens (README, "Two-person acts").

- ``batch_revoke``: revoke every valid certificate one approval 文号 granted. The list the
  proposer's preview showed is frozen into the act: a certificate issued under that 文号
  later is not swept in, and one revoked meanwhile is reported, not an error.
- ``reinstate``: make one revoked certificate valid again (``issuer.services.reinstatement``).

Proposal, confirmation, cancellation and the record of the outcome are each an audit event
in their own transaction; the execution changes each certificate in its own transaction
with its own event (``lifecycle.revoke``), then anchors the log once. Two people means two
accounts: the same account proposing and confirming is refused, whatever its name says.
A proposal not confirmed within ``LIFETIME`` expires and can no longer be confirmed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import ClassVar

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from accounts.roles import may
from ecert import audit
from ecert.clock import Clock
from ecert.db import Database
from ecert.models import Account, CertificateStatus, TwoPersonAct
from ecert.notifications import Sender
from ecert.vocab.problem import Param
from issuer import IssuerError, registry
from issuer.services.act_listing import granted_in, listed_in
from issuer.services.lifecycle import LifecycleError, RevocationReason, revoke
from issuer.services.reinstatement import checked_doc_no, reinstate

LIFETIME = timedelta(hours=24)
BATCH_REVOKE, REINSTATE = "batch_revoke", "reinstate"


class ActError(IssuerError):
    """A two-person act refused: a stable ``code`` with its ``params``.

    Codes: ``act.not_found`` (act), ``act.closed`` (act, state: confirmed, cancelled or
    expired already), ``act.same_person`` (act: the proposer cannot confirm),
    ``act.not_proposer`` (act: only the proposer cancels), ``act.not_allowed`` (action: the
    account's roles do not allow it, or it is not an active staff account),
    ``act.proposer_not_allowed`` (act, action: at confirmation, the proposer's account is
    disabled or no longer holds the role the act needs), ``act.empty``
    (doc_no: no valid certificate was granted by that 文号), ``act.list_changed`` (doc_no: the
    certificates under that 文号 changed since the preview; look again).
    """

    _SENTENCES: ClassVar[Mapping[str, str]] = {
        "act.not_found": "no two-person act {act}",
        "act.closed": "act {act} is {state}: it can no longer be confirmed or cancelled",
        "act.same_person": "act {act} was proposed by this account: a second person must confirm it",
        "act.not_proposer": "only the proposer may cancel act {act}",
        "act.not_allowed": "this account may not {action}",
        "act.proposer_not_allowed": "the proposer of act {act} may no longer {action}",
        "act.empty": "no valid certificate was granted by {doc_no}",
        "act.list_changed": "the certificates granted by {doc_no} changed since the preview",
    }

    def __init__(self, code: str, **params: Param) -> None:
        self.code = code
        self.params = params
        super().__init__(self._SENTENCES[code].format(**params))


@dataclass(frozen=True)
class Act:
    id: int
    kind: str
    params: dict[str, str]
    numbers: tuple[str, ...]
    proposed_by: int
    proposer: str
    proposed_at: datetime
    expires_at: datetime
    state: str  # pending | done | confirmed (running or interrupted) | cancelled | expired
    confirmed_by: int | None = None
    confirmer: str | None = None
    confirmed_at: datetime | None = None
    outcome: dict[str, list[str]] = field(default_factory=dict)


def propose_batch_revoke(
    db: Database,
    *,
    granted: str,
    doc_no: str,
    reason: RevocationReason,
    note: str,
    shown: tuple[str, ...] | None,
    proposer: int,
    clock: Clock,
) -> int:
    """Propose revoking what ``granted`` granted; ``shown``: the numbers the preview showed
    (None from the command line, whose preview is this very list). Returns the act's id."""
    granted, doc_no = checked_doc_no(granted), checked_doc_no(doc_no)
    now = clock()
    with db.write() as session:
        _check_role(session, proposer, BATCH_REVOKE)
        numbers = tuple(f.number for f in granted_in(session, granted))
        if not numbers:
            raise ActError("act.empty", doc_no=granted)
        if shown is not None and tuple(shown) != numbers:
            raise ActError("act.list_changed", doc_no=granted)
        params = {"granted_by": granted, "doc_no": doc_no, "reason": reason.value, "note": note}
        return _proposed(session, BATCH_REVOKE, params, numbers, proposer, now)


def propose_reinstate(db: Database, number: str, *, reason: str, doc_no: str, proposer: int, clock: Clock) -> int:
    doc_no = checked_doc_no(doc_no)
    now = clock()
    with db.write() as session:
        _check_role(session, proposer, REINSTATE)
        current = listed_in(session, number)
        if current is None:
            raise LifecycleError("certificate.not_found", number=number)
        if current.status is not CertificateStatus.REVOKED:
            raise LifecycleError(
                "certificate.not_revoked", number=number, version=current.version, status=current.status.value
            )
        return _proposed(session, REINSTATE, {"reason": reason, "doc_no": doc_no}, (number,), proposer, now)


def confirm(db: Database, act_id: int, *, confirmer: int, clock: Clock, notifier: Sender | None = None) -> Act:
    """Confirm as a second account, then carry the act out; the act as it ends. Holders of
    revoked or reinstated certificates get their notices (``ecert.notifications``) through
    ``notifier``. The proposer must still be an active account holding the act's role."""
    now = clock()
    with db.write() as session:
        act = _open(session, act_id, now)
        _check_role(session, confirmer, "confirm")
        if act.proposed_by == confirmer:
            raise ActError("act.same_person", act=act_id)
        # Two people must still stand behind it: a proposer disabled or stripped of the role
        # since proposing no longer does, so the act cannot go ahead on their word.
        if not _allowed(session, act.proposed_by, act.kind):
            raise ActError("act.proposer_not_allowed", act=act_id, action=act.kind)
        # Guarded: of two confirmations at once, one wins and the other finds the act closed.
        if not registry.updated_rows(
            session,
            update(TwoPersonAct)
            .where(TwoPersonAct.id == act_id, TwoPersonAct.confirmed_at.is_(None), TwoPersonAct.cancelled_at.is_(None))
            .values(confirmed_by=confirmer, confirmed_at=now),
        ):
            raise ActError("act.closed", act=act_id, state="confirmed")
        audit.append(
            session, actor=f"account:{confirmer}", action="act.confirmed", subject=f"act:{act_id}",
            payload={"kind": act.kind, "proposed_by": act.proposed_by}, at=now,
        )  # fmt: skip
        kind, params, numbers = act.kind, dict(act.params), tuple(act.numbers)
    outcome = _carry_out(
        db, act_id, kind, params, numbers, actor=f"account:{confirmer}", clock=clock, notifier=notifier
    )
    with db.write() as session:
        row = session.get(TwoPersonAct, act_id)
        assert row is not None
        row.outcome = outcome
        audit.append(
            session, actor=f"account:{confirmer}", action="act.executed", subject=f"act:{act_id}",
            payload=outcome, at=clock(),
        )  # fmt: skip
    audit.anchor_batch_end(db, at=clock())
    return get(db, act_id, now=clock())


def cancel(db: Database, act_id: int, *, by: int, clock: Clock) -> None:
    now = clock()
    with db.write() as session:
        act = _open(session, act_id, now)
        if act.proposed_by != by:
            raise ActError("act.not_proposer", act=act_id)
        # Guarded as confirm is: a confirmation committing between the read and this write
        # wins, and the act is never both confirmed and cancelled.
        if not registry.updated_rows(
            session,
            update(TwoPersonAct)
            .where(TwoPersonAct.id == act_id, TwoPersonAct.confirmed_at.is_(None), TwoPersonAct.cancelled_at.is_(None))
            .values(cancelled_by=by, cancelled_at=now),
        ):
            raise ActError("act.closed", act=act_id, state="confirmed")
        audit.append(
            session, actor=f"account:{by}", action="act.cancelled", subject=f"act:{act_id}", payload={}, at=now
        )


def get(db: Database, act_id: int, *, now: datetime) -> Act:
    with db.read() as session:
        row = session.get(TwoPersonAct, act_id)
        if row is None:
            raise ActError("act.not_found", act=act_id)
        return _act(session, row, now)


def pending(db: Database, *, now: datetime) -> list[Act]:
    """Acts waiting for a second person, oldest first (expired ones drop off)."""
    with db.read() as session:
        rows = session.scalars(
            select(TwoPersonAct)
            .where(
                TwoPersonAct.confirmed_at.is_(None), TwoPersonAct.cancelled_at.is_(None), TwoPersonAct.expires_at > now
            )
            .order_by(TwoPersonAct.id)
        ).all()
        return [_act(session, row, now) for row in rows]


def _carry_out(
    db: Database,
    act_id: int,
    kind: str,
    params: dict[str, str],
    numbers: tuple[str, ...],
    *,
    actor: str,
    clock: Clock,
    notifier: Sender | None,
) -> dict[str, list[str]]:
    """Each certificate in its own transaction: one already changed is noted and skipped."""
    done, skipped = [], []
    for number in numbers:
        try:
            if kind == BATCH_REVOKE:
                revoke(
                    db, number, reason=RevocationReason(params["reason"]), doc_no=params["doc_no"],
                    note=params.get("note", ""), actor=actor, clock=clock, act=act_id, anchor=False,
                    notifier=notifier,
                )  # fmt: skip
            else:
                reinstate(
                    db, number, reason=params["reason"], doc_no=params["doc_no"], actor=actor, clock=clock, act=act_id,
                    notifier=notifier,
                )  # fmt: skip
        except LifecycleError as error:
            if error.code not in ("certificate.not_valid", "certificate.not_revoked", "certificate.not_found"):
                raise
            skipped.append(number)
        else:
            done.append(number)
    return {"done": done, "skipped": skipped}


def _proposed(
    session: Session, kind: str, params: dict[str, str], numbers: tuple[str, ...], proposer: int, now: datetime
) -> int:
    act = TwoPersonAct(
        kind=kind, params=params, numbers=list(numbers), proposed_by=proposer, proposed_at=now,
        expires_at=now + LIFETIME,
    )  # fmt: skip
    session.add(act)
    session.flush()
    audit.append(
        session, actor=f"account:{proposer}", action="act.proposed", subject=f"act:{act.id}",
        payload={"kind": kind, **params, "numbers": list(numbers)}, at=now,
    )  # fmt: skip
    return act.id


def _open(session: Session, act_id: int, now: datetime) -> TwoPersonAct:
    act = session.get(TwoPersonAct, act_id)
    if act is None:
        raise ActError("act.not_found", act=act_id)
    state = _state(act, now)
    if state != "pending":
        raise ActError("act.closed", act=act_id, state=state)
    return act


def staff_id(db: Database, login: str) -> int | None:
    """The id of the active staff account ``login`` (the command line names people so)."""
    with db.read() as session:
        return session.scalar(
            select(Account.id).where(Account.login == login.strip(), Account.kind == "staff", Account.active)
        )


def check_may(db: Database, account_id: int, action: str) -> None:
    """ActError ``act.not_allowed`` unless the account's roles allow ``action``."""
    with db.read() as session:
        _check_role(session, account_id, action)


def _check_role(session: Session, account_id: int, action: str) -> None:
    if not _allowed(session, account_id, action):
        raise ActError("act.not_allowed", action=action)


def _allowed(session: Session, account_id: int, action: str) -> bool:
    """Whether ``account_id`` is an active staff account whose roles allow ``action`` now."""
    account = session.get(Account, account_id)
    roles = account.roles.split(",") if account is not None and account.kind == "staff" and account.active else []
    return may(roles, action)


def _state(act: TwoPersonAct, now: datetime) -> str:
    if act.cancelled_at is not None:
        return "cancelled"
    if act.confirmed_at is not None:
        return "done" if act.outcome is not None else "confirmed"
    return "expired" if now >= act.expires_at else "pending"


def _act(session: Session, row: TwoPersonAct, now: datetime) -> Act:
    def login(account_id: int | None) -> str | None:
        account = session.get(Account, account_id) if account_id is not None else None
        return None if account is None else account.login

    return Act(
        id=row.id, kind=row.kind, params=dict(row.params), numbers=tuple(row.numbers), proposed_by=row.proposed_by,
        proposer=login(row.proposed_by) or "", proposed_at=row.proposed_at, expires_at=row.expires_at,
        state=_state(row, now), confirmed_by=row.confirmed_by, confirmer=login(row.confirmed_by),
        confirmed_at=row.confirmed_at, outcome=dict(row.outcome or {}),
    )  # fmt: skip
