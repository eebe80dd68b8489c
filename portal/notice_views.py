"""我的证书's notices: ``/my/notifications`` and marking one read (a POST with its CSRF token)."""

from __future__ import annotations

from flask import Response, abort, redirect, render_template, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response as BaseResponse

from ecert.kernel import kernel
from ecert.notice_words import notice_sentence, notice_title
from ecert.web import private_page
from portal.notices import mark_read, notices_of
from portal.views import bp, holder_id_or_404


class ReadForm(FlaskForm):
    """No fields: the CSRF token is the form."""


@bp.get("/notifications")
@login_required
def notifications() -> Response:
    holder_id = holder_id_or_404()
    with kernel().db.read() as session:
        notices = notices_of(session, holder_id)
    html = render_template(
        "portal/notifications.html",
        notices=notices,
        form=ReadForm(formdata=None),
        title=lambda n: notice_title(n.kind),
        sentence=lambda n: notice_sentence(n.kind, n.number, n.params),
    )
    return private_page(html)


@bp.post("/notifications/<int:notice_id>/read")
@login_required
def read_notification(notice_id: int) -> BaseResponse:
    holder_id = holder_id_or_404()
    form = ReadForm()
    if not form.validate_on_submit():
        abort(400)
    k = kernel()
    if not mark_read(k.db, holder_id, notice_id, actor=f"account:{current_user.account_id}", at=k.clock()):
        abort(404)
    return redirect(url_for("portal.notifications"))
