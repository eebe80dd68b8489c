"""Failures after validation, from real parts: an RFC 3161 server over HTTP that goes down
for one row of a batch, and a photo file that changes between validation and issuing.
The failing row is named, its reservation released, the next row goes on; no pending row
stays and the numbers stay contiguous."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from asn1crypto import tsp
from sqlalchemy import select

from ecert import audit
from ecert.models import AuditEvent, Certificate, CertificateStatus, ReleasedNumber
from ecert.settings import Settings
from ecert.vocab.numbering import parse_number, seq_is_usable
from issuer.decisions import parse_decisions
from issuer.pki.development import DevelopmentPKI
from issuer.services.issuance import Issuance, IssuanceFailed, IssueStatus, issue_decisions
from issuer.services.preflight import split_printable
from issuer.signing.signers import build_document_signer
from issuer.signing.timestamping import DevelopmentTimeStamper
from tests import factories
from tests.conftest import OFFICE, audited_database, make_home
from tests.integration.test_concurrent_issuance import write_csv
from tests.unit.csv_rows import GOOD, TODAY

USABLE = [seq for seq in range(1, 40) if seq_is_usable("500111", 2026, seq)]


class FlakyTSA:
    """A real RFC 3161 endpoint on 127.0.0.1 that answers 503 while ``down`` is set, and
    to every ``fail_every``-th request when that is set."""

    def __init__(self, pki_home: Path) -> None:
        stamper = DevelopmentTimeStamper(
            DevelopmentPKI.load_or_create(pki_home / "pki", OFFICE, "http://127.0.0.1:8000")
        )
        self.down = threading.Event()
        self.fail_every: int | None = None
        self.requests = 0
        self.refused = 0
        lock = threading.Lock()
        tsa = self

        def refuse() -> bool:
            with lock:
                tsa.requests += 1
                refused = tsa.down.is_set() or bool(tsa.fail_every and tsa.requests % tsa.fail_every == 0)
                tsa.refused += refused
                return refused

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if refuse():
                    self.send_error(503, "timestamp service unavailable")
                    return
                response = stamper.request_tsa_response(tsp.TimeStampReq.load(body)).dump()
                self.send_response(200)
                self.send_header("Content-Type", "application/timestamp-reply")
                self.send_header("Content-Length", str(len(response)))
                self.end_headers()
                self.wfile.write(response)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/tsa"


@pytest.fixture
def tsa(pki_home: Path) -> Iterator[FlakyTSA]:
    flaky = FlakyTSA(pki_home)
    thread = threading.Thread(target=flaky.server.serve_forever, daemon=True)
    thread.start()
    yield flaky
    flaky.server.shutdown()


@pytest.fixture
def stamped(issuance: Issuance, tsa: FlakyTSA) -> Issuance:
    """The test issuance, timestamped by the flaky TSA over HTTP."""
    settings = Settings(home=issuance.settings.home, database_url="sqlite://", tsa_url=tsa.url)
    return replace(issuance, signer=build_document_signer(settings))


def _state(issuance: Issuance) -> tuple[list[int], list[str], list[int], list[str]]:
    """(valid seqs, pending numbers, released seqs, audit actions about certificates)."""
    with issuance.db.read() as session:
        rows = session.execute(select(Certificate.number, Certificate.status)).all()
        released = sorted(session.scalars(select(ReleasedNumber.seq)))
        actions = [a for a in session.scalars(select(AuditEvent.action)) if a.startswith("certificate.")]
    valid = sorted(parse_number(n).seq for n, s in rows if s is CertificateStatus.VALID)
    return valid, [n for n, s in rows if s is CertificateStatus.PENDING], released, actions


def test_a_tsa_outage_for_one_row_releases_its_number_and_the_batch_goes_on(stamped: Issuance, tsa: FlakyTSA) -> None:
    decisions = [factories.decision(row=row) for row in (2, 3, 4)]
    failures: list[IssuanceFailed] = []

    def done(outcome: object) -> None:
        tsa.down.set()  # the service goes down after the first certificate...

    def failed(failure: IssuanceFailed) -> None:
        failures.append(failure)
        tsa.down.clear()  # ...and is back for the row after

    outcomes = issue_decisions(stamped, decisions, on_done=done, on_failed=failed)

    assert [(o.row, o.status) for o in outcomes] == [(2, IssueStatus.ISSUED), (4, IssueStatus.ISSUED)]
    [failure] = failures
    assert (failure.row, failure.released) == (3, True)
    assert "503" in str(failure.cause) or "Timestamp" in type(failure.cause).__name__ + str(failure.cause)
    # Row 4 took the number row 3 gave back: no gap.
    assert failure.number == outcomes[1].number
    valid, pending, released, actions = _state(stamped)
    assert (valid, pending, released) == (USABLE[:2], [], [])
    assert actions == [
        "certificate.reserved",
        "certificate.issued",
        "certificate.reserved",
        "certificate.released",
        "certificate.reserved",
        "certificate.issued",
    ]

    # The re-run issues row 3 with the next number; rows 2 and 4 are already issued.
    tsa.down.clear()
    rerun = issue_decisions(stamped, decisions)
    assert [o.status for o in rerun] == [IssueStatus.ALREADY_ISSUED, IssueStatus.ISSUED, IssueStatus.ALREADY_ISSUED]
    assert _state(stamped)[:3] == (USABLE[:3], [], [])


def test_without_going_on_the_batch_stops_at_the_row_and_leaves_nothing_pending(
    stamped: Issuance, tsa: FlakyTSA
) -> None:
    decisions = [factories.decision(row=row) for row in (2, 3, 4)]
    with pytest.raises(IssuanceFailed) as stopped:
        issue_decisions(stamped, decisions, on_done=lambda _: tsa.down.set())
    assert (stopped.value.row, stopped.value.released) == (3, True)
    assert _state(stamped)[:3] == (USABLE[:1], [], [USABLE[1]])  # the number waits for the next one
    _assert_registry_matches_the_log(stamped)  # a released version has no row, and the log says so

    tsa.down.clear()
    issue_decisions(stamped, decisions)
    assert _state(stamped)[:3] == (USABLE[:3], [], [])


def test_a_photo_changed_after_validation_is_a_row_error_before_reserving(issuance: Issuance, tmp_path: Path) -> None:
    from PIL import Image

    Image.new("RGB", (300, 400), (180, 160, 150)).save(tmp_path / "a.jpg", format="JPEG")
    header = ",".join(GOOD)
    rows = [
        ",".join({**GOOD, "photo": "a.jpg"}.values()),
        ",".join({**GOOD, "id_number": "500111198803151232", "name": "张三", "gender": "男"}.values()),
    ]
    parsed = parse_decisions(("\n".join([header, *rows]) + "\n").encode(), base_dir=tmp_path, today=TODAY)
    assert parsed.errors == []
    decisions, problems = split_printable(issuance, parsed.decisions)
    assert problems == [] and len(decisions) == 2

    (tmp_path / "a.jpg").write_bytes(b"\xff\xd8\xff\xe0 overwritten by a half-finished copy")
    failures: list[IssuanceFailed] = []
    outcomes = issue_decisions(issuance, decisions, on_failed=failures.append)

    [failure] = failures
    assert failure.problem is not None and failure.number is None
    assert (failure.problem.row, failure.problem.column, failure.problem.code) == (2, "photo", "photo.unusable")
    assert [o.row for o in outcomes] == [3]
    valid, pending, released, actions = _state(issuance)
    assert (valid, pending, released) == (USABLE[:1], [], [])
    assert actions == ["certificate.reserved", "certificate.issued"]  # nothing reserved for row 2

    (tmp_path / "a.jpg").unlink()
    with pytest.raises(IssuanceFailed) as gone:
        issue_decisions(issuance, decisions)
    assert gone.value.problem is not None and gone.value.problem.code == "photo.unreadable"


def test_parallel_processes_with_failures_release_and_reuse_numbers_without_duplicates(
    database_url: str, tmp_path: Path, pki_home: Path, tsa: FlakyTSA
) -> None:
    """Three ``ecert issue --skip-invalid`` processes on overlapping files while the TSA
    refuses every third request: rows fail, their numbers are released and taken by other
    processes' rows; a last run after the TSA recovers leaves every number used once."""
    home = make_home(tmp_path, pki_home)
    batch_a = [factories.decision(name="甲" + "一二三四五"[i]) for i in range(5)]
    batch_b = [factories.decision(name="乙" + "一二三四五"[i]) for i in range(5)]
    files = [
        write_csv(tmp_path / "a.csv", batch_a),
        write_csv(tmp_path / "b.csv", batch_b),
        write_csv(tmp_path / "all.csv", batch_b[::-1] + batch_a),
    ]
    env = {**os.environ, "ECERT_HOME": str(home), "DATABASE_URL": database_url, "ECERT_TSA_URL": tsa.url}
    tsa.fail_every = 3

    def run_all() -> list[int]:
        processes = [
            subprocess.Popen(
                [sys.executable, "-m", "ecert", "--lang", "en", "issue", str(f), "--skip-invalid"],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for f in files
        ]
        codes = []
        for process in processes:
            _out, err = process.communicate(timeout=300)
            assert "Traceback" not in err, err
            # 1 only when the batch's audit anchor met the refusing TSA too: the rows stand.
            anchor_refused = "the audit anchor could not be written" in err
            assert process.returncode in (0, 3) or (process.returncode == 1 and anchor_refused), err
            codes.append(3 if anchor_refused and "issuing failed" in err else process.returncode)
        return codes

    assert 3 in run_all()  # some rows failed
    assert tsa.refused > 0
    db = audited_database(Settings(home=home, database_url=database_url))  # the processes' audit key
    with db.read() as session:
        actions = list(session.scalars(select(AuditEvent.action)))
        assert "certificate.released" in actions
        assert session.scalars(select(Certificate).where(Certificate.status == CertificateStatus.PENDING)).all() == []

    tsa.fail_every = None
    assert run_all() == [0, 0, 0]
    with db.read() as session:
        certificates = session.scalars(select(Certificate)).all()
        assert all(c.status is CertificateStatus.VALID for c in certificates)
        year = parse_number(certificates[0].number).year  # these processes run on the real clock
        usable = [seq for seq in range(1, 40) if seq_is_usable("500111", year, seq)]
        assert sorted(parse_number(c.number).seq for c in certificates) == usable[:10]  # each once, no gap
        assert session.scalars(select(ReleasedNumber)).all() == []
        assert audit.verify_chain(session).ok
    db.dispose()


def test_a_correction_that_fails_after_reserving_leaves_no_pending_version(stamped: Issuance, tsa: FlakyTSA) -> None:
    from issuer import SigningError
    from issuer.services.lifecycle import Changed, correct

    [issued] = issue_decisions(stamped, [factories.decision()])
    tsa.down.set()
    with pytest.raises(SigningError):
        correct(stamped, issued.number, {"employer": "重庆市大足区第二人民医院"}, reason="工作单位填写错误")
    with stamped.db.read() as session:
        versions = session.execute(select(Certificate.version, Certificate.status)).all()
        actions = list(session.scalars(select(AuditEvent.action)))
    assert versions == [(1, CertificateStatus.VALID)]  # v1 still valid, no v2 pending
    assert actions[-2:] == ["certificate.correction_reserved", "certificate.correction_released"]

    tsa.down.clear()  # not "busy": the version number was given back
    changed = correct(stamped, issued.number, {"employer": "重庆市大足区第二人民医院"}, reason="工作单位填写错误")
    assert isinstance(changed, Changed) and changed.version == 2
    _assert_registry_matches_the_log(stamped)


def _assert_registry_matches_the_log(issuance: Issuance) -> None:
    from ecert.audit.replay import compare_registry

    with issuance.db.read() as session:
        _count, problems = compare_registry(session)
    assert problems == []
