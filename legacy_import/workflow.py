"""Where a conversion application may go from where, and who moves it (pure).

::

    draft ──submit──▶ submitted ──recommend (reviewer)──▶ recommended ──approve (approver)──▶ approving ─▶ approved
      │                 │  ▲                                  │
      │                 │  └──────────resubmit── returned ◀───┤ return (reviewer / approver: 补正)
      │                 ├──return (reviewer)──▶ returned       │
      │                 └──reject (reviewer)──▶ rejected ◀─────┘ reject (approver)
      └─ withdraw (holder, from draft / submitted / returned) ──▶ withdrawn

Approval needs two different staff (谁审查、谁签字、谁负责): the reviewer who recommended
may never approve, and neither may be the applicant. ``approved``, ``rejected`` and
``withdrawn`` are final.
"""

from __future__ import annotations

from typing import Final

from legacy_import import IllegalTransition

DRAFT, SUBMITTED, RETURNED, RECOMMENDED = "draft", "submitted", "returned", "recommended"
# The approver's sign-off is being signed: held, so that nobody returns, rejects or changes
# what is being signed into the certificate (``legacy_import.approval``).
APPROVING = "approving"
APPROVED, REJECTED, WITHDRAWN = "approved", "rejected", "withdrawn"
STATUSES: Final = (DRAFT, SUBMITTED, RETURNED, RECOMMENDED, APPROVING, APPROVED, REJECTED, WITHDRAWN)
FINAL: Final = frozenset({APPROVED, REJECTED, WITHDRAWN})
# Waiting for staff: the review queue's default filter.
IN_QUEUE: Final = frozenset({SUBMITTED, RECOMMENDED, APPROVING})
# Staff may correct the claim only here: never while what it says is being signed.
STAFF_EDITABLE: Final = frozenset({SUBMITTED, RECOMMENDED})
# The holder may edit the claim and the evidence only here.
EDITABLE: Final = frozenset({DRAFT, RETURNED})

SUBMIT, RESUBMIT, WITHDRAW = "submit", "resubmit", "withdraw"
RECOMMEND, APPROVE, RETURN, REJECT = "recommend", "approve", "return", "reject"

HOLDER, REVIEWER, APPROVER = "holder", "reviewer", "approver"

# (status, action) → (new status, who may take it)
TRANSITIONS: Final[dict[tuple[str, str], tuple[str, str]]] = {
    (DRAFT, SUBMIT): (SUBMITTED, HOLDER),
    (RETURNED, RESUBMIT): (SUBMITTED, HOLDER),
    (DRAFT, WITHDRAW): (WITHDRAWN, HOLDER),
    (SUBMITTED, WITHDRAW): (WITHDRAWN, HOLDER),
    (RETURNED, WITHDRAW): (WITHDRAWN, HOLDER),
    (SUBMITTED, RECOMMEND): (RECOMMENDED, REVIEWER),
    (SUBMITTED, RETURN): (RETURNED, REVIEWER),
    (SUBMITTED, REJECT): (REJECTED, REVIEWER),
    (RECOMMENDED, APPROVE): (APPROVING, APPROVER),  # held while it is signed ...
    (APPROVING, APPROVE): (APPROVED, APPROVER),  # ... then approved (or signed again after a crash)
    (RECOMMENDED, RETURN): (RETURNED, APPROVER),
    (RECOMMENDED, REJECT): (REJECTED, APPROVER),
}


def next_status(status: str, action: str) -> str:
    """The status ``action`` leads to from ``status``; ``IllegalTransition`` if none."""
    try:
        return TRANSITIONS[(status, action)][0]
    except KeyError:
        raise IllegalTransition(status, action) from None


def actor_of(status: str, action: str) -> str:
    """Who takes ``action`` from ``status``: holder, reviewer or approver."""
    try:
        return TRANSITIONS[(status, action)][1]
    except KeyError:
        raise IllegalTransition(status, action) from None


def actions_from(status: str, actor: str) -> tuple[str, ...]:
    """The actions ``actor`` may take on an application in ``status`` (the page's buttons)."""
    return tuple(action for (start, action), (_, who) in TRANSITIONS.items() if start == status and who == actor)
