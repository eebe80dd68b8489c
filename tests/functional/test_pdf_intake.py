"""Who may start a PDF check (``verifier.views.intake``), through the page and the API: each
client's CPU budget (429 for the client who spent it, nobody else), one check at a time per
client, a full queue answered 503 at once, and a checker killed from outside answered 503
"could not check", never "not valid"."""

from __future__ import annotations

import io
import re
import signal
import threading
import time
from dataclasses import replace

import pytest

from ecert.settings import RateLimits, SandboxLimits
from issuer.services.issuance import Issuance, issue_decision
from tests import factories, hostile_pdfs
from tests.checkers import signal_checker_during

VERIFY = "/api/v1/verify"
SLOW = hostile_pdfs.token_flood(1.0)  # ~1.5 s of the parser's CPU

# Admission is per process and independent of the database: SQLite is enough.
pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
def genuine(issuance: Issuance) -> bytes:
    issued = issue_decision(issuance, factories.decision(name="王小明"))
    return issuance.store.get(issued.sha256)


def make_app(issuance: Issuance, ratelimits: RateLimits | None = None, sandbox: SandboxLimits | None = None):  # type: ignore[no-untyped-def]
    from ecert.app import create_app

    settings = replace(
        issuance.settings,
        ratelimits=ratelimits or RateLimits(upload="100/minute", api_verify="100/minute"),
        sandbox=sandbox or issuance.settings.sandbox,
    )
    app = create_app(settings)
    app.testing = True
    return app


def api(app, data: bytes, client: str):  # type: ignore[no-untyped-def]
    return app.test_client().post(
        VERIFY, data=data, content_type="application/pdf", environ_base={"REMOTE_ADDR": client}
    )


def page(app, data: bytes, client: str):  # type: ignore[no-untyped-def]
    browser = app.test_client()
    form = browser.get("/verify", environ_base={"REMOTE_ADDR": client}).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form)
    assert match
    return browser.post(
        "/verify",
        data={"file": (io.BytesIO(data), "证书.pdf"), "csrf_token": match.group(1)},
        content_type="multipart/form-data",
        environ_base={"REMOTE_ADDR": client},
    )


def in_background(work):  # type: ignore[no-untyped-def]
    result: list = []
    thread = threading.Thread(target=lambda: result.append(work()), daemon=True)
    thread.start()
    return thread, result


def wait_until_checking(app, count: int = 1) -> None:  # type: ignore[no-untyped-def]
    from verifier.runtime import runtime

    deadline = time.monotonic() + 30
    while runtime(app).admission._total < count and time.monotonic() < deadline:
        time.sleep(0.01)


def test_a_client_that_spent_its_cpu_budget_gets_429_and_others_do_not(issuance: Issuance, genuine: bytes) -> None:
    app = make_app(issuance, RateLimits(upload="100/minute", api_verify="100/minute", pdf_cpu="1/minute"))
    first = api(app, SLOW, "10.0.0.2")  # ~1.5 s of CPU: more than the whole budget
    assert first.status_code == 200 and first.get_json()["valid"] is False
    for refused in (api(app, genuine, "10.0.0.2"), page(app, genuine, "10.0.0.2")):
        assert refused.status_code == 429
        assert 1 <= int(refused.headers["Retry-After"]) <= 60
    body = api(app, genuine, "10.0.0.2").get_json()
    assert body["error"]["code"] == "cpu_budget" and "检查时间额度" in body["error"]["message"]
    assert "检查时间额度" in page(app, genuine, "10.0.0.2").get_data(as_text=True)
    # Another client is unaffected, on both paths. (Two genuine checks, ~0.15 s of CPU each on
    # an idle machine, fit its 1-second budget with room for a loaded one; four did not.)
    assert api(app, genuine, "10.0.0.3").get_json()["valid"] is True
    assert "有效" in page(app, genuine, "10.0.0.3").get_data(as_text=True)


def test_one_check_at_a_time_per_client(issuance: Issuance, genuine: bytes) -> None:
    app = make_app(issuance)
    thread, result = in_background(lambda: api(app, SLOW, "10.0.0.2"))
    wait_until_checking(app)
    second = api(app, genuine, "10.0.0.2")
    assert second.status_code == 429 and second.get_json()["error"]["code"] == "one_at_a_time"
    assert second.headers["Retry-After"]
    assert api(app, genuine, "10.0.0.3").get_json()["valid"] is True  # someone else: checked
    thread.join(60)
    assert result[0].status_code == 200


def test_a_full_queue_is_503_at_once(issuance: Issuance, genuine: bytes) -> None:
    app = make_app(issuance, sandbox=SandboxLimits(max_jobs=1, queue=0, cpu_seconds=5, timeout=30))
    thread, result = in_background(lambda: api(app, SLOW, "10.0.0.2"))
    wait_until_checking(app)
    started = time.monotonic()
    refused = api(app, genuine, "10.0.0.3")
    assert time.monotonic() - started < 1.0  # at once: not after waiting for the slot
    assert refused.status_code == 503 and refused.get_json()["error"]["code"] == "busy"
    assert refused.get_json()["error"]["message"] == "系统繁忙，请稍后再试。"
    assert int(refused.headers["Retry-After"]) >= 30  # (the limiter may name its own, later, reset)
    html = page(app, genuine, "10.0.0.4")
    assert html.status_code == 503 and "系统繁忙" in html.get_data(as_text=True)
    assert "无效" not in html.get_data(as_text=True)
    thread.join(60)
    assert result[0].status_code == 200
    assert api(app, genuine, "10.0.0.3").get_json()["valid"] is True  # the slot is free again


def test_a_checker_killed_from_outside_is_503_could_not_check(issuance: Issuance, genuine: bytes) -> None:
    app = make_app(issuance)
    response = signal_checker_during(lambda: api(app, SLOW, "10.0.0.2"), signal.SIGKILL)
    assert response.status_code == 503 and response.get_json()["error"]["code"] == "unavailable"
    assert int(response.headers["Retry-After"]) >= 30
    html = signal_checker_during(lambda: page(app, SLOW, "10.0.0.2"), signal.SIGKILL)
    text = html.get_data(as_text=True)
    assert html.status_code == 503 and "暂时无法检查" in text
    assert "无效" not in text and "压缩炸弹" not in text and "超时" not in text
