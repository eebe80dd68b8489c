"""The logged-in person as Flask-Login sees it: read once per request from ``accounts``."""

from __future__ import annotations

from dataclasses import dataclass

from flask_login import UserMixin

from ecert.db import Database
from ecert.models import Account


@dataclass(frozen=True)
class User(UserMixin):
    account_id: int
    kind: str
    name: str
    holder_id: int | None
    roles: frozenset[str]

    def get_id(self) -> str:
        return str(self.account_id)

    @property
    def is_holder(self) -> bool:
        return self.kind == "holder"


def load_user(db: Database, user_id: str) -> User | None:
    if not user_id.isdigit():
        return None
    with db.read() as session:
        account = session.get(Account, int(user_id))
        if account is None or not account.active:
            return None
        roles = frozenset(role for role in account.roles.split(",") if role)
        return User(account.id, account.kind, account.name, account.holder_id, roles)
