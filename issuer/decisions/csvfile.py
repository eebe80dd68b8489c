"""The decisions file as a whole: its encoding, its header, its rows.

A file that cannot be read as a whole raises ``DecisionFileProblem`` (codes, no words);
a bad row gives row errors (``issuer.decisions.rows``) and the other rows are still read.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from ecert.vocab.masking import mask_name
from ecert.vocab.problem import Problem
from issuer import DecisionFileError
from issuer.decisions.fields import COLUMNS, HEADER_NAMES, REQUIRED_COLUMNS
from issuer.decisions.rows import Decision, RowError, parse_row, trim

_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


class DecisionFileProblem(DecisionFileError):
    """The file cannot be read; ``problems`` say why (one or more codes with parameters)."""

    def __init__(self, *problems: Problem) -> None:
        super().__init__("; ".join(problem.code for problem in problems))
        self.problems = problems


@dataclass(frozen=True)
class ParsedDecisions:
    decisions: list[Decision] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def decode_decisions(data: bytes) -> str:
    """UTF-8 (with or without BOM) first; GB18030 for files saved by Chinese Excel."""
    if data.startswith(_UTF16_BOMS):  # Excel's "Unicode 文本"
        raise DecisionFileProblem(Problem("file.encoding"))
    if b"\x00" in data:  # a spreadsheet's own format (.xlsx, .xls), an image...
        raise DecisionFileProblem(Problem("file.binary"))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    if data.startswith(_UTF8_BOM):
        # A tool added a UTF-8 mark to GB18030 bytes: read as either, the columns come out garbled.
        raise DecisionFileProblem(Problem("file.bom_gb18030"))
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise DecisionFileProblem(Problem("file.encoding")) from None


def parse_decisions(data: bytes, *, base_dir: Path, today: date) -> ParsedDecisions:
    """Every valid row as a Decision, every problem of the other rows as a RowError."""
    text = decode_decisions(data)
    try:
        records = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise DecisionFileProblem(Problem("file.not_csv", {"reason": str(exc)})) from None
    if not records or not any(trim(cell) for cell in records[0]):
        raise DecisionFileProblem(Problem("file.no_header", {"columns": REQUIRED_COLUMNS}))
    header = _read_header(records[0])

    decisions: list[Decision] = []
    errors: list[RowError] = []
    first_row_of: dict[str, int] = {}
    # One person, one identity: an ID number keeps the name of its first valid row.
    named_by: dict[str, Decision] = {}
    # Spreadsheet row numbers: the header is row 1; blank rows still count.
    for row, record in enumerate(records[1:], start=2):
        cells = [trim(cell) for cell in record]
        if not any(cells):
            continue
        stray = [
            RowError(row, f"#{position + 1}", "no_header", {"position": position + 1})
            for position, value in enumerate(cells)
            if value and position not in header
        ]
        values = {header[position]: value for position, value in enumerate(cells) if position in header}
        result = parse_row(row, values, base_dir=base_dir, today=today)
        if isinstance(result, list) or stray:
            errors.extend((result if isinstance(result, list) else []) + stray)
            continue
        first = named_by.setdefault(result.id_number, result)
        if first.name != result.name:
            errors.append(name_bound_in_file(result, first))
            continue
        key = result.identity_key
        if key in first_row_of:
            errors.append(RowError(row, "id_number", "duplicate", {"first_row": first_row_of[key]}))
            continue
        first_row_of[key] = row
        decisions.append(result)
    return ParsedDecisions(decisions=decisions, errors=errors)


def name_bound_in_file(decision: Decision, first: Decision) -> RowError:
    """``decision``'s ID number names somebody else in an earlier row: the names are shown
    masked (张*三), as everywhere personal data leaves the registry; the row says where."""
    return RowError(decision.row, "name", "identity.file", {"first_row": first.row, "name": mask_name(first.name)})


def _read_header(cells: Sequence[str]) -> dict[int, str]:
    """Position → field name; empty header cells (Excel's trailing columns) are ignored."""
    header: dict[int, str] = {}
    unknown: list[str] = []
    for position, cell in enumerate(cells):
        typed = trim(cell)
        if not typed:
            continue
        name = HEADER_NAMES.get(typed) or HEADER_NAMES.get(typed.lower())
        if name is None:
            unknown.append(typed)
            continue
        if name in header.values():
            raise DecisionFileProblem(Problem("file.duplicate_column", {"column": typed}))
        header[position] = name
    if not header:  # not one known column: the first row is data, or the file is not a decisions file
        raise DecisionFileProblem(Problem("file.no_header", {"columns": REQUIRED_COLUMNS}))
    problems = []
    if unknown:
        problems.append(Problem("file.unknown_columns", {"unknown": tuple(unknown), "allowed": COLUMNS}))
    missing = tuple(name for name in REQUIRED_COLUMNS if name not in header.values())
    if missing:
        problems.append(Problem("file.missing_columns", {"missing": missing}))
    if problems:
        raise DecisionFileProblem(*problems)
    return header
