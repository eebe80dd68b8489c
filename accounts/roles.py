"""Who may do what: the roles and the role × action table (README, "Accounts").

A holder account holds no staff role; a staff account holds one or more of reviewer,
approver and admin, never holder. Actions not yet built keep their row so that the table
the README shows is the one the code enforces as each arrives.
"""

from __future__ import annotations

from collections.abc import Iterable

REVIEWER, APPROVER, ADMIN = "reviewer", "approver", "admin"
STAFF_ROLES = (REVIEWER, APPROVER, ADMIN)

ACTIONS: dict[str, frozenset[str]] = {
    "search": frozenset({REVIEWER, APPROVER, ADMIN}),
    "issue": frozenset({APPROVER}),
    "correct": frozenset({APPROVER}),
    "revoke": frozenset({APPROVER}),
    "batch_revoke": frozenset({APPROVER}),
    "reinstate": frozenset({APPROVER}),
    "confirm": frozenset({APPROVER, ADMIN}),
    "import_rosters": frozenset({REVIEWER, ADMIN}),
    "review": frozenset({REVIEWER}),
    "approve": frozenset({APPROVER}),
    "manage_users": frozenset({ADMIN}),
    # The API keys' page (/console/api-keys): who uses the API and how much; keys are made
    # and revoked with ``ecert api-keys`` by operators.
    "manage_api_keys": frozenset({APPROVER, ADMIN}),
    "read_audit": frozenset({APPROVER, ADMIN}),
    "read_outbox": frozenset({ADMIN}),  # development deployments only
    "answer_corrections": frozenset({REVIEWER, APPROVER}),
}


def may(roles: Iterable[str], action: str) -> bool:
    return bool(ACTIONS[action] & set(roles))


def parse_roles(values: Iterable[str]) -> tuple[str, ...]:
    """The roles named, in the table's order; ValueError naming an unknown one."""
    chosen = set()
    for value in values:
        for role in value.split(","):
            role = role.strip().lower()
            if role not in STAFF_ROLES:
                raise ValueError(role)
            chosen.add(role)
    return tuple(role for role in STAFF_ROLES if role in chosen)
