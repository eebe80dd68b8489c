"""Web plumbing shared by every feature: CSRF, rate limits, security headers, error pages.

Features decorate views with ``limiter.limit(...)``; the limits' storage is in memory
by default and ``ECERT_RATELIMIT_STORAGE_URI`` (e.g. ``redis://...``) in production, so
that limits hold across processes and machines. Limits are per client address; behind
reverse proxies ``ECERT_TRUSTED_PROXIES`` says how many ``X-Forwarded-For`` hops to trust.
A request that presented a valid API key (``ecert.api_keys``) is counted per key instead.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, render_template, request
from flask.logging import default_handler
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter, Map

from ecert import access_log
from ecert.i18n import _
from ecert.settings import Settings

csrf = CSRFProtect()


# Where the API's views put the checked key of a request (``ecert.api_keys.service.Caller``).
API_CALLER = "ecert.api_caller"


def client_key() -> str:
    """Who the client is, for every per-client limit: the API key when the request presented
    a valid one (many offices may share one carrier's address), else the peer address
    (``ProxyFix`` has put the trusted ``X-Forwarded-For`` hop there when there are proxies
    in front)."""
    caller = request.environ.get(API_CALLER)
    if caller is not None:
        return f"api-key:{caller.key_id}"
    return get_remote_address()


limiter = Limiter(key_func=client_key, default_limits=[], headers_enabled=True)

# Kept small and strict: no scripts anywhere on public pages; inline styles only.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)


def private_page(html: str, status: int = 200) -> Response:
    """An HTML answer no cache keeps: forms, results, a person's own pages."""
    response = Response(html, status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response


class DatabaseInt(IntegerConverter):
    """``<int:…>`` bounded by the 32-bit INTEGER every id column is on PostgreSQL."""

    def __init__(
        self, map: Map, fixed_digits: int = 0, min: int | None = None, max: int | None = 2**31 - 1, signed: bool = False
    ) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def _log_limiter_warnings() -> None:
    """Flask-Limiter's own logger has only a NullHandler: "storage unreachable", "recovered"
    would reach no log. Its warnings go where the app's do (gunicorn's error log)."""
    logger = logging.getLogger("flask-limiter")
    if default_handler not in logger.handlers:
        logger.addHandler(default_handler)


def init_web(app: Flask, settings: Settings) -> None:
    # Flask-Limiter reads its own keys from app.config; ours come from Settings only.
    app.config["RATELIMIT_STORAGE_URI"] = settings.ratelimit_storage_uri
    app.config["RATELIMIT_ENABLED"] = settings.ratelimits.enabled
    if not settings.ratelimit_storage_uri.startswith("memory://"):
        # Shared storage (Redis): counters under our own prefix, so that the Redis may serve
        # others too. While it is unreachable each process counts in its own memory (the
        # same limits, per worker) rather than answering 500 or not limiting at all, and
        # goes back to the shared counters once it answers again. A request of another
        # thread that was already talking to Redis when it went is let through, logged,
        # rather than answered 500 (Flask-Limiter switches once, for the first thread).
        # A timeout of a second keeps a hung Redis from holding every request.
        app.config["RATELIMIT_KEY_PREFIX"] = "ecert"
        app.config["RATELIMIT_IN_MEMORY_FALLBACK_ENABLED"] = True
        app.config["RATELIMIT_SWALLOW_ERRORS"] = True
        _log_limiter_warnings()
        if settings.ratelimit_storage_uri.startswith(("redis://", "rediss://", "redis+unix://")):
            app.config["RATELIMIT_STORAGE_OPTIONS"] = {"socket_timeout": 1, "socket_connect_timeout": 1}
    if settings.trusted_proxies:
        # Behind N proxies the client is the Nth address from the right of X-Forwarded-For.
        n = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]
    csrf.init_app(app)
    access_log.install()
    # Before any feature adds its routes: an id beyond what the database stores is no such
    # object (404), not an overflow error in the driver (500).
    app.url_map.converters["int"] = DatabaseInt

    # Registered before the limiter's own hook so that it runs after it (Flask runs
    # after-request hooks in reverse): Flask-Limiter puts Retry-After on every limited
    # response, which tells a client that got its answer to come back later.
    @app.after_request
    def retry_after_only_when_refused(response: Response) -> Response:
        if response.status_code not in (429, 503):
            response.headers.pop("Retry-After", None)
        return response

    limiter.init_app(app)

    @app.after_request
    def security_headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response

    @app.context_processor
    def office() -> dict[str, Any]:
        # Every page's header names the office the site belongs to; its footer says how to reach it.
        return {
            "office_name": settings.office_name,
            "office_phone": settings.office_phone,
            "office_address": settings.office_address,
        }

    @app.errorhandler(404)
    def not_found(_error: Exception) -> tuple[str, int]:
        return render_template("error.html", code=404, message=_("页面不存在")), 404

    @app.errorhandler(413)
    def too_large(_error: Exception) -> tuple[str, int]:
        return render_template("error.html", code=413, message=_("文件太大")), 413

    @app.errorhandler(429)
    def too_many(_error: Exception) -> tuple[str, int]:
        return render_template("error.html", code=429, message=_("查询过于频繁，请稍候一分钟再试。")), 429

    @app.errorhandler(500)
    def server_error(_error: Exception) -> tuple[str, int]:
        return render_template("error.html", code=500, message=_("服务暂时不可用")), 500
