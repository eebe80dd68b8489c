"""``/healthz`` and ``/readyz`` for the load balancer.

``/healthz`` says the process is up and answering: it touches nothing (no database, no
files), is never rate limited and sets no cookie, so a supervisor can poll it often and a
busy database never gets a healthy process restarted.

``/readyz`` says this process can serve now: the database answers a trivial query, the
blob store's folder can be written and read back, and every readiness probe a feature
registered (``add_probe``: the issuer's signer and timestamp authority) passes. One failing
part answers 503 with the name of each part and a short fixed reason: never an exception's
text, a path, a URL or a secret (the route is public, like every load balancer's check).

Probes that cost a network round trip (an HTTP timestamp authority) are wrapped in
``Cached`` so a load balancer polling every second costs one probe per few seconds.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from flask import Blueprint, Flask, Response, current_app, jsonify
from sqlalchemy import text

from ecert.kernel import kernel
from ecert.web import limiter

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Check:
    """One part's answer: ``ok``, and a short fixed word that says why (or what it is)."""

    ok: bool
    detail: str = "ok"


Probe = Callable[[], Check]
PROBES = "ecert.readiness"  # app.extensions key: name → Probe, in the order registered


def add_probe(app: Flask, name: str, probe: Probe) -> None:
    """Make ``probe`` a condition of ``/readyz`` under ``name`` (a feature calls this in its init_app)."""
    probes: dict[str, Probe] = app.extensions.setdefault(PROBES, {})
    if name in probes or name in ("database", "blob_store"):
        raise ValueError(f"readiness probe {name!r} registered twice")
    probes[name] = probe


class Cached:
    """``probe``'s last answer for ``seconds`` (failures too: a TSA that is down is not asked
    again on every poll). Thread-safe: one caller probes while the others wait for its answer."""

    def __init__(self, probe: Probe, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._probe = probe
        self._seconds = seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._answer: Check | None = None
        self._until = 0.0

    def __call__(self) -> Check:
        with self._lock:
            now = self._clock()
            if self._answer is None or now >= self._until:
                self._answer = _safely(self._probe)
                self._until = self._clock() + self._seconds
            return self._answer


def http_reachable(url: str, timeout: float = 2.0) -> Check:
    """Whether an HTTP server answers at ``url`` within ``timeout`` seconds: a HEAD request,
    and any HTTP answer counts (an RFC 3161 service answers 405 or 400 to a HEAD: it is up).
    No timestamp is requested: a commercial TSA may count every token."""
    if not url.lower().startswith(("http://", "https://")):
        return Check(False, "unreachable")
    try:
        request = urllib.request.Request(url, method="HEAD", headers={"User-Agent": "ecert-readyz"})
        with urllib.request.urlopen(request, timeout=timeout):
            return Check(True)
    except urllib.error.HTTPError:
        return Check(True)  # an answer, whatever its status: the server is there
    except (urllib.error.URLError, OSError, ValueError):
        return Check(False, "unreachable")


def database_probe() -> Check:
    with kernel().db.read() as session:
        session.execute(text("SELECT 1")).scalar_one()
    return Check(True)


def blob_store_probe() -> Check:
    """Write, read back and remove a small file in the blob store's folder (a file of its
    own name: no blob is created, none is touched)."""
    root = getattr(kernel().store, "root", None)
    if not isinstance(root, Path):
        return Check(True, "not a local folder")
    probe = root / f".readyz-{os.getpid()}-{threading.get_ident()}"
    payload = os.urandom(16)
    root.mkdir(parents=True, exist_ok=True)
    try:
        probe.write_bytes(payload)
        if probe.read_bytes() != payload:
            return Check(False, "read back differs")
    finally:
        probe.unlink(missing_ok=True)
    return Check(True)


def rate_limit_probe(storage_uri: str, enabled: bool) -> Probe:
    """Where this process counts its rate limits. Never a failure: a worker whose Redis is
    down still limits, in its own memory (``ecert.web``), so taking it out of the pool would
    only turn a weaker limit into an outage; the word tells a monitor to look."""

    def probe() -> Check:
        if not enabled:
            return Check(True, "off")
        if storage_uri.startswith("memory://"):
            return Check(True, "in-process")
        return Check(True, "shared") if limiter.storage.check() else Check(True, "unreachable, counted per worker")

    return probe


def _safely(probe: Probe) -> Check:
    """The probe's answer; an exception is a failure whose text goes to the log only."""
    try:
        return probe()
    except Exception:
        log.warning("readiness probe %s failed", getattr(probe, "__name__", probe), exc_info=True)
        return Check(False, "failed")


health = Blueprint("health", __name__)


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


@health.get("/healthz")
@limiter.exempt
def healthz() -> Response:
    return _no_store(jsonify(status="ok"))


@health.get("/readyz")
@limiter.exempt
def readyz() -> tuple[Response, int]:
    probes: dict[str, Probe] = {
        "database": database_probe,
        "blob_store": blob_store_probe,
        **current_app.extensions.get(PROBES, {}),
    }
    checks = {name: _safely(probe) for name, probe in probes.items()}
    failing = [name for name, check in checks.items() if not check.ok]
    body: dict[str, object] = {
        "status": "unavailable" if failing else "ok",
        "checks": {name: {"ok": check.ok, "detail": check.detail} for name, check in checks.items()},
    }
    if failing:
        body["failing"] = failing
    return _no_store(jsonify(body)), 503 if failing else 200


def init_health(app: Flask) -> None:
    app.register_blueprint(health)
    settings = kernel(app).settings
    # Redis is asked at most every 5 s, however often the load balancer polls.
    add_probe(
        app, "rate_limits", Cached(rate_limit_probe(settings.ratelimit_storage_uri, settings.ratelimits.enabled), 5)
    )
