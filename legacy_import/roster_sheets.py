"""A roster file's cells, sheet by sheet: a CSV (UTF-8 with or without BOM, GB18030: the
decisions CSV's reading) is one sheet of text; an XLSX every worksheet, read-only and
streamed, with numbers, dates and their number formats as openpyxl gives them.

An XLSX is a ZIP: what it unpacks to is bounded before openpyxl reads any of it, and
openpyxl parses its XML through defusedxml (installed), so entity tricks fail too.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from ecert.vocab.problem import Problem
from issuer.decisions import DecisionFileProblem
from issuer.decisions.csvfile import decode_decisions
from legacy_import import LegacyImportError
from legacy_import.roster_dates import EXCEL_1900, EXCEL_1904

MAX_COLUMNS = 64
MAX_XLSX_UNPACKED = 256 * 1024 * 1024
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, and password-protected .xlsx


class RosterFileProblem(LegacyImportError):
    """The file cannot be read as a roster; ``problems`` say why, ``sheet`` where (XLSX)."""

    def __init__(self, *problems: Problem, sheet: str | None = None) -> None:
        super().__init__("; ".join(problem.code for problem in problems))
        self.problems, self.sheet = problems, sheet


# A cell as read: text from a CSV; from an XLSX also numbers, dates and their number format.
@dataclass(frozen=True)
class Cell:
    value: Any
    number_format: str = "General"


@dataclass
class Sheet:
    name: str | None
    rows: Iterator[tuple[int, list[Cell]]]
    epoch: date = EXCEL_1900


def csv_sheet(data: bytes) -> Sheet:
    try:
        text = decode_decisions(data)
    except DecisionFileProblem as problem:
        raise RosterFileProblem(*problem.problems) from None
    try:
        records = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise RosterFileProblem(Problem("file.not_csv", {"reason": str(exc)})) from None
    return Sheet(None, ((number, [Cell(value) for value in record]) for number, record in enumerate(records, 1)))


def xlsx_sheets(data: bytes) -> list[Sheet]:
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
    epoch = EXCEL_1904 if book.epoch == CALENDAR_MAC_1904 else EXCEL_1900
    return [Sheet(str(sheet.title), _xlsx_rows(sheet), epoch) for sheet in book.worksheets]


def _xlsx_rows(sheet: Any) -> Iterator[tuple[int, list[Cell]]]:
    try:
        for number, cells in enumerate(sheet.iter_rows(min_row=1, max_col=MAX_COLUMNS), 1):
            yield number, [Cell(cell.value, getattr(cell, "number_format", None) or "General") for cell in cells]
    except RosterFileProblem:
        raise
    except Exception:  # a damaged sheet part: the file is refused, not half read
        raise RosterFileProblem(Problem("roster.not_xlsx"), sheet=str(sheet.title)) from None
