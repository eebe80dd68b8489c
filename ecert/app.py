"""Application factory: the composition root that sees every feature package.

Module level imports only Flask; :func:`app_commands` imports the features' ``extension``
modules, which are light: ``ecert --help`` lists the commands from them without building
the app (each feature's heavy imports sit inside its ``init_app``)."""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from types import ModuleType
from typing import TYPE_CHECKING

from flask import Flask, render_template
from flask.cli import AppGroup

from ecert.command import LazyCommands, LazyGroup, add_commands

if TYPE_CHECKING:
    from ecert.settings import Settings

# In the order their init_app runs.
FEATURES = ("issuer", "verifier", "legacy_import", "accounts", "portal", "console")

# The kernel's commands that live on the app (the API checks the keys, the console shows them).
APP_COMMANDS: LazyCommands = {
    "api-keys": (
        "ecert.api_keys.commands:api_keys_group",
        "API keys of organisations (employers, HR systems) for the JSON API.",
    ),
}


class AppCommands(LazyGroup, AppGroup):
    """``app.cli``: Flask's group (``@app.cli.command`` runs in the app context), with the
    features' commands named in their ``COMMANDS`` and imported only when used."""


def feature(name: str) -> ModuleType:
    """The feature's ``extension`` module: its ``init_app`` and its ``COMMANDS``."""
    return importlib.import_module(f"{name}.extension")


def app_commands() -> dict[str, tuple[str, str]]:
    """Every command the full app's ``app.cli`` has, by name (none of them imported)."""
    table = dict(APP_COMMANDS)
    for name in FEATURES:
        table.update(getattr(feature(name), "COMMANDS", {}))
    return table


def create_app(settings: Settings | None = None, *, features: Sequence[str] = FEATURES, web: bool = True) -> Flask:
    """Build the app from ``settings`` (read from the environment when not given).

    ``features``: the feature packages to hand the app to (all by default). ``web=False``:
    an app for commands only: no pages, no web middleware, and each feature handed over by
    its ``init_commands`` (a feature without one cannot be in such an app). A command that
    needs little (``ecert verify``: the verifier's runtime) gets such an app, which starts
    in a fraction of the time (see ``ecert.cli.LEAN_APPS``)."""
    from ecert.audit import AuditTrail
    from ecert.db import connect
    from ecert.i18n import init_i18n
    from ecert.kernel import Kernel
    from ecert.settings import Settings
    from ecert.storage import FileBlobStore

    unknown = set(features) - set(FEATURES)
    if unknown:
        raise ValueError(f"no such feature: {', '.join(sorted(unknown))}")
    if not web and any(not hasattr(feature(name), "init_commands") for name in features):
        raise ValueError("a commands-only app needs features that have init_commands")
    settings = settings or Settings.from_env()
    settings.home.mkdir(parents=True, exist_ok=True)
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=settings.secret_key or _development_secret(settings),
        MAX_CONTENT_LENGTH=settings.max_request_bytes,
        # The session holds the CSRF token of the forms: never readable by a script, never
        # sent on another site's cross-site POST, and only over TLS where the site is served so.
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.public_url.lower().startswith("https://"),
    )
    # Commands are imported when they run, not when the app is built (ecert.command.LazyGroup).
    app.cli = AppCommands(app.name)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]  # Chinese in JSON as itself, not \uXXXX
    app.extensions["ecert"] = Kernel(
        settings=settings,
        db=connect(settings.database_url, audit=AuditTrail.from_settings(settings)),
        store=FileBlobStore(settings.blob_dir),
    )

    init_i18n(app)
    add_commands(app, APP_COMMANDS)  # the kernel's keys: the API checks them, the console shows them
    if not web:
        for name in FEATURES:
            if name in features:
                feature(name).init_commands(app)
        return app

    from ecert.health import init_health
    from ecert.web import init_web

    init_web(app, settings)
    init_health(app)  # /healthz, /readyz; features add their readiness probes in init_app

    # Features are imported by name, never at module level of the kernel, so it stays independent.
    for name in FEATURES:
        if name in features:
            feature(name).init_app(app)

    @app.get("/")
    def home() -> str:
        return render_template("home.html")

    return app


def _development_secret(settings: Settings) -> str:
    """A random per-instance key for development; production refuses to start without one."""
    path = settings.home / "development-secret-key"
    if not path.exists():
        import secrets

        from ecert.files import file_lock, write_atomic

        # Several workers may start on a fresh home at once: one writes the key, whole, and
        # every worker reads that one (else a session signed by one is refused by another).
        with file_lock(settings.home / ".development-secret-key.lock"):
            if not path.exists():
                write_atomic(path, secrets.token_hex(32).encode(), mode=0o600)
    return path.read_text().strip()
