"""The dashboard page: counts per month and the review queue (``console.dashboard``)."""

from __future__ import annotations

from flask import Response, render_template

from console.dashboard import dashboard
from console.dashboard_sources import open_reviews, verified
from console.views import bp, staff_may
from ecert.i18n import _l
from ecert.kernel import kernel
from ecert.web import private_page

HEADINGS = {
    "issued": _l("签发数"),
    "corrected": _l("更正数"),
    "revoked": _l("撤销数"),
    "verified": _l("查验数"),
}


@bp.get("/dashboard")
@staff_may("search")
def dashboard_page() -> Response:
    k = kernel()
    with k.db.read() as session:
        board = dashboard(session, k.clock(), sources={"verified": verified}, reviews=open_reviews)
    html = render_template("console/dashboard.html", board=board, headings=HEADINGS)
    return private_page(html)
