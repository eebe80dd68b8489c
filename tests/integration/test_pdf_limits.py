"""The PDF check's own limits, each by cause: a structure over the limits, or a file that
spends its CPU budget, is the file's fault ("not valid"); a checker killed from outside,
stopped or starved of CPU, or a full queue, is "could not check now" (no verdict)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from ecert.sandbox import run_sandboxed
from ecert.settings import SandboxLimits
from tests import hostile_pdfs
from tests.checkers import signal_checker_during
from tests.integration import test_pdf_check
from tests.integration.test_pdf_check import Corpus, check, said
from verifier.pdf.limits import LIMITS, measure

corpus = test_pdf_check.corpus  # the same module-scoped fixture: issued, revoked, renewed files

# A file that costs the parser ~1.5 s of CPU: long enough to catch its checker at work.
SLOW = hostile_pdfs.token_flood(1.0)


def test_genuine_certificates_sit_far_below_the_structure_limits(corpus: Corpus) -> None:
    for data in (corpus.good, corpus.renewed, corpus.superseded_v2):
        found = measure(data)
        assert found.revisions * 8 <= LIMITS.revisions and found.xref_sections * 8 <= LIMITS.xref_sections
        assert found.objects * 40 <= LIMITS.objects, found


@pytest.mark.parametrize(
    "make, what, words",
    [
        (hostile_pdfs.many_revisions, "revisions", "修订版本"),
        (hostile_pdfs.many_xref_streams, "xref_sections", "交叉引用段"),
        (hostile_pdfs.many_objects, "objects", "对象"),
    ],
)
def test_an_over_complex_structure_is_refused_before_parsing(corpus: Corpus, make, what: str, words: str) -> None:  # type: ignore[no-untyped-def]
    limit = getattr(LIMITS, what)
    # Over the limit and, were it parsed, ~10 s of CPU (a trailer of 6 MB of integers):
    # refused in well under a second of CPU, so nothing parsed it.
    flood = hostile_pdfs.token_flood(6.0)
    data = make(limit + 10) + flood[len(hostile_pdfs.HEAD) :]
    verdict = check(corpus, data)
    first = verdict.check("is_pdf")
    assert not verdict.valid and not verdict.unavailable and first.passed is False
    assert first.reason == "too_complex" and first.params["what"] == what and first.params["limit"] == limit
    assert verdict.cpu_seconds < 1.0
    assert said(verdict, "is_pdf").startswith("文件结构过于复杂") and words in said(verdict, "is_pdf")
    assert "不是本机关签发的证书" in said(verdict, "is_pdf")
    assert "too complex" in said(verdict, "is_pdf", "en")
    assert said(verdict).startswith("无效")


def test_spending_its_cpu_budget_is_the_files_fault(corpus: Corpus) -> None:
    verdict = check(corpus, SLOW, limits=SandboxLimits(cpu_seconds=0.3, timeout=30))
    assert not verdict.valid and not verdict.unavailable
    assert verdict.check("is_pdf").passed is False and verdict.check("is_pdf").reason == "timeout"
    assert verdict.cpu_seconds >= 0.3 and said(verdict).startswith("无效")


def test_a_checker_killed_from_outside_is_could_not_check(corpus: Corpus) -> None:
    for signum in (signal.SIGKILL, signal.SIGTERM):
        verdict = signal_checker_during(lambda: check(corpus, SLOW), signum)
        assert verdict.unavailable and not verdict.valid and set(verdict.failed) <= {"issued_by_us"}, signum
        assert verdict.check("is_pdf").params["cause"] == "killed"
        assert said(verdict) == "暂时无法检查此文件，请稍后再试。"
        assert "检查被中断" in said(verdict, "is_pdf") and "不说明文件有问题" in said(verdict, "is_pdf")


def test_a_stopped_checker_starved_of_cpu_is_could_not_check(corpus: Corpus) -> None:
    limits = SandboxLimits(cpu_seconds=1.0, timeout=2.0)
    started = time.monotonic()
    verdict = signal_checker_during(lambda: check(corpus, SLOW, limits=limits), signal.SIGSTOP)
    assert verdict.unavailable and not verdict.valid and set(verdict.failed) <= {"issued_by_us"}
    assert verdict.check("is_pdf").params["cause"] == "starved"
    assert "only" in verdict.check("is_pdf").detail and verdict.cpu_seconds < limits.cpu_seconds
    assert time.monotonic() - started < 20


def test_a_full_queue_is_busy_at_once() -> None:
    limits = SandboxLimits(max_jobs=1, queue=1, wait=30, timeout=10, cpu_seconds=10)
    outcomes: list = []
    threads = [threading.Thread(target=lambda: outcomes.append(run_sandboxed(time.sleep, 1.0, limits=limits)))]
    threads.append(threading.Thread(target=lambda: outcomes.append(run_sandboxed(time.sleep, 0.1, limits=limits))))
    threads[0].start()
    time.sleep(0.3)  # one runs
    threads[1].start()
    time.sleep(0.1)  # one waits: the queue of 1 is full
    started = time.monotonic()
    third = run_sandboxed(time.sleep, 0.1, limits=limits)
    assert third.failure == "busy" and third.unavailable and "queue full" in third.message
    assert time.monotonic() - started < 0.5
    for t in threads:
        t.join(30)
    assert [o.failure for o in outcomes] == [None, None]


def test_ecert_verify_exits_3_when_its_checker_is_killed(corpus: Corpus, tmp_path: Path, pki_home: Path) -> None:
    slow = tmp_path / "slow.pdf"
    slow.write_bytes(SLOW)
    env = {
        **os.environ,
        "ECERT_HOME": str(pki_home),
        "DATABASE_URL": corpus.db.engine.url.render_as_string(hide_password=False),  # type: ignore[attr-defined]
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "ecert", "verify", str(slow)], env=env, stdout=subprocess.PIPE, text=True
    )
    signal_checker_during(lambda: process.wait(120), signal.SIGKILL, ancestor=process.pid)
    output = process.stdout.read() if process.stdout else ""
    assert process.returncode == 3, output
    assert output.startswith("暂时无法检查此文件") and "无效" not in output.splitlines()[0]
    assert "检查被中断" in output  # is_pdf says the check was cut short, not that the file is bad
