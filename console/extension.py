"""Hands the staff console to the app."""

from __future__ import annotations

from flask import Flask

from console.issue_views import bp as issue_bp
from console.views import bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.register_blueprint(issue_bp)
