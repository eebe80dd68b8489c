"""Account recovery and a new mobile number: the same one-time codes as registration
(6 digits, 10 minutes, 5 tries, stored as an HMAC, named by a random ticket), each state
change with its audit event in one transaction, the notifier called inside it.

No enumeration: starting a recovery for an ID number with no holder account gives the same
ticket and the same next page as for one that has an account; its code is never sent, so
the ticket can never be confirmed. Staff accounts do not recover by SMS (their logins are
user names, not ID numbers): an admin resets them.

A new mobile number receives its code (so the holder shows it is theirs) and the old one a
notice. It changes the account only: the registry's ``holders.mobile`` is the office's own
record, from its decisions CSV, and stays as the office wrote it (README, "Holders").
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from accounts.codes import REGISTRATION_TTL, code_hmac, new_numeric_code, new_ticket
from accounts.notifier import Notifier
from accounts.passwords import hash_password, verify_password
from accounts.services import HOLDER, CodeRefused, open_code, try_code
from ecert import audit
from ecert.db import Database
from ecert.i18n import _
from ecert.models import Account, OneTimeCode

RECOVER = "recover"
MOBILE = "mobile"


def masked_mobile(mobile: str | None) -> str:
    return f"{mobile[:3]}****{mobile[-4:]}" if mobile and len(mobile) >= 7 else "—"


def _masked_id(id_number: str) -> str:
    return f"id:{id_number[:6]}********{id_number[-4:]}"


def start_recovery(db: Database, notifier: Notifier, secret: str, id_number: str, *, now: datetime) -> str:
    """The ticket of a recovery code for ``id_number``: sent to the account's mobile when a
    holder account has one, never sent otherwise (the same answer either way)."""
    ticket, code = new_ticket(), new_numeric_code()
    with db.write() as session:
        account = session.scalar(select(Account).where(Account.login == id_number, Account.kind == HOLDER))
        to = account.mobile if account is not None and account.active else None
        if not to:
            code = new_numeric_code()  # never sent: the ticket can never be confirmed
        session.add(
            OneTimeCode(
                ticket=ticket,
                purpose=RECOVER,
                subject=id_number,
                code_hmac=code_hmac(secret, ticket, code),
                payload={"account_id": account.id} if to and account is not None else {},
                attempts=0,
                created_at=now,
                expires_at=now + REGISTRATION_TTL,
            )
        )
        audit.append(
            session,
            actor="anonymous",
            action="account.recovery_started",
            subject=_masked_id(id_number),
            payload={"existing_account": account is not None, "code_sent": bool(to)},
            at=now,
        )
    # After the commit: the write lock is not held while an SMS gateway answers.
    if to:
        notifier.send(
            to,
            _("您正在找回职称电子证书账号的密码，验证码为 %(code)s，10 分钟内有效。请勿告诉他人。", code=code),
            at=now,
        )
    return ticket


def finish_recovery(
    db: Database, notifier: Notifier, secret: str, ticket: str, code: str, password: str, *, now: datetime
) -> int | CodeRefused:
    """Set ``password`` on the ticket's account (every session of it ends: ``accounts.users``)
    and return its id, or why the code is refused (a wrong try is counted)."""
    with db.write() as session:
        pending = open_code(session, ticket, RECOVER, now)
        if pending is None:
            return CodeRefused.EXPIRED
        refused = try_code(pending, secret, code)
        if refused is not None:
            return refused
        account = session.get(Account, int(pending.payload.get("account_id", 0)))
        if account is None or not account.active or account.kind != HOLDER:
            return CodeRefused.WRONG
        # This code and every other open recovery code of the account are spent.
        session.execute(
            update(OneTimeCode)
            .where(
                OneTimeCode.purpose == RECOVER, OneTimeCode.subject == pending.subject, OneTimeCode.used_at.is_(None)
            )
            .values(used_at=now)
        )
        account.password_hash = hash_password(password)
        if account.mobile:
            notifier.send(
                account.mobile,
                _("您的职称电子证书账号密码已重置，所有已登录的设备均已退出。如非本人操作，请立即联系发证机关。"),
                at=now,
            )
        subject = f"account:{account.id}"
        audit.append(
            session, actor=subject, action="account.password_reset", subject=subject, payload={"by": "sms_code"}, at=now
        )
        return account.id


def start_mobile_change(
    db: Database, notifier: Notifier, secret: str, account_id: int, password: str, mobile: str, *, now: datetime
) -> str | None:
    """The ticket of a code sent to the new ``mobile``, or None when ``password`` is wrong."""
    ticket, code = new_ticket(), new_numeric_code()
    with db.write() as session:
        account = session.get(Account, account_id)
        if account is None or account.kind != HOLDER or not verify_password(account.password_hash, password):
            return None
        notifier.send(
            mobile,
            _(
                "您正在把职称电子证书账号的手机号码改为本号码，验证码为 %(code)s，10 分钟内有效。请勿告诉他人。",
                code=code,
            ),
            at=now,
        )
        session.add(
            OneTimeCode(
                ticket=ticket,
                purpose=MOBILE,
                subject=account.login,
                code_hmac=code_hmac(secret, ticket, code),
                payload={"account_id": account.id, "mobile": mobile},
                attempts=0,
                created_at=now,
                expires_at=now + REGISTRATION_TTL,
            )
        )
        subject = f"account:{account.id}"
        audit.append(
            session,
            actor=subject,
            action="account.mobile_change_started",
            subject=subject,
            payload={"to": masked_mobile(mobile)},
            at=now,
        )
    return ticket


def finish_mobile_change(
    db: Database, notifier: Notifier, secret: str, account_id: int, ticket: str, code: str, *, now: datetime
) -> CodeRefused | None:
    """Put the ticket's number on the account (None), or why the code is refused. A ticket
    of another account is refused like an expired one."""
    with db.write() as session:
        pending = open_code(session, ticket, MOBILE, now)
        if pending is None or pending.payload.get("account_id") != account_id:
            return CodeRefused.EXPIRED
        refused = try_code(pending, secret, code)
        if refused is not None:
            return refused
        account = session.get(Account, account_id)
        if account is None:
            return CodeRefused.EXPIRED
        pending.used_at = now
        old, new = account.mobile, str(pending.payload["mobile"])
        account.mobile = new
        if old and old != new:
            notifier.send(
                old,
                _(
                    "您的职称电子证书账号的手机号码已改为 %(mobile)s，本号码不再接收验证码。如非本人操作，请立即联系发证机关。",
                    mobile=masked_mobile(new),
                ),
                at=now,
            )
        subject = f"account:{account.id}"
        audit.append(
            session,
            actor=subject,
            action="account.mobile_changed",
            subject=subject,
            payload={"from": masked_mobile(old), "to": masked_mobile(new)},
            at=now,
        )
        return None


def mobile_of(db: Database, account_id: int) -> str | None:
    with db.read() as session:
        return session.scalar(select(Account.mobile).where(Account.id == account_id))
