"""An approver issues a decisions CSV uploaded in the console: the same row errors as
``ecert issue`` in a table (and nothing issued), or a batch issued in the background whose
page shows its progress and then the numbers; the same file again issues nothing new; a
batch killed mid-way is completed by uploading the file again. Reviewers get 403, holders 404."""

from __future__ import annotations

import io
import re
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from console.issue_batches import open_batch
from ecert.models import AuditEvent, Certificate, CertificateStatus, IssueBatch
from ecert.settings import Settings
from issuer.decisions import parse_decisions
from issuer.runtime import runtime
from issuer.services.issuance import Issuance, _reserve, issue_decision
from issuer.signing.signers import build_document_signer
from tests import factories
from tests.functional.test_console_revoke import staff_client
from tests.functional.test_issue_cli import invoke
from tests.functional.test_portal import csrf
from tests.integration.test_released_reservations import FlakyTSA
from tests.integration.test_released_reservations import tsa as tsa  # the fixture
from tests.unit.csv_rows import TODAY, csv_file, row

# The rules tested here are the same on both databases; PostgreSQL runs where SQL differs.
pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def person(n: int, **changes: str) -> dict[str, str]:
    """A valid row of somebody else each time (a man: the factories' ID numbers are male)."""
    fields = {
        "name": f"王{'一二三四五六七八九十'[n % 10]}明",
        "gender": "男",
        "id_number": factories.id_number(),
        "mobile": "",
    }
    return row(**(fields | changes))


def upload(client, data: bytes, *, name: str = "decisions.csv", skip_invalid: bool = False, token: str | None = None):  # type: ignore[no-untyped-def]
    form: dict[str, Any] = {"file": (io.BytesIO(data), name)}
    if token is not False:
        form["csrf_token"] = token or csrf(client, "/console/issue")
    if skip_invalid:
        form["skip_invalid"] = "y"
    return client.post("/console/issue", data=form, content_type="multipart/form-data")


def finished_page(client, location: str) -> str:  # type: ignore[no-untyped-def]
    """The batch page once it no longer refreshes itself (the batch ended)."""
    deadline = time.monotonic() + 120
    while True:
        answer = client.get(location)
        if "Refresh" not in answer.headers:
            return answer.get_data(as_text=True)
        assert time.monotonic() < deadline, "the batch did not finish"
        time.sleep(0.2)


def counts(issuance: Issuance) -> tuple[int, int]:
    with issuance.db.read() as session:
        certificates = session.scalar(select(func.count()).select_from(Certificate)) or 0
        batches = session.scalar(select(func.count()).select_from(IssueBatch)) or 0
    return int(certificates), int(batches)


def test_a_file_with_row_errors_shows_every_one_in_a_table_and_issues_nothing(app, issuance: Issuance) -> None:  # type: ignore[no-untyped-def]
    approver = staff_client(app, "wang.approver", "approver")
    bad = csv_file(
        person(1),
        person(2, id_number="500111199207210043", approval_date="2025-02-30"),
        person(3, photo="photos/x.jpg"),
    )
    answer = upload(approver, bad)
    page = answer.get_data(as_text=True)
    assert answer.status_code == 400
    assert "文件有 3 处问题，未签发任何证书" in page
    # Row, column (its Chinese header) and the CLI's own message, one table row each.
    assert re.search(r"<td>3</td><td>身份证号</td><td>身份证号码有误（校验码不符）；请与身份证核对</td>", page)
    assert re.search(r"<td>3</td><td>审批时间</td><td>审批时间 2025-02-30 不是真实存在的日期</td>", page)
    assert re.search(r"<td>4</td><td>照片</td><td>网页上传只能带 CSV 文件本身，不能带照片 photos/x.jpg", page)
    assert counts(issuance) == (0, 0)

    # The CLI's --skip-invalid: the valid row is issued, the others listed as not issued.
    skipped = upload(approver, bad, skip_invalid=True)
    assert skipped.status_code == 303
    done = finished_page(approver, skipped.headers["Location"])
    assert "签发 1 张，早已签发 0 张（无新内容），跳过无效行 2 行" in done
    assert "身份证号码有误（校验码不符）" in done
    assert counts(issuance) == (1, 1)


def test_rows_the_fonts_cannot_print_are_listed_on_the_batch_page_and_nothing_is_issued(
    app, issuance: Issuance
) -> None:  # type: ignore[no-untyped-def]
    approver = staff_client(app, "wang.approver", "approver")
    data = csv_file(person(1), person(2, name="王\U00031350"), person(3, employer="\u2e3b" * 40))
    answer = upload(approver, data)
    assert answer.status_code == 303  # the reading found nothing: the fonts' and the page's checks run with the batch
    page = finished_page(approver, answer.headers["Location"])
    assert "检查发现下列问题，未签发任何证书" in page
    assert re.search(r"<td>3</td><td>姓名</td><td>没有字体能打印 U\+31350", page)
    assert re.search(r"<td>4</td><td>工作单位</td><td>太长，折成两行、用最小的 9 磅字号也印不下", page)
    assert counts(issuance) == (0, 1)
    with issuance.db.read() as session:
        batch = session.scalars(select(IssueBatch)).one()
    assert (batch.status, batch.rows_total, batch.rows_checked, batch.rows_done) == ("rejected", 3, 3, 0)

    skipped = finished_page(approver, upload(approver, data, skip_invalid=True).headers["Location"])
    assert "签发 1 张，早已签发 0 张（无新内容），跳过无效行 2 行" in skipped
    assert "<dt>已处理</dt><dd>1</dd>" in skipped and "<dt>失败</dt><dd>2</dd>" in skipped
    assert counts(issuance) == (1, 2)


def test_a_valid_file_is_issued_in_the_background_and_its_certificates_verify(
    app, client, issuance: Issuance, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    approver = staff_client(app, "wang.approver", "approver")
    data = csv_file(*(person(n) for n in range(3)))
    answer = upload(approver, data, name="第一批.csv")
    assert answer.status_code == 303
    location = answer.headers["Location"]
    assert re.fullmatch(r".*/console/issue/[\w-]+", location)
    page = finished_page(approver, location)
    assert "签发完成" in page and "第一批.csv" in page
    assert "签发 3 张，早已签发 0 张（无新内容），跳过无效行 0 行" in page
    with issuance.db.read() as session:
        certificates = session.scalars(select(Certificate).order_by(Certificate.number)).all()
        batch = session.scalars(select(IssueBatch)).one()
        events = session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()
    assert [c.status for c in certificates] == [CertificateStatus.VALID] * 3
    for certificate in certificates:
        assert certificate.number in page  # the issued list names every number
        verified = client.get(f"/v/{certificate.token}").get_data(as_text=True)
        assert ">有效<" in verified
    assert (batch.status, batch.rows_total, batch.rows_done, batch.rows_failed) == ("finished", 3, 3, 0)
    assert batch.uploaded_by.startswith("account:") and batch.finished_at is not None
    # The batch's start and end, and every certificate's events, are the staff account's.
    actions = [(e.action, e.actor) for e in events if e.action.startswith(("issue_batch.", "certificate."))]
    assert actions[0] == ("issue_batch.started", batch.uploaded_by)
    assert actions[-1] == ("issue_batch.finished", batch.uploaded_by)
    assert {actor for action, actor in actions if action.startswith("certificate.")} == {batch.uploaded_by}
    assert events[-1].payload == {"status": "finished", "issued": 3, "already_issued": 0, "invalid_rows": 0}

    # The same file again: nothing new, and the page says so.
    again = upload(approver, data)
    repeat = finished_page(approver, again.headers["Location"])
    assert "签发 0 张，早已签发 3 张（无新内容）" in repeat
    assert "此文件的审批决定都已签发过，本次没有签发新证书" in repeat
    assert "此文件此前已上传过 1 次" in repeat
    assert counts(issuance) == (3, 2)

    # One registry, one idempotency: ecert issue on the same file finds them issued too,
    # and the audit log (batch events included) is intact and agrees with the registry.
    path = tmp_path / "decisions.csv"
    path.write_bytes(data)
    rerun = invoke(app, "issue", str(path))
    assert rerun.exit_code == 0 and "0 issued, 3 already issued (nothing new)" in rerun.stdout
    verified = invoke(app, "audit", "verify")
    assert verified.exit_code == 0 and "the audit log is intact and agrees with the registry" in verified.stdout


def test_the_progress_page_counts_while_running(app, issuance: Issuance) -> None:  # type: ignore[no-untyped-def]
    approver = staff_client(app, "wang.approver", "approver")
    answer = upload(approver, csv_file(*(person(n) for n in range(6))))
    location = answer.headers["Location"]
    running = approver.get(location)
    if "Refresh" in running.headers:  # six certificates take over a second: usually caught running
        first = running.get_data(as_text=True)
        assert running.headers["Refresh"] == "2" and "本页每 2 秒自动刷新" in first
        assert re.search(
            r"正在检查各行（与 ecert issue 相同的检查）：已检查 \d+ / 6 行|正在签发：已处理 \d / 6 行", first
        )
        assert 'max="6"' in first
        # Refreshing can be turned off (a time limit the user controls), and on again.
        still = approver.get(location.split("?")[0] + "?auto=0")
        if "恢复自动刷新" in still.get_data(as_text=True):
            assert "Refresh" not in still.headers
    assert "<script" not in approver.get(location).get_data(as_text=True)
    page = finished_page(approver, location)
    assert '<progress id="progress" class="bar" max="6" value="6">' in page
    assert "<dt>已处理</dt><dd>6</dd>" in page and "<dt>失败</dt><dd>0</dd>" in page


def test_a_batch_killed_mid_way_is_completed_by_uploading_the_file_again(app, issuance: Issuance) -> None:  # type: ignore[no-untyped-def]
    approver = staff_client(app, "wang.approver", "approver")
    data = csv_file(person(1), person(2))
    # What a restart leaves: a batch "running" not heard of for an hour, and row 2 reserved, not signed.
    killed = open_batch(
        issuance.db,
        data=data,
        file_name="decisions.csv",
        actor="account:1",
        skip_invalid=False,
        rows_total=2,
        at=datetime.now(UTC) - timedelta(hours=1),
    )
    left = _reserve(issuance, parse_decisions(data, base_dir=issuance.settings.home, today=TODAY).decisions[0], None)
    first_location = f"/console/issue/{killed.batch_id}"
    stale = approver.get(first_location)
    assert "这一批在签发途中中断了" in stale.get_data(as_text=True) and "Refresh" not in stale.headers

    resumed = upload(approver, data)
    assert resumed.status_code == 303 and resumed.headers["Location"] != first_location
    finished_page(approver, resumed.headers["Location"])
    with issuance.db.read() as session:
        completed = session.get(Certificate, left.certificate_id)
        statuses = dict(session.execute(select(IssueBatch.id, IssueBatch.status)).all())
    assert completed is not None and completed.status == CertificateStatus.VALID  # same row, same number
    assert completed.number == left.number and completed.token == left.token
    assert sorted(statuses.values()) == ["finished", "interrupted"]


def test_a_second_upload_while_the_first_runs_does_not_start_another(app, issuance: Issuance) -> None:  # type: ignore[no-untyped-def]
    approver = staff_client(app, "wang.approver", "approver")
    data = csv_file(*(person(n) for n in range(8)))
    first = upload(approver, data).headers["Location"]
    second = upload(approver, data)
    if second.headers["Location"].endswith("again=1"):  # the first was still running
        assert second.headers["Location"].split("?")[0] == first.split("?")[0]
        assert "此文件正在签发中，没有重复开始" in approver.get(second.headers["Location"]).get_data(as_text=True)
    finished_page(approver, first)
    finished_page(approver, second.headers["Location"])
    assert counts(issuance)[0] == 8


def test_hostile_uploads_get_a_clear_error_and_start_nothing(app, issuance: Issuance) -> None:  # type: ignore[no-untyped-def]
    approver = staff_client(app, "wang.approver", "approver")
    good = csv_file(person(1))
    cases = {
        b"PK\x03\x04\x14\x00\x00\x00binary": "文件不是文本文件（含有 NUL 字节）；请另存为 CSV",
        "name,gender\n".encode("utf-16"): "文件既不是 UTF-8 也不是 GB18030 编码",
        b"\xef\xbb\xbf" + "姓名,性别".encode("gb18030") + b"\x80\xff\n": "文件开头是 UTF-8 的 BOM",
        b"": "第一行必须是列名",
        b"name,colour\n1,2\n": "列名行中有未知的列：colour",
        good.splitlines()[0] + b"\n": "文件只有列名行，没有审批决定",
        good + b"x" * (2 * 1024 * 1024): "文件太大：审批结果 CSV 文件不能超过 2 MB",
    }
    for data, message in cases.items():
        answer = upload(approver, data)
        page = answer.get_data(as_text=True)
        assert answer.status_code in (400, 413), message
        assert message in page, message
        assert 'aria-invalid="true"' in page and 'id="file-error"' in page
    assert counts(issuance) == (0, 0)
    # Bigger than the whole request may be (ECERT_MAX_REQUEST_BYTES): the same form, 413.
    huge = upload(approver, b"x" * (17 * 1024 * 1024))
    assert huge.status_code == 413 and "不能超过 2 MB" in huge.get_data(as_text=True)
    # No file at all.
    token = csrf(approver, "/console/issue")
    empty = approver.post("/console/issue", data={"csrf_token": token}, content_type="multipart/form-data")
    assert empty.status_code == 400 and "请选择审批结果 CSV 文件" in empty.get_data(as_text=True)


def test_gb18030_from_chinese_excel_is_read(app, issuance: Issuance) -> None:  # type: ignore[no-untyped-def]
    approver = staff_client(app, "wang.approver", "approver")
    data = csv_file(person(1)).decode("utf-8").encode("gb18030")
    page = finished_page(approver, upload(approver, data).headers["Location"])
    assert "签发 1 张" in page


def test_only_approvers_reach_the_upload_and_csrf_is_required(app, issuance: Issuance) -> None:  # type: ignore[no-untyped-def]
    reviewer = staff_client(app, "li.reviewer", "reviewer")
    assert reviewer.get("/console/issue").status_code == 403
    reviewer_token = csrf(reviewer, "/console/")
    assert upload(reviewer, csv_file(person(1)), token=reviewer_token).status_code == 403
    approver = staff_client(app, "wang.approver", "approver")
    assert upload(approver, csv_file(person(1)), token=False).status_code == 400  # no CSRF token
    assert approver.get("/console/issue/no-such-batch").status_code == 404
    assert counts(issuance) == (0, 0)
    page = approver.get("/console/issue").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page and '<label for="file">' in page


CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


def test_the_pages_are_in_english_when_asked(app, issuance: Issuance) -> None:  # type: ignore[no-untyped-def]
    from tests.functional.test_one_language import _text

    approver = staff_client(app, "wang.approver", "approver")
    form = approver.get("/console/issue?lang=en").get_data(as_text=True)
    assert "Issue certificates from an approved-decisions file" in form
    bad = csv_file(person(1, id_number="500111199207210043"), person(2))
    table = upload(approver, bad, name="batch.csv").get_data(as_text=True)
    assert "The file has 1 problems; no certificate was issued" in table
    assert re.search(r"<td>2</td><td>id_number</td><td>ID number is wrong", table)
    done = finished_page(approver, upload(approver, bad, name="batch.csv", skip_invalid=True).headers["Location"])
    assert "Issuing finished." in done
    office = issuance.settings.office_name
    for page in (form, table, done):
        # The rows' own data (names, 文号) are not on these pages; the office's name is.
        chinese = [line for line in _text(page) if CJK.search(line) and office not in line]
        assert chinese == [], chinese


def test_a_fault_no_row_caused_ends_the_batch_failed_with_the_clis_words(app, issuance: Issuance) -> None:  # type: ignore[no-untyped-def]
    # Another machine issued first under another public URL: QR codes are forever, this one refuses.
    elsewhere = replace(issuance, settings=replace(issuance.settings, public_url="https://elsewhere.example"))
    issue_decision(elsewhere, factories.decision())
    approver = staff_client(app, "wang.approver", "approver")
    page = finished_page(approver, upload(approver, csv_file(person(1), person(2))).headers["Location"])
    assert "签发失败：数据库记录的公开网址（二维码中的网址）是 https://elsewhere.example" in page
    with issuance.db.read() as session:
        batch = session.scalars(select(IssueBatch)).one()
        last = session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
    assert (batch.status, batch.rows_done, batch.finished_at is not None) == ("failed", 0, True)
    assert counts(issuance) == (1, 1)  # only the other machine's certificate
    assert last is not None and last.action == "issue_batch.finished" and last.payload["status"] == "failed"


def test_a_row_the_timestamp_authority_fails_stops_the_batch_and_a_re_upload_finishes_it(  # type: ignore[no-untyped-def]
    app,
    issuance: Issuance,
    tsa: FlakyTSA,
) -> None:
    # A real RFC 3161 service over HTTP that answers 503 while it is down.
    signer = build_document_signer(Settings(home=issuance.settings.home, database_url="sqlite://", tsa_url=tsa.url))
    runtime(app).__dict__["signer"] = signer
    approver = staff_client(app, "wang.approver", "approver")
    data = csv_file(person(1), person(2))
    tsa.down.set()
    page = finished_page(approver, upload(approver, data).headers["Location"])
    assert "有一行未能签发，其后的行未处理；之前的行已签发" in page
    assert re.search(
        r"<td>2</td><td></td><td>签发失败：.*；已释放预留的编号 ZC500111-2026-000001-H，它将用于下一张证书", page
    )
    assert "<dt>失败</dt><dd>1</dd>" in page and counts(issuance) == (0, 1)

    tsa.down.clear()
    again = finished_page(approver, upload(approver, data).headers["Location"])
    assert "签发 2 张，早已签发 0 张（无新内容），跳过无效行 0 行" in again
    assert "ZC500111-2026-000001-H" in again  # the released number went to the next reservation
