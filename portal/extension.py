"""Hands 我的证书 to the app."""

from __future__ import annotations

from flask import Flask

from portal.correction_views import bp as corrections_bp
from portal.views import bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.register_blueprint(corrections_bp)
