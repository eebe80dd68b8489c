"""ECERT_RATELIMIT_ENABLED: rate limits off for a benchmark, never in production."""

from __future__ import annotations

from pathlib import Path

import pytest

from ecert import ConfigurationError
from ecert.settings import Settings


def verifier_only_production(home: Path) -> dict[str, str]:
    """A production environment that passes every other check (a verifier-only deployment)."""
    return {
        "ECERT_HOME": str(home),
        "ECERT_ENV": "production",
        "ECERT_SECRET_KEY": "x" * 40,
        "ECERT_SIGNER": "none",
        "ECERT_TRUST_ROOTS": str(home / "roots.pem"),
        "ECERT_QR_KEYSET_FILE": str(home / "qr-keys.json"),
        "ECERT_RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379",
        "ECERT_NOTIFIER": "none",
    }


def test_limits_are_on_unless_turned_off(tmp_path: Path) -> None:
    assert Settings.from_env({"ECERT_HOME": str(tmp_path)}).ratelimits.enabled
    assert Settings.from_env({"ECERT_HOME": str(tmp_path), "ECERT_RATELIMIT_ENABLED": "1"}).ratelimits.enabled
    for off in ("0", "false", "off", "no"):
        settings = Settings.from_env({"ECERT_HOME": str(tmp_path), "ECERT_RATELIMIT_ENABLED": off})
        assert not settings.ratelimits.enabled


def test_a_value_that_is_not_a_flag_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="ECERT_RATELIMIT_ENABLED must be 1 or 0"):
        Settings.from_env({"ECERT_HOME": str(tmp_path), "ECERT_RATELIMIT_ENABLED": "maybe"})


def test_production_refuses_limits_off(tmp_path: Path) -> None:
    environment = verifier_only_production(tmp_path)
    assert Settings.from_env(environment).ratelimits.enabled  # the same environment, limits on: accepted
    with pytest.raises(ConfigurationError) as caught:
        Settings.from_env({**environment, "ECERT_RATELIMIT_ENABLED": "0"})
    assert "ECERT_RATELIMIT_ENABLED=0 is for benchmarks only" in str(caught.value)


def test_limits_off_reach_the_limiter(tmp_path: Path) -> None:
    """The setting, not only the factory's argument, turns Flask-Limiter off: a benchmark
    run from the environment (gunicorn, ``ecert run``) is not throttled."""
    from ecert.app import create_app

    environment = {"ECERT_HOME": str(tmp_path), "ECERT_RATELIMIT_ENABLED": "0"}
    app = create_app(Settings.from_env(environment))
    try:
        assert app.config["RATELIMIT_ENABLED"] is False
    finally:
        app.extensions["ecert"].db.dispose()
    app = create_app(Settings.from_env({"ECERT_HOME": str(tmp_path)}))
    try:
        assert app.config["RATELIMIT_ENABLED"] is True
    finally:
        app.extensions["ecert"].db.dispose()
