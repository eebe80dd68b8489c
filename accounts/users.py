"""The logged-in person as Flask-Login sees it: read once per request from ``accounts``.

The id Flask-Login keeps in the signed session cookie is ``<account id>.<session key>.<token>``.
The key is an HMAC of the account's password hash: a new password (a recovery, a reset)
changes the hash, so every session opened with the old one stops loading at its next
request. The token names the login's row in ``login_sessions`` (``accounts.sessions``): a
logout ends that row, so the cookie, or any copy of it, stops loading too. Both are checked
in the database on every request, on every worker and machine alike.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from flask_login import UserMixin
from sqlalchemy import select

from accounts.sessions import token_digest
from ecert.db import Database
from ecert.models import Account, LoginSession


@dataclass(frozen=True)
class User(UserMixin):
    account_id: int
    kind: str
    name: str
    holder_id: int | None
    roles: frozenset[str]
    session_key: str = ""
    login_token: str = ""  # the login session's token (never logged: it is half the cookie's worth)

    def get_id(self) -> str:
        return f"{self.account_id}.{self.session_key}.{self.login_token}"

    @property
    def is_holder(self) -> bool:
        return self.kind == "holder"


def session_key(secret: str, account_id: int, password_hash: str) -> str:
    message = f"session:{account_id}:{password_hash}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:32]


def load_user(db: Database, user_id: str, secret: str) -> User | None:
    """The session's user, if its account is active, its password unchanged since login and
    its login session not ended."""
    number, key, token = [*user_id.split(".", 2), "", ""][:3]
    if not number.isdigit() or not key or not token:
        return None
    with db.read() as session:
        account = session.scalar(
            select(Account)
            .join(LoginSession, LoginSession.account_id == Account.id)
            .where(Account.id == int(number), LoginSession.token_sha256 == token_digest(token))
            .where(LoginSession.ended_at.is_(None))
        )
        user = None if account is None else _user(account, secret, token)
    if user is None or not hmac.compare_digest(user.session_key, key):
        return None
    return user


def user_of(db: Database, account_id: int, secret: str, login_token: str) -> User | None:
    """The user to log in as ``account_id`` (every factor checked already) in the login
    session named by ``login_token``."""
    with db.read() as session:
        account = session.get(Account, account_id)
        return None if account is None else _user(account, secret, login_token)


def _user(account: Account, secret: str, login_token: str) -> User | None:
    if not account.active:
        return None
    roles = frozenset(role for role in account.roles.split(",") if role)
    key = session_key(secret, account.id, account.password_hash)
    return User(account.id, account.kind, account.name, account.holder_id, roles, key, login_token)
