"""The approved-decisions CSV read by ``ecert issue DECISIONS.csv``.

The format is defined in ``docs/decisions-csv.md``.  A file that cannot be read as a
whole (encoding, header) raises ``DecisionFileError``; a bad row is reported as one
``RowError`` per problem, so that staff fix a spreadsheet in one pass instead of one
error per run.  Messages never repeat an ID number: they end up in terminals and logs.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from ecert.vocab.idnumber import birth_date, check_id_number, gender_of, normalise_id_number, upgrade_15_to_18
from ecert.vocab.titles import (
    HAN,
    LEVELS,
    check_doc_no,
    check_grant_route,
    check_qualification,
    normalise_doc_no,
    normalise_grant_route,
    normalise_series,
)
from issuer import DecisionFileError, RenderingError
from issuer.decisions.fields import BY_NAME, COLUMNS, CORRECTABLE_COLUMNS, HEADER_NAMES, REQUIRED_COLUMNS
from issuer.rendering.photos import normalize_photo

MAX_PHOTO_BYTES = 5 * 1024 * 1024
# Titles are granted by the People's Republic's system; earlier dates are typing errors.
EARLIEST_APPROVAL = date(1949, 10, 1)
MINIMUM_AGE_AT_APPROVAL = 16

_TRIM = re.compile(r"^[\s\u200b\ufeff]+|[\s\u200b\ufeff]+$")
_HAN_CHAR = re.compile(f"[{HAN}]")
_PRIVATE_USE = re.compile("[\ue000-\uf8ff\U000f0000-\U0010ffff]")
# Excel shows long digit strings as 5.00111E+17 and saves them so: the digits are lost.
_SCIENTIFIC = re.compile(r"\d(\.\d+)?[eE]\+?\d+")
_FULL_WIDTH_DIGITS = {0xFF10 + i: ord("0") + i for i in range(10)}
_DATE_PATTERNS = (
    re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})"),
    re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})"),
    re.compile(r"(\d{4})\.(\d{1,2})\.(\d{1,2})"),
    re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日"),
    re.compile(r"(\d{4})(\d{2})(\d{2})"),
)
_JPEG_MAGIC = b"\xff\xd8\xff"
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True)
class Decision:
    row: int
    name: str
    gender: str
    id_number: str
    employer: str
    series: str
    specialty: str
    level: str
    qualification: str
    grant_route: str
    approval_date: date
    approving_body: str
    doc_no: str
    photo: Path | None = None

    @property
    def identity_key(self) -> str:
        """Same person, same qualification, same decision: issuing it twice is a no-op."""
        canonical = json.dumps(
            ["ecert.decision.v1", self.id_number, self.qualification, self.doc_no, self.approval_date.isoformat()],
            ensure_ascii=False,
            separators=(",", ":"),
        )
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column}: {self.message}"


@dataclass(frozen=True)
class ParsedDecisions:
    decisions: list[Decision] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def decode_decisions(data: bytes) -> str:
    """UTF-8 (with or without BOM) first; GB18030 for files saved by Chinese Excel."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise DecisionFileError("file is neither UTF-8 nor GB18030") from None


def parse_decisions(data: bytes, *, base_dir: Path, today: date) -> ParsedDecisions:
    """Every valid row as a Decision, every problem of the other rows as a RowError."""
    text = decode_decisions(data)
    try:
        records = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise DecisionFileError(f"file is not a readable CSV file: {exc}") from None
    if not records or not any(_trim(cell) for cell in records[0]):
        raise DecisionFileError("the first row must be the header: " + ", ".join(REQUIRED_COLUMNS))
    header = _read_header(records[0])

    decisions: list[Decision] = []
    errors: list[RowError] = []
    first_row_of: dict[str, int] = {}
    # Spreadsheet row numbers: the header is row 1; blank rows still count.
    for row, record in enumerate(records[1:], start=2):
        cells = [_trim(cell) for cell in record]
        if not any(cells):
            continue
        result = _parse_row(row, cells, header, base_dir=base_dir, today=today)
        if isinstance(result, Decision):
            key = result.identity_key
            if key in first_row_of:
                errors.append(RowError(row, "id_number", f"same decision as row {first_row_of[key]}"))
                continue
            first_row_of[key] = row
            decisions.append(result)
        else:
            errors.extend(result)
    return ParsedDecisions(decisions=decisions, errors=errors)


def _trim(value: str) -> str:
    return _TRIM.sub("", value)


def _read_header(cells: Sequence[str]) -> dict[int, str]:
    """Position → column name; empty header cells (Excel's trailing columns) are ignored."""
    header: dict[int, str] = {}
    seen: set[str] = set()
    unknown: list[str] = []
    for position, cell in enumerate(cells):
        typed = _trim(cell)
        if not typed:
            continue
        name = HEADER_NAMES.get(typed) or HEADER_NAMES.get(typed.lower()) or typed.lower()
        if name in seen:
            raise DecisionFileError(f"column {name} appears twice in the header")
        seen.add(name)
        if name not in COLUMNS:
            unknown.append(typed)
        header[position] = name
    problems = []
    if unknown:
        problems.append(f"unknown column(s) in the header: {', '.join(unknown)} (allowed: {', '.join(COLUMNS)})")
    missing = [name for name in REQUIRED_COLUMNS if name not in seen]
    if missing:
        problems.append(f"missing column(s) in the header: {', '.join(missing)}")
    if problems:
        raise DecisionFileError("; ".join(problems))
    return header


def _parse_row(
    row: int, cells: list[str], header: dict[int, str], *, base_dir: Path, today: date
) -> Decision | list[RowError]:
    values = {name: "" for name in COLUMNS}
    errors: list[RowError] = []
    for position, value in enumerate(cells):
        if position in header:
            values[header[position]] = value
        elif value:
            errors.append(RowError(row, f"#{position + 1}", f"value in column {position + 1}, which has no header"))

    def problem(column: str, message: str | None) -> None:
        if message:
            errors.append(RowError(row, column, message))

    for column in REQUIRED_COLUMNS:
        if not values[column]:
            problem(column, "is required")

    name = BY_NAME["name"].normalise(values["name"])
    if name:
        problem("name", _check_name(name))

    id_number = normalise_id_number(values["id_number"])
    # The number the cross-checks read: also an old 15-digit one that upgrades cleanly,
    # so that its row's other mistakes are reported in the same pass.
    readable_id: str | None = None
    if id_number:
        id_problem = _check_id_number(values["id_number"], today)
        problem("id_number", id_problem)
        readable_id = id_number if id_problem is None else _upgraded_or_none(id_number, today)

    gender = BY_NAME["gender"].normalise(values["gender"])
    if values["gender"]:
        if not gender:
            problem("gender", f"gender {values['gender']} is not one of 男, 女 (or M, F)")
        elif readable_id and gender != gender_of(readable_id):
            in_english = "male" if gender_of(readable_id) == "男" else "female"
            problem("gender", f"gender {gender} does not match the ID number ({in_english})")

    series = normalise_series(values["series"])
    level = values["level"]
    if level and level not in LEVELS:
        problem("level", f"level {level} is not one of {', '.join(LEVELS)}")
    elif level and series and values["qualification"]:
        problem("qualification", check_qualification(series, level, values["qualification"]))

    if values["grant_route"]:
        problem("grant_route", check_grant_route(values["grant_route"]))

    approval_date: date | None = None
    if values["approval_date"]:
        approval_date, date_problem = _parse_approval_date(values["approval_date"], today)
        if date_problem is None and approval_date is not None and readable_id:
            date_problem = _check_age(approval_date, birth_date(readable_id))
        problem("approval_date", date_problem)

    doc_no = normalise_doc_no(values["doc_no"])
    if values["doc_no"]:
        problem("doc_no", check_doc_no(doc_no))

    photo: Path | None = None
    if values["photo"]:
        photo = (base_dir / values["photo"]).resolve()
        problem("photo", _check_photo(photo, values["photo"]))

    if errors:
        # Checks run in dependency order; staff read them in the order of the columns.
        return sorted(errors, key=_column_rank)
    assert approval_date is not None
    return Decision(
        row=row,
        name=name,
        gender=gender,
        id_number=id_number,
        employer=values["employer"],
        series=series,
        specialty=values["specialty"],
        level=level,
        qualification=values["qualification"],
        grant_route=normalise_grant_route(values["grant_route"]) or "",
        approval_date=approval_date,
        approving_body=values["approving_body"],
        doc_no=doc_no,
        photo=photo,
    )


def _column_rank(error: RowError) -> int:
    return COLUMNS.index(error.column) if error.column in COLUMNS else len(COLUMNS)


def _check_name(name: str) -> str | None:
    # Code points, not UTF-16 units: an Extension B character counts as one.
    limit = BY_NAME["name"].max_length
    if limit is not None and len(name) > limit:
        return f"name has {len(name)} characters; at most {limit} are allowed"
    if any(char.isdigit() for char in name):
        return "name must not contain digits"
    private = _PRIVATE_USE.search(name)
    if private:
        # Some old systems put rare characters in the private-use area: they print as
        # something else (or nothing) on every other machine.
        return (
            f"name contains the private-use character U+{ord(private.group()):04X}; "
            "use the standard Unicode character"
        )
    bad = sorted({char for char in name if not _allowed_in_name(char)})
    if bad:
        return f"name contains characters other than Chinese characters, letters, · and space: {' '.join(bad)}"
    if not any(char.isalpha() or _HAN_CHAR.match(char) for char in name):
        return "name must contain at least one Chinese character or letter"
    return None


def _allowed_in_name(char: str) -> bool:
    # Han ranges are matched explicitly: characters newer than this Python's Unicode
    # tables (Extension H and later) are not isalpha() yet, but they are real names.
    return bool(_HAN_CHAR.match(char)) or char.isalpha() or char in "\u00b7 "


def _check_id_number(raw: str, today: date) -> str | None:
    if _SCIENTIFIC.fullmatch(raw):
        return (
            f"ID number was turned into a number by the spreadsheet ({raw}); "
            "format the column as text and type the number again"
        )
    return check_id_number(raw, today, show_upgrade=False)


def _upgraded_or_none(id_number: str, today: date) -> str | None:
    if len(id_number) == 15 and id_number.isascii() and id_number.isdigit():
        upgraded = upgrade_15_to_18(id_number)
        if check_id_number(upgraded, today) is None:
            return upgraded
    return None


def _parse_approval_date(text: str, today: date) -> tuple[date | None, str | None]:
    value = text.translate(_FULL_WIDTH_DIGITS)
    for pattern in _DATE_PATTERNS:
        match = pattern.fullmatch(value)
        if match:
            break
    else:
        return None, f"approval date {text} is not a date; use YYYY-MM-DD"
    year, month, day = (int(group) for group in match.groups())
    try:
        approved = date(year, month, day)
    except ValueError:
        return None, f"approval date {text} is not a real date"
    if approved > today:
        return None, f"approval date {approved.isoformat()} is in the future"
    if approved < EARLIEST_APPROVAL:
        return None, f"approval date {approved.isoformat()} is before {EARLIEST_APPROVAL.isoformat()}"
    return approved, None


def _check_age(approved: date, born: date) -> str | None:
    try:
        adult = born.replace(year=born.year + MINIMUM_AGE_AT_APPROVAL)
    except ValueError:  # born on 29 February: the birthday is taken as 1 March
        adult = date(born.year + MINIMUM_AGE_AT_APPROVAL, 3, 1)
    if approved < adult:
        return (
            f"approval date {approved.isoformat()} is before the holder turned "
            f"{MINIMUM_AGE_AT_APPROVAL} (according to the ID number)"
        )
    return None


def _check_photo(path: Path, as_given: str) -> str | None:
    if not path.exists():
        return f"photo {as_given} does not exist"
    if not path.is_file():
        return f"photo {as_given} is not a file"
    try:
        size = path.stat().st_size
        with path.open("rb") as photo:
            head = photo.read(len(_PNG_MAGIC))
    except OSError as exc:
        return f"photo {as_given} cannot be read ({exc.strerror})"
    if size > MAX_PHOTO_BYTES:
        return f"photo {as_given} is larger than 5 MB ({size} bytes)"
    if not (head.startswith(_JPEG_MAGIC) or head == _PNG_MAGIC):
        return f"photo {as_given} is not a JPEG or PNG image"
    try:
        normalize_photo(path.read_bytes())  # a full decode: truncated files and bombs fail here
    except RenderingError as error:
        return f"photo {as_given} cannot be used: {str(error).removeprefix('photo: ')}"
    except OSError as exc:
        return f"photo {as_given} cannot be read ({exc.strerror})"
    return None


def validate_record(values: Mapping[str, str], *, base_dir: Path, today: date, row: int = 0) -> Decision | list[RowError]:
    """Validate one decision given as column → text, by the same rules as a file row
    (used when staff correct a certificate)."""
    unknown = sorted(set(values) - set(CORRECTABLE_COLUMNS))
    if unknown:
        return [RowError(row, name, "is not a column of a decision that can be corrected") for name in unknown]
    header = dict(enumerate(COLUMNS))
    return _parse_row(row, [_trim(values.get(name, "")) for name in COLUMNS], header, base_dir=base_dir, today=today)
