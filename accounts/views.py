"""Register, confirm the code, log in, log out.

Answers never tell whether an ID number has an account: registration always goes on to
the code page; a wrong login says only that the ID number or password is wrong.
Login and code endpoints are rate-limited per client (``Settings.ratelimits.login``).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, redirect, render_template, request, session, url_for
from flask_login import login_required, login_user, logout_user
from werkzeug.wrappers import Response as BaseResponse

from accounts import services
from accounts.forms import CodeForm, LoginForm, RegisterForm
from accounts.runtime import code_secret, runtime
from accounts.users import load_user
from ecert.i18n import _
from ecert.kernel import kernel
from ecert.web import limiter, private_page

bp = Blueprint("accounts", __name__, url_prefix="/account", template_folder="templates")

_REFUSED = {
    services.CodeRefused.WRONG: lambda: _("验证码不正确，请核对短信中的 6 位数字"),
    services.CodeRefused.EXPIRED: lambda: _("验证码已失效，请重新注册获取新的验证码"),
    services.CodeRefused.TOO_MANY: lambda: _("验证码输错次数过多，已失效；请重新注册获取新的验证码"),
}


def _login_limit() -> str:
    return kernel().settings.ratelimits.login


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def register() -> BaseResponse:
    notifier = runtime().notifier
    if notifier is None:
        return private_page(render_template("accounts/closed.html"), 503)
    form = RegisterForm()
    if form.validate_on_submit():
        k = kernel()
        ticket = services.start_registration(
            k.db,
            notifier,
            code_secret(),
            services.Registration(form.name.data, form.id_number.data, form.mobile.data, form.password.data),
            now=k.clock(),
        )
        return redirect(url_for("accounts.confirm", ticket=ticket))
    return private_page(render_template("accounts/register.html", form=form), 400 if form.errors else 200)


@bp.route("/confirm/<ticket>", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def confirm(ticket: str) -> BaseResponse:
    if len(ticket) > 64:
        abort(404)
    form = CodeForm()
    if form.validate_on_submit():
        k = kernel()
        outcome = services.confirm_registration(k.db, code_secret(), ticket, form.code.data, now=k.clock())
        if isinstance(outcome, int):
            _log_in(outcome)
            return redirect(url_for("portal.home"))
        form.code.errors = [_REFUSED[outcome]()]
    return private_page(render_template("accounts/confirm.html", form=form, ticket=ticket), 400 if form.errors else 200)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login() -> BaseResponse:
    form = LoginForm()
    failed = False
    if form.validate_on_submit():
        k = kernel()
        account_id = services.authenticate(k.db, form.login.data, form.password.data, now=k.clock())
        if account_id is not None:
            _log_in(account_id)
            return redirect(_safe_next(request.args.get("next")) or url_for("portal.home"))
        failed = True
    status = 400 if form.errors or failed else 200
    return private_page(render_template("accounts/login.html", form=form, failed=failed), status)


@bp.post("/logout")
@login_required
def logout() -> BaseResponse:
    logout_user()
    session.clear()
    return redirect(url_for("accounts.login"))


def _log_in(account_id: int) -> None:
    user = load_user(kernel().db, str(account_id))
    if user is None:
        abort(403)
    # A new session for the logged-in person: nothing from before login carries over.
    session.clear()
    login_user(user)


def _safe_next(target: str | None) -> str | None:
    """Only a path on this site: never another host (an open redirect)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target
