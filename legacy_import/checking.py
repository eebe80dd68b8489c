"""Runs the automatic checks on one application (``legacy_import.checks`` are the pure
rules; this gathers what they read from the database).

INTERFACE (the base commit's placeholder; the checks work replaces the body):
``check_application(session, application, *, today) -> list[Finding]``; the caller stores
``[f.as_json() for f in findings]`` in ``application.findings``, ``max_severity(findings)``
in ``application.max_severity``, and ``best_roster_match`` in ``roster_entry_id``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from ecert.models import LegacyApplication

INFO, LOW, MEDIUM, HIGH = 0, 1, 2, 3


@dataclass(frozen=True)
class Finding:
    """``code`` names the rule's result (e.g. ``roster.exact``, ``roster.differs``,
    ``doc_no.year_mismatch``); ``params`` what the words need; words come from
    ``legacy_import.finding_words``."""

    code: str
    severity: int
    params: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"code": self.code, "severity": self.severity, "params": self.params}


@dataclass(frozen=True)
class CheckResult:
    findings: list[Finding]
    roster_entry_id: int | None


def max_severity(findings: list[Finding]) -> int:
    return max((finding.severity for finding in findings), default=INFO)


def check_application(session: Session, application: LegacyApplication, *, today: date) -> CheckResult:
    return CheckResult([], None)
