"""A batch row as stored: the validated decision (JSON), and why a row failed.

Both are plain JSON so that a worker on another machine, or a listing in another
language, needs nothing but the database: a failure keeps the row error's code and
parameters, or what failed after the reservation as a code (when it has one) and its
technical text, and what became of the number; the words are chosen at the edge.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date
from pathlib import Path
from typing import Any

from issuer import IssuerError
from issuer.decisions import Decision, Provenance, RowError
from issuer.services.issuance import IssuanceFailed

_DATES = ("approval_date",)


def decision_to_json(decision: Decision) -> dict[str, Any]:
    """The decision's fields; the photo as the path the file named (its bytes are in the
    blob store: the item's ``photo_sha256``), kept for messages only."""
    record: dict[str, Any] = {}
    for spec in fields(decision):
        value = getattr(decision, spec.name)
        if isinstance(value, date):
            value = value.isoformat()
        elif isinstance(value, Path):
            value = str(value)
        elif isinstance(value, Provenance):
            value = value.as_json()
        record[spec.name] = value
    return record


def decision_from_json(record: dict[str, Any]) -> Decision:
    values = dict(record)
    for name in _DATES:
        values[name] = date.fromisoformat(values[name])
    values["photo"] = Path(values["photo"]) if values.get("photo") else None
    values["provenance"] = Provenance.from_json(values.get("provenance"))
    return Decision(**values)


@dataclass(frozen=True)
class ItemFailure:
    """Why row ``row`` was not issued.

    ``invalid``: a row error found by the checks before the batch was queued (reported
    then, listed later); otherwise it failed while being issued. ``problem``: a row error;
    else ``cause_code``/``cause_params`` (an issuer error with words of its own) or
    ``cause_text`` (technical, e.g. the timestamp authority's refusal). ``number`` and
    ``released``: the number it had reserved, and whether it was given back.
    """

    row: int
    invalid: bool = False
    problem: RowError | None = None
    cause_code: str | None = None
    cause_params: dict[str, Any] = field(default_factory=dict)
    cause_text: str = ""
    number: str | None = None
    released: bool = False

    @classmethod
    def of(cls, failed: IssuanceFailed) -> ItemFailure:
        if failed.problem is not None:
            return cls(row=failed.row, problem=failed.problem)
        return cls(row=failed.row, number=failed.number, released=failed.released, **cause_of(failed.cause))

    @classmethod
    def invalid_row(cls, error: RowError) -> ItemFailure:
        return cls(row=error.row, invalid=True, problem=error)

    def to_json(self) -> dict[str, Any]:
        problem = self.problem
        return {
            "invalid": self.invalid,
            "problem": None
            if problem is None
            else {"column": problem.column, "code": problem.code, "params": dict(problem.params)},
            "cause_code": self.cause_code,
            "cause_params": self.cause_params,
            "cause_text": self.cause_text,
            "number": self.number,
            "released": self.released,
        }

    @classmethod
    def from_json(cls, row: int, record: dict[str, Any]) -> ItemFailure:
        stored = record.get("problem")
        problem = None
        if stored:
            params = {k: tuple(v) if isinstance(v, list) else v for k, v in stored["params"].items()}
            problem = RowError(row, stored["column"], stored["code"], params)
        return cls(
            row=row,
            invalid=bool(record.get("invalid")),
            problem=problem,
            cause_code=record.get("cause_code"),
            cause_params=dict(record.get("cause_params") or {}),
            cause_text=str(record.get("cause_text") or ""),
            number=record.get("number"),
            released=bool(record.get("released")),
        )


def cause_of(cause: Exception | None) -> dict[str, Any]:
    """An exception as ``ItemFailure`` keeps it: its code and parameters when it has them,
    and a one-line text in any case."""
    if isinstance(cause, OSError):
        text = f"{cause.strerror or cause}" + (f" ({cause.filename})" if cause.filename else "")
    elif isinstance(cause, IssuerError):
        text = str(cause)
    else:
        text = f"{type(cause).__name__}: {cause}"
    code = getattr(cause, "code", None)
    params = getattr(cause, "params", None)
    return {
        "cause_code": code if isinstance(code, str) else None,
        "cause_params": {k: v if isinstance(v, str | int) else str(v) for k, v in params.items()}
        if isinstance(params, dict) and isinstance(code, str)
        else {},
        "cause_text": text.splitlines()[0][:500] if text else "",
    }
