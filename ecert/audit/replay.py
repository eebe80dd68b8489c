"""The registry against its log: replay each certificate's lifecycle events and compare the
status they lead to with the ``certificates`` table.

An ``UPDATE certificates SET status = 'valid'`` un-revokes a certificate without any event;
the chain alone cannot see it, this replay can. The lifecycle, by action (subject
``certificate:<number>/v<version>``):

- ``certificate.reserved``, ``certificate.correction_reserved``: that version is pending;
- ``certificate.issued``: valid;
- ``certificate.corrected``: valid, and the version it ``supersedes`` superseded;
- ``certificate.revoked``: revoked.

Problem codes: ``registry.status`` (number, version, registry, audit),
``registry.unaudited`` (number, version, registry: a row no event speaks of),
``registry.missing`` (number, version, audit: events of a version the table lacks).
"""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from ecert.models import AuditEvent, Certificate
from ecert.vocab.problem import Problem

_SUBJECT = re.compile(r"certificate:(?P<number>[^/]+)/v(?P<version>\d+)")
_STATUS_AFTER = {
    "certificate.reserved": "pending",
    "certificate.correction_reserved": "pending",
    "certificate.issued": "valid",
    "certificate.corrected": "valid",
    "certificate.revoked": "revoked",
}


def audited_statuses(session: Session) -> dict[tuple[str, int], str]:
    """What the audit events say each certificate version is now."""
    statuses: dict[tuple[str, int], str] = {}
    rows = session.execute(
        select(AuditEvent.action, AuditEvent.subject, AuditEvent.payload)
        .where(AuditEvent.action.in_(tuple(_STATUS_AFTER)))
        .order_by(AuditEvent.seq)
    )
    for action, subject, payload in rows:
        match = _SUBJECT.fullmatch(subject)
        if match is None:
            continue
        number, version = match["number"], int(match["version"])
        statuses[(number, version)] = _STATUS_AFTER[action]
        supersedes = payload.get("supersedes") if isinstance(payload, dict) else None
        if action == "certificate.corrected" and isinstance(supersedes, int):
            statuses[(number, supersedes)] = "superseded"
    return statuses


def compare_registry(session: Session) -> tuple[int, list[Problem]]:
    """How many certificate versions were compared, and each that disagrees with the log."""
    audited = audited_statuses(session)
    problems: list[Problem] = []
    count = 0
    rows = session.execute(
        select(Certificate.number, Certificate.version, Certificate.status).order_by(
            Certificate.number, Certificate.version
        )
    )
    for number, version, status in rows:
        count += 1
        registry = status.value
        said = audited.pop((number, version), None)
        if said is None:
            problems.append(Problem("registry.unaudited", {"number": number, "version": version, "registry": registry}))
        elif said != registry:
            problems.append(
                Problem("registry.status", {"number": number, "version": version, "registry": registry, "audit": said})
            )
    for (number, version), said in sorted(audited.items()):
        problems.append(Problem("registry.missing", {"number": number, "version": version, "audit": said}))
    return count, problems
