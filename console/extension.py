"""Hands the staff console to the app."""

from __future__ import annotations

from flask import Flask

from console.views import bp


def init_app(app: Flask) -> None:
    import console.act_pages  # noqa: F401  (its routes join the blueprint before it is registered)

    app.register_blueprint(bp)
