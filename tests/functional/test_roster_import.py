"""``ecert legacy import-roster`` and ``/console/rosters`` as staff use them: counts in
``--json``, a file with bad rows refused whole with every problem listed, ``--skip-invalid``
imports the rest, the same file again adds nothing, one audit event without personal data."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import openpyxl
from sqlalchemy import func, select

from ecert.models import AuditEvent, RosterEntry
from ecert.vocab.idnumber import id_check_character
from tests.functional.test_console_revoke import staff_client
from tests.functional.test_issue_cli import invoke
from tests.functional.test_portal import csrf

ID = "50011119850101123" + id_check_character("50011119850101123")
BAD_ID = ID[:-1] + ("0" if ID[-1] != "0" else "1")
HEADER = "姓名,身份证号码,资格名称,取得时间,审批单位,文号,证书编号"
GOOD = [
    f"王伟,{ID},工程师,2003.7.1,重庆市工程系列中级评委会,渝人发【2003】12号,0012345",
    "李丽,500111650302123,助理工程师,2003年7月,重庆市工程系列初级评委会,,0012346",
]
BAD = [
    f"赵六,{BAD_ID},工程师,2003-13-01,评委会,渝人发2003,",
    ",,,,评委会,,",
]


def write(tmp_path: Path, lines: list[str], name: str = "名册.csv", encoding: str = "gb18030") -> Path:
    path = tmp_path / name
    path.write_bytes(("\n".join([HEADER, *lines]) + "\n").encode(encoding))
    return path


def entries(app) -> int:  # type: ignore[no-untyped-def]
    with app.extensions["ecert"].db.read() as session:
        return int(session.scalar(select(func.count()).select_from(RosterEntry)) or 0)


def events(app) -> list[AuditEvent]:  # type: ignore[no-untyped-def]
    with app.extensions["ecert"].db.read() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == "roster.imported")))


def test_json_counts_and_a_second_import_adds_nothing(app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = write(tmp_path, GOOD)
    result = invoke(app, "legacy", "import-roster", str(path), "--json", "--source", "大足区档案室 2003")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"imported": 2, "already_present": 0, "invalid": 0, "errors": []}
    with app.extensions["ecert"].db.read() as session:
        old = session.scalars(select(RosterEntry).where(RosterEntry.name == "李丽")).one()
        assert (old.id_number, old.id_number_original) == ("500111196503021234", "500111650302123")
        assert (str(old.approval_date), old.approval_date_precision, old.approval_date_text) == (
            "2003-07-01",
            "month",
            "2003年7月",
        )
        assert (old.source_label, old.source_file, old.sheet, old.source_row) == (
            "大足区档案室 2003",
            "名册.csv",
            None,
            3,
        )
        assert old.imported_by.startswith("cli:")

    again = invoke(app, "legacy", "import-roster", str(write(tmp_path, GOOD, "copy.csv", "utf-8-sig")), "--json")
    assert again.exit_code == 0
    assert json.loads(again.stdout) == {"imported": 0, "already_present": 2, "invalid": 0, "errors": []}
    assert entries(app) == 2
    first, second = events(app)
    assert first.payload["imported"] == 2 and second.payload["already_present"] == 2
    assert len(first.payload["sha256"]) == 64
    # Counts, the file's hash and the label: no name, no ID number.
    assert not re.search(r"王伟|李丽|500111", json.dumps(first.payload, ensure_ascii=False))


def test_a_file_with_bad_rows_is_refused_whole_and_every_problem_is_listed(app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = write(tmp_path, [*GOOD, *BAD])
    result = invoke(app, "legacy", "import-roster", str(path))
    assert result.exit_code == 1
    for line in (
        "row 4, column id_number: ID number is wrong (its check character does not match)",
        "row 4, column approval_date: approval date 2003-13-01 is not a real date",
        "row 4, column doc_no: document number 渝人发2003 must look like",
        "row 5, column name: is required",
        "row 5, column qualification: is required",
        "row 5, column id_number: fill in at least one of",
    ):
        assert line in result.stderr, result.stderr
    assert "2 rows have problems (6 in all), nothing was imported" in result.stderr
    assert entries(app) == 0 and events(app) == []

    chinese = invoke(app, "legacy", "import-roster", str(path), lang="zh")
    assert "第 4 行，取得时间 列：审批时间 2003-13-01 不是真实存在的日期" in chinese.stderr
    assert "未导入任何行" in chinese.stderr

    as_json = invoke(app, "legacy", "import-roster", str(path), "--json")
    assert as_json.exit_code == 1
    record = json.loads(as_json.stdout)
    assert (record["imported"], record["already_present"], record["invalid"]) == (0, 0, 2)
    assert len(record["errors"]) == 6
    assert record["errors"][0] | {"message": ""} == {
        "sheet": None, "row": 4, "column": "id_number", "code": "id_number.checksum", "params": {}, "message": "",
    }  # fmt: skip


def test_skip_invalid_imports_the_rest_and_exits_3(app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = write(tmp_path, [*GOOD, *BAD])
    result = invoke(app, "legacy", "import-roster", str(path), "--skip-invalid", "--json")
    assert result.exit_code == 3
    record = json.loads(result.stdout)
    assert (record["imported"], record["already_present"], record["invalid"]) == (2, 0, 2)
    assert entries(app) == 2
    again = invoke(app, "legacy", "import-roster", str(path), "--skip-invalid")
    assert again.exit_code == 3
    assert "0 imported, 2 already imported (nothing new), 2 invalid rows skipped" in again.stdout
    assert entries(app) == 2


def test_an_unreadable_file_says_why(app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "old.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64)
    result = invoke(app, "legacy", "import-roster", str(path), lang="zh")
    assert result.exit_code == 1
    assert "Excel 97-2003（.xls）" in result.stderr
    missing = invoke(app, "legacy", "import-roster", str(tmp_path / "none.csv"))
    assert missing.exit_code == 1 and "none.csv" in missing.stderr


def xlsx() -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "2003年"
    sheet.append(["姓名", "身份证号码", "资格名称", "取得时间", "审批单位", "原证书编号"])
    sheet.append(["王伟", ID, "工程师", 37803, "评委会", "0012345"])
    sheet.append(["赵六", BAD_ID, "工程师", "2003-07-01", "评委会", "0012347"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client, data: bytes, name: str, **form: str):  # type: ignore[no-untyped-def]
    fields = {"csrf_token": csrf(client, "/console/rosters"), "file": (io.BytesIO(data), name), **form}
    return client.post("/console/rosters", data=fields, content_type="multipart/form-data")


def test_the_console_upload_lists_each_problem_in_chinese_then_imports(app) -> None:  # type: ignore[no-untyped-def]
    reviewer = staff_client(app, "li.reviewer", "reviewer")
    home = reviewer.get("/console/").get_data(as_text=True)
    assert 'href="/console/rosters"' in home  # the console's navigation offers it

    refused = upload(reviewer, xlsx(), "名册.xlsx", source="档案室")
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "名册有 1 行有问题（共 1 处），未导入任何行" in page
    assert re.search(r">2003年</td><td[^>]*>3</td><td[^>]*>身份证号码</td><td[^>]*>身份证号码有误（校验码不符）", page)
    assert entries(app) == 0

    done = upload(reviewer, xlsx(), "名册.xlsx", source="档案室", skip_invalid="y")
    page = done.get_data(as_text=True)
    assert done.status_code == 200
    assert "导入 1 行，早已导入 0 行（无新内容），跳过无效行 1 行" in page
    assert re.search(r">档案室</td><td[^>]*>名册.xlsx", page)
    assert entries(app) == 1
    with app.extensions["ecert"].db.read() as session:
        entry = session.scalars(select(RosterEntry)).one()
    assert (entry.sheet, entry.source_row, str(entry.approval_date), entry.imported_by) == (
        "2003年", 2, "2003-07-01", entry.imported_by,
    )  # fmt: skip
    assert entry.imported_by.startswith("account:")

    unreadable = upload(reviewer, b"PK\x03\x04nonsense", "x.xlsx")
    assert unreadable.status_code == 400 and "文件不是可读的 XLSX 工作簿" in unreadable.get_data(as_text=True)


def test_an_upload_over_the_limit_is_refused(app) -> None:  # type: ignore[no-untyped-def]
    from legacy_import.roster_views import MAX_ROSTER_BYTES

    admin = staff_client(app, "zhao.admin", "admin")
    big = upload(admin, b"x" * (MAX_ROSTER_BYTES + 1), "big.csv")
    assert big.status_code == 413
    assert "名册文件不能超过 10 MB" in big.get_data(as_text=True)
