"""The logged-in person as Flask-Login sees it: read once per request from ``accounts``.

The id Flask-Login keeps in the session is ``<account id>.<session key>``, where the key is
an HMAC of the account's password hash: a new password (a recovery, a reset) changes the
hash, so every session opened with the old one stops loading at its next request — on
every machine, with no session table to sweep.
"""

from __future__ import annotations

import hashlib
import hmac
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
    session_key: str = ""

    def get_id(self) -> str:
        return f"{self.account_id}.{self.session_key}"

    @property
    def is_holder(self) -> bool:
        return self.kind == "holder"


def session_key(secret: str, account_id: int, password_hash: str) -> str:
    message = f"session:{account_id}:{password_hash}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:32]


def load_user(db: Database, user_id: str, secret: str) -> User | None:
    """The session's user, if its account is active and its password unchanged since login."""
    number, _, key = user_id.partition(".")
    if not number.isdigit() or not key:
        return None
    user = user_of(db, int(number), secret)
    if user is None or not hmac.compare_digest(user.session_key, key):
        return None
    return user


def user_of(db: Database, account_id: int, secret: str) -> User | None:
    """The user to log in as ``account_id`` (every factor checked already)."""
    with db.read() as session:
        account = session.get(Account, account_id)
        if account is None or not account.active:
            return None
        roles = frozenset(role for role in account.roles.split(",") if role)
        key = session_key(secret, account.id, account.password_hash)
        return User(account.id, account.kind, account.name, account.holder_id, roles, key)
