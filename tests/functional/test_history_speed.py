"""The QR page under a burst of checks, with the history on and off, requests interleaved (so
that the machine's load hits both alike): every check is counted, none is dropped. The
figures (median of each, their ratio) are printed with ``-s``; they are measurements, not
asserted: timing is for benchmarks, and the README records the measured ratio."""

from __future__ import annotations

import statistics
import time
from dataclasses import replace

import pytest

from ecert.app import create_app
from issuer.services.issuance import Issuance, issue_decision
from tests import factories
from tests.functional.test_history import counts
from verifier.runtime import runtime

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

ROUNDS = 400


def test_a_burst_of_checks_is_counted_whole_beside_a_page_without_history(app, issuance: Issuance) -> None:  # type: ignore[no-untyped-def]
    issued = issue_decision(issuance, factories.decision(name="王小明"))
    quiet = create_app(replace(app.extensions["ecert"].settings, verification_history=False))
    clients = {"on": app.test_client(), "off": quiet.test_client()}
    url = f"/v/{issued.token}"
    for client in clients.values():  # warm: templates compiled, connections open
        for _ in range(20):
            assert client.get(url).status_code == 200
    runtime(app).history.flush()
    before = sum(counts(issuance, issued.token).values())
    seconds: dict[str, list[float]] = {"on": [], "off": []}
    for i in range(ROUNDS):
        for name in ("on", "off") if i % 2 else ("off", "on"):
            started = time.perf_counter()
            response = clients[name].get(url)
            seconds[name].append(time.perf_counter() - started)
            assert response.status_code == 200
    runtime(app).history.flush()
    quiet.extensions["ecert"].db.dispose()

    on, off = statistics.median(seconds["on"]), statistics.median(seconds["off"])
    print(
        f"\nQR page, median of {ROUNDS}: history on {on * 1000:.3f} ms, off {off * 1000:.3f} ms, ratio {on / off:.3f}"
    )
    assert sum(counts(issuance, issued.token).values()) - before == ROUNDS  # every check counted
    assert runtime(app).history.dropped == 0


def test_two_thousand_checks_queued_at_once_are_none_dropped(app) -> None:  # type: ignore[no-untyped-def]
    recorder = runtime(app).history
    moment = app.extensions["ecert"].clock()
    started = time.perf_counter()
    for _ in range(2000):
        recorder.record("Q" * 24, "qr", moment)
    per_call = (time.perf_counter() - started) / 2000
    recorder.flush()
    print(f"\nRecorder.record: {per_call * 1e6:.1f} µs per check")
    assert recorder.dropped == 0
