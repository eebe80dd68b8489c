"""One person, one identity: an ID number already issued under one name is refused under another.

Changing a holder's name is a correction (``ecert correct NUMBER --set name=…``), which keeps
the certificate number and its history; a new issuance under another name would make two
people of one. Checked twice: before anything is issued (``split_bound``, so that an invalid
row still means nothing is issued) and again in the reservation transaction
(``check_name_bound``), for a file issued elsewhere meanwhile.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from ecert.db import Database
from ecert.vocab.masking import mask_name
from ecert.vocab.names import normalise_name
from issuer import IssuerError, registry
from issuer.decisions import Decision, RowError


class IdentityConflict(IssuerError):
    """The reservation found the ID number bound to another name (``code`` and ``params``)."""

    code = "identity.registry"

    def __init__(self, error: RowError) -> None:
        super().__init__(f"row {error.row}: ID number is bound to another name")
        self.params = dict(error.params)


def name_bound_in_registry(session: Session, decision: Decision) -> RowError | None:
    """A row error when the registry knows ``decision``'s ID number under other names only."""
    bound = registry.names_of_id_number(session, decision.id_number)
    if not bound or normalise_name(decision.name) in {normalise_name(name) for name, _ in bound}:
        return None
    name, number = bound[0]
    return RowError(decision.row, "name", "identity.registry", {"name": mask_name(name), "number": number})


def split_bound(db: Database, decisions: Iterable[Decision]) -> tuple[list[Decision], list[RowError]]:
    """The decisions whose ID number has no other name, and row errors for the rest.

    A decision already issued is kept whatever its name: re-running a file whose names were
    corrected since says "already issued", as any re-run does.
    """
    kept, errors = [], []
    with db.read() as session:
        for decision in decisions:
            error = None
            if not registry.decision_exists(session, decision.identity_key):
                error = name_bound_in_registry(session, decision)
            if error is None:
                kept.append(decision)
            else:
                errors.append(error)
    return kept, errors


def check_name_bound(session: Session, decision: Decision) -> None:
    """Raise ``IdentityConflict`` inside a reservation when the name is bound otherwise."""
    error = name_bound_in_registry(session, decision)
    if error is not None:
        raise IdentityConflict(error)
