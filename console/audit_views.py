"""The audit log page: filters, pages of 50 events newest first, and above them what
``ecert audit verify`` finds (the keyed chain, its anchors, the registry)."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from flask import Response, render_template, request

from console.audit_log import Filters, actions, events_page
from console.views import bp, staff_may
from ecert.audit.trail import AuditTrail
from ecert.audit.verify import verify_audit
from ecert.audit.words import problem_text
from ecert.i18n import _
from ecert.kernel import kernel
from ecert.web import private_page

SHOWN_PROBLEMS = 20


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
    page = int(args["page"]) if args.get("page", "").isdigit() else 1
    db = kernel().db
    with db.read() as session:
        trail = db.audit
        assert isinstance(trail, AuditTrail)
        report = verify_audit(session, trail)
        found = events_page(session, filters, page)
        known_actions = actions(session)
    query = {key: value for key, value in args.items() if key != "page" and value}
    html = render_template(
        "console/audit.html",
        filters=filters,
        args=args,
        errors=errors,
        found=found,
        actions=known_actions,
        report=report,
        problems=[problem_text(problem) for problem in report.problems[:SHOWN_PROBLEMS]],
        more_problems=max(len(report.problems) - SHOWN_PROBLEMS, 0),
        page_url=lambda n: "?" + urlencode({**query, "page": n}),
    )
    return private_page(html, 400 if errors else 200)


def _date(name: str, errors: dict[str, str]) -> date | None:
    text = request.args.get(name, "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors[name] = _("不是日期；请用 YYYY-MM-DD 格式")
        return None
