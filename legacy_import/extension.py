"""Hands legacy conversion to the app; it has nothing to register yet (its issue comes later)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    app.extensions["legacy_import"] = None
