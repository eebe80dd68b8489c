"""我的证书 pages: the list (with each certificate's use copies), the activation form, the PDF download."""

from __future__ import annotations

from itertools import groupby
from urllib.parse import quote

from flask import Blueprint, Response, abort, redirect, render_template, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response as BaseResponse

from accounts import services
from accounts.forms import CodeForm
from accounts.runtime import code_secret
from accounts.views import login_limit
from ecert.i18n import _
from ecert.kernel import kernel
from ecert.models import CertificateStatus
from ecert.status_words import status_word
from ecert.vocab import use_copies as use_copy_rules
from ecert.web import limiter, private_page
from portal.certificates import HeldCertificate, held_by, one_held_by
from portal.use_copies import copies_of, made_recently
from portal.use_copy_forms import UseCopyForm
from verifier.words.verdict import status_word as public_status_word

bp = Blueprint("portal", __name__, url_prefix="/my", template_folder="templates")


def _holder() -> None:
    # Staff have the console, not 我的证书: the page does not exist for them.
    if not current_user.is_holder:
        abort(404)


def holder_id_or_404() -> int:
    """The logged-in holder's registry id; 404 for staff and for a holder not yet bound."""
    _holder()
    if current_user.holder_id is None:
        abort(404)
    holder_id: int = current_user.holder_id
    return holder_id


@bp.get("/")
@login_required
def home() -> Response:
    _holder()
    if current_user.holder_id is None:
        return private_page(render_template("portal/activate.html", form=CodeForm()))
    return render_home({})


def render_home(forms: dict[int, UseCopyForm], status: int = 200) -> Response:
    """我的证书, with ``forms`` (a submitted use-copy form with its errors, by certificate id)
    in place of the empty ones."""
    k = kernel()
    now = k.clock()
    with k.db.read() as session:
        held = held_by(session, current_user.holder_id)
        copies = copies_of(session, current_user.holder_id, now)
    settings = k.settings
    groups = [list(versions) for _number, versions in groupby(held, key=lambda c: c.number)]
    for versions in groups:
        current = versions[0]
        if current.status is CertificateStatus.VALID and current.id not in forms:
            form = UseCopyForm(formdata=None, prefix=f"c{current.id}")
            form.valid_until.data = use_copy_rules.default_end(now).isoformat()
            forms[current.id] = form
    return private_page(
        render_template(
            "portal/home.html",
            groups=groups,
            status_word=lambda c: status_word(c.status),
            verify_url=lambda c: settings.verify_url(c.token),
            forms=forms,
            copies=copies,
            copy_word=lambda copy: public_status_word(copy.status),
            made_recently=lambda cs: made_recently(cs, now),
            limit=use_copy_rules.LIMIT,
            latest_end=use_copy_rules.latest_end(now),
        ),
        status,
    )


@bp.post("/activate")
@login_required
@limiter.limit(login_limit)
def activate() -> BaseResponse:
    _holder()
    if current_user.holder_id is not None:  # bound already (a second tab, a resubmitted form)
        return redirect(url_for("portal.home"))
    form = CodeForm()
    if form.validate_on_submit():
        k = kernel()
        if services.activate(k.db, code_secret(), current_user.account_id, form.code.data, now=k.clock()):
            return redirect(url_for("portal.home"))
        form.code.errors = [_("激活码不正确或已失效；请核对发证机关交给您的 8 位激活码")]
    return private_page(render_template("portal/activate.html", form=form), 400)


@bp.get("/certificates/<int:certificate_id>.pdf")
@login_required
def download(certificate_id: int) -> Response:
    _holder()
    if current_user.holder_id is None:
        abort(404)
    k = kernel()
    with k.db.read() as session:
        held = one_held_by(session, current_user.holder_id, certificate_id)
    if held is None or held.pdf_sha256 is None:
        abort(404)
    data = k.store.get(held.pdf_sha256)
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = _attachment(held)
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _attachment(held: HeldCertificate) -> str:
    name = f"{held.number}-v{held.version}.pdf"
    ascii_name = name.encode("ascii", "replace").decode("ascii").replace("?", "_")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
