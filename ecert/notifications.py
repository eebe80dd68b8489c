"""Notices for holders: a row in 我的证书, and a text through the notifier.

``notify(session, holder_id, kind, number=..., **params)`` is the one way to add a notice:
it writes the row in the caller's transaction, so a revocation or a correction and its
notice commit together or not at all (like the audit event). ``deliver(db, notifier, ids,
at=...)`` sends them after that commit, to the mobile of the holder's account if the holder
has one; a failed or impossible delivery leaves ``sent_at`` empty and the notice still
shows in the portal. Words come from ``kind`` and ``params`` at the edge
(``ecert.notice_words``: the portal's page, the text sent): the row stays language-free.

Kinds: ``certificate.revoked`` (version, reason code, note, doc_no), ``certificate.corrected``
(version, previous). Others may add theirs (e.g. an answered correction request) by
calling ``notify`` and giving the kind its words in ``ecert.notice_words``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from contextlib import nullcontext
from datetime import datetime
from typing import Any, Protocol

from flask import has_app_context
from sqlalchemy import select
from sqlalchemy.orm import Session

from ecert.db import Database
from ecert.i18n import force_locale
from ecert.models import Account, Notification
from ecert.notice_words import notice_text

log = logging.getLogger(__name__)


class Sender(Protocol):
    """What ``deliver`` needs of a notifier (``accounts.notifier.Notifier`` is one)."""

    def send(self, to: str, text: str, *, at: datetime) -> None: ...


def notify(session: Session, holder_id: int, kind: str, *, number: str, at: datetime, **params: Any) -> Notification:
    """Add a notice for ``holder_id`` in the caller's transaction; returns it (its id once flushed)."""
    notice = Notification(holder_id=holder_id, kind=kind, number=number, params=params, created_at=at)
    session.add(notice)
    session.flush()
    return notice


def deliver(db: Database, sender: Sender | None, ids: Sequence[int], *, at: datetime) -> int:
    """Send the notices ``ids`` (after their transaction committed) to each holder's account
    mobile; returns how many were sent. Never raises: the change they tell of is done."""
    if sender is None or not ids:
        return 0
    sent = 0
    try:
        with db.read() as session:
            rows = session.execute(
                select(Notification, Account.mobile)
                .join(Account, Account.holder_id == Notification.holder_id)
                .where(Notification.id.in_(ids), Notification.sent_at.is_(None), Account.kind == "holder")
            ).all()
        for notice, mobile in rows:
            if not mobile:
                continue
            # In Chinese, whatever language the staff member's page speaks: the holder's text
            # is an official notice, and the holder's own choice is not known here.
            with force_locale("zh_CN") if has_app_context() else nullcontext():
                text = notice_text(notice.kind, notice.number, notice.params)
            try:
                sender.send(mobile, text, at=at)
            except Exception:
                log.exception("notification %s not sent", notice.id)
                continue
            with db.write() as session:
                session.get_one(Notification, notice.id).sent_at = at
            sent += 1
    except Exception:
        log.exception("notifications %s: delivery failed", list(ids))
    return sent
