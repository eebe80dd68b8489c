"""Settings: embedded defaults in development; nothing secret defaulted in production."""

from __future__ import annotations

from pathlib import Path

import pytest

from ecert import ConfigurationError
from ecert.settings import Settings


def test_development_defaults_live_under_ecert_home(tmp_path: Path) -> None:
    settings = Settings.from_env({"ECERT_HOME": str(tmp_path)})
    assert settings.database_url == f"sqlite:///{tmp_path / 'ecert.sqlite3'}"
    assert settings.signer == "development" and not settings.is_production
    assert settings.verify_url("ABC") == "http://127.0.0.1:8000/v/ABC"
    assert (settings.blob_dir, settings.pki_dir) == (tmp_path / "blobs", tmp_path / "pki")


def test_public_url_and_database_url_override(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "ECERT_HOME": str(tmp_path),
            "ECERT_PUBLIC_URL": "https://ecert.dazu.gov.cn/",
            "DATABASE_URL": "postgresql+psycopg://u@h/db",
        }
    )
    assert settings.verify_url("T") == "https://ecert.dazu.gov.cn/v/T"
    assert settings.database_url == "postgresql+psycopg://u@h/db"


def test_production_refuses_development_parts_and_missing_secrets(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError) as caught:
        Settings.from_env({"ECERT_HOME": str(tmp_path), "ECERT_ENV": "production"})
    message = str(caught.value)
    for expected in (
        "ECERT_SECRET_KEY",
        "development PKI is refused",
        "ECERT_TSA_URL",
        "ECERT_TRUST_ROOTS",
        "ECERT_QR_KEY_FILE",
        "ECERT_RATELIMIT_STORAGE_URI",
    ):
        assert expected in message


def test_verifier_only_production_needs_no_signing_key(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "ECERT_HOME": str(tmp_path),
            "ECERT_ENV": "production",
            "ECERT_SECRET_KEY": "x" * 40,
            "ECERT_SIGNER": "none",
            "ECERT_TRUST_ROOTS": str(tmp_path / "roots.pem"),
            "ECERT_QR_KEYSET_FILE": str(tmp_path / "qr-keys.json"),
            "ECERT_RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379",
            "ECERT_TRUSTED_PROXIES": "1",
        }
    )
    assert settings.signer == "none" and settings.is_production
    assert settings.trusted_proxies == 1


def test_pkcs11_needs_every_part(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="ECERT_PKCS11_MODULE must be set"):
        Settings.from_env({"ECERT_HOME": str(tmp_path), "ECERT_SIGNER": "pkcs11"})


def test_unknown_signer_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="ECERT_SIGNER must be development, pkcs12, pkcs11 or none"):
        Settings.from_env({"ECERT_HOME": str(tmp_path), "ECERT_SIGNER": "hsm"})


def test_pdf_check_limits_are_read_and_checked(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "ECERT_HOME": str(tmp_path),
            "ECERT_SANDBOX_CPU_SECONDS": "2.5",
            "ECERT_SANDBOX_QUEUE": "3",
            "ECERT_RATELIMIT_PDF_CPU": "10/minute",
            "ECERT_RATELIMIT_PDF_CONCURRENT": "2",
        }
    )
    assert (settings.sandbox.cpu_seconds, settings.sandbox.queue) == (2.5, 3)
    assert (settings.ratelimits.pdf_cpu, settings.ratelimits.pdf_concurrent) == ("10/minute", 2)
    # a CPU budget longer than the wall clock would take a costly file for a starved check
    for env, name in (
        ({"ECERT_SANDBOX_CPU_SECONDS": "20", "ECERT_SANDBOX_TIMEOUT": "10"}, "ECERT_SANDBOX_CPU_SECONDS"),
        ({"ECERT_RATELIMIT_PDF_CONCURRENT": "0"}, "ECERT_RATELIMIT_PDF_CONCURRENT"),
        ({"ECERT_RATELIMIT_PDF_CPU": "lots"}, "ECERT_RATELIMIT_PDF_CPU"),
    ):
        with pytest.raises(ConfigurationError, match=name):
            Settings.from_env({"ECERT_HOME": str(tmp_path), **env})
