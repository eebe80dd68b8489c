"""Hands legacy conversion to the app: the staff review pages (``/console/conversions``)
and the ``ecert legacy`` commands."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from legacy_import.cli import legacy_group
    from legacy_import.review_views import bp as review_bp

    app.extensions["legacy_import"] = None
    app.register_blueprint(review_bp)
    app.cli.add_command(legacy_group)
