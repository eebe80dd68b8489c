"""/healthz (the process is up) and /readyz (database, blob store, signer and TSA) for the
load balancer (``ecert.health``): answers, failures named without details, no cookie, no limit."""

from __future__ import annotations

import shutil
import socket
import threading
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from ecert.health import Cached, Check, http_reachable
from ecert.settings import RateLimits
from issuer.runtime import tsa_probe

# Readiness does not depend on the database kind: the apps run on SQLite.
SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def app_with(app: Any, **changes: Any) -> Any:
    """Another app on ``app``'s settings with ``changes``, sharing its signer."""
    from ecert.app import create_app
    from issuer.runtime import runtime

    other = create_app(replace(app.extensions["ecert"].settings, **changes))
    other.testing = True
    runtime(other).__dict__.update(signer=runtime(app).signer)
    return other


@pytest.fixture
def tsa_server() -> Iterator[str]:
    """An HTTP server on a free port that answers every request 405, as an RFC 3161 service
    answers a HEAD: its URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_HEAD(self) -> None:
            self.send_response(405)
            self.end_headers()

        def log_message(self, *_args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/tsa"
    server.shutdown()
    server.server_close()


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/tsa"


@SQLITE
def test_healthz_answers_ok_without_cookie_or_limit(app: Any) -> None:
    limited = app_with(app, ratelimits=RateLimits(enabled=True))
    client = limited.test_client()
    for _ in range(40):  # more than any per-client limit of a minute
        response = client.get("/healthz")
        assert response.status_code == 200
        assert response.get_json() == {"status": "ok"}
        assert "Set-Cookie" not in response.headers
        assert "X-RateLimit-Limit" not in response.headers
        assert response.headers["Cache-Control"] == "no-store"
    limited.extensions["ecert"].db.dispose()


@SQLITE
def test_healthz_does_not_touch_the_database(app: Any, tmp_path: Any) -> None:
    broken = app_with(app, database_url=f"sqlite:///{tmp_path}/no-such-folder/ecert.sqlite3")
    assert broken.test_client().get("/healthz").status_code == 200
    assert broken.test_client().get("/readyz").status_code == 503


@SQLITE
def test_readyz_names_every_part_when_all_is_well(client: Any) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {
        "status": "ok",
        "checks": {
            "database": {"ok": True, "detail": "ok"},
            "blob_store": {"ok": True, "detail": "ok"},
            "rate_limits": {"ok": True, "detail": "off"},  # the tests' apps turn limits off
            "signer": {"ok": True, "detail": "loaded"},
            "tsa": {"ok": True, "detail": "in-process"},
        },
    }
    assert "Set-Cookie" not in response.headers


@SQLITE
def test_readyz_names_a_broken_database_without_its_error(app: Any, tmp_path: Any) -> None:
    missing = tmp_path / "no-such-folder" / "ecert.sqlite3"
    broken = app_with(app, database_url=f"sqlite:///{missing}")
    response = broken.test_client().get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "unavailable" and body["failing"] == ["database"]
    assert body["checks"]["database"] == {"ok": False, "detail": "failed"}
    assert str(tmp_path) not in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)


@SQLITE
def test_readyz_fails_when_the_blob_store_cannot_be_written(app: Any, client: Any) -> None:
    blob_dir = app.extensions["ecert"].settings.blob_dir
    shutil.rmtree(blob_dir, ignore_errors=True)
    blob_dir.write_text("a file where the folder should be")
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["failing"] == ["blob_store"]
    assert str(blob_dir) not in response.get_data(as_text=True)
    blob_dir.unlink()
    assert client.get("/readyz").status_code == 200  # the folder is made again, the probe leaves nothing
    assert list(blob_dir.iterdir()) == []


@SQLITE
def test_a_verifier_only_deployment_has_no_signer_to_load(app: Any) -> None:
    verifier_only = app_with(app, signer="none")
    response = verifier_only.test_client().get("/readyz")
    assert response.status_code == 200
    assert response.get_json()["checks"]["signer"] == {"ok": True, "detail": "not configured"}
    verifier_only.extensions["ecert"].db.dispose()


@SQLITE
def test_a_signer_that_cannot_load_fails_readiness(app: Any, tmp_path: Any) -> None:
    from ecert.settings import PKCS12Config

    missing = tmp_path / "no-such-key.p12"
    broken = app_with(app, signer="pkcs12", pkcs12=PKCS12Config(path=missing))
    from issuer.runtime import runtime

    runtime(broken).__dict__.pop("signer")  # not the shared one: this process must load its own
    response = broken.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["failing"] == ["signer"]
    assert str(missing) not in response.get_data(as_text=True)
    broken.extensions["ecert"].db.dispose()


@SQLITE
def test_an_http_tsa_is_probed_and_the_answer_kept_a_few_seconds(app: Any, tsa_server: str) -> None:
    reachable = app_with(app, tsa_url=tsa_server)
    assert reachable.test_client().get("/readyz").get_json()["checks"]["tsa"] == {"ok": True, "detail": "ok"}
    reachable.extensions["ecert"].db.dispose()

    unreachable = app_with(app, tsa_url=closed_port_url())
    response = unreachable.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["failing"] == ["tsa"]
    assert response.get_json()["checks"]["tsa"] == {"ok": False, "detail": "unreachable"}
    assert "127.0.0.1" not in response.get_data(as_text=True)
    unreachable.extensions["ecert"].db.dispose()


def test_http_reachable_counts_any_answer_and_gives_up_quickly(tsa_server: str) -> None:
    import time

    assert http_reachable(tsa_server) == Check(True)
    started = time.monotonic()
    assert http_reachable("http://192.0.2.1/tsa", timeout=0.3) == Check(False, "unreachable")  # TEST-NET: no answer
    assert time.monotonic() - started < 2
    assert http_reachable("not a url") == Check(False, "unreachable")


def test_cached_probe_asks_once_per_window_and_keeps_failures() -> None:
    now = [0.0]
    answers = iter([Check(False, "unreachable"), Check(True)])
    calls = []

    def probe() -> Check:
        calls.append(now[0])
        return next(answers)

    cached = Cached(probe, 5.0, clock=lambda: now[0])
    assert [cached() for _ in range(3)] == [Check(False, "unreachable")] * 3
    now[0] = 4.9
    assert cached() == Check(False, "unreachable")
    now[0] = 5.0
    assert cached() == Check(True)
    assert calls == [0.0, 5.0]


def test_a_probe_that_raises_is_a_failure() -> None:
    def boom() -> Check:
        raise RuntimeError("secret detail")

    assert Cached(boom, 1.0)() == Check(False, "failed")


@SQLITE
def test_production_without_a_tsa_url_reports_it_not_configured(app: Any) -> None:
    settings = replace(app.extensions["ecert"].settings, environment="production", signer="none", tsa_url=None)
    assert tsa_probe(settings)() == Check(True, "not configured")
