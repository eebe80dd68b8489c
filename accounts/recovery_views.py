"""Recover a holder account by SMS, and change its mobile number.

Limited like the login: per client (``Settings.ratelimits.login``) and per account from any
address (``login_per_account``, keyed by an HMAC of the ID number, so that the limiter's
storage holds none). Every recovery start sends an SMS, so each one counts, account or not:
the limit cannot tell anyone whether the ID number has an account.
"""

from __future__ import annotations

import hashlib
import hmac

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response as BaseResponse

from accounts import recovery
from accounts.forms import CodeForm, MobileForm, RecoverForm, ResetForm
from accounts.runtime import code_secret, runtime
from accounts.services import CodeRefused
from accounts.views import login_limit, too_many_attempts
from ecert.i18n import _
from ecert.kernel import kernel
from ecert.vocab.idnumber import normalise_id_number
from ecert.web import limiter, private_page

bp = Blueprint("recovery", __name__, url_prefix="/account", template_folder="templates")
bp.register_error_handler(429, too_many_attempts)

_REFUSED = {
    CodeRefused.WRONG: lambda: _("验证码不正确，请核对短信中的 6 位数字"),
    CodeRefused.EXPIRED: lambda: _("验证码已失效，请重新获取验证码"),
    CodeRefused.TOO_MANY: lambda: _("验证码输错次数过多，已失效；请重新获取验证码"),
}


def _account_limit() -> str:
    return kernel().settings.ratelimits.login_per_account


def _recover_key() -> str:
    typed = normalise_id_number(request.form.get("id_number", "")[:32])
    return "recover:" + hmac.new(code_secret().encode(), typed.encode(), hashlib.sha256).hexdigest()[:32]


def _mobile_key() -> str:
    return f"mobile:{current_user.account_id}"


def _ticket_or_404(ticket: str) -> str:
    if len(ticket) > 64:
        abort(404)
    return ticket


@bp.route("/recover", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"])
@limiter.limit(_account_limit, key_func=_recover_key, methods=["POST"])
def recover() -> BaseResponse:
    notifier = runtime().notifier
    if notifier is None:
        return private_page(render_template("accounts/closed.html"), 503)
    form = RecoverForm()
    if form.validate_on_submit():
        k = kernel()
        ticket = recovery.start_recovery(k.db, notifier, code_secret(), form.id_number.data, now=k.clock())
        return redirect(url_for("recovery.reset", ticket=ticket))
    return private_page(render_template("accounts/recover.html", form=form), 400 if form.errors else 200)


@bp.route("/recover/<ticket>", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"])
def reset(ticket: str) -> BaseResponse:
    ticket = _ticket_or_404(ticket)
    notifier = runtime().notifier
    if notifier is None:
        return private_page(render_template("accounts/closed.html"), 503)
    form = ResetForm()
    if form.validate_on_submit():
        k = kernel()
        outcome = recovery.finish_recovery(
            k.db, notifier, code_secret(), ticket, form.code.data, form.password.data, now=k.clock()
        )
        if isinstance(outcome, int):
            return redirect(url_for("accounts.login", reset=1))
        form.code.errors = [_REFUSED[outcome]()]
    html = render_template("accounts/reset.html", form=form, ticket=ticket)
    return private_page(html, 400 if form.errors else 200)


@bp.route("/mobile", methods=["GET", "POST"])
@login_required
@limiter.limit(login_limit, methods=["POST"])
# Every try counts, a right one too: each sends an SMS to a number the holder typed.
@limiter.limit(_account_limit, key_func=_mobile_key, methods=["POST"])
def mobile() -> BaseResponse:
    if not current_user.is_holder:
        abort(404)
    notifier = runtime().notifier
    k = kernel()
    current = recovery.mobile_of(k.db, current_user.account_id)
    form = MobileForm()
    if notifier is not None and form.validate_on_submit():
        if form.mobile.data == current:
            form.mobile.errors = [_("这就是您账号现在的手机号码")]
        else:
            ticket = recovery.start_mobile_change(
                k.db, notifier, code_secret(), current_user.account_id, form.password.data, form.mobile.data,
                now=k.clock(),
            )  # fmt: skip
            if ticket is not None:
                return redirect(url_for("recovery.mobile_confirm", ticket=ticket))
            form.password.errors = [_("密码不正确")]
    html = render_template(
        "accounts/mobile.html",
        form=form,
        current=recovery.masked_mobile(current),
        closed=notifier is None,
        changed=request.args.get("changed") == "1",
    )
    return private_page(html, 400 if form.errors else 200)


@bp.route("/mobile/<ticket>", methods=["GET", "POST"])
@login_required
@limiter.limit(login_limit, methods=["POST"])
def mobile_confirm(ticket: str) -> BaseResponse:
    ticket = _ticket_or_404(ticket)
    if not current_user.is_holder:
        abort(404)
    notifier = runtime().notifier
    if notifier is None:
        abort(404)
    form = CodeForm()
    if form.validate_on_submit():
        k = kernel()
        refused = recovery.finish_mobile_change(
            k.db, notifier, code_secret(), current_user.account_id, ticket, form.code.data, now=k.clock()
        )
        if refused is None:
            return redirect(url_for("recovery.mobile", changed=1))
        form.code.errors = [_REFUSED[refused]()]
    html = render_template("accounts/mobile_confirm.html", form=form, ticket=ticket)
    return private_page(html, 400 if form.errors else 200)
