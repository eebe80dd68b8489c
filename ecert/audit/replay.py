"""The registry against its log: replay each certificate's lifecycle events and compare the
status they lead to with the ``certificates`` table.

An ``UPDATE certificates SET status = 'valid'`` un-revokes a certificate without any event;
the chain alone cannot see it, this replay can. The lifecycle, by action (subject
``certificate:<number>/v<version>``):

- ``certificate.reserved``, ``certificate.correction_reserved``: that version is pending;
- ``certificate.issued``: valid;
- ``certificate.corrected``: valid, and the version it ``supersedes`` superseded;
- ``certificate.revoked``: revoked;
- ``certificate.reinstated``: valid again (a two-person act undid a mistaken revocation; the
  row's revocation 文号 is cleared, and one still there is named);
- ``certificate.released``, ``certificate.correction_released``: the pending version failed
  and its row was deleted (its number may come back with the next reservation);
- ``certificate.timestamps_renewed``: status unchanged, the version's file is now the
  renewed one (``sha256``; ``ecert renew-timestamps``).

The PDF's SHA-256 (issued, corrected) and the revocation's 文号 (revoked) are compared too:
an ``UPDATE`` pointing a version at another file, or changing the 文号 the public page
shows, is named as well.

Problem codes: ``registry.status`` (number, version, registry, audit),
``registry.sha256`` (number, version: the PDF's hash is not the one its event recorded),
``registry.doc_no`` (number, version, registry, audit: the revocation's 文号),
``registry.unaudited`` (number, version, registry: a row no event speaks of),
``registry.missing`` (number, version, audit: events of a version the table lacks).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ecert.models import AuditEvent, Certificate
from ecert.vocab.problem import Param, Problem

_SUBJECT = re.compile(r"certificate:(?P<number>[^/]+)/v(?P<version>\d+)")
_STATUS_AFTER = {
    "certificate.reserved": "pending",
    "certificate.correction_reserved": "pending",
    "certificate.issued": "valid",
    "certificate.corrected": "valid",
    "certificate.revoked": "revoked",
    "certificate.reinstated": "valid",
}
_RELEASED = ("certificate.released", "certificate.correction_released")
_RENEWED = "certificate.timestamps_renewed"


@dataclass
class Audited:
    """What a version's events say: its status, its PDF's hash, its revocation's 文号."""

    status: str
    sha256: str | None = None
    doc_no: str | None = None


def audited_statuses(session: Session) -> dict[tuple[str, int], Audited]:
    """What the audit events say each certificate version is now."""
    statuses: dict[tuple[str, int], Audited] = {}
    rows = session.execute(
        select(AuditEvent.action, AuditEvent.subject, AuditEvent.payload)
        .where(AuditEvent.action.in_((*_STATUS_AFTER, *_RELEASED, _RENEWED)))
        .order_by(AuditEvent.seq)
    )
    for action, subject, payload in rows:
        match = _SUBJECT.fullmatch(subject)
        if match is None:
            continue
        number, version = match["number"], int(match["version"])
        payload = payload if isinstance(payload, dict) else {}
        if action in _RELEASED:
            statuses.pop((number, version), None)
            continue
        if action == _RENEWED:
            renewed = statuses.get((number, version))
            if renewed is not None:
                renewed.sha256 = payload.get("sha256")
            continue
        said = statuses.setdefault((number, version), Audited(_STATUS_AFTER[action]))
        said.status = _STATUS_AFTER[action]
        if action in ("certificate.issued", "certificate.corrected"):
            said.sha256 = payload.get("sha256")
        if action == "certificate.revoked":
            said.doc_no = payload.get("doc_no")
        if action == "certificate.reinstated":
            said.doc_no = ""  # none: a revocation 文号 left on the row would still show publicly
        supersedes = payload.get("supersedes")
        if action == "certificate.corrected" and isinstance(supersedes, int):
            statuses.setdefault((number, supersedes), Audited("superseded")).status = "superseded"
    return statuses


def compare_registry(session: Session) -> tuple[int, list[Problem]]:
    """How many certificate versions were compared, and each that disagrees with the log."""
    audited = audited_statuses(session)
    problems: list[Problem] = []
    count = 0
    rows = session.execute(
        select(
            Certificate.number,
            Certificate.version,
            Certificate.status,
            Certificate.pdf_sha256,
            Certificate.revocation_doc_no,
        ).order_by(Certificate.number, Certificate.version)
    )
    for number, version, status, sha256, doc_no in rows:
        count += 1
        registry = status.value
        said = audited.pop((number, version), None)
        where: dict[str, Param] = {"number": number, "version": version}
        if said is None:
            problems.append(Problem("registry.unaudited", {**where, "registry": registry}))
            continue
        if said.status != registry:
            problems.append(Problem("registry.status", {**where, "registry": registry, "audit": said.status}))
        if said.sha256 is not None and said.sha256 != sha256:
            problems.append(Problem("registry.sha256", where))
        if said.doc_no is not None and said.doc_no != (doc_no or ""):
            problems.append(Problem("registry.doc_no", {**where, "registry": doc_no or "", "audit": said.doc_no}))
    for (number, version), said in sorted(audited.items()):
        problems.append(Problem("registry.missing", {"number": number, "version": version, "audit": said.status}))
    return count, problems
