"""The session cookie (it carries the forms' CSRF token) is HttpOnly, SameSite=Lax, and
Secure when the site is served over https."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from ecert.app import create_app
from ecert.settings import RateLimits, Settings


def _app(tmp_path: Path, public_url: str) -> Flask:
    settings = Settings(
        home=tmp_path / "home",
        database_url=f"sqlite:///{tmp_path / 'ecert.sqlite3'}",
        public_url=public_url,
        ratelimits=RateLimits(enabled=False),
    )
    app = create_app(settings)
    app.testing = True
    return app


def _session_cookie(app: Flask, base_url: str) -> str:
    response = app.test_client().get("/lookup", base_url=base_url)  # the form puts its CSRF token in the session
    assert response.status_code == 200
    cookies = [value for value in response.headers.getlist("Set-Cookie") if value.startswith("session=")]
    assert len(cookies) == 1, response.headers.getlist("Set-Cookie")
    return cookies[0]


@pytest.mark.parametrize("public_url", ["https://ecert.example.cn", "HTTPS://ecert.example.cn/"])
def test_https_site_sends_a_secure_lax_httponly_session_cookie(tmp_path: Path, public_url: str) -> None:
    app = _app(tmp_path, public_url)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    attributes = [part.strip().lower() for part in _session_cookie(app, "https://ecert.example.cn").split(";")]
    assert {"secure", "httponly", "samesite=lax"} <= set(attributes)


def test_plain_http_development_site_keeps_the_cookie_usable_without_tls(tmp_path: Path) -> None:
    app = _app(tmp_path, "http://127.0.0.1:8000")
    assert app.config["SESSION_COOKIE_SECURE"] is False
    attributes = [part.strip().lower() for part in _session_cookie(app, "http://127.0.0.1:8000").split(";")]
    assert {"httponly", "samesite=lax"} <= set(attributes)
    assert "secure" not in attributes
