"""Hands accounts to the app: Flask-Login, the account pages, the ``ecert users`` commands."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Flask

from ecert.command import LazyCommands, add_commands

if TYPE_CHECKING:
    from werkzeug.wrappers import Response as BaseResponse

    from accounts.users import User

STAFF_IDLE_SECONDS = 30 * 60

COMMANDS: LazyCommands = {"users": ("accounts.cli:users_group", "Accounts of holders and staff.")}


def init_app(app: Flask) -> None:
    from flask import redirect, session, url_for
    from flask_login import LoginManager, current_user, logout_user

    from accounts.recovery_views import bp as recovery_bp
    from accounts.runtime import build_runtime, code_secret
    from accounts.sessions import IDLE, end_session
    from accounts.users import load_user
    from accounts.views import SEEN, bp
    from ecert.i18n import _l
    from ecert.kernel import kernel

    k = kernel(app)
    app.extensions["accounts"] = build_runtime(k)
    manager = LoginManager()
    manager.login_view = "accounts.login"
    manager.login_message = _l("请先登录")
    manager.session_protection = "strong"
    manager.init_app(app)

    @manager.user_loader
    def _load(user_id: str) -> User | None:
        return load_user(k.db, user_id, code_secret(app))

    @app.before_request
    def _staff_idle_timeout() -> BaseResponse | None:
        # Staff sessions end after 30 idle minutes; holders keep the browser's session.
        if not current_user.is_authenticated or current_user.is_holder:
            return None
        now = kernel().clock().timestamp()
        seen = session.get(SEEN)
        if not isinstance(seen, (int, float)) or now - seen > STAFF_IDLE_SECONDS:
            end_session(k.db, current_user.account_id, current_user.login_token, reason=IDLE, now=kernel().clock())
            logout_user()
            session.clear()
            return redirect(url_for("accounts.login", expired=1))
        session[SEEN] = now
        return None

    app.register_blueprint(bp)
    app.register_blueprint(recovery_bp)
    add_commands(app, COMMANDS)
