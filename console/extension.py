"""Hands the staff console to the app."""

from __future__ import annotations

from flask import Flask

from console.corrections import bp as corrections_bp
from console.views import bp


def init_app(app: Flask) -> None:
    import console.api_keys  # noqa: F401  (its view joins ``bp`` before it is registered)

    app.register_blueprint(bp)
    app.register_blueprint(corrections_bp)
