"""Hands 我的证书 to the app."""

from __future__ import annotations

from flask import Flask

from portal.views import bp


def init_app(app: Flask) -> None:
    import portal.use_copy_views  # noqa: F401 - its routes join the blueprint before it is registered

    app.register_blueprint(bp)
