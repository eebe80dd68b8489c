"""Staff accounts: created by an admin (``ecert users create``), disabled, and logged in
with a password *and* a TOTP code; the first login enrols the authenticator."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from accounts import AccountsError
from accounts.passwords import hash_password, password_problem
from accounts.roles import parse_roles
from accounts.totp import accepted_step, new_secret
from ecert import audit
from ecert.db import Database
from ecert.models import Account, Holder

STAFF = "staff"
USERNAME = re.compile(r"[a-z][a-z0-9._-]{2,31}")


class StaffError(AccountsError):
    """A staff account cannot be created or changed as asked; ``code`` says why."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code, self.params = code, params


@dataclass(frozen=True)
class StaffAccount:
    username: str
    name: str
    roles: tuple[str, ...]
    office_code: str | None
    active: bool
    enrolled: bool


def create_staff(
    db: Database,
    *,
    username: str,
    name: str,
    roles: list[str],
    office_code: str,
    password: str,
    actor: str,
    now: datetime,
    with_totp: bool = False,
) -> str | None:
    """Create the account; returns the TOTP secret when ``with_totp`` (demo and scripted
    set-ups), else None (enrolled at first login)."""
    if not USERNAME.fullmatch(username):
        raise StaffError("bad_username")
    try:
        chosen = parse_roles(roles)
    except ValueError as unknown:
        raise StaffError("unknown_role", role=str(unknown)) from None
    if not chosen:
        raise StaffError("no_role")
    problem = password_problem(password)
    if problem is not None:
        raise StaffError(f"password_{problem}")
    secret = new_secret() if with_totp else None
    with db.write() as session:
        if session.scalar(select(Account.id).where(Account.login == username)) is not None:
            raise StaffError("exists")
        account = Account(
            kind=STAFF,
            login=username,
            name=name or username,
            password_hash=hash_password(password),
            roles=",".join(chosen),
            office_code=office_code,
            active=True,
            totp_secret=secret,
            created_at=now,
        )
        session.add(account)
        session.flush()
        audit.append(
            session,
            actor=actor,
            action="staff.created",
            subject=f"account:{account.id}",
            payload={"username": username, "roles": list(chosen), "office_code": office_code},
            at=now,
        )
    return secret


def list_staff(db: Database) -> list[StaffAccount]:
    with db.read() as session:
        rows = session.scalars(select(Account).where(Account.kind == STAFF).order_by(Account.login)).all()
        return [
            StaffAccount(
                a.login, a.name, tuple(r for r in a.roles.split(",") if r), a.office_code, a.active, bool(a.totp_secret)
            )
            for a in rows
        ]


def disable_staff(db: Database, username: str, *, actor: str, now: datetime) -> None:
    with db.write() as session:
        account = session.scalar(select(Account).where(Account.login == username, Account.kind == STAFF))
        if account is None:
            raise StaffError("unknown_user")
        account.active = False
        audit.append(session, actor=actor, action="staff.disabled", subject=f"account:{account.id}", payload={}, at=now)


def reset_password(
    db: Database, username: str, password: str, *, actor: str, now: datetime, reset_totp: bool = False
) -> None:
    """An admin's reset of a staff password (staff do not recover by SMS). Every session of the
    account ends (``accounts.users``); ``reset_totp`` makes the next login enrol a new
    authenticator, for a lost phone."""
    problem = password_problem(password)
    if problem is not None:
        raise StaffError(f"password_{problem}")
    with db.write() as session:
        account = session.scalar(select(Account).where(Account.login == username, Account.kind == STAFF))
        if account is None:
            raise StaffError("unknown_user")
        account.password_hash = hash_password(password)
        if reset_totp:
            account.totp_secret, account.totp_last_step = None, None
        audit.append(
            session,
            actor=actor,
            action="staff.password_reset",
            subject=f"account:{account.id}",
            payload={"totp_reset": reset_totp},
            at=now,
        )


def check_totp(db: Database, account_id: int, code: str, *, now: datetime, enrol_secret: str | None = None) -> bool:
    """Accept ``code`` for the staff account (enrolling ``enrol_secret`` when it has none yet)."""
    with db.write() as session:
        return totp_accepted(session, account_id, code, now=now, enrol_secret=enrol_secret)


def totp_accepted(
    session: Session, account_id: int, code: str, *, now: datetime, enrol_secret: str | None = None
) -> bool:
    """``check_totp`` inside the caller's transaction."""
    account = session.get(Account, account_id)
    if account is None or account.kind != STAFF or not account.active:
        return False
    secret = account.totp_secret or enrol_secret
    if secret is None:
        return False
    step = accepted_step(secret, code, now, account.totp_last_step)
    if step is None:
        return False
    if account.totp_secret is None:
        account.totp_secret = secret
        audit.append(
            session,
            actor=f"account:{account.id}",
            action="staff.totp_enrolled",
            subject=f"account:{account.id}",
            payload={},
            at=now,
        )
    account.totp_last_step = step
    return True


def is_enrolled(db: Database, account_id: int) -> bool:
    with db.read() as session:
        account = session.get(Account, account_id)
        return bool(account is not None and account.totp_secret)


def username_of(db: Database, account_id: int) -> str:
    with db.read() as session:
        account = session.get(Account, account_id)
        return account.login if account is not None else ""


def demo_accounts(
    db: Database, people: tuple[tuple[str, str, str], ...], password: str, *, office_code: str, now: datetime
) -> list[tuple[str, str, str]]:
    """(login, role, TOTP secret) of the demo accounts, made where missing (development only).
    The demo holder is the registry's first holder, bound already, with the same password."""
    made: list[tuple[str, str, str]] = []
    for username, role, name in people:
        with db.read() as session:
            existing = session.scalar(select(Account).where(Account.login == username))
            secret = existing.totp_secret if existing is not None else None
        if existing is None:
            secret = create_staff(
                db, username=username, name=name, roles=[role], office_code=office_code, password=password,
                actor="demo", now=now, with_totp=True,
            )  # fmt: skip
        made.append((username, role, secret or ""))
    with db.write() as session:
        holder = session.scalar(select(Holder).order_by(Holder.id).limit(1))
        if holder is None:
            return made
        account = session.scalar(select(Account).where(Account.login == holder.id_number))
        if account is None:
            account = Account(
                kind="holder", login=holder.id_number, name=holder.name, mobile="13800138000",
                password_hash=hash_password(password), roles="", holder_id=holder.id,
                identity_confirmed_by="demo", active=True, created_at=now,
            )  # fmt: skip
            session.add(account)
            session.flush()
            audit.append(
                session,
                actor="demo",
                action="account.registered",
                subject=f"account:{account.id}",
                payload={"kind": "holder", "demo": True},
                at=now,
            )
        made.append((holder.id_number, "holder", ""))
    return made
