"""One row of the decisions file: every problem found, or a validated ``Decision``.

Every problem of a row is reported, not only the first, so that staff fix a spreadsheet
in one pass. Problems are codes and parameters (``RowError``); the command turns them
into words. None carries an ID number: they end up in terminals and logs.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from ecert.vocab.cells import code_points, control_characters, formula_prefix
from ecert.vocab.idnumber import birth_date, check_id_number, gender_of, upgrade_15_to_18
from ecert.vocab.mobile import mobile_problem
from ecert.vocab.names import check_name
from ecert.vocab.problem import Param, Problem
from ecert.vocab.titles import check_doc_no, check_grant_route, check_level, check_qualification
from issuer import RenderingError
from issuer.decisions.fields import BY_NAME, COLUMNS, FIELDS
from issuer.rendering.photos import check_photo

MAX_PHOTO_BYTES = 5 * 1024 * 1024
# Titles are granted by the People's Republic's system; earlier dates are typing errors.
EARLIEST_APPROVAL = date(1949, 10, 1)
MINIMUM_AGE_AT_APPROVAL = 16

_TRIM = re.compile(r"^[\s\u200b\ufeff]+|[\s\u200b\ufeff]+$")
# Problems of a value's characters: the column's other checks are not reported with them,
# since their messages would echo the value.
_CELL_CODES = frozenset({"text.control", "text.formula"})
# A photo is a path, never stored or exported as text: a file may be named "-1.jpg". A
# mobile number may be typed +86…: it is stored as its 11 digits, never as typed.
_NO_FORMULA_CHECK = frozenset({"photo", "mobile"})
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
class Provenance:
    """Where a converted certificate comes from: the paper certificate's number and who
    checked the archive evidence when ("由纸质证书转换，原证书编号 …，档案材料经 … 于 … 核验")."""

    paper_number: str
    verified_by: str
    verified_on: date
    application_id: int

    def as_json(self) -> dict[str, str | int]:
        return {
            "paper_number": self.paper_number,
            "verified_by": self.verified_by,
            "verified_on": self.verified_on.isoformat(),
            "application_id": self.application_id,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> Provenance | None:
        """The provenance a decision row stores (``Decision.provenance``), or None for a
        certificate born electronic: each later version carries its original's."""
        if not data:
            return None
        return cls(
            paper_number=str(data["paper_number"]),
            verified_by=str(data["verified_by"]),
            verified_on=date.fromisoformat(str(data["verified_on"])),
            application_id=int(data["application_id"]),
        )


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
    mobile: str = ""  # normalised; empty when the file has none
    # Set only for a certificate converted from a paper one (``legacy_import``).
    provenance: Provenance | None = None

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
    """A problem of one row: spreadsheet row (0 for a correction), column (a field name or
    ``#N`` for a cell without a header), a code and its parameters (see docs/decisions-csv.md)."""

    row: int
    column: str
    code: str
    params: Mapping[str, Param] = field(default_factory=dict)

    @classmethod
    def of(cls, row: int, column: str, problem: Problem) -> RowError:
        return cls(row, column, problem.code, problem.params)


def trim(value: str) -> str:
    return _TRIM.sub("", value)


def parse_row(row: int, values: Mapping[str, str], *, base_dir: Path, today: date) -> Decision | list[RowError]:
    """``values``: field name → trimmed text (missing fields are empty)."""
    errors: list[RowError] = []

    def problem(column: str, found: Problem | None) -> None:
        if found:
            errors.append(RowError.of(row, column, found))

    text = {name: values.get(name, "") for name in COLUMNS}
    for spec in FIELDS:
        if spec.required and not text[spec.name]:
            problem(spec.name, Problem("required"))
        problem(spec.name, _check_cell(spec.name, text[spec.name]))
    clean = {spec.name: spec.normalise(text[spec.name]) for spec in FIELDS}
    for spec in FIELDS:
        if spec.max_length is not None and len(clean[spec.name]) > spec.max_length:
            # Code points, not UTF-16 units: an Extension B character counts as one.
            problem(spec.name, Problem("too_long", {"length": len(clean[spec.name]), "max": spec.max_length}))

    if clean["name"]:
        problem("name", check_name(clean["name"]))

    # The number the cross-checks read: also an old 15-digit one that upgrades cleanly,
    # so that its row's other mistakes are reported in the same pass.
    readable_id: str | None = None
    if clean["id_number"]:
        id_problem = _check_id_number(text["id_number"], today)
        problem("id_number", id_problem)
        readable_id = clean["id_number"] if id_problem is None else _upgraded_or_none(clean["id_number"], today)

    if text["mobile"]:
        problem("mobile", mobile_problem(clean["mobile"]))

    gender = clean["gender"]
    if text["gender"]:
        if not gender:
            problem("gender", Problem("gender.unknown", {"value": text["gender"]}))
        elif readable_id and gender != gender_of(readable_id):
            problem("gender", Problem("gender.mismatch", {"gender": gender, "expected": gender_of(readable_id)}))

    level = clean["level"]
    if level and check_level(level):
        problem("level", check_level(level))
    elif level and clean["series"] and clean["qualification"]:
        problem("qualification", check_qualification(clean["series"], level, clean["qualification"]))

    if text["grant_route"]:
        problem("grant_route", check_grant_route(text["grant_route"]))

    approval_date: date | None = None
    if text["approval_date"]:
        approval_date, date_problem = _parse_approval_date(text["approval_date"], today)
        if date_problem is None and approval_date is not None and readable_id:
            date_problem = _check_age(approval_date, birth_date(readable_id))
        problem("approval_date", date_problem)

    if text["doc_no"]:
        problem("doc_no", check_doc_no(clean["doc_no"]))

    photo: Path | None = None
    if text["photo"]:
        photo = (base_dir / text["photo"]).resolve()
        problem("photo", _check_photo(photo, text["photo"], base_dir.resolve()))

    # A column whose characters are refused says that once, and nothing else that would echo it.
    unsafe = {error.column: error for error in reversed(errors) if error.code in _CELL_CODES}
    errors = [error for error in errors if error.column not in unsafe or error is unsafe[error.column]]
    if errors:
        # Checks run in dependency order; staff read them in the order of the columns.
        return sorted(errors, key=_column_rank)
    assert approval_date is not None
    return Decision(
        row=row,
        **{name: clean[name] for name in COLUMNS if name not in ("approval_date", "photo")},  # type: ignore[arg-type]
        approval_date=approval_date,
        photo=photo,
    )


def validate_record(
    values: Mapping[str, str], *, base_dir: Path, today: date, row: int = 0
) -> Decision | list[RowError]:
    """Validate one decision given as column → text, by the same rules as a file row
    (used when staff correct a certificate)."""
    unknown = sorted(set(values) - set(COLUMNS))
    if unknown:
        return [RowError(row, name, "not_a_column", {"columns": COLUMNS}) for name in unknown]
    return parse_row(row, {name: trim(value) for name, value in values.items()}, base_dir=base_dir, today=today)


def _column_rank(error: RowError) -> int:
    return COLUMNS.index(error.column) if error.column in BY_NAME else len(COLUMNS)


def _check_cell(column: str, value: str) -> Problem | None:
    """Characters no field may hold: controls anywhere, a formula's first character."""
    controls = control_characters(value)
    if controls:  # named by code point: the message must not ring, move or recolour a terminal
        return Problem("text.control", {"chars": code_points(controls)})
    prefix = formula_prefix(value) if column not in _NO_FORMULA_CHECK else None
    if prefix:
        return Problem("text.formula", {"prefix": prefix})
    return None


def _check_id_number(raw: str, today: date) -> Problem | None:
    if _SCIENTIFIC.fullmatch(raw):
        return Problem("id_number.spreadsheet", {"value": raw})
    return check_id_number(raw, today)


def _upgraded_or_none(id_number: str, today: date) -> str | None:
    if len(id_number) == 15 and id_number.isascii() and id_number.isdigit():
        upgraded = upgrade_15_to_18(id_number)
        if check_id_number(upgraded, today) is None:
            return upgraded
    return None


def _parse_approval_date(text: str, today: date) -> tuple[date | None, Problem | None]:
    value = text.translate(_FULL_WIDTH_DIGITS)
    for pattern in _DATE_PATTERNS:
        match = pattern.fullmatch(value)
        if match:
            break
    else:
        return None, Problem("date.format", {"value": text})
    year, month, day = (int(group) for group in match.groups())
    try:
        approved = date(year, month, day)
    except ValueError:
        return None, Problem("date.invalid", {"value": text})
    if approved > today:
        return None, Problem("date.future", {"date": approved.isoformat()})
    if approved < EARLIEST_APPROVAL:
        return None, Problem(
            "date.too_early", {"date": approved.isoformat(), "earliest": EARLIEST_APPROVAL.isoformat()}
        )
    return approved, None


def _check_age(approved: date, born: date) -> Problem | None:
    try:
        adult = born.replace(year=born.year + MINIMUM_AGE_AT_APPROVAL)
    except ValueError:  # born on 29 February: the birthday is taken as 1 March
        adult = date(born.year + MINIMUM_AGE_AT_APPROVAL, 3, 1)
    if approved < adult:
        return Problem("date.under_age", {"date": approved.isoformat(), "age": MINIMUM_AGE_AT_APPROVAL})
    return None


def _check_photo(path: Path, as_given: str, folder: Path) -> Problem | None:
    # ``path`` is resolved (symlinks followed): ``../x.jpg``, ``/etc/x.jpg`` and a link
    # pointing out of the folder all land outside it, and nothing outside is even looked at.
    if not path.is_relative_to(folder):
        return Problem("photo.outside", {"path": as_given})
    if not path.exists():
        return Problem("photo.missing", {"path": as_given})
    if not path.is_file():
        return Problem("photo.not_file", {"path": as_given})
    try:
        size = path.stat().st_size
        with path.open("rb") as photo:
            head = photo.read(len(_PNG_MAGIC))
    except OSError as exc:
        return Problem("photo.unreadable", {"path": as_given, "reason": exc.strerror or str(exc)})
    if size > MAX_PHOTO_BYTES:
        return Problem("photo.too_large", {"path": as_given, "size": size})
    if not (head.startswith(_JPEG_MAGIC) or head == _PNG_MAGIC):
        return Problem("photo.not_image", {"path": as_given})
    try:
        check_photo(path.read_bytes())  # a full decode: truncated files and bombs fail here
    except RenderingError as error:
        return Problem("photo.unusable", {"path": as_given, "reason": str(error).removeprefix("photo: ")})
    except OSError as exc:
        return Problem("photo.unreadable", {"path": as_given, "reason": exc.strerror or str(exc)})
    return None
