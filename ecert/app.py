"""Application factory: the composition root that sees every feature package."""

from __future__ import annotations

from flask import Flask, render_template

from ecert.api_keys.commands import api_keys_group
from ecert.audit import AuditTrail
from ecert.db import connect
from ecert.health import init_health
from ecert.i18n import init_i18n
from ecert.kernel import Kernel
from ecert.settings import Settings
from ecert.storage import FileBlobStore
from ecert.web import init_web


def create_app(settings: Settings | None = None) -> Flask:
    """Build the app from ``settings`` (read from the environment when not given)."""
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
    app.json.ensure_ascii = False  # type: ignore[attr-defined]  # Chinese in JSON as itself, not \uXXXX
    app.extensions["ecert"] = Kernel(
        settings=settings,
        db=connect(settings.database_url, audit=AuditTrail.from_settings(settings)),
        store=FileBlobStore(settings.blob_dir),
    )

    init_i18n(app)
    init_web(app, settings)
    init_health(app)  # /healthz, /readyz; features add their readiness probes in init_app
    app.cli.add_command(api_keys_group)  # the kernel's keys: the API checks them, the console shows them

    # Features are imported here, never at module level, so the kernel stays independent.
    import accounts.extension
    import console.extension
    import issuer.extension
    import legacy_import.extension
    import portal.extension
    import verifier.extension

    for feature in (
        issuer.extension,
        verifier.extension,
        legacy_import.extension,
        accounts.extension,
        portal.extension,
        console.extension,
    ):
        feature.init_app(app)

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
