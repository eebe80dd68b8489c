"""The PDF check stays available under attack, over real HTTP against a real server process.

Client A (127.0.0.2) sends files that cost the parser its whole per-file CPU budget, from two
connections at once, as fast as the server lets it; client B (127.0.0.3) checks genuine
certificates meanwhile: every one gets its verdict (no 503, no timeout). Then 40 clients
upload 9 MB each, slowly and at once, and wait in the queue: the server's memory stays
bounded (bodies are spooled to disk, not held in memory).

Timeouts are generous and assertions are about behaviour (verdicts, statuses, megabytes),
not speed: the machine may be loaded. ``scripts/bench_pdfcheck.py`` measures the latency.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import hostile_pdfs, http_load

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

A, B = "127.0.0.2", "127.0.0.3"
HOSTILE = hostile_pdfs.token_flood(2.0)  # ~3 s of CPU unchecked: over the 1 s per-file budget
ENV = {
    "ECERT_RATELIMIT_UPLOAD": "600/minute",
    "ECERT_RATELIMIT_API_VERIFY": "600/minute",
    "ECERT_RATELIMIT_PDF_CPU": "4/minute",  # four costly files spend it; B's checks need ~2 s
    "ECERT_SANDBOX_CPU_SECONDS": "1",
    "ECERT_SANDBOX_TIMEOUT": "60",  # the wall clock: generous, this machine may be busy
    "ECERT_SANDBOX_WAIT": "60",
    "ECERT_SANDBOX_WORKERS": "2",
    "ECERT_SANDBOX_QUEUE": "40",
}


@pytest.fixture
def site(issuance, tmp_path: Path) -> Iterator[tuple[http_load.Server, list[bytes]]]:  # type: ignore[no-untyped-def]
    from issuer.services.issuance import issue_decision
    from tests import factories

    genuine = [
        issuance.store.get(issue_decision(issuance, factories.decision(name=name)).sha256) for name in ("李四", "王五")
    ]
    env = {
        **ENV,
        "ECERT_HOME": str(issuance.settings.home),
        "DATABASE_URL": issuance.settings.database_url,
        "ECERT_OFFICE_NAME": issuance.settings.office_name,
    }
    with http_load.server(env) as running:
        yield running, genuine


def test_a_second_client_gets_every_verdict_while_the_first_attacks(site) -> None:  # type: ignore[no-untyped-def]
    server, genuine = site
    stop = threading.Event()
    attacker: list[http_load.Answer] = []

    def attack() -> None:
        while not stop.is_set():
            answer = http_load.verify_api(server.port, HOSTILE, A)
            attacker.append(answer)
            if answer.status == 429:
                time.sleep(0.2)  # refused at once; ask again straight away, nearly

    threads = [threading.Thread(target=attack, daemon=True) for _ in range(2)]
    for thread in threads:
        thread.start()
    time.sleep(1.0)  # the attack is under way
    verdicts = []
    # B makes 8 checks (~2 s of CPU at most: well inside its own budget) during the attack
    for index in range(8):
        ask = http_load.verify_page if index % 3 == 2 else http_load.verify_api
        verdicts.append(ask(server.port, genuine[index % 2], B, timeout=120))
        time.sleep(0.3)
    # then A goes on until it meets its CPU budget (its costly files take longer on a loaded machine)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and not any(
        a.status == 429 and a.json()["error"]["code"] == "cpu_budget" for a in list(attacker)
    ):
        time.sleep(0.2)
    stop.set()
    for thread in threads:
        thread.join(120)

    assert [v.status for v in verdicts] == [200] * len(verdicts), [v.body[-300:] for v in verdicts if v.status != 200]
    for answer in verdicts:
        if answer.headers["Content-Type"].startswith("application/json"):
            assert answer.json()["valid"] is True, answer.json()
        else:
            assert "有效" in answer.body.decode() and "无效" not in answer.body.decode()
    # A did attack: its costly files were checked (not valid: CPU budget spent), and then it
    # was held to its budget and to one check at a time.
    judged = [a.json() for a in attacker if a.status == 200]
    assert judged and all(not v["valid"] for v in judged)
    assert any(c["reason"] == "timeout" for v in judged for c in v["checks"])
    codes = {a.json()["error"]["code"] for a in attacker if a.status == 429}
    assert "cpu_budget" in codes and "one_at_a_time" in codes
    assert not [a for a in attacker if a.status >= 500]


def test_memory_stays_bounded_while_forty_large_uploads_wait(site) -> None:  # type: ignore[no-untyped-def]
    server, genuine = site
    assert http_load.verify_api(server.port, genuine[0], B).json()["valid"] is True  # warm
    baseline, _ = server.rss_mb()
    # 9 MB: not a certificate, and cheap to refuse (no %%EOF; a run of zeros or "%" would
    # cost pyHanko's reader ~1.7 s of CPU looking for it)
    large = b"%PDF-1.7\n" + os.urandom(9 * 1024 * 1024)
    peak = [baseline]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak.append(server.rss_mb()[0])
            time.sleep(0.02)

    answers: list[http_load.Answer] = []

    def upload(index: int) -> None:
        send = http_load.verify_page if index % 2 else http_load.verify_api
        # 8 MB at once, then a pause (a slow sender), then the rest: all 40 are in flight at once
        answers.append(send(server.port, large, f"127.0.0.{10 + index}", pause_after=8 << 20, pause=3.0))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    uploads = [threading.Thread(target=upload, args=(i,), daemon=True) for i in range(40)]
    for thread in uploads:
        thread.start()
    for thread in uploads:
        thread.join(180)
    done.set()
    sampler.join(5)
    _, high_water = server.rss_mb()

    assert len(answers) == 40 and {a.status for a in answers} == {200}, [
        a.body.decode()[-1500:] for a in answers if a.status != 200
    ][:1]
    in_flight_mb = 40 * 9
    grew = max(max(peak), high_water) - baseline
    print(f"server RSS {baseline:.0f} MB before, grew by {grew:.0f} MB with {in_flight_mb} MB in flight")
    assert grew < in_flight_mb / 3, f"server grew by {grew:.0f} MB while {in_flight_mb} MB were uploaded"
