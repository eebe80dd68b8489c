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

import csv
import hashlib
import io
import json
import re
import unicodedata
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from ecert.vocab.cells import code_points, control_characters, formula_prefix
from ecert.vocab.idnumber import birth_date, check_id_number, gender_of, normalise_id_number, upgrade_15_to_18
from ecert.vocab.names import check_name, normalise_name
from ecert.vocab.problem import Param, Problem
from ecert.vocab.titles import HAN, check_doc_no, normalise_doc_no, normalise_series
from issuer.decisions import DecisionFileProblem
from issuer.decisions.csvfile import decode_decisions
from issuer.decisions.fields import ROSTER_FIELDS, ROSTER_HEADER_NAMES, normalise_gender
from issuer.decisions.rows import EARLIEST_APPROVAL
from legacy_import import LegacyImportError

# Far more than one archive's roster (a district approves a few thousand titles a year).
MAX_ROWS = 100_000
MAX_COLUMNS = 64
# An XLSX is a ZIP: what it unpacks to is bounded before openpyxl reads any of it.
MAX_XLSX_UNPACKED = 256 * 1024 * 1024
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
DAY, MONTH = "day", "month"

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, and password-protected .xlsx
_TRIM = re.compile(r"^[\s\u200b\ufeff]+|[\s\u200b\ufeff]+$")
_SPACES = re.compile(r"[\s\u200b\ufeff]+")
# Full-width ASCII (Ｕ+FF01–FF5E) as Chinese input methods type it, and the ideographic space.
_HALF_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
# What archives write in an empty cell.
_PLACEHOLDERS = frozenset({"-", "--", "—", "——", "/", "无", "空", "n/a", "na", "null"})
_HAN_CHAR = re.compile(f"[{HAN}]")
_SCIENTIFIC = re.compile(r"\d(\.\d+)?[eE]\+?\d+")
_TIME_SUFFIX = r"(?:[ T]0{1,2}:00(?::00)?)?"
_DAY_PATTERNS = (
    re.compile(rf"(\d{{4}})[-/.](\d{{1,2}})[-/.](\d{{1,2}}){_TIME_SUFFIX}"),
    re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日?"),
    re.compile(r"(\d{4})(\d{2})(\d{2})"),
)
_MONTH_PATTERNS = (
    re.compile(r"(\d{4})[-/.](\d{1,2})"),
    re.compile(r"(\d{4})年(\d{1,2})月?"),
    re.compile(r"(\d{4})(\d{2})"),
)
_SERIAL = re.compile(r"(\d{5})(?:\.0+)?")
_CN_DIGITS = {"〇": 0, "零": 0, "○": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_DATE = re.compile(r"([〇零○一二三四五六七八九]{4})年([一二三四五六七八九十]{1,2})月(?:([一二三四五六七八九十]{1,3})日)?")
_EXCEL_1900 = date(1899, 12, 30)  # serial 1 is 1900-01-01 (with Lotus's 29 February 1900, before 61)
_EXCEL_1904 = date(1904, 1, 1)


class RosterFileProblem(LegacyImportError):
    """The file cannot be read as a roster; ``problems`` say why, ``sheet`` where (XLSX)."""

    def __init__(self, *problems: Problem, sheet: str | None = None) -> None:
        super().__init__("; ".join(problem.code for problem in problems))
        self.problems, self.sheet = problems, sheet


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


# A cell as read: text from a CSV; from an XLSX also numbers, dates and their number format.
@dataclass(frozen=True)
class _Cell:
    value: Any
    number_format: str = "General"


@dataclass
class _Sheet:
    name: str | None
    rows: Iterator[tuple[int, list[_Cell]]]
    epoch: date = _EXCEL_1900


def read_roster(data: bytes, *, file_name: str, today: date) -> ParsedRoster:
    """Every row of the roster normalised, or every problem of the rows that are not."""
    if data.startswith(_OLE_MAGIC):
        raise RosterFileProblem(Problem("roster.xls"))
    sheets = _xlsx_sheets(data) if data.startswith(_ZIP_MAGIC) else [_csv_sheet(data)]
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
            result = normalise_row(values, row=number, sheet=sheet.name, file_name=file_name, today=today, epoch=sheet.epoch)
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
    epoch: date = _EXCEL_1900,
) -> RosterRow | list[RosterProblem]:
    """One row given as field name → cell (a ``str``, or an XLSX cell's value)."""
    errors: list[RosterProblem] = []

    def problem(column: str, found: Problem | None) -> None:
        if found:
            errors.append(RosterProblem(row, column, found.code, found.params, sheet))

    cells = {name: value if isinstance(value, _Cell) else _Cell(value) for name, value in values.items()}
    text = {spec.name: _text(cells[spec.name]) if spec.name in cells else "" for spec in ROSTER_FIELDS}
    for name, value in text.items():
        if name != "approval_date":
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
        "paper_number": _SPACES.sub("", unicodedata.normalize("NFKC", text["paper_number"])),
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


def parse_roster_date(value: Any, *, today: date, epoch: date = _EXCEL_1900) -> tuple[date, str, str] | Problem:
    """(date, precision, text as written) of a date cell: an Excel date, an Excel serial
    number (as a number or as its digits), ``2003-07-01``, ``2003/7/1``, ``2003.7.1``,
    ``2003年7月1日``, ``20030701``, ``二〇〇三年七月一日``; a month (``2003年7月``,
    ``2003.7``, ``2003-07``) is the 1st with precision ``month``."""
    if isinstance(value, datetime | date):
        day = value.date() if isinstance(value, datetime) else value
        return _checked(day, DAY, day.isoformat(), today)
    if isinstance(value, bool):
        return Problem("date.format", {"value": str(value)})
    if isinstance(value, int | float):
        return _serial(value, str(int(value)) if float(value).is_integer() else str(value), today, epoch)
    written = _TRIM.sub("", str(value))
    typed = _SPACES.sub("", unicodedata.normalize("NFKC", written))
    chinese = _CN_DATE.fullmatch(typed)
    if chinese:
        year = int("".join(str(_CN_DIGITS[char]) for char in chinese.group(1)))
        month = _cn_number(chinese.group(2))
        if chinese.group(3) is None:
            return _made(year, month, 1, MONTH, written, today)
        return _made(year, month, _cn_number(chinese.group(3)), DAY, written, today)
    serial = _SERIAL.fullmatch(typed)
    if serial:
        return _serial(int(serial.group(1)), written, today, epoch)
    for pattern in _DAY_PATTERNS:
        match = pattern.fullmatch(typed)
        if match:
            year, month, day = (int(group) for group in match.groups())
            return _made(year, month, day, DAY, written, today)
    for pattern in _MONTH_PATTERNS:
        match = pattern.fullmatch(typed)
        if match:
            year, month = (int(group) for group in match.groups())
            return _made(year, month, 1, MONTH, written, today)
    return Problem("roster.date_format", {"value": written})


def _made(year: int, month: int, day: int, precision: str, written: str, today: date) -> tuple[date, str, str] | Problem:
    try:
        made = date(year, month, day)
    except ValueError:
        return Problem("date.invalid", {"value": written})
    return _checked(made, precision, written, today)


def _serial(number: float, written: str, today: date, epoch: date) -> tuple[date, str, str] | Problem:
    if not float(number).is_integer() or number < 1:
        return Problem("roster.date_format", {"value": written})
    try:
        day = epoch + timedelta(days=int(number))
    except OverflowError:
        return Problem("roster.date_format", {"value": written})
    return _checked(day, DAY, written, today)


def _checked(day: date, precision: str, written: str, today: date) -> tuple[date, str, str] | Problem:
    if day > today:
        return Problem("date.future", {"date": day.isoformat()})
    if day < EARLIEST_APPROVAL:
        return Problem("date.too_early", {"date": day.isoformat(), "earliest": EARLIEST_APPROVAL.isoformat()})
    return day, precision, written


def _cn_number(text: str) -> int:
    """一 … 三十一 (the numbers of months and days)."""
    if "十" not in text:
        return _CN_DIGITS.get(text, 0) if len(text) == 1 else 0
    tens, _ten, ones = text.partition("十")
    return (_CN_DIGITS.get(tens, 0) if tens else 1) * 10 + (_CN_DIGITS.get(ones, 0) if ones else 0)


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


def _text(cell: _Cell) -> str:
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


def _find_header(sheet: _Sheet) -> tuple[dict[int, tuple[str, str]], list[str]] | None:
    """(position → (field, spelling as written), unread header cells) of the first row among
    the first ``HEADER_SCAN_ROWS`` that names at least two fields; None if there is none."""
    stored = {spec.name for spec in ROSTER_FIELDS}
    for _scanned in range(HEADER_SCAN_ROWS):
        try:
            number, cells = next(sheet.rows)
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


def _csv_sheet(data: bytes) -> _Sheet:
    try:
        text = decode_decisions(data)
    except DecisionFileProblem as problem:
        raise RosterFileProblem(*problem.problems) from None
    try:
        records = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise RosterFileProblem(Problem("file.not_csv", {"reason": str(exc)})) from None
    return _Sheet(None, ((number, [_Cell(value) for value in record]) for number, record in enumerate(records, 1)))


def _xlsx_sheets(data: bytes) -> list[_Sheet]:
    import openpyxl  # only for XLSX files (it takes ~0.2 s to import)
    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, ValueError):
        raise RosterFileProblem(Problem("roster.not_xlsx")) from None
    if unpacked > MAX_XLSX_UNPACKED:
        raise RosterFileProblem(Problem("roster.xlsx_too_large", {"max_mb": MAX_XLSX_UNPACKED // 2**20}))
    try:
        # Read-only streams the sheets; data_only gives a formula's last computed value.
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # any way a ZIP can fail to be a workbook: not readable, never a crash
        raise RosterFileProblem(Problem("roster.not_xlsx")) from None
    epoch = _EXCEL_1904 if book.epoch == CALENDAR_MAC_1904 else _EXCEL_1900
    return [_Sheet(str(sheet.title), _xlsx_rows(sheet), epoch) for sheet in book.worksheets]


def _xlsx_rows(sheet: Any) -> Iterator[tuple[int, list[_Cell]]]:
    try:
        for number, cells in enumerate(sheet.iter_rows(min_row=1, max_col=MAX_COLUMNS), 1):
            yield number, [_Cell(cell.value, getattr(cell, "number_format", None) or "General") for cell in cells]
    except RosterFileProblem:
        raise
    except Exception:  # a damaged sheet part: the file is refused, not half read
        raise RosterFileProblem(Problem("roster.not_xlsx"), sheet=str(sheet.title)) from None

