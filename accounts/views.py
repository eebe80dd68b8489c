"""Register, confirm the code, log in, log out.

Answers never tell whether an ID number has an account: registration always goes on to
the code page; a wrong login says only that the ID number or password is wrong.
Login and code endpoints are rate-limited per client (``Settings.ratelimits.login``).
"""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import urlsplit

from flask import Blueprint, abort, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response as BaseResponse

from accounts import services, sessions, staff
from accounts.forms import CodeForm, LoginForm, RegisterForm
from accounts.runtime import code_secret, runtime
from accounts.totp import new_secret, provisioning_uri
from accounts.users import user_of
from ecert.i18n import _
from ecert.kernel import kernel
from ecert.web import limiter, private_page

bp = Blueprint("accounts", __name__, url_prefix="/account", template_folder="templates")

_MFA = "accounts.mfa"  # the staff account whose password was right, waiting for its code
_ENROL = "accounts.totp_enrol"  # a new authenticator secret shown at the first staff login
_MFA_SECONDS = 300
SEEN = "accounts.seen"  # when the session was last used (staff time out after 30 idle minutes)

_REFUSED = {
    services.CodeRefused.WRONG: lambda: _("验证码不正确，请核对短信中的 6 位数字"),
    services.CodeRefused.EXPIRED: lambda: _("验证码已失效，请重新注册获取新的验证码"),
    services.CodeRefused.TOO_MANY: lambda: _("验证码输错次数过多，已失效；请重新注册获取新的验证码"),
}


def login_limit() -> str:
    """Posts of the account and code forms per client (also the portal's activation form)."""
    return kernel().settings.ratelimits.login


def _account_limit() -> str:
    return kernel().settings.ratelimits.login_per_account


def _login_account_key() -> str:
    """The account a login names, as a key: an HMAC, so the limiter's storage holds no ID numbers."""
    form = LoginForm(meta={"csrf": False})
    form.validate_login(form.login)
    return (
        "login:" + hmac.new(code_secret().encode(), (form.login.data or "").encode(), hashlib.sha256).hexdigest()[:32]
    )


def _totp_account_key() -> str:
    pending = session.get(_MFA)
    account = pending.get("account") if isinstance(pending, dict) else None
    return f"totp:{account}"


def _failed(response: BaseResponse) -> bool:
    return response.status_code == 400


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"])
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
@limiter.limit(login_limit, methods=["POST"])
def confirm(ticket: str) -> BaseResponse:
    if len(ticket) > 64:
        abort(404)
    form = CodeForm()
    if form.validate_on_submit():
        k = kernel()
        outcome = services.confirm_registration(k.db, code_secret(), ticket, form.code.data, now=k.clock())
        if isinstance(outcome, int):
            _log_in(outcome, "registration code")
            return redirect(url_for("portal.home"))
        form.code.errors = [_REFUSED[outcome]()]
    return private_page(render_template("accounts/confirm.html", form=form, ticket=ticket), 400 if form.errors else 200)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"])
@limiter.limit(_account_limit, key_func=_login_account_key, methods=["POST"], deduct_when=_failed)
def login() -> BaseResponse:
    form = LoginForm()
    failed = False
    if form.validate_on_submit():
        k = kernel()
        found = services.check_password(k.db, form.login.data, form.password.data)
        if found is not None and found[1] == services.HOLDER:
            _log_in(found[0], "password")
            return redirect(_safe_next(request.args.get("next")) or url_for("portal.home"))
        if found is not None:  # staff: the second factor before any session
            session.clear()
            session[_MFA] = {"account": found[0], "at": k.clock().timestamp()}
            return redirect(url_for("accounts.totp"))
        failed = True
    expired = request.args.get("expired") == "1"
    status = 400 if form.errors or failed else 200
    return private_page(render_template("accounts/login.html", form=form, failed=failed, expired=expired), status)


@bp.route("/totp", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"])
@limiter.limit(_account_limit, key_func=_totp_account_key, methods=["POST"], deduct_when=_failed)
def totp() -> BaseResponse:
    """The staff login's second step: a TOTP code, or the authenticator's enrolment first."""
    k = kernel()
    pending = session.get(_MFA)
    if not isinstance(pending, dict) or k.clock().timestamp() - float(pending.get("at", 0)) > _MFA_SECONDS:
        session.pop(_MFA, None)
        return redirect(url_for("accounts.login"))
    account_id = int(pending["account"])
    enrolled = staff.is_enrolled(k.db, account_id)
    if not enrolled and _ENROL not in session:
        session[_ENROL] = new_secret()
    form = CodeForm()
    if form.validate_on_submit():
        secret = None if enrolled else session.get(_ENROL)
        if staff.check_totp(k.db, account_id, form.code.data, now=k.clock(), enrol_secret=secret):
            _log_in(account_id, "password+totp")
            return redirect(url_for("console.home"))
        form.code.errors = [_("动态验证码不正确或已用过，请输入验证器中当前显示的 6 位数字")]
    enrolment = None
    if not enrolled:
        secret = str(session[_ENROL])
        enrolment = {
            "secret": secret,
            "uri": provisioning_uri(secret, staff.username_of(k.db, account_id), k.settings.office_name),
        }
    html = render_template("accounts/totp.html", form=form, enrolment=enrolment)
    return private_page(html, 400 if form.errors else 200)


@bp.post("/logout")
@login_required
def logout() -> BaseResponse:
    # Ended in the database first: a copy of this cookie is refused by every worker from now on.
    k = kernel()
    sessions.end_session(k.db, current_user.account_id, current_user.login_token, reason=sessions.LOGOUT, now=k.clock())
    logout_user()
    session.clear()
    return redirect(url_for("accounts.login"))


def _log_in(account_id: int, method: str) -> None:
    """Open the login session (audited, ``accounts.sessions``) and put it in a new cookie."""
    k = kernel()
    token = services.record_login(k.db, account_id, now=k.clock(), method=method)
    user = None if token is None else user_of(k.db, account_id, code_secret(), token)
    if user is None:
        abort(403)
    # A new session for the logged-in person: nothing from before login carries over.
    session.clear()
    login_user(user)
    session[SEEN] = kernel().clock().timestamp()


def _safe_next(target: str | None) -> str | None:
    """Only a path on this site: never another host (an open redirect)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.errorhandler(429)
def too_many_attempts(error: Exception) -> BaseResponse:
    html = render_template("error.html", code=429, message=_("尝试次数过多，为保护账号已暂停；请 15 分钟后再试。"))
    response = private_page(html, 429)
    retry_after = getattr(error, "retry_after", None)
    if retry_after:
        response.headers["Retry-After"] = str(retry_after)
    return response
