"""Shared fixtures: a database per test (SQLite, and PostgreSQL where a test asks), the
app built on a temporary ECERT_HOME, and factories for decisions."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from ecert.settings import RateLimits, Settings
from tests import postgres, redis_server


def pytest_configure(config: pytest.Config) -> None:
    """Compile the message catalogues, so that pytest run on its own (not only through
    ``make test``) sees the English of every message."""
    config.addinivalue_line(
        "markers",
        "postgres_sample(n): of a parametrised test, every case on SQLite and only the first n on PostgreSQL"
        " (the cases differ before any SQL runs: the same queries on the server)",
    )
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po_path in (Path(__file__).resolve().parents[1] / "translations").glob("*/LC_MESSAGES/messages.po"):
        with po_path.open("rb") as source:
            catalog = read_po(source, locale=po_path.parents[1].name)
        with po_path.with_suffix(".mo").open("wb") as target:
            write_mo(target, catalog)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """``postgres_sample(n)``: keep the first n PostgreSQL cases of each marked test."""
    kept, dropped, counts = [], [], dict[str, int]()
    for item in items:
        mark = item.get_closest_marker("postgres_sample")
        callspec = getattr(item, "callspec", None)
        if mark is not None and callspec is not None and callspec.params.get("database_url") == "postgresql":
            name = item.nodeid.split("[", 1)[0]
            counts[name] = counts.get(name, 0) + 1
            if counts[name] > mark.args[0]:
                dropped.append(item)
                continue
        kept.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    if not postgres.available():
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL 15 binaries are missing: scripts/system-deps.sh installs postgresql-15")
        pytest.skip("PostgreSQL 15 binaries not installed")
    with postgres.cluster() as url:
        yield url


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A throwaway Redis (``tests/redis_server.py``): shared rate-limit storage for tests that
    run several workers."""
    if not redis_server.available():
        if os.environ.get("CI"):
            pytest.fail("redis-server is missing: scripts/system-deps.sh installs redis-server")
        pytest.skip("redis-server not installed")
    with redis_server.server() as url:
        yield url


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty SQLite database migrated to the latest revision, once per session: each test
    gets a byte-for-byte copy of it (the same as migrating its own, ~0.2 s less)."""
    from ecert.migrate import upgrade

    path = tmp_path_factory.mktemp("migrated") / "template.sqlite3"
    upgrade(f"sqlite:///{path}")
    assert not path.with_name(path.name + "-wal").exists(), "the migration left a write-ahead log behind"
    return path


@pytest.fixture(scope="session")
def migrated_postgres(postgres_server: str) -> str:
    """The name of an empty PostgreSQL database migrated to the latest revision, once per
    session: each test's database is created from it as a template (a file copy on the
    server, the same schema as migrating each one)."""
    from ecert.migrate import upgrade

    url = postgres.fresh_database(postgres_server)
    upgrade(url)
    return url.rsplit("/", 1)[1]


BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@contextmanager
def migrated_database(request: pytest.FixtureRequest, backend: str, folder: Path) -> Iterator[str]:
    """A migrated, empty database on ``backend`` ("sqlite": a file in ``folder``), dropped
    afterwards on PostgreSQL (rather than left for the cluster's removal at the end: hundreds
    of databases, a long wait after the last test and gigabytes on disk meanwhile)."""
    if backend == "sqlite":
        path = folder / "ecert.sqlite3"
        shutil.copyfile(request.getfixturevalue("migrated_sqlite"), path)
        yield f"sqlite:///{path}"
        return
    server = request.getfixturevalue("postgres_server")
    url = postgres.fresh_database(server, template=request.getfixturevalue("migrated_postgres"))
    try:
        yield url
    finally:
        postgres.drop_database(server, url)


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database: each test runs on both backends."""
    with migrated_database(request, request.param, tmp_path) as url:
        yield url


# --- issuing: one PKI, renderer, seal and signer per test session (they are slow to build) ---

OFFICE = "重庆市大足区职称改革办公室"


@pytest.fixture(scope="session")
def pki_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from issuer.pki.development import DevelopmentPKI

    home = tmp_path_factory.mktemp("pki-home")
    DevelopmentPKI.load_or_create(home / "pki", OFFICE, "http://127.0.0.1:8000")
    return home


@pytest.fixture(scope="session")
def trust_roots(pki_home: Path) -> list:
    from ecert.x509 import parse_certificates
    from issuer.pki.development import DevelopmentPKI

    return parse_certificates(
        DevelopmentPKI.load_or_create(pki_home / "pki", OFFICE, "http://127.0.0.1:8000").roots_pem()
    )


@pytest.fixture(scope="session")
def renderer():  # type: ignore[no-untyped-def]
    from issuer.rendering.layout import CertificateRenderer

    return CertificateRenderer()


@pytest.fixture(scope="session")
def seal_png() -> bytes:
    from issuer.signing.seal import make_seal_png

    return make_seal_png(OFFICE)


@pytest.fixture(scope="session")
def signer(pki_home: Path):  # type: ignore[no-untyped-def]
    from ecert.settings import Settings
    from issuer.signing.signers import build_document_signer

    return build_document_signer(Settings(home=pki_home, database_url="sqlite://"))


def make_home(tmp_path: Path, pki_home: Path) -> Path:
    """A fresh ECERT_HOME that shares the session's development PKI."""
    import shutil

    home = tmp_path / "home"
    shutil.copytree(pki_home / "pki", home / "pki")
    return home


def audited_database(settings):  # type: ignore[no-untyped-def]
    """The database of ``settings`` as the app opens it: with the audit key (development:
    generated under home) and anchors timestamped by the development TSA."""
    from ecert.audit import AuditTrail
    from ecert.db import connect
    from issuer.runtime import anchor_stamper

    trail = AuditTrail.from_settings(settings)
    trail.stamper = anchor_stamper(settings)
    return connect(settings.database_url, audit=trail)


def make_issuance(database_url: str, home: Path, renderer, signer, seal_png):  # type: ignore[no-untyped-def]
    """Issuance against ``database_url`` with the session's renderer and signer, the test clock
    (26 November 2026, 10:30 in the office) and the actor ``test``."""
    from datetime import UTC, datetime

    from ecert.storage import FileBlobStore
    from issuer.qr.claims import build_claim_signer
    from issuer.services.issuance import Issuance

    settings = Settings(home=home, database_url=database_url)
    return Issuance(
        db=audited_database(settings),
        store=FileBlobStore(settings.blob_dir),
        renderer=renderer,
        signer=signer,
        settings=settings,
        clock=lambda: datetime(2026, 11, 26, 2, 30, tzinfo=UTC),
        seal_png=seal_png,
        actor="test",
        claim_signer=build_claim_signer(settings),
    )


@pytest.fixture
def issuance(database_url: str, tmp_path: Path, pki_home: Path, renderer, signer, seal_png):  # type: ignore[no-untyped-def]
    made = make_issuance(database_url, make_home(tmp_path, pki_home), renderer, signer, seal_png)
    yield made
    made.db.dispose()


def make_app(issuance, renderer, signer, seal_png):  # type: ignore[no-untyped-def]
    """The whole app on ``issuance``'s database and home, sharing the session's renderer and
    signer; rate limits off (tests that check them turn them on)."""
    from ecert.app import create_app
    from issuer.runtime import runtime

    app = create_app(replace(issuance.settings, ratelimits=RateLimits(enabled=False)))
    app.testing = True
    runtime(app).__dict__.update(renderer=renderer, signer=signer, seal_png=seal_png)
    return app


@pytest.fixture
def app(issuance, renderer, signer, seal_png):  # type: ignore[no-untyped-def]
    """The whole app on the issuance fixture's database and home (``make_app``)."""
    app = make_app(issuance, renderer, signer, seal_png)
    yield app
    app.extensions["ecert"].db.dispose()


@pytest.fixture
def client(app):  # type: ignore[no-untyped-def]
    return app.test_client()


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


# Headless Chromium through Playwright (the phone layout and the browser tests).
@pytest.fixture(scope="module")  # Playwright's event loop must end with the module: signing runs asyncio.run()
def browser() -> Iterator[Any]:
    if CHROMIUM is None:
        pytest.fail("chromium is missing: scripts/system-deps.sh installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture
def served(app: Any) -> Iterator[str]:
    """The app over real HTTP on a free port (Werkzeug's server in a thread): its base URL."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()
