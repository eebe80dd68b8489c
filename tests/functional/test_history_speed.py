"""Recording a check does not slow the QR page measurably: the same page, in-process, with
the history on and off, requests interleaved (so that the machine's load hits both alike),
the median of many of each. Run with ``-s`` to read the numbers."""

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


def test_recording_costs_the_qr_page_no_measurable_time(app, issuance: Issuance) -> None:  # type: ignore[no-untyped-def]
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
    assert on / off < 1.25  # generous: 2 shared cores; the measured ratio is in the README


def test_queueing_one_check_takes_microseconds(app) -> None:  # type: ignore[no-untyped-def]
    recorder = runtime(app).history
    moment = app.extensions["ecert"].clock()
    started = time.perf_counter()
    for _ in range(2000):
        recorder.record("Q" * 24, "qr", moment)
    per_call = (time.perf_counter() - started) / 2000
    recorder.flush()
    print(f"\nRecorder.record: {per_call * 1e6:.1f} µs per check")
    assert per_call < 0.001 and recorder.dropped == 0
