"""Use copies (加注件) against their log: replay each copy's events and compare with ``use_copies``.

The lifecycle, by action (subject ``use_copy:<id>``): ``use_copy.issued`` (valid, with the
PDF's SHA-256 and the 有效期至 it was made with), ``use_copy.withdrawn``, ``use_copy.expired``.
A row stores only what the holder did (``withdrawn_at``); expiry is the clock's, so an
expired copy's row reads "valid" until it is withdrawn, which it cannot be any more. So the
registry's state is compared as withdrawn or not, and what the copy says (the certificate
number and version it copies, recipient, purpose, ``valid_until``, the hash) with what the
issue recorded: an ``UPDATE`` that moves a copy's end date (an expired copy brought back to
life), hands it to another recipient or certificate, or clears its withdrawal is named.

Problem codes: ``use_copy.status`` (copy, registry, audit), ``use_copy.altered`` (copy,
column: ``certificate``, ``recipient``, ``purpose``, ``sha256`` or ``valid_until``), ``use_copy.unaudited`` (copy: a row no event speaks
of), ``use_copy.missing`` (copy, audit: events of a copy the table lacks).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ecert.models import AuditEvent, Certificate, UseCopy
from ecert.vocab.problem import Problem

_SUBJECT = re.compile(r"use_copy:(?P<id>\d+)")
_STATE_AFTER = {"use_copy.issued": "valid", "use_copy.withdrawn": "withdrawn", "use_copy.expired": "expired"}


@dataclass
class AuditedCopy:
    state: str
    sha256: str | None = None
    valid_until: str | None = None
    number: str | None = None
    version: int | None = None
    recipient: str | None = None
    purpose: str | None = None


def audited_copies(session: Session) -> dict[int, AuditedCopy]:
    copies: dict[int, AuditedCopy] = {}
    rows = session.execute(
        select(AuditEvent.action, AuditEvent.subject, AuditEvent.payload)
        .where(AuditEvent.action.in_(tuple(_STATE_AFTER)))
        .order_by(AuditEvent.seq)
    )
    for action, subject, payload in rows:
        match = _SUBJECT.fullmatch(subject)
        if match is None:
            continue
        payload = payload if isinstance(payload, dict) else {}
        said = copies.setdefault(int(match["id"]), AuditedCopy(_STATE_AFTER[action]))
        # Withdrawn stays withdrawn: a later expiry event (a run that raced the withdrawal) adds nothing.
        if said.state != "withdrawn":
            said.state = _STATE_AFTER[action]
        if action == "use_copy.issued":
            said.sha256, said.valid_until = payload.get("sha256"), payload.get("valid_until")
            said.number, said.version = payload.get("number"), payload.get("version")
            said.recipient, said.purpose = payload.get("recipient"), payload.get("purpose")
    return copies


def compare_use_copies(session: Session) -> tuple[int, list[Problem]]:
    """How many use copies were compared, and each that disagrees with the log."""
    audited = audited_copies(session)
    problems: list[Problem] = []
    count = 0
    rows = session.execute(
        select(
            UseCopy.id,
            UseCopy.withdrawn_at,
            UseCopy.pdf_sha256,
            UseCopy.valid_until,
            UseCopy.recipient,
            UseCopy.purpose,
            Certificate.number,
            Certificate.version,
        )
        .outerjoin(Certificate, UseCopy.certificate_id == Certificate.id)
        .order_by(UseCopy.id)
    )
    for copy_id, withdrawn_at, sha256, valid_until, recipient, purpose, number, version in rows:
        count += 1
        said = audited.pop(copy_id, None)
        if said is None:
            problems.append(Problem("use_copy.unaudited", {"copy": copy_id}))
            continue
        registry = "withdrawn" if withdrawn_at is not None else "valid"
        if (said.state == "withdrawn") != (registry == "withdrawn"):
            problems.append(Problem("use_copy.status", {"copy": copy_id, "registry": registry, "audit": said.state}))
        recorded = {
            "certificate": (said.number, said.version),
            "recipient": said.recipient,
            "purpose": said.purpose,
            "sha256": said.sha256,
            "valid_until": said.valid_until,
        }
        stored = {
            "certificate": (number, version),
            "recipient": recipient,
            "purpose": purpose,
            "sha256": sha256,
            "valid_until": valid_until.isoformat(),
        }
        for column, value in recorded.items():
            if value != stored[column]:
                problems.append(Problem("use_copy.altered", {"copy": copy_id, "column": column}))
    for copy_id, said in sorted(audited.items()):
        problems.append(Problem("use_copy.missing", {"copy": copy_id, "audit": said.state}))
    return count, problems
