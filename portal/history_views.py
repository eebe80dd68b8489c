"""我的证书's 核验记录: when and how one certificate version was checked (``ecert.verifications``),
with links to the same page of the certificate's other versions."""

from __future__ import annotations

from flask import Response, abort, render_template
from flask_login import login_required

from ecert.clock import OFFICE_TZ
from ecert.kernel import kernel
from ecert.verifications import DETAILED_PER_DAY, history_of
from ecert.web import private_page
from portal.certificates import held_by, one_held_by
from portal.history_words import CHANNEL_WORDS
from portal.views import bp, holder_id_or_404


@bp.get("/certificates/<int:certificate_id>/history")
@login_required
def history(certificate_id: int) -> Response:
    holder_id = holder_id_or_404()
    with kernel().db.read() as session:
        held = one_held_by(session, holder_id, certificate_id)
        if held is None:
            abort(404)
        days = history_of(session, held.token)
        # The certificate's other versions, each with its own history (its own token).
        versions = [c for c in held_by(session, holder_id) if c.number == held.number]
    html = render_template(
        "portal/history.html",
        held=held,
        days=days,
        versions=versions,
        channel_word=lambda channel: str(CHANNEL_WORDS.get(channel, channel)),
        format_time=lambda at: f"{at.astimezone(OFFICE_TZ):%H:%M}",
        detailed_per_day=DETAILED_PER_DAY,
    )
    return private_page(html)
