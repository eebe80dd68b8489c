"""Hands the staff console to the app."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    # The page modules add their routes to the one blueprint as they are imported.
    import console.act_pages  # noqa: F401  (its routes join the blueprint before it is registered)
    from console import api_keys, audit_views, correct_views, dashboard_views  # noqa: F401
    from console.corrections import bp as corrections_bp
    from console.issue_views import bp as issue_bp
    from console.views import bp

    app.register_blueprint(bp)
    app.register_blueprint(corrections_bp)
    app.register_blueprint(issue_bp)
