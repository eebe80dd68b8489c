"""Application factory: the composition root that sees every feature package."""

from __future__ import annotations

from flask import Flask, render_template

from ecert.db import connect
from ecert.kernel import Kernel
from ecert.settings import Settings
from ecert.storage import FileBlobStore


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or Settings.from_env()
    settings.home.mkdir(parents=True, exist_ok=True)
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=settings.secret_key or "development-only-not-secret",
        JSON_AS_ASCII=False,
        MAX_CONTENT_LENGTH=16 * 1024 * 1024,
    )
    app.extensions["ecert"] = Kernel(
        settings=settings,
        db=connect(settings.database_url),
        store=FileBlobStore(settings.blob_dir),
    )

    # Features are imported here, never at module level, so the kernel stays independent.
    import issuer.runtime

    issuer.runtime.init_app(app)

    @app.get("/")
    def home() -> str:
        return render_template("home.html", settings=settings)

    @app.errorhandler(404)
    def not_found(_error: Exception) -> tuple[str, int]:
        return render_template("error.html", code=404, message="页面不存在 (page not found)"), 404

    @app.errorhandler(500)
    def server_error(_error: Exception) -> tuple[str, int]:
        return render_template("error.html", code=500, message="服务暂时不可用 (internal error)"), 500

    return app
