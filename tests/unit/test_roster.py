"""Archive rosters read as archives hand them over: CSV in three encodings, XLSX written by
openpyxl with a date cell and a serial number, full-width characters, every 文号 bracket,
old 15-digit ID numbers, each date format, and every problem named by row and column."""

from __future__ import annotations

import io
from datetime import date, datetime

import openpyxl
import pytest

from ecert.vocab.idnumber import id_check_character, upgrade_15_to_18
from issuer.decisions.fields import COLUMNS, HEADER_NAMES, ROSTER_HEADER_NAMES
from legacy_import.roster import RosterFileProblem, RosterProblem, header_field, normalise_row, read_roster
from legacy_import.roster_dates import MONTH, parse_roster_date

TODAY = date(2026, 12, 6)
OLD = "500111650302123"  # a 15-digit number of 1965
ID = "50011119850101123" + id_check_character("50011119850101123")
HEADER = "姓名,身份证号码,资格名称,取得时间,审批单位,文号,证书编号"


def roster(*lines: str, header: str = HEADER) -> str:
    return "\n".join([header, *lines]) + "\n"


def only_row(data: bytes):  # type: ignore[no-untyped-def]
    parsed = read_roster(data, file_name="名册.csv", today=TODAY)
    assert parsed.errors == []
    (row,) = parsed.rows
    return row


GOOD = f"王伟,{ID},工程师,2003-07-01,重庆市工程系列中级评委会,渝人发〔2003〕12号,0012345"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_in_each_encoding_reads_the_same(encoding: str) -> None:
    row = only_row(roster(GOOD).encode(encoding))
    assert (row.name, row.qualification, row.id_number, row.paper_number) == ("王伟", "工程师", ID, "0012345")
    assert (row.approval_date, row.approval_date_precision) == (date(2003, 7, 1), "day")
    assert (row.approving_body, row.doc_no) == ("重庆市工程系列中级评委会", "渝人发〔2003〕12号")
    assert (row.source_file, row.sheet, row.source_row) == ("名册.csv", None, 2)


def test_the_row_key_is_the_same_in_every_encoding_and_for_the_same_row_typed_differently() -> None:
    keys = {only_row(roster(GOOD).encode(encoding)).row_key for encoding in ("utf-8", "utf-8-sig", "gb18030")}
    typed = f"王  伟,{ID},工程师,2003年7月1日,重庆市工程系列中级评委会,渝人发（２００３）１２号,００１２３４５"
    keys.add(only_row(roster(typed).encode("gb18030")).row_key)
    assert len(keys) == 1


def test_a_title_row_above_the_header_and_unread_columns() -> None:
    data = ("2003年度职称评审通过人员名单,,,\n,,,\n" + roster(GOOD + ",已领证", header=HEADER + ",备注")).encode()
    parsed = read_roster(data, file_name="x.csv", today=TODAY)
    assert [row.source_row for row in parsed.rows] == [4]
    assert parsed.ignored_columns == ("备注",)


def test_full_width_digits_and_letters_are_made_half_width() -> None:
    row = only_row(
        roster(f"王伟,{ID[:6]}１９８５０１０１１２３{ID[-1]},工程师,２００３．７．１,评委会,,ＮＯ．００１２").encode()
    )
    assert (row.id_number, row.approval_date, row.paper_number) == (ID, date(2003, 7, 1), "NO.0012")


@pytest.mark.parametrize(
    "typed", ["【2003】", "[2003]", "(2003)", "（2003）", "〔2003〕", "﹝2003﹞", "［2003］", "〖2003〗"]
)
def test_every_bracket_style_of_the_doc_no(typed: str) -> None:
    row = only_row(roster(f"王伟,{ID},工程师,2003-07-01,评委会,渝人发 {typed} 12 号,").encode())
    assert row.doc_no == "渝人发〔2003〕12号"


def test_an_old_15_digit_number_is_upgraded_and_kept() -> None:
    row = only_row(roster(f"李丽,{OLD},助理工程师,1990年5月,评委会,,A-1").encode())
    assert row.id_number == upgrade_15_to_18(OLD) == "50011119650302123" + id_check_character("50011119650302123")
    assert row.id_number_original == OLD


@pytest.mark.parametrize(
    ("typed", "expected", "precision"),
    [
        ("2003-07-01", date(2003, 7, 1), "day"),
        ("2003.7.1", date(2003, 7, 1), "day"),
        ("2003/7/1", date(2003, 7, 1), "day"),
        ("2003年7月1日", date(2003, 7, 1), "day"),
        ("2003年07月01日", date(2003, 7, 1), "day"),
        ("20030701", date(2003, 7, 1), "day"),
        ("2003-07-01 00:00:00", date(2003, 7, 1), "day"),
        ("二〇〇三年七月一日", date(2003, 7, 1), "day"),
        ("二〇〇三年十二月三十一日", date(2003, 12, 31), "day"),
        ("2003年7月", date(2003, 7, 1), MONTH),
        ("2003.7", date(2003, 7, 1), MONTH),
        ("2003-07", date(2003, 7, 1), MONTH),
        ("二〇〇三年七月", date(2003, 7, 1), MONTH),
        ("37803", date(2003, 7, 1), "day"),  # an Excel serial number saved as digits
        ("37803.0", date(2003, 7, 1), "day"),
    ],
)
def test_each_date_format(typed: str, expected: date, precision: str) -> None:
    assert parse_roster_date(typed, today=TODAY) == (expected, precision, typed)
    row = only_row(roster(f"王伟,{ID},工程师,{typed},评委会,,1").encode())
    assert (row.approval_date, row.approval_date_precision, row.approval_date_text) == (expected, precision, typed)


def test_excel_dates_and_serial_numbers_as_values() -> None:
    assert parse_roster_date(datetime(2003, 7, 1), today=TODAY) == (date(2003, 7, 1), "day", "2003-07-01")
    assert parse_roster_date(37803, today=TODAY) == (date(2003, 7, 1), "day", "37803")
    assert parse_roster_date(37803.0, today=TODAY) == (date(2003, 7, 1), "day", "37803")
    assert parse_roster_date(36341, today=TODAY, epoch=date(1904, 1, 1)) == (date(2003, 7, 1), "day", "36341")


@pytest.mark.parametrize(
    ("typed", "code"),
    [("2003-13-01", "date.invalid"), ("2003年2月30日", "date.invalid"), ("去年", "roster.date_format"),
     ("2030-01-01", "date.future"), ("1948-01-01", "date.too_early"), ("37803.5", "roster.date_format")],
)  # fmt: skip
def test_dates_that_are_not_dates(typed: str, code: str) -> None:
    found = parse_roster_date(typed, today=TODAY)
    assert not isinstance(found, tuple) and found.code == code


def test_a_bad_row_is_named_by_row_and_column_and_every_problem_of_the_file_is_listed() -> None:
    data = roster(
        GOOD,
        f"坏,{ID[:-1]}{'0' if ID[-1] != '0' else '1'},工程师,2003-13-01,评委会,渝人发2003,",
        ",,,2003-07-01,评委会,,",
        f"张三,{ID},,2003-07-01,评委会,,",
        "赵六,,工程师,2003-07-01,评委会,,",
    ).encode()
    parsed = read_roster(data, file_name="x.csv", today=TODAY)
    assert len(parsed.rows) == 1 and parsed.invalid_rows == 4
    found = {(error.row, error.column, error.code) for error in parsed.errors}
    assert found == {
        (3, "id_number", "id_number.checksum"),
        (3, "approval_date", "date.invalid"),
        (3, "doc_no", "doc_no.format"),
        (4, "name", "required"),
        (4, "qualification", "required"),
        (4, "id_number", "roster.no_reference"),
        (5, "qualification", "required"),
        (6, "id_number", "roster.no_reference"),
    }
    (date_error,) = [error for error in parsed.errors if error.column == "approval_date"]
    assert date_error.header == "取得时间"  # the words name the column as the file does


def test_an_xlsx_written_by_openpyxl_with_a_date_cell_and_a_serial_number() -> None:
    book = openpyxl.Workbook()
    cover = book.active
    cover.title = "说明"
    cover.append(["本名册由档案室移交"])
    sheet = book.create_sheet("2003年")
    sheet.append(["大足县 2003 年职称评审通过人员"])
    sheet.append(["姓名", "身份证号码", "资格名称", "取得时间", "审批单位", "文号", "原证书编号"])
    sheet.append(["王伟", ID, "工程师", datetime(2003, 7, 1), "评委会", "渝人发[2003]12号", 12345])
    sheet["D3"].number_format = "yyyy-mm-dd"
    sheet["G3"].number_format = "0000000"  # the paper number's leading zeros are in the format
    sheet.append(["李丽", int(OLD), "助理工程师", 37803, "评委会", None, "A-2"])
    sheet.append(["赵六", 5.00111198501011e17, "工程师", "2003年7月", "评委会", None, None])
    out = io.BytesIO()
    book.save(out)

    parsed = read_roster(out.getvalue(), file_name="名册.xlsx", today=TODAY)
    assert parsed.sheets == ("2003年",) and parsed.skipped_sheets == ("说明",)
    first, second = parsed.rows
    assert (first.sheet, first.source_row, first.approval_date, first.paper_number) == (
        "2003年",
        3,
        date(2003, 7, 1),
        "0012345",
    )
    assert first.doc_no == "渝人发〔2003〕12号"
    assert (second.approval_date, second.approval_date_text, second.id_number_original) == (
        date(2003, 7, 1),
        "37803",
        OLD,
    )
    (error,) = parsed.errors
    assert (error.sheet, error.row, error.column, error.code) == ("2003年", 5, "id_number", "id_number.spreadsheet")


def test_files_that_are_not_rosters() -> None:
    for data, code in [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "roster.xls"),
        (b"PK\x03\x04 not really a zip", "roster.not_xlsx"),
        ("序号,备注\n1,x\n".encode(), "roster.no_header"),
        (b"\x00\x01binary", "file.binary"),
    ]:
        with pytest.raises(RosterFileProblem) as raised:
            read_roster(data, file_name="x", today=TODAY)
        assert raised.value.problems[0].code == code, data
    with pytest.raises(RosterFileProblem) as missing:
        read_roster("姓名,身份证号码\n王伟,1\n".encode(), file_name="x", today=TODAY)
    assert missing.value.problems[0].code == "file.missing_columns"
    with pytest.raises(RosterFileProblem) as no_reference:
        read_roster("姓名,资格名称\n王伟,工程师\n".encode(), file_name="x", today=TODAY)
    assert no_reference.value.problems[0].code == "roster.no_reference_column"


def test_archive_header_spellings_are_one_vocabulary_with_the_decisions_csv() -> None:
    assert HEADER_NAMES["取得时间"] == ROSTER_HEADER_NAMES["取得时间"] == "approval_date"
    assert HEADER_NAMES["审批单位"] == "approving_body"
    assert header_field("姓  名") == "name" and header_field("Paper_Number") == "paper_number"
    for spelling in ("证书编号", "原证书编号", "纸质证书编号", "paper_number"):
        assert ROSTER_HEADER_NAMES[spelling] == "paper_number"
        assert spelling not in HEADER_NAMES  # the decisions file has no paper number
    assert "paper_number" not in COLUMNS


def test_controls_and_formulas_are_refused_without_echoing_them() -> None:
    found = normalise_row({"name": "王\u202e伟", "qualification": "=1+1", "doc_no": "x"}, row=7, today=TODAY)
    assert found == [
        RosterProblem(7, "name", "text.control", {"chars": "U+202E"}),
        RosterProblem(7, "qualification", "text.formula", {"prefix": "="}),
    ]


def test_placeholders_are_empty_and_gender_is_checked_against_the_id_number() -> None:
    row = only_row(roster(f"王伟,{ID},工程师,—,评委会,/,无", header=HEADER).encode())
    assert (row.approval_date, row.doc_no, row.paper_number) == (None, "", "")
    found = normalise_row(
        {"name": "王伟", "qualification": "工程师", "id_number": ID, "gender": "女"}, row=2, today=TODAY
    )
    assert isinstance(found, list) and found[0].code == "gender.mismatch"


def test_the_decisions_csv_reads_the_archive_spellings_too(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from issuer.decisions import DecisionFileProblem, parse_decisions
    from tests.unit.csv_rows import GOOD as DECISION
    from tests.unit.csv_rows import TODAY as DECISION_DAY

    header = {"approval_date": "取得时间", "approving_body": "审批单位", "doc_no": "批准文号"}
    names = [header.get(name, name) for name in DECISION]
    values = [DECISION[name] if name != "doc_no" else "足人社发﹝2025﹞98号" for name in DECISION]
    data = (",".join(names) + "\n" + ",".join(values) + "\n").encode("gb18030")
    (decision,) = parse_decisions(data, base_dir=tmp_path, today=DECISION_DAY).decisions
    assert (decision.approval_date, decision.doc_no) == (date(2025, 11, 28), "足人社发〔2025〕98号")
    with pytest.raises(DecisionFileProblem) as refused:
        parse_decisions((",".join([*names, "证书编号"]) + "\n").encode(), base_dir=tmp_path, today=DECISION_DAY)
    assert refused.value.problems[0].code == "file.unknown_columns"
