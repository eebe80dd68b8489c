"""Hands accounts to the app: Flask-Login, the account pages, the ``ecert users`` commands."""

from __future__ import annotations

from flask import Flask
from flask_login import LoginManager

from accounts.cli import users_group
from accounts.runtime import build_runtime
from accounts.users import User, load_user
from accounts.views import bp
from ecert.i18n import _l
from ecert.kernel import kernel


def init_app(app: Flask) -> None:
    k = kernel(app)
    app.extensions["accounts"] = build_runtime(k)
    manager = LoginManager()
    manager.login_view = "accounts.login"
    manager.login_message = _l("请先登录")
    manager.session_protection = "strong"
    manager.init_app(app)

    @manager.user_loader
    def _load(user_id: str) -> User | None:
        return load_user(k.db, user_id)

    app.register_blueprint(bp)
    app.cli.add_command(users_group)
