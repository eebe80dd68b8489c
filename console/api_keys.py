"""The API keys' page: every key with its requests per day, for approvers and admins.

Keys are made and revoked with ``ecert api-keys`` (an operator's act, audited); the page
only reads, so it needs no form. Usage is the per-key, per-day counters the API keeps
(``ecert.api_keys.service.count_use``), the last ``DAYS`` days of the office's calendar.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Response, render_template

from console.views import bp, staff_may
from ecert.api_keys.service import usage_since
from ecert.clock import office_date
from ecert.kernel import kernel
from ecert.web import private_page

DAYS = 14


@bp.get("/api-keys")
@staff_may("manage_api_keys")
def api_keys() -> Response:
    k = kernel()
    today = office_date(k.clock())
    usage = usage_since(k.db, today - timedelta(days=DAYS - 1))
    html = render_template(
        "console/api_keys.html", usage=usage, today=today, days=DAYS, default_limit=k.settings.ratelimits.api_key
    )
    return private_page(html)
