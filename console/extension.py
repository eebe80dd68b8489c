"""Hands the staff console to the app."""

from __future__ import annotations

from flask import Flask

from console.corrections import bp as corrections_bp
from console.views import bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.register_blueprint(corrections_bp)
