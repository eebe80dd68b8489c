"""Registration, activation and login: each state change with its audit event, in one
transaction (the notifier is called inside it, so a code that could not be sent leaves
nothing behind).

No enumeration: registering an ID number that already has an account gives the same
reply and the same next page as a new one (a ticket whose code was never sent), and the
existing account's mobile is told that someone tried.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from accounts import AccountsError
from accounts.codes import (
    ACTIVATION_TTL,
    MAX_ATTEMPTS,
    REGISTRATION_TTL,
    code_hmac,
    code_matches,
    new_activation_code,
    new_numeric_code,
    new_ticket,
)
from accounts.notifier import Notifier
from accounts.passwords import hash_password, verify_password
from accounts.sessions import open_session
from ecert import audit
from ecert.db import Database
from ecert.i18n import _
from ecert.models import Account, Holder, OneTimeCode
from ecert.vocab.masking import mask_name

HOLDER = "holder"
STAFF = "staff"


class CodeRefused(enum.StrEnum):
    WRONG = "wrong"
    EXPIRED = "expired"  # also: already used, or unknown ticket (said the same way)
    TOO_MANY = "too_many"


class NoSuchHolder(AccountsError):
    """The registry holds no certificate for this ID number."""


@dataclass(frozen=True)
class Registration:
    name: str
    id_number: str
    mobile: str
    password: str = ""


def start_registration(db: Database, notifier: Notifier, secret: str, form: Registration, *, now: datetime) -> str:
    """Send a code for ``form`` and return the ticket that names it; the same for an ID
    number that has an account already (then its owner is told instead)."""
    ticket, code = new_ticket(), new_numeric_code()
    with db.write() as session:
        existing = session.scalar(select(Account).where(Account.login == form.id_number))
        payload: dict[str, object] = {}
        if existing is not None:
            if existing.mobile:
                notifier.send(
                    existing.mobile,
                    _("有人使用您的身份证号申请注册职称电子证书账号。如非本人操作，无需处理；您的账号不受影响。"),
                    at=now,
                )
            code = new_numeric_code()  # never sent: the ticket can never be confirmed
        else:
            # Where the registry knows the holder's mobile, the code goes there and nowhere
            # else: whoever reads it is the holder, and the account is bound at once.
            known = session.scalar(select(Holder.mobile).where(Holder.id_number == form.id_number))
            to = known or form.mobile
            payload = {
                "name": form.name,
                "mobile": to,
                "password_hash": hash_password(form.password),
                "registry_mobile": bool(known),
            }
            notifier.send(
                to, _("您的职称电子证书注册验证码为 %(code)s，10 分钟内有效。请勿告诉他人。", code=code), at=now
            )
        session.add(
            OneTimeCode(
                ticket=ticket,
                purpose="register",
                subject=form.id_number,
                code_hmac=code_hmac(secret, ticket, code),
                payload=payload,
                attempts=0,
                created_at=now,
                expires_at=now + REGISTRATION_TTL,
            )
        )
        audit.append(
            session,
            actor="anonymous",
            action="account.registration_started",
            subject=f"id:{form.id_number[:6]}********{form.id_number[-4:]}",
            payload={"name": mask_name(form.name), "existing_account": existing is not None},
            at=now,
        )
    return ticket


def confirm_registration(db: Database, secret: str, ticket: str, code: str, *, now: datetime) -> int | CodeRefused:
    """The new account's id, or why the code is refused (a wrong try is counted)."""
    with db.write() as session:
        pending = open_code(session, ticket, "register", now)
        if pending is None:
            return CodeRefused.EXPIRED
        refused = try_code(pending, secret, code)
        if refused is not None:
            return refused
        if not pending.payload or session.scalar(select(Account.id).where(Account.login == pending.subject)):
            return CodeRefused.WRONG
        pending.used_at = now
        holder_id = None
        if pending.payload.get("registry_mobile"):
            holder_id = session.scalar(select(Holder.id).where(Holder.id_number == pending.subject))
        account = Account(
            kind=HOLDER,
            login=pending.subject,
            name=str(pending.payload["name"]),
            mobile=str(pending.payload["mobile"]),
            password_hash=str(pending.payload["password_hash"]),
            roles="",
            holder_id=holder_id,
            identity_confirmed_by="registry_mobile" if holder_id is not None else None,
            active=True,
            created_at=now,
        )
        session.add(account)
        session.flush()
        audit.append(
            session,
            actor=f"account:{account.id}",
            action="account.registered",
            subject=f"account:{account.id}",
            payload={"kind": HOLDER, "identity_confirmed": holder_id is not None},
            at=now,
        )
        return account.id


def issue_activation_code(db: Database, secret: str, id_number: str, *, actor: str, now: datetime) -> str:
    """A code the office hands to the holder of ``id_number`` in person (30 days)."""
    code, ticket = new_activation_code(), new_ticket()
    with db.write() as session:
        if session.scalar(select(Holder.id).where(Holder.id_number == id_number)) is None:
            raise NoSuchHolder(id_number)
        session.add(
            OneTimeCode(
                ticket=ticket,
                purpose="activation",
                subject=id_number,
                code_hmac=code_hmac(secret, ticket, code),
                payload={},
                attempts=0,
                created_at=now,
                expires_at=now + ACTIVATION_TTL,
            )
        )
        audit.append(
            session,
            actor=actor,
            action="account.activation_code_issued",
            subject=f"id:{id_number[:6]}********{id_number[-4:]}",
            payload={"expires_at": (now + ACTIVATION_TTL).isoformat()},
            at=now,
        )
    return code


def activate(db: Database, secret: str, account_id: int, code: str, *, now: datetime) -> bool:
    """Bind the holder account to its ID number's registry record with an activation code."""
    with db.write() as session:
        account = session.get(Account, account_id)
        if account is None or account.kind != HOLDER or account.holder_id is not None:
            return False
        candidates = session.scalars(
            select(OneTimeCode).where(
                OneTimeCode.purpose == "activation",
                OneTimeCode.subject == account.login,
                OneTimeCode.used_at.is_(None),
                OneTimeCode.expires_at > now,
                OneTimeCode.attempts < MAX_ATTEMPTS,
            )
        ).all()
        match = next((c for c in candidates if code_matches(secret, c.ticket, code, c.code_hmac)), None)
        if match is None:
            for candidate in candidates:
                candidate.attempts += 1
            return False
        holder = session.scalar(select(Holder).where(Holder.id_number == account.login))
        if holder is None:
            return False
        match.used_at = now
        account.holder_id = holder.id
        account.identity_confirmed_by = "activation_code"
        audit.append(
            session,
            actor=f"account:{account.id}",
            action="account.identity_confirmed",
            subject=f"account:{account.id}",
            payload={"by": "activation_code", "holder_id": holder.id},
            at=now,
        )
        return True


def check_password(db: Database, login: str, password: str) -> tuple[int, str] | None:
    """(account id, kind) when ``login`` and ``password`` match an active account; the
    same work when no account has that login."""
    with db.read() as session:
        account = session.scalar(select(Account).where(Account.login == login))
        matches = verify_password(account.password_hash if account else None, password)
        if account is None or not matches or not account.active:
            return None
        return account.id, account.kind


def record_login(db: Database, account_id: int, *, now: datetime, method: str) -> str | None:
    """The login itself, once every factor is checked: its time, its session (``accounts.sessions``)
    and its audit event. The session's token, or None for no such account."""
    with db.write() as session:
        account = session.get(Account, account_id)
        if account is None:
            return None
        account.last_login_at = now
        token = open_session(session, account.id, now)
        subject = f"account:{account.id}"
        audit.append(
            session, actor=subject, action="account.login", subject=subject, payload={"method": method}, at=now
        )
        return token


def open_code(session: Session, ticket: str, purpose: str, now: datetime) -> OneTimeCode | None:
    """The unused, unexpired code of ``purpose`` that ``ticket`` names (also for ``accounts.recovery``)."""
    found = session.scalar(select(OneTimeCode).where(OneTimeCode.ticket == ticket, OneTimeCode.purpose == purpose))
    if found is None or found.used_at is not None or found.expires_at <= now:
        return None
    return found


def try_code(pending: OneTimeCode, secret: str, code: str) -> CodeRefused | None:
    """None when ``code`` is right; otherwise why not, the wrong try counted."""
    if pending.attempts >= MAX_ATTEMPTS:
        return CodeRefused.TOO_MANY
    if not code_matches(secret, pending.ticket, code, pending.code_hmac):
        pending.attempts += 1
        return CodeRefused.TOO_MANY if pending.attempts >= MAX_ATTEMPTS else CodeRefused.WRONG
    return None
