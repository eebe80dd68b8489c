"""Archive rosters as archives hand them over, read and normalised (pure; ``docs/rosters.md``).

``read_roster(data, file_name=..., today=...)`` takes a file's bytes, CSV (UTF-8 with or
without BOM, or GB18030) or XLSX (every sheet that has a header; a title row or two above
the header is fine), and gives every row normalised (``RosterRow``, with its file, sheet
and spreadsheet row) and every problem of every row (``RosterProblem``: codes and
parameters, the edges say the words). A file that cannot be read as a whole raises
``RosterFileProblem``.

The header is read through the decisions CSV's vocabulary (``issuer.decisions.fields``,
``ROSTER_HEADER_NAMES``): one table of spellings for both importers. A roster needs a name,
a qualification and something that identifies the decision: an ID number, the paper
certificate's number or the 文号. Columns the roster does not store (序号, 备注, 取得方式…)
are left unread and named in ``ignored_columns``.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from ecert.vocab.cells import code_points, control_characters, formula_prefix
from ecert.vocab.idnumber import birth_date, check_id_number, gender_of, normalise_id_number, upgrade_15_to_18
from ecert.vocab.names import check_name, normalise_name
from ecert.vocab.paper_numbers import normalise_paper_number
from ecert.vocab.problem import Param, Problem
from ecert.vocab.titles import HAN, check_doc_no, normalise_doc_no, normalise_series
from issuer.decisions.fields import ROSTER_FIELDS, ROSTER_HEADER_NAMES, normalise_gender
from legacy_import.roster_dates import EXCEL_1900, parse_roster_date
from legacy_import.roster_sheets import OLE_MAGIC, ZIP_MAGIC, Cell, RosterFileProblem, Sheet, csv_sheet, xlsx_sheets

# Far more than one archive's roster (a district approves a few thousand titles a year).
MAX_ROWS = 100_000
# Archives put a title ("2003年度职称评审通过人员名单") and blank rows above the header.
HEADER_SCAN_ROWS = 10
REQUIRED = ("name", "qualification")
REFERENCES = ("id_number", "paper_number", "doc_no")
# Column lengths of ``ecert.models.RosterEntry`` (a longer value is a row problem, never a
# failed insert).
MAX_LENGTHS: Mapping[str, int] = {
    "name": 64,
    "employer": 200,
    "series": 64,
    "specialty": 128,
    "level": 16,
    "qualification": 64,
    "approving_body": 200,
    "doc_no": 64,
    "paper_number": 64,
}

_TRIM = re.compile(r"^[\s\u200b\ufeff]+|[\s\u200b\ufeff]+$")
_SPACES = re.compile(r"[\s\u200b\ufeff]+")
# Full-width ASCII (Ｕ+FF01–FF5E) as Chinese input methods type it, and the ideographic space.
_HALF_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
# What archives write in an empty cell.
_PLACEHOLDERS = frozenset({"-", "--", "—", "——", "/", "无", "空", "n/a", "na", "null"})
_HAN_CHAR = re.compile(f"[{HAN}]")
_SCIENTIFIC = re.compile(r"\d(\.\d+)?[eE]\+?\d+")


@dataclass(frozen=True)
class RosterProblem:
    """A problem of one row: its sheet (None in a CSV), its spreadsheet row, the column as a
    field name (``header``: as the file spells it), a code and its parameters."""

    row: int
    column: str
    code: str
    params: Mapping[str, Param] = field(default_factory=dict)
    sheet: str | None = None
    header: str = ""

    def as_json(self) -> dict[str, Any]:
        params = {key: list(value) if isinstance(value, tuple) else value for key, value in self.params.items()}
        return {"sheet": self.sheet, "row": self.row, "column": self.column, "code": self.code, "params": params}


@dataclass(frozen=True)
class RosterRow:
    """One normalised roster row; empty text where the roster says nothing."""

    source_file: str
    sheet: str | None
    source_row: int
    name: str
    qualification: str
    gender: str = ""
    id_number: str = ""
    id_number_original: str = ""  # a 15-digit number as the roster had it, upgraded in id_number
    employer: str = ""
    series: str = ""
    specialty: str = ""
    level: str = ""
    approval_date: date | None = None
    approval_date_text: str = ""  # as written (2003年7月); ISO for an Excel date cell
    approval_date_precision: str = ""  # day | month (then approval_date is the 1st)
    approving_body: str = ""
    doc_no: str = ""
    paper_number: str = ""

    @property
    def row_key(self) -> str:
        """SHA-256 of the normalised values (not of where they were found): the same row
        from the same file, or from another copy of it, is one entry."""
        values = [
            "ecert.roster.v1",
            self.name,
            self.gender,
            self.id_number,
            self.employer,
            self.series,
            self.specialty,
            self.level,
            self.qualification,
            self.approval_date.isoformat() if self.approval_date else "",
            self.approval_date_precision,
            self.approving_body,
            self.doc_no,
            self.paper_number,
        ]
        canonical = json.dumps(values, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ParsedRoster:
    rows: list[RosterRow]
    errors: list[RosterProblem]
    sheets: tuple[str, ...] = ()  # the sheets read (XLSX)
    skipped_sheets: tuple[str, ...] = ()  # sheets without a header (a cover page, notes)
    ignored_columns: tuple[str, ...] = ()  # header cells the roster does not store, as written

    @property
    def invalid_rows(self) -> int:
        return len({(error.sheet, error.row) for error in self.errors})


def read_roster(data: bytes, *, file_name: str, today: date) -> ParsedRoster:
    """Every row of the roster normalised, or every problem of the rows that are not."""
    if data.startswith(OLE_MAGIC):
        raise RosterFileProblem(Problem("roster.xls"))
    sheets = xlsx_sheets(data) if data.startswith(ZIP_MAGIC) else [csv_sheet(data)]
    rows: list[RosterRow] = []
    errors: list[RosterProblem] = []
    read: list[str] = []
    skipped: list[str] = []
    ignored: dict[str, None] = {}
    count = 0
    for sheet in sheets:
        found = _find_header(sheet)
        if found is None:
            if sheet.name is None:
                raise RosterFileProblem(Problem("roster.no_header", {"columns": _required_labels()}))
            skipped.append(sheet.name)
            continue
        header, unread = found
        ignored.update(dict.fromkeys(unread))
        if sheet.name is not None:
            read.append(sheet.name)
        spelled = {name: spelling for name, spelling in header.values()}
        for number, cells in sheet.rows:
            if not any(_text(cell) for cell in cells):
                continue
            count += 1
            if count > MAX_ROWS:
                raise RosterFileProblem(Problem("roster.too_many_rows", {"max": MAX_ROWS}))
            values = {name: cells[position] for position, (name, _spelling) in header.items() if position < len(cells)}
            result = normalise_row(
                values, row=number, sheet=sheet.name, file_name=file_name, today=today, epoch=sheet.epoch
            )
            if isinstance(result, RosterRow):
                rows.append(result)
            else:
                errors.extend(_with_header(error, spelled) for error in result)
    if not read and sheets and sheets[0].name is not None:
        raise RosterFileProblem(Problem("roster.no_header", {"columns": _required_labels()}))
    return ParsedRoster(rows, errors, tuple(read), tuple(skipped), tuple(ignored))


def normalise_row(
    values: Mapping[str, Any],
    *,
    row: int,
    sheet: str | None = None,
    file_name: str = "",
    today: date,
    epoch: date = EXCEL_1900,
) -> RosterRow | list[RosterProblem]:
    """One row given as field name → cell (a ``str``, or an XLSX cell's value)."""
    errors: list[RosterProblem] = []

    def problem(column: str, found: Problem | None) -> None:
        if found:
            errors.append(RosterProblem(row, column, found.code, found.params, sheet))

    cells = {name: value if isinstance(value, Cell) else Cell(value) for name, value in values.items()}
    text = {spec.name: _text(cells[spec.name]) if spec.name in cells else "" for spec in ROSTER_FIELDS}
    for name, value in text.items():
        problem(name, _check_cell(value))
    if errors:  # the other checks' messages would echo the characters
        return errors
    clean = {
        "name": _name(text["name"]),
        "gender": normalise_gender(text["gender"]),
        "employer": text["employer"],
        "series": normalise_series(text["series"]),
        "specialty": text["specialty"],
        "level": text["level"],
        "qualification": text["qualification"],
        "approving_body": text["approving_body"],
        "doc_no": normalise_doc_no(text["doc_no"]) if text["doc_no"] else "",
        # Folded as every paper number is kept (the verifier and the conversion look them up so).
        "paper_number": normalise_paper_number(text["paper_number"]),
    }
    for name in REQUIRED:
        if not clean[name]:
            problem(name, Problem("required"))
    if not any(text[name] for name in REFERENCES):
        problem("id_number", Problem("roster.no_reference"))
    for name, maximum in MAX_LENGTHS.items():
        if len(clean[name]) > maximum:
            problem(name, Problem("too_long", {"length": len(clean[name]), "max": maximum}))
    if clean["name"]:
        problem("name", check_name(clean["name"]))

    id_number, original = "", ""
    if text["id_number"]:
        id_number, original, id_problem = _id_number(text["id_number"], today)
        problem("id_number", id_problem)
    if text["gender"]:
        if not clean["gender"]:
            problem("gender", Problem("gender.unknown", {"value": text["gender"]}))
        elif id_number and clean["gender"] != gender_of(id_number):
            problem("gender", Problem("gender.mismatch", {"gender": clean["gender"], "expected": gender_of(id_number)}))
    if clean["doc_no"]:
        problem("doc_no", check_doc_no(clean["doc_no"]))

    approved: date | None = None
    precision, date_text = "", ""
    if text["approval_date"]:
        parsed = parse_roster_date(cells["approval_date"].value, today=today, epoch=epoch)
        if isinstance(parsed, Problem):
            problem("approval_date", parsed)
        else:
            approved, precision, date_text = parsed
            if id_number and approved < birth_date(id_number):
                problem("approval_date", Problem("roster.date_before_birth", {"date": approved.isoformat()}))
    if errors:
        order = [spec.name for spec in ROSTER_FIELDS]
        return sorted(errors, key=lambda error: order.index(error.column))
    return RosterRow(
        source_file=file_name,
        sheet=sheet,
        source_row=row,
        id_number=id_number,
        id_number_original=original,
        approval_date=approved,
        approval_date_text=date_text,
        approval_date_precision=precision,
        **clean,
    )


def _id_number(text: str, today: date) -> tuple[str, str, Problem | None]:
    """(the 18-character number, the 15-digit original or "", a problem)."""
    if _SCIENTIFIC.fullmatch(text):  # Excel kept it as a number: its last digits are gone
        return "", "", Problem("id_number.spreadsheet", {"value": text})
    number = normalise_id_number(text)
    found = check_id_number(number, today)
    if found is not None and found.code == "id_number.old_format":
        return upgrade_15_to_18(number), number, None
    return (number, "", found) if found is None else ("", "", found)


def _name(text: str) -> str:
    # Archives align two-character names with spaces (王  伟): a Chinese name has none.
    return normalise_name(_SPACES.sub("", text) if _HAN_CHAR.search(text) else text)


def _check_cell(value: str) -> Problem | None:
    controls = control_characters(value)
    if controls:
        return Problem("text.control", {"chars": code_points(controls)})
    prefix = formula_prefix(value)
    if prefix:
        return Problem("text.formula", {"prefix": prefix})
    return None


def _text(cell: Cell) -> str:
    """A cell as text: trimmed, full-width ASCII made half-width, a placeholder empty;
    a number as its digits (a zero-padded format's leading zeros kept), a date as ISO."""
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        text = (value.date() if isinstance(value, datetime) else value).isoformat()
    elif isinstance(value, bool):
        text = str(value)
    elif isinstance(value, int | float):
        text = _number_text(value, cell.number_format)
    else:
        text = _TRIM.sub("", str(value).translate(_HALF_WIDTH))
    return "" if text.lower() in _PLACEHOLDERS else text


def _number_text(value: float, number_format: str) -> str:
    if isinstance(value, float) and not value.is_integer():
        return repr(value)
    if isinstance(value, float) and value >= 2**53:
        return f"{value:.5E}"
    digits = str(int(value))
    # Format 0000000 shows 12 as 0000012: a paper number's leading zeros are in the format.
    if number_format and set(number_format) == {"0"}:
        digits = digits.zfill(len(number_format))
    return digits


def _find_header(sheet: Sheet) -> tuple[dict[int, tuple[str, str]], list[str]] | None:
    """(position → (field, spelling as written), unread header cells) of the first row among
    the first ``HEADER_SCAN_ROWS`` that names at least two fields; None if there is none."""
    stored = {spec.name for spec in ROSTER_FIELDS}
    for _scanned in range(HEADER_SCAN_ROWS):
        try:
            _number, cells = next(sheet.rows)
        except StopIteration:
            return None
        known: dict[int, tuple[str, str]] = {}
        unread: list[str] = []
        for position, cell in enumerate(cells):
            spelling = _text(cell)
            name = header_field(spelling)
            if name is None:
                if spelling:
                    unread.append(spelling)
                continue
            if any(name == existing for existing, _ in known.values()):
                raise RosterFileProblem(Problem("file.duplicate_column", {"column": spelling}), sheet=sheet.name)
            known[position] = (name, spelling)
        if len(known) < 2:
            continue
        names = {name for name, _ in known.values()}
        missing = tuple(name for name in REQUIRED if name not in names)
        if missing:
            raise RosterFileProblem(Problem("file.missing_columns", {"missing": missing}), sheet=sheet.name)
        if not names & set(REFERENCES):
            raise RosterFileProblem(Problem("roster.no_reference_column"), sheet=sheet.name)
        unread += [spelling for name, spelling in known.values() if name not in stored]
        return {p: (n, s) for p, (n, s) in known.items() if n in stored}, unread
    return None


def header_field(spelling: str) -> str | None:
    """The field a header cell names: spaces inside (姓  名), a trailing ``*`` or ``:`` of
    a template and the case of an English name do not matter."""
    typed = _SPACES.sub("", unicodedata.normalize("NFKC", spelling)).rstrip("*:")
    return ROSTER_HEADER_NAMES.get(typed) or ROSTER_HEADER_NAMES.get(typed.lower())


def _with_header(error: RosterProblem, spelled: Mapping[str, str]) -> RosterProblem:
    return RosterProblem(error.row, error.column, error.code, error.params, error.sheet, spelled.get(error.column, ""))


def _required_labels() -> tuple[str, ...]:
    return ("name", "qualification", "id_number | paper_number | doc_no")
