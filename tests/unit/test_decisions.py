from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from flask import Flask

from ecert.i18n import force_locale, init_i18n
from issuer.cli.words import describe_problems, row_error_text
from issuer.decisions import Decision, DecisionFileProblem, RowError, parse_decisions
from tests.unit.csv_rows import GOOD, TODAY

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
HEADER = "name,gender,id_number,employer,series,specialty,level,qualification,grant_route,approval_date,approving_body,doc_no,photo"


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """Problems are codes; these tests read them as an operator with ``--lang en`` does."""
    app = Flask(__name__)
    init_i18n(app)
    with app.app_context(), force_locale("en"):
        yield


def _file_problem(data: bytes) -> str:
    with pytest.raises(DecisionFileProblem) as caught:
        parse_decisions(data, base_dir=EXAMPLES, today=TODAY)
    return describe_problems(caught.value.problems)


def _image(kind: str) -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (120, 160), (180, 180, 180)).save(buffer, format=kind)
    return buffer.getvalue()


JPEG = _image("JPEG")
PNG = _image("PNG")


def _csv(*rows: dict[str, str]) -> bytes:
    lines = [HEADER] + [",".join(row[column] for column in HEADER.split(",")) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def _row(**changes: str) -> dict[str, str]:
    return GOOD | changes


def _errors(*rows: dict[str, str], base_dir: Path = EXAMPLES) -> list[str]:
    parsed = parse_decisions(_csv(*rows), base_dir=base_dir, today=TODAY)
    return [row_error_text(error) for error in parsed.errors]


def test_good_row() -> None:
    parsed = parse_decisions(_csv(GOOD), base_dir=EXAMPLES, today=TODAY)
    assert parsed.errors == []
    assert parsed.decisions == [
        Decision(
            row=2,
            name="李晓梅",
            gender="女",
            id_number="500111199207210042",
            employer="重庆市大足区龙岗第一小学",
            series="中小学教师",
            specialty="小学数学",
            level="中级",
            qualification="一级教师",
            grant_route="evaluation",
            approval_date=date(2025, 11, 28),
            approving_body="重庆市大足区中小学教师中级职称评审委员会",
            doc_no="足人社发〔2025〕98号",
            photo=None,
        )
    ]


def test_example_file_has_no_errors() -> None:
    parsed = parse_decisions((EXAMPLES / "decisions.csv").read_bytes(), base_dir=EXAMPLES, today=TODAY)
    assert parsed.errors == []
    assert len(parsed.decisions) == 6
    assert parsed.decisions[0].name == "张\U00021484"
    assert {decision.grant_route for decision in parsed.decisions} == {"evaluation", "determination", "recognition"}
    assert parsed.decisions[3].approval_date == date(2026, 3, 20)


def test_invalid_example_file_reports_every_kind_of_mistake() -> None:
    parsed = parse_decisions((EXAMPLES / "decisions-invalid.csv").read_bytes(), base_dir=EXAMPLES, today=TODAY)
    assert [decision.row for decision in parsed.decisions] == [9]
    assert [row_error_text(error) for error in parsed.errors] == [
        "row 2, column id_number: ID number is wrong (its check character does not match); check it against the ID card",
        "row 3, column gender: gender 男 does not match the ID number (female)",
        "row 3, column id_number: ID number has a 15-digit old format; upgrade it to 18 digits: "
        "insert 19 before the 2-digit birth year and append the check character 8",
        "row 4, column qualification: qualification 高级工程师 does not match level 中级 in series 工程 (expected 工程师)",
        "row 4, column approval_date: approval date 2025-02-30 is not a real date",
        "row 5, column name: name must not contain digits",
        "row 5, column grant_route: grant route 推荐 is not one of evaluation (评审), determination (考核确定), "
        "recognition (确认)",
        "row 5, column doc_no: document number 足人社发2026-12 must look like 渝人社发〔2021〕25号",
        "row 6, column id_number: ID number was turned into a number by the spreadsheet (5.00111E+17); "
        "format the column as text and type the number again",
        "row 6, column employer: is required",
        "row 6, column approval_date: approval date 2027-01-15 is in the future",
        "row 7, column photo: photo photos/zhengfang.jpg does not exist",
        "row 8, column level: level 高级 is not one of 正高级, 副高级, 中级, 助理级, 员级",
        "row 8, column approval_date: approval date 2005-06-01 is before the holder turned 16 (according to the ID number)",
        "row 10, column id_number: same decision as row 9",
    ]


def test_row_error_text() -> None:
    assert row_error_text(RowError(4, "doc_no", "required")) == "row 4, column doc_no: is required"
    with force_locale("zh_CN"):
        assert row_error_text(RowError(4, "doc_no", "required")) == "第 4 行，文号 列：必须填写"
        assert row_error_text(RowError(0, "level", "level.unknown", {"level": "高级", "levels": ("中级", "员级")})) == (
            "层级 列：层级 高级 应为 中级、员级 之一"
        )


def test_every_required_field() -> None:
    empty = {column: "" for column in GOOD}
    assert _errors(empty | {"name": "张三"}) == [
        f"row 2, column {column}: is required" for column in HEADER.split(",") if column not in ("name", "photo")
    ]


def test_all_problems_of_a_row_are_reported_and_the_row_dropped() -> None:
    parsed = parse_decisions(
        _csv(GOOD, _row(name="李2梅", gender="男", level="中", doc_no="足人社发98号")), base_dir=EXAMPLES, today=TODAY
    )
    assert [decision.row for decision in parsed.decisions] == [2]
    assert [row_error_text(error) for error in parsed.errors] == [
        "row 3, column name: name must not contain digits",
        "row 3, column gender: gender 男 does not match the ID number (female)",
        "row 3, column level: level 中 is not one of 正高级, 副高级, 中级, 助理级, 员级",
        "row 3, column doc_no: document number 足人社发98号 must look like 渝人社发〔2021〕25号",
    ]


@pytest.mark.parametrize(
    "name",
    [
        "张\U00021484",
        "\U000201d4小明",
        "䶮",
        "阿依古丽·买买提",
        "阿依古丽•买买提",
        "John Smith",
        "x" * 30,
    ],
)
def test_good_names(name: str) -> None:
    assert _errors(_row(name=name)) == []


def test_name_normalisation() -> None:
    data = _csv(_row(name="阿依古丽・买买提"), _row(name="Mary  Ann", id_number="500111199001010029"))
    parsed = parse_decisions(data, base_dir=EXAMPLES, today=TODAY)
    assert [decision.name for decision in parsed.decisions] == ["阿依古丽·买买提", "Mary Ann"]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("x" * 31, "longer than the maximum of 30 characters (has 31)"),
        ("王1", "name must not contain digits"),
        ("王１", "name must not contain digits"),
        ("王\ue123", "name contains the private-use character U+E123; use the standard Unicode character"),
        ("王@#", "name contains characters other than Chinese characters, letters, · and space: # @"),
        ("·", "name must contain at least one Chinese character or letter"),
    ],
)
def test_bad_names(name: str, message: str) -> None:
    assert _errors(_row(name=name)) == [f"row 2, column name: {message}"]


@pytest.mark.parametrize(("typed", "canonical"), [("女", "女"), ("F", "女"), ("female", "女"), ("Female", "女")])
def test_gender_forms(typed: str, canonical: str) -> None:
    parsed = parse_decisions(_csv(_row(gender=typed)), base_dir=EXAMPLES, today=TODAY)
    assert parsed.decisions[0].gender == canonical


def test_gender_problems() -> None:
    assert _errors(_row(gender="男")) == ["row 2, column gender: gender 男 does not match the ID number (female)"]
    assert _errors(_row(gender="M")) == ["row 2, column gender: gender 男 does not match the ID number (female)"]
    assert _errors(_row(gender="未知")) == ["row 2, column gender: gender 未知 is not one of 男, 女 (or M, F)"]


def test_id_number_is_normalised() -> None:
    parsed = parse_decisions(
        _csv(_row(id_number=" 500111 19650805 721x", gender="男", approval_date="2000-01-01")),
        base_dir=EXAMPLES,
        today=TODAY,
    )
    assert parsed.errors == []
    assert parsed.decisions[0].id_number == "50011119650805721X"


@pytest.mark.parametrize(
    ("id_number", "message"),
    [
        ("50011119920721004", "ID number must be 18 characters (got 17)"),
        ("500111199207210045", "ID number is wrong (its check character does not match); check it against the ID card"),
        ("000000199207210040", "ID number region code 000000 is not a valid division code"),
        ("500111199213210040", "ID number contains an invalid birth date 19921321"),
        ("500111203001010021", "ID number birth date 2030-01-01 is in the future"),
        (
            "500111920721004",
            "ID number has a 15-digit old format; upgrade it to 18 digits: insert 19 before the "
            "2-digit birth year and append the check character 2",
        ),
        (
            "5.00111E+17",
            "ID number was turned into a number by the spreadsheet (5.00111E+17); format the column "
            "as text and type the number again",
        ),
    ],
)
def test_id_number_problems(id_number: str, message: str) -> None:
    errors = _errors(_row(id_number=id_number))
    assert errors == [f"row 2, column id_number: {message}"]


def test_messages_do_not_echo_id_numbers() -> None:
    for error in _errors(_row(id_number="500111920721004", gender="男"), _row(id_number="500111199207210045")):
        assert "500111" not in error and "0721004" not in error


def test_level_and_qualification() -> None:
    assert _errors(_row(qualification="高级教师")) == [
        "row 2, column qualification: qualification 高级教师 does not match level 中级 in series 中小学教师 "
        "(expected 一级教师)"
    ]
    assert _errors(_row(series="会计", level="员级", qualification="会计员")) == [
        "row 2, column qualification: series 会计 has no level 员级 (its levels: 正高级, 副高级, 中级, 助理级)"
    ]
    assert _errors(_row(series="新闻", qualification="主任记者")) == []
    parsed = parse_decisions(_csv(_row(series="中小学教师系列")), base_dir=EXAMPLES, today=TODAY)
    assert parsed.decisions[0].series == "中小学教师"


@pytest.mark.parametrize(
    ("typed", "key"),
    [("评审", "evaluation"), ("考核确定", "determination"), ("确认", "recognition"), ("Recognition", "recognition")],
)
def test_grant_route_forms(typed: str, key: str) -> None:
    parsed = parse_decisions(_csv(_row(grant_route=typed)), base_dir=EXAMPLES, today=TODAY)
    assert parsed.decisions[0].grant_route == key


@pytest.mark.parametrize(
    "typed", ["2025-11-28", "2025/11/28", "2025年11月28日", "20251128", "2025/11/28", "２０２５-１１-２８"]
)
def test_approval_date_formats(typed: str) -> None:
    parsed = parse_decisions(_csv(_row(approval_date=typed)), base_dir=EXAMPLES, today=TODAY)
    assert parsed.errors == []
    assert parsed.decisions[0].approval_date == date(2025, 11, 28)


def test_approval_date_single_digit_month_and_day() -> None:
    parsed = parse_decisions(_csv(_row(approval_date="2025/3/5")), base_dir=EXAMPLES, today=TODAY)
    assert parsed.decisions[0].approval_date == date(2025, 3, 5)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("28.11.2025", "approval date 28.11.2025 is not a date; use YYYY-MM-DD"),
        ("2025-11", "approval date 2025-11 is not a date; use YYYY-MM-DD"),
        ("2025-02-29", "approval date 2025-02-29 is not a real date"),
        ("20251328", "approval date 20251328 is not a real date"),
        ("2026-11-27", "approval date 2026-11-27 is in the future"),
        ("1949-09-30", "approval date 1949-09-30 is before 1949-10-01"),
        ("2008-07-20", "approval date 2008-07-20 is before the holder turned 16 (according to the ID number)"),
    ],
)
def test_approval_date_problems(typed: str, message: str) -> None:
    assert _errors(_row(approval_date=typed)) == [f"row 2, column approval_date: {message}"]


def test_approval_on_the_16th_birthday_and_today_are_fine() -> None:
    assert _errors(_row(approval_date="2008-07-21")) == []
    assert _errors(_row(approval_date="2026-11-26")) == []


def test_16th_birthday_of_someone_born_on_29_february() -> None:
    row = _row(id_number="500111200002290021")
    assert _errors(row | {"approval_date": "2016-03-01"}) == []
    assert _errors(row | {"approval_date": "2016-02-28"}) == [
        "row 2, column approval_date: approval date 2016-02-28 is before the holder turned 16 (according to the ID number)"
    ]


def test_doc_no_is_normalised() -> None:
    parsed = parse_decisions(_csv(_row(doc_no="足人社发 [2025] 98 号")), base_dir=EXAMPLES, today=TODAY)
    assert parsed.decisions[0].doc_no == "足人社发〔2025〕98号"


def test_photo(tmp_path: Path) -> None:
    (tmp_path / "photos").mkdir()
    (tmp_path / "photos" / "a.jpg").write_bytes(JPEG)
    (tmp_path / "photos" / "b.png").write_bytes(PNG)
    (tmp_path / "photos" / "c.gif").write_bytes(b"GIF89a" + b"\x00" * 100)
    (tmp_path / "photos" / "big.jpg").write_bytes(JPEG + b"\x00" * (5 * 1024 * 1024))
    (tmp_path / "photos" / "exact.jpg").write_bytes(JPEG + b"\x00" * (5 * 1024 * 1024 - len(JPEG)))
    parsed = parse_decisions(
        _csv(
            _row(photo="photos/a.jpg"),
            _row(photo="photos/b.png", qualification="一级教师", doc_no="足人社发〔2025〕99号"),
        ),
        base_dir=tmp_path,
        today=TODAY,
    )
    assert parsed.errors == []
    assert [decision.photo for decision in parsed.decisions] == [
        (tmp_path / "photos" / "a.jpg").resolve(),
        (tmp_path / "photos" / "b.png").resolve(),
    ]
    assert all(decision.photo is not None and decision.photo.is_absolute() for decision in parsed.decisions)
    assert _errors(_row(photo="photos/exact.jpg"), base_dir=tmp_path) == []
    assert _errors(
        _row(photo="photos/c.gif"),
        _row(photo="photos/big.jpg"),
        _row(photo="photos/none.jpg"),
        _row(photo="photos"),
        base_dir=tmp_path,
    ) == [
        "row 2, column photo: photo photos/c.gif is not a JPEG or PNG image",
        f"row 3, column photo: photo photos/big.jpg is larger than 5 MB ({len(JPEG) + 5 * 1024 * 1024} bytes)",
        "row 4, column photo: photo photos/none.jpg does not exist",
        "row 5, column photo: photo photos is not a file",
    ]


def test_duplicate_decision_names_the_first_row() -> None:
    parsed = parse_decisions(
        _csv(
            GOOD,
            _row(qualification="一级教师", doc_no="足人社发〔2025〕99号"),
            _row(doc_no="足人社发(2025)98号", approval_date="2025/11/28"),
        ),
        base_dir=EXAMPLES,
        today=TODAY,
    )
    assert [decision.row for decision in parsed.decisions] == [2, 3]
    assert [row_error_text(error) for error in parsed.errors] == ["row 4, column id_number: same decision as row 2"]


def test_identity_key_covers_the_decision_not_the_typing() -> None:
    parsed = parse_decisions(
        _csv(GOOD, _row(id_number="500111199001010029", gender="女")), base_dir=EXAMPLES, today=TODAY
    )
    first, second = parsed.decisions
    assert len(first.identity_key) == 64
    assert first.identity_key != second.identity_key
    again = parse_decisions(
        _csv(_row(employer="别的单位", approval_date="2025年11月28日", doc_no="足人社发【2025】98号")),
        base_dir=EXAMPLES,
        today=TODAY,
    ).decisions[0]
    assert again.identity_key == first.identity_key


def test_blank_lines_are_skipped_but_counted() -> None:
    good = ",".join(GOOD[column] for column in HEADER.split(","))
    bad = ",".join(_row(level="高级")[column] for column in HEADER.split(","))
    data = f"{HEADER}\n\n{good}\n,,,,,,,,,,,,\n  \n{bad}\n".encode()
    parsed = parse_decisions(data, base_dir=EXAMPLES, today=TODAY)
    assert [decision.row for decision in parsed.decisions] == [3]
    assert [row_error_text(error) for error in parsed.errors] == [
        "row 6, column level: level 高级 is not one of 正高级, 副高级, 中级, 助理级, 员级"
    ]


def test_quoted_cells_with_commas_and_newlines() -> None:
    good = ",".join(GOOD[column] for column in HEADER.split(",")).replace(
        "重庆市大足区龙岗第一小学", '"重庆市大足区龙岗第一小学,本部"'
    )
    # A quoted line break is read as CSV, then refused as the control character it is.
    broken = good.replace("98号", "97号").replace("学,本部", "学,\n本部")
    data = f"{HEADER}\n{good}\n{broken}\n".encode()
    parsed = parse_decisions(data, base_dir=EXAMPLES, today=TODAY)
    assert [decision.row for decision in parsed.decisions] == [2]
    assert parsed.decisions[0].employer == "重庆市大足区龙岗第一小学,本部"
    assert [row_error_text(error) for error in parsed.errors] == [
        "row 3, column employer: contains the control character(s) U+000A; remove them"
    ]


def test_utf8_bom_and_header_whitespace() -> None:
    data = b"\xef\xbb\xbf" + _csv(GOOD).replace(b"name,gender", b" Name , gender ")
    parsed = parse_decisions(data, base_dir=EXAMPLES, today=TODAY)
    assert parsed.errors == []
    assert parsed.decisions[0].name == "李晓梅"


def test_gb18030_file() -> None:
    text = _csv(GOOD, _row(name="张\U00021484", id_number="500111199001010029", doc_no="足人社发〔2025〕97号")).decode(
        "utf-8"
    )
    parsed = parse_decisions(text.encode("gb18030"), base_dir=EXAMPLES, today=TODAY)
    assert parsed.errors == []
    assert [decision.name for decision in parsed.decisions] == ["李晓梅", "张\U00021484"]
    assert parsed.decisions[0].doc_no == "足人社发〔2025〕98号"


def test_neither_utf8_nor_gb18030() -> None:
    assert _file_problem(_csv(GOOD).decode().encode("utf-16")) == "file is neither UTF-8 nor GB18030"


def test_unknown_columns_are_named() -> None:
    data = _csv(GOOD).replace(b",photo", b",photo,remark,\xe5\xa4\x87\xe6\xb3\xa8")
    assert _file_problem(data) == (
        "unknown column(s) in the header: remark, 备注 (allowed: name, gender, id_number, employer, series, "
        "specialty, level, qualification, grant_route, approval_date, approving_body, doc_no, photo, mobile)"
    )


def test_missing_columns_are_named() -> None:
    data = _csv(GOOD).replace(b"id_number", b"id_no")
    assert _file_problem(data) == (
        "unknown column(s) in the header: id_no (allowed: name, gender, id_number, employer, series, specialty, "
        "level, qualification, grant_route, approval_date, approving_body, doc_no, photo, mobile); "
        "missing column(s) in the header: id_number"
    )
    without_doc_no = HEADER.removesuffix(",doc_no,photo") + "\n"
    assert _file_problem(without_doc_no.encode()) == "missing column(s) in the header: doc_no"


def test_photo_column_is_optional_and_order_is_free() -> None:
    columns = list(reversed(HEADER.split(",")[:-1]))
    data = (",".join(columns) + "\n" + ",".join(GOOD[column] for column in columns) + "\n").encode()
    parsed = parse_decisions(data, base_dir=EXAMPLES, today=TODAY)
    assert parsed.errors == []
    assert parsed.decisions[0].photo is None


def test_header_problems() -> None:
    assert _file_problem(b"").startswith("the first row must be the header")
    assert _file_problem(b"\n" + _csv(GOOD)).startswith("the first row must be the header")
    assert _file_problem(_csv(GOOD).replace(b",photo", b",name")) == "column name appears twice in the header"


def test_values_without_a_header() -> None:
    data = _csv(GOOD).replace(b",photo", b",photo,").replace("98号,".encode(), "98号,,stray".encode())
    assert [row_error_text(error) for error in parse_decisions(data, base_dir=EXAMPLES, today=TODAY).errors] == [
        "row 2, column #14: value in column 14, which has no header"
    ]


def test_photo_is_decoded_fully_during_validation(tmp_path: Path) -> None:
    import io

    from PIL import Image

    (tmp_path / "truncated.jpg").write_bytes(JPEG[: len(JPEG) // 2])
    bomb = io.BytesIO()
    Image.new("1", (8000, 8000)).save(bomb, format="PNG")  # 64 megapixels in a few KB
    (tmp_path / "bomb.png").write_bytes(bomb.getvalue())
    errors = _errors(_row(photo="truncated.jpg"), _row(photo="bomb.png"), base_dir=tmp_path)
    assert errors[0].startswith("row 2, column photo: photo truncated.jpg cannot be used: cannot decode image")
    assert errors[1] == "row 3, column photo: photo bomb.png cannot be used: 8000×8000 pixels is too large"


def test_chinese_header_as_spreadsheets_have_it() -> None:
    parsed = parse_decisions((EXAMPLES / "decisions-zh.csv").read_bytes(), base_dir=EXAMPLES, today=TODAY)
    assert parsed.errors == []
    assert [decision.name for decision in parsed.decisions] == ["黄志强", "欧阳娜娜", "古丽米拉·艾买提"]
    assert parsed.decisions[0].series == "卫生" and parsed.decisions[0].approval_date == date(2025, 12, 18)
    chinese = "姓名,性别,身份证号,工作单位,系列,专业,层级,资格名称,取得方式,审批时间,审批机关,文号,照片"
    data = _csv(GOOD).replace(HEADER.encode(), chinese.encode())
    assert parse_decisions(data, base_dir=EXAMPLES, today=TODAY).decisions[0].name == "李晓梅"


def test_one_field_named_in_two_languages_is_named_twice() -> None:
    data = _csv(GOOD).replace(b",photo", ",姓名".encode())
    assert _file_problem(data) == "column 姓名 appears twice in the header"


def test_utf8_bom_in_front_of_gb18030_is_a_wrong_encoding() -> None:
    data = b"\xef\xbb\xbf" + (EXAMPLES / "decisions-zh.csv").read_text(encoding="utf-8").encode("gb18030")
    assert _file_problem(data).startswith("file starts with a UTF-8 byte order mark but the rest is GB18030")


def test_binary_file() -> None:
    assert _file_problem(b"PK\x03\x04\x14\x00\x00\x00").startswith("file is not a text file")


def test_lengths_come_from_the_field_table() -> None:
    assert _errors(_row(employer="单" * 77)) == [
        "row 2, column employer: longer than the maximum of 76 characters (has 77)"
    ]
    assert _errors(_row(employer="单" * 76)) == []


def test_a_record_names_only_decision_columns() -> None:
    from issuer.decisions import validate_record

    record = GOOD | {"remark": "x"}
    assert [row_error_text(e) for e in validate_record(record, base_dir=EXAMPLES, today=TODAY)] == [  # type: ignore[union-attr]
        "column remark: is not a column of a decision (columns: name, gender, id_number, employer, series, specialty, "
        "level, qualification, grant_route, approval_date, approving_body, doc_no, photo, mobile)"
    ]
    assert isinstance(validate_record(GOOD, base_dir=EXAMPLES, today=TODAY), Decision)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("13800138000", "13800138000"), ("138 0013 8000", "13800138000"), ("+86-138-0013-8000", "13800138000"),
     ("１３８００１３８０００", "13800138000"), ("", "")],
)  # fmt: skip
def test_the_optional_mobile_column(typed: str, stored: str) -> None:
    good = {k: v for k, v in GOOD.items() if k != "mobile"}
    data = "\n".join([",".join([*good, "手机号码"]), ",".join([*good.values(), typed])]) + "\n"
    parsed = parse_decisions(data.encode("utf-8"), base_dir=EXAMPLES, today=TODAY)
    assert parsed.errors == [] and parsed.decisions[0].mobile == stored


@pytest.mark.parametrize("typed", ["1380013800", "23800138000", "138001380001", "电话"])
def test_a_mobile_that_is_not_one_names_its_row_and_column(typed: str, english: None) -> None:
    cells = {**GOOD, "mobile": typed}
    data = "\n".join([",".join(cells), ",".join(cells.values())]) + "\n"
    parsed = parse_decisions(data.encode("utf-8"), base_dir=EXAMPLES, today=TODAY)
    assert parsed.decisions == [] and [(e.row, e.column) for e in parsed.errors] == [(2, "mobile")]
    assert "11-digit" in row_error_text(parsed.errors[0])
