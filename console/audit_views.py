"""The audit log page: filters, pages of 50 events newest first, and above them what
``ecert audit verify`` finds (the keyed chain, its anchors, the registry).

The check re-reads the whole log (about 0.25 ms an event on SQLite: 5 s for 20,000), so a
page view reuses the last result of this process for up to a minute while the chain's head
is unchanged; ``?verify=now`` (the page's link) checks at once. An edit of an old event
leaves the head as it was: it shows at the next check, at the latest a minute later.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import urlencode

from flask import Response, current_app, render_template, request
from sqlalchemy import select
from sqlalchemy.orm import Session

from console.audit_log import Filters, actions, events_page
from console.views import bp, staff_may
from ecert.audit.trail import AuditTrail
from ecert.audit.verify import AuditReport, verify_audit
from ecert.audit.words import problem_text
from ecert.clock import OFFICE_TZ
from ecert.i18n import _
from ecert.kernel import kernel
from ecert.models import AuditEvent
from ecert.web import private_page

SHOWN_PROBLEMS = 20
REUSE_SECONDS = 60.0


@dataclass(frozen=True)
class _Check:
    head: tuple[int, str] | None
    monotonic: float
    at: datetime
    report: AuditReport


@bp.get("/audit")
@staff_may("read_audit")
def audit_log() -> Response:
    args = request.args
    errors: dict[str, str] = {}
    since, until = _date("since", errors), _date("until", errors)
    filters = Filters(
        actor=args.get("actor", "")[:128],
        action=args.get("action", "")[:64],
        subject=args.get("subject", "")[:128],
        since=since,
        until=until,
    )
    page_text = args.get("page", "")
    # Decimal ASCII digits only, and a page a log can have: "²" or 10**20 is the first page.
    page = int(page_text) if page_text.isascii() and page_text.isdecimal() and len(page_text) <= 7 else 1
    db = kernel().db
    with db.read() as session:
        trail = db.audit
        assert isinstance(trail, AuditTrail)
        check = _checked(session, trail, force=args.get("verify") == "now")
        found = events_page(session, filters, page)
        known_actions = actions(session)
    query = {key: value for key, value in args.items() if key not in ("page", "verify") and value}
    html = render_template(
        "console/audit.html",
        filters=filters,
        args=args,
        errors=errors,
        found=found,
        actions=known_actions,
        report=check.report,
        checked_at=check.at.astimezone(OFFICE_TZ),
        problems=[problem_text(problem) for problem in check.report.problems[:SHOWN_PROBLEMS]],
        more_problems=max(len(check.report.problems) - SHOWN_PROBLEMS, 0),
        verify_url="?" + urlencode({**query, "verify": "now"}),
        page_url=lambda n: "?" + urlencode({**query, "page": n}),
    )
    return private_page(html, 400 if errors else 200)


def _date(name: str, errors: dict[str, str]) -> date | None:
    text = request.args.get(name, "").strip()
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        errors[name] = _("不是日期；请用 YYYY-MM-DD 格式")
        return None
    if not date(2000, 1, 1) <= day <= date(2999, 12, 31):  # the day after must exist too
        errors[name] = _("日期应在 2000-01-01 至 2999-12-31 之间")
        return None
    return day


def _checked(session: Session, trail: AuditTrail, *, force: bool) -> _Check:
    """The last check of this process if recent and the head has not moved, else a new one."""
    head_row = session.execute(select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)).first()
    head = (head_row[0], head_row[1]) if head_row else None
    last: _Check | None = current_app.extensions.get("console.audit_check")
    if not force and last is not None and last.head == head and time.monotonic() - last.monotonic < REUSE_SECONDS:
        return last
    check = _Check(head, time.monotonic(), kernel().clock(), verify_audit(session, trail))
    current_app.extensions["console.audit_check"] = check
    return check
