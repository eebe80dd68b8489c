"""Hands legacy conversion to the app: the holder's paper-certificate applications in 我的证书."""

from __future__ import annotations

from flask import Flask

from legacy_import.application_views import bp as applications_bp


def init_app(app: Flask) -> None:
    app.extensions["legacy_import"] = None
    app.register_blueprint(applications_bp)
