"""A holder's conversion applications: start one for a case, keep the claim as a draft,
add and remove evidence, submit (or resubmit after 补正) with the integrity commitment, and
withdraw. Each state change writes its audit event in the same transaction; the application
row is locked while it changes, so a double click cannot submit twice.

Every function takes the account's id: another account's application is None (a 404),
never "forbidden", so nobody learns which numbers exist. Staff's side (the queue, the
decisions) reads and moves the same rows through ``legacy_import.workflow``.

Outcomes a holder can cause are return values (``Incomplete``); a step the status does not
allow raises ``legacy_import.IllegalTransition`` (the page says so; never a 500), and so does
an upload past ``MAX_FILES`` (``TooManyFiles``, one of them). A withdrawal sets
``decided_at``: the time the application became final, which the retention of its
evidence counts from.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ecert import audit
from ecert.db import Database
from ecert.models import Account, LegacyApplication, LegacyEvidence
from ecert.settings import SandboxLimits
from ecert.storage import BlobStore
from legacy_import import IllegalTransition, claim, workflow
from legacy_import.checking import check_application, max_severity, read_missing_texts
from legacy_import.checks import ELECTRONIC_SINCE, parse_date
from legacy_import.evidence import CleanEvidence

MAX_FILES = 10  # evidence files per application: enough for a form of several pages
MAX_NAME = 120  # characters of an original file name kept (as data, for display)

# The integrity commitment (诚信承诺) and truthfulness guarantee (真实保证) the holder
# accepts on submitting. Its exact text is stored with the application: a later wording
# is a new version and never changes what an earlier applicant accepted.
COMMITMENT_VERSION = "2026-12"
COMMITMENT_TEXT = (
    "诚信承诺与真实保证（"
    + COMMITMENT_VERSION
    + " 版）：本人承诺，所填写的证书信息和上传的证明材料均真实、准确、完整，"
    "证明材料由人事档案管理部门核实，无伪造、变造、冒用他人材料或借挂靠、冒名顶替等弄虚作假行为；"
    "本人知悉，如有虚假，将按照人社部发〔2024〕56号、渝人社发〔2021〕25号等规定处理，已取得的职称予以撤销，"
    "并承担相应责任。"
)


@dataclass(frozen=True)
class Evidence:
    id: int
    kind: str
    original_name: str
    content_type: str
    size: int
    pages: int
    uploaded_at: datetime


@dataclass(frozen=True)
class Application:
    id: int
    account_id: int
    case: str
    status: str
    claim: dict[str, str]
    staff_changes: list[dict[str, Any]]
    staff_message: str | None
    certificate_number: str | None
    commitment_accepted_at: datetime | None
    submitted_at: datetime | None
    decided_at: datetime | None
    created_at: datetime
    updated_at: datetime
    evidence: tuple[Evidence, ...] = field(default=())

    @property
    def editable(self) -> bool:
        return self.status in workflow.EDITABLE

    @property
    def kinds(self) -> set[str]:
        return {item.kind for item in self.evidence}


@dataclass(frozen=True)
class Incomplete:
    """Why a submission was refused: the fields still empty, the groups of evidence of
    which none is there, and whether the commitment was not accepted."""

    fields: tuple[str, ...]
    evidence: tuple[tuple[str, ...], ...]
    commitment: bool
    # The approval date typed is no date (``unreadable``) or one of the electronic era
    # (``electronic_era``: titles from 2021 on were issued as electronic certificates).
    date_problem: str | None = None


class TooManyFiles(IllegalTransition):
    """The application holds ``MAX_FILES`` already."""

    def __init__(self, status: str) -> None:
        super().__init__(status, "add_evidence")


def display_name(name: str | None) -> str:
    """The upload's name as data: its last path segment, control and bidi characters
    removed, at most ``MAX_NAME`` characters. Never used as a path (blobs are named by hash)."""
    text = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    text = "".join(ch for ch in text if ch.isprintable()).strip()  # bidirectional controls do not print
    return text[:MAX_NAME] or "未命名"


def gender_of(id_number: str) -> str:
    """The gender an 18- or 15-digit ID number encodes (odd sequence: 男), or ''."""
    digit = id_number[16:17] if len(id_number) == 18 else id_number[14:15] if len(id_number) == 15 else ""
    return ("男" if int(digit) % 2 else "女") if digit.isdigit() else ""


def of_account(session: Session, account_id: int) -> list[Application]:
    rows = session.scalars(
        select(LegacyApplication)
        .where(LegacyApplication.account_id == account_id)
        .order_by(LegacyApplication.id.desc())
        .limit(200)
    )
    return [_application(row, ()) for row in rows]


def one_of_account(session: Session, account_id: int, application_id: int) -> Application | None:
    row = session.get(LegacyApplication, application_id)
    if row is None or row.account_id != account_id:
        return None
    return _application(row, _evidence_of(session, row.id))


def start(db: Database, *, account_id: int, case: str, now: datetime) -> int | None:
    """A new draft for ``case``, the claim's name and gender taken from the account (the
    holder may change them); None when the account is no holder's."""
    if case not in claim.CASES:
        raise ValueError(case)
    with db.write() as session:
        account = session.get(Account, account_id)
        if account is None or account.kind != "holder":
            return None
        # The account's login is its ID number, checked at registration: never typed again.
        row = LegacyApplication(
            account_id=account_id,
            id_number=account.login,
            case=case,
            status=workflow.DRAFT,
            claim={"name": account.name, "gender": gender_of(account.login)},
            staff_changes=[],
            findings=[],
            max_severity=0,
            created_at=now,
            updated_at=now,
        )
        session.add(row)
        session.flush()
        _audit(session, row, "legacy.application_started", {"case": case}, now)
        return row.id


def save_draft(
    db: Database, *, account_id: int, application_id: int, typed: dict[str, str], now: datetime, restored: bool = False
) -> bool | None:
    """Keep ``typed`` (claim field → text, as typed) on an editable application. True when
    something changed (audited), False when nothing did; None when it is not the account's.
    ``restored``: the values came back from a form posted after the login had expired."""
    with db.write() as session:
        row = _locked(session, account_id, application_id)
        if row is None:
            return None
        changed = _keep_claim(session, row, typed, now, restored=restored)
        return changed


def add_evidence(
    db: Database,
    store: BlobStore,
    *,
    account_id: int,
    application_id: int,
    kind: str,
    cleaned: CleanEvidence,
    original_name: str | None,
    original_sha256: str,
    now: datetime,
) -> int | None:
    """Store a cleaned file (and its thumbnail) as evidence of ``kind``; its id, or None
    when the application is not the account's. ``TooManyFiles`` / ``IllegalTransition``
    when it holds enough files or is not editable."""
    if kind not in claim.EVIDENCE_KINDS:
        raise ValueError(kind)
    # Content-addressed: a blob stored for an upload whose transaction then fails is
    # harmless and unnamed.
    sha256 = store.put(cleaned.data)
    thumbnail = store.put(cleaned.thumbnail_png) if cleaned.thumbnail_png else None
    with db.write() as session:
        row = _locked(session, account_id, application_id)
        if row is None:
            return None
        if row.status not in workflow.EDITABLE:
            raise IllegalTransition(row.status, "add_evidence")
        held = session.scalar(
            select(func.count(LegacyEvidence.id)).where(
                LegacyEvidence.application_id == row.id, LegacyEvidence.deleted_at.is_(None)
            )
        )
        if (held or 0) >= MAX_FILES:
            raise TooManyFiles(row.status)
        evidence = LegacyEvidence(
            application_id=row.id,
            kind=kind,
            sha256=sha256,
            original_sha256=original_sha256,
            content_type=cleaned.content_type,
            original_name=display_name(original_name),
            size=len(cleaned.data),
            pages=cleaned.pages,
            image_hash=cleaned.image_hash,
            thumbnail_sha256=thumbnail,
            ocr_text=cleaned.ocr_text,
            uploaded_at=now,
        )
        session.add(evidence)
        session.flush()
        row.updated_at = now
        payload = {"evidence_id": evidence.id, "kind": kind, "sha256": sha256, "original_sha256": original_sha256}
        _audit(session, row, "legacy.evidence_added", payload, now)
        return evidence.id


def remove_evidence(db: Database, *, account_id: int, application_id: int, evidence_id: int, now: datetime) -> bool:
    """Remove one file of an editable application; False when there is no such file of the
    account's. The blob stays (content-addressed, maybe shared). A draft's row goes; once
    the application was submitted, staff have seen the file: its row stays, marked deleted,
    so that the page still lists it and the same-file check still knows it."""
    with db.write() as session:
        row = _locked(session, account_id, application_id)
        evidence = session.get(LegacyEvidence, evidence_id)
        if row is None or evidence is None or evidence.application_id != row.id or evidence.deleted_at is not None:
            return False
        if row.status not in workflow.EDITABLE:
            raise IllegalTransition(row.status, "remove_evidence")
        payload = {"evidence_id": evidence.id, "kind": evidence.kind, "sha256": evidence.sha256}
        if row.submitted_at is None:
            session.delete(evidence)
        else:
            evidence.deleted_at = now
        row.updated_at = now
        _audit(session, row, "legacy.evidence_removed", payload, now)
        return True


def submit(
    db: Database,
    *,
    account_id: int,
    application_id: int,
    action: str,
    typed: dict[str, str] | None,
    commitment: str | None,
    now: datetime,
    today: date,
    store: BlobStore | None = None,
    limits: SandboxLimits | None = None,
) -> Application | Incomplete | None:
    """``action`` ``submit`` (a draft) or ``resubmit`` (one returned for 补正), with the claim as typed, once
    every required field and evidence is there and ``commitment`` is the current text: the
    checks run and their findings are stored. The typed claim is kept even when refused.

    With ``store``, the evidence is read by OCR first, outside the write transaction: a page
    takes a second or more, and the write lock would be held that long."""
    if store is not None:
        with db.read() as session:
            owned = session.get(LegacyApplication, application_id)
            ours = owned is not None and owned.account_id == account_id and owned.status in workflow.EDITABLE
        if ours:
            read_missing_texts(db, application_id, store=store, limits=limits)
    with db.write() as session:
        row = _locked(session, account_id, application_id)
        if row is None:
            return None
        if action not in (workflow.SUBMIT, workflow.RESUBMIT):
            raise ValueError(action)
        new_status = workflow.next_status(row.status, action)  # IllegalTransition: nothing changes
        if typed is not None:
            _keep_claim(session, row, typed, now)
        kinds = set(
            session.scalars(
                select(LegacyEvidence.kind).where(
                    LegacyEvidence.application_id == row.id, LegacyEvidence.deleted_at.is_(None)
                )
            )
        )
        missing = Incomplete(
            claim.missing_fields(row.case, row.claim),
            claim.missing_evidence(row.case, kinds),
            commitment != COMMITMENT_TEXT,
            _date_problem(str(row.claim.get("approval_date", "") or "")),
        )
        if missing.fields or missing.evidence or missing.commitment or missing.date_problem:
            return missing
        row.status = new_status
        row.commitment_text, row.commitment_accepted_at = COMMITMENT_TEXT, now
        row.submitted_at = row.updated_at = now
        session.flush()
        result = check_application(session, row, today=today, read_ocr=False)
        row.findings = [finding.as_json() for finding in result.findings]
        row.max_severity = max_severity(result.findings)
        row.roster_entry_id = result.roster_entry_id
        action_name = "legacy.resubmitted" if action == workflow.RESUBMIT else "legacy.submitted"
        payload = {"case": row.case, "commitment_version": COMMITMENT_VERSION, "max_severity": row.max_severity}
        _audit(session, row, action_name, payload, now)
        return _application(row, _evidence_of(session, row.id))


def _date_problem(typed: str) -> str | None:
    """What keeps the approval date typed from being submitted (an empty one is a missing
    field, a month without its day is fine: staff complete it from the archive)."""
    if not typed.strip():
        return None
    parsed = parse_date(typed)
    if parsed is None:
        return "unreadable"
    return "electronic_era" if parsed[0] >= ELECTRONIC_SINCE else None


def withdraw(db: Database, *, account_id: int, application_id: int, now: datetime) -> bool:
    """Withdraw a draft, a submitted or a returned application; False when not the account's."""
    with db.write() as session:
        row = _locked(session, account_id, application_id)
        if row is None:
            return False
        before = row.status
        row.status = workflow.next_status(row.status, workflow.WITHDRAW)
        row.updated_at = row.decided_at = now
        _audit(session, row, "legacy.withdrawn", {"from": before}, now)
        return True


def clean_claim(typed: dict[str, str]) -> dict[str, str]:
    """The claim's own fields of ``typed``, as typed (unknown keys dropped)."""
    return {name: str(typed[name]) for name in claim.CLAIM_FIELDS if name in typed}


def _keep_claim(session: Session, row: LegacyApplication, typed: dict[str, str], now: datetime, **extra: Any) -> bool:
    if row.status not in workflow.EDITABLE:
        raise IllegalTransition(row.status, "save_draft")
    new = {**(row.claim or {}), **clean_claim(typed)}
    changed = sorted(name for name in claim.CLAIM_FIELDS if new.get(name, "") != (row.claim or {}).get(name, ""))
    if not changed:
        return False
    row.claim = new  # a new dict: the JSON column sees the change
    row.updated_at = now
    payload: dict[str, Any] = {"fields": changed}
    if extra.get("restored"):
        payload["restored"] = True
    _audit(session, row, "legacy.draft_saved", payload, now)
    return True


def _locked(session: Session, account_id: int, application_id: int) -> LegacyApplication | None:
    row = session.get(LegacyApplication, application_id, with_for_update=True)
    return row if row is not None and row.account_id == account_id else None


def _evidence_of(session: Session, application_id: int) -> tuple[Evidence, ...]:
    rows = session.scalars(
        select(LegacyEvidence)
        .where(LegacyEvidence.application_id == application_id, LegacyEvidence.deleted_at.is_(None))
        .order_by(LegacyEvidence.id)
    )
    return tuple(Evidence(e.id, e.kind, e.original_name, e.content_type, e.size, e.pages, e.uploaded_at) for e in rows)


def _application(row: LegacyApplication, evidence: tuple[Evidence, ...]) -> Application:
    return Application(
        id=row.id,
        account_id=row.account_id,
        case=row.case,
        status=row.status,
        claim={name: str(value) for name, value in (row.claim or {}).items()},
        staff_changes=list(row.staff_changes or []),
        staff_message=row.staff_message,
        certificate_number=row.certificate_number,
        commitment_accepted_at=row.commitment_accepted_at,
        submitted_at=row.submitted_at,
        decided_at=row.decided_at,
        created_at=row.created_at,
        updated_at=row.updated_at,
        evidence=evidence,
    )


def _audit(session: Session, row: LegacyApplication, action: str, payload: dict[str, Any], now: datetime) -> None:
    # No ID number, no claim values: the subject names the application, the payload what changed.
    audit.append(
        session,
        actor=f"account:{row.account_id}",
        action=action,
        subject=f"legacy_application:{row.id}",
        payload=payload,
        at=now,
    )


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
