"""What an automatic check found: a code, a severity and what its words need
(``legacy_import.finding_words``). Re-exported by ``legacy_import.checking``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

INFO, LOW, MEDIUM, HIGH = 0, 1, 2, 3
SEVERITIES = (INFO, LOW, MEDIUM, HIGH)


@dataclass(frozen=True)
class Finding:
    """``code`` names the rule's result (e.g. ``roster.exact``, ``roster.differs``,
    ``doc_no.year_mismatch``); ``params`` what the words need (JSON values, never an ID
    number); words come from ``legacy_import.finding_words``."""

    code: str
    severity: int
    params: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"code": self.code, "severity": self.severity, "params": self.params}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Finding:
        return cls(str(data["code"]), int(data["severity"]), dict(data.get("params") or {}))


@dataclass(frozen=True)
class CheckResult:
    findings: list[Finding]
    roster_entry_id: int | None


def max_severity(findings: list[Finding]) -> int:
    return max((finding.severity for finding in findings), default=INFO)
