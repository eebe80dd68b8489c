"""Hands legacy conversion to the app: ``ecert legacy …`` and the console's roster page."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from legacy_import.cli import legacy_group
    from legacy_import.roster_views import bp as rosters_bp

    app.extensions["legacy_import"] = None
    app.cli.add_command(legacy_group)
    app.register_blueprint(rosters_bp)
