"""Read-only registry lookups for public verification: the registry is the authority.

Every answer is a ``PublicCertificate``: the status *now* and only the minimum of
personal data (masked name; never the ID number, birth date or photo). Lookups use
SQLAlchemy Core on the registry tables: no ORM identity map on the hot path. The QR page's
and the API's lookup by token is the busiest query of the service: its statements are built
once (``_BY_TOKEN``, ``_CURRENT``) with bound parameters, and run on a plain connection
(``Database.run_read``) as well as on a session (both are ``Executor``s).
"""

from __future__ import annotations

import dataclasses
import hmac
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Row, bindparam, select
from sqlalchemy.orm import Session

from ecert.clock import utc_now
from ecert.models import Certificate, CertificateRevision, CertificateStatus, Decision, UseCopy
from ecert.vocab import use_copies
from ecert.vocab.masking import mask_name
from ecert.vocab.names import name_problem, normalise_name
from ecert.vocab.numbering import parse_number
from ecert.vocab.tokens import normalise_token
from verifier import status as statuses
from verifier.status import PublicStatus

__all__ = [
    "PublicCertificate",
    "PublicProvenance",
    "PublicStatus",
    "PublicUseCopy",
    "by_earlier_revision",
    "by_number",
    "by_sha256",
    "by_token",
    "by_token_text",
]


@dataclass(frozen=True)
class PublicUseCopy:
    """What a use copy (加注件) adds to its certificate's answer: the annotation, and the
    statuses that make the answer (``PublicCertificate.status`` is the one that prevails)."""

    recipient: str
    purpose: str
    valid_until: date  # 有效期至: to the end of this office-local day
    state: PublicStatus  # the copy's own: valid, expired or withdrawn
    withdrawn_at: datetime | None
    certificate_status: PublicStatus  # the underlying certificate version's, as its own page says


@dataclass(frozen=True)
class PublicProvenance:
    """A certificate converted from a paper one (``Decision.provenance``): the paper
    certificate's number and who checked the archive evidence on which day. Every version
    carries its original's."""

    paper_number: str
    verified_by: str
    verified_on: date


def provenance_of(stored: Any) -> PublicProvenance | None:
    """The public part of a decision row's ``provenance`` (never the application's id)."""
    if not isinstance(stored, dict) or not stored.get("paper_number"):
        return None
    try:
        verified_on = date.fromisoformat(str(stored["verified_on"]))
    except (KeyError, ValueError):
        return None
    return PublicProvenance(str(stored["paper_number"]), str(stored.get("verified_by") or ""), verified_on)


@dataclass(frozen=True)
class PublicCertificate:
    number: str
    version: int
    token: str
    status: PublicStatus
    masked_name: str
    qualification: str
    level: str
    series: str
    specialty: str
    grant_date: date
    approving_body: str
    doc_no: str  # the approval decision's 文号: public, HR cross-checks it
    issuing_office_code: str
    issued_at: datetime | None
    # Of this version, or of the current version when that revocation prevails (see verifier.status).
    revoked_at: datetime | None = None
    revocation_reason: str | None = None
    revocation_doc_no: str | None = None
    current_version: int | None = None  # set when a later version exists
    current_token: str | None = None  # token of the current version's page
    # Set when the token or file is a use copy's: ``token`` is then the copy's own.
    use_copy: PublicUseCopy | None = None
    # Set when the certificate was converted from a paper one; None when born electronic.
    provenance: PublicProvenance | None = None


_COLUMNS = (
    Certificate.number,
    Certificate.version,
    Certificate.token,
    Certificate.status,
    Certificate.office_code,
    Certificate.issued_at,
    Certificate.revoked_at,
    Certificate.revocation_reason,
    Certificate.revocation_doc_no,
    Certificate.superseded_by_id,
    Decision.name,
    Decision.qualification,
    Decision.level,
    Decision.series,
    Decision.specialty,
    Decision.approval_date,
    Decision.approving_body,
    Decision.doc_no,
    Decision.provenance,
)


def _base():  # type: ignore[no-untyped-def]
    # Pending rows (number reserved, PDF not yet signed) do not exist for the public.
    return (
        select(*_COLUMNS)
        .join(Decision, Certificate.decision_id == Decision.id)
        .where(Certificate.status != CertificateStatus.PENDING)
    )


# What a lookup runs on: an ORM session, or a Core connection where no ORM object is wanted.
Executor = Session | Connection

# The busiest statements, built once: building a select and its cache key costs more than
# SQLite takes to answer it.
_BY_TOKEN = _base().where(Certificate.token == bindparam("token"))
_CURRENT = (
    select(
        Certificate.version,
        Certificate.token,
        Certificate.status,
        Certificate.revoked_at,
        Certificate.revocation_reason,
        Certificate.revocation_doc_no,
    )
    .where(Certificate.number == bindparam("number"), Certificate.status != CertificateStatus.PENDING)
    .order_by(Certificate.version.desc())
    .limit(1)
)


def by_token_text(session: Executor, text: str, *, now: datetime | None = None) -> PublicCertificate | None:
    """``by_token`` for untrusted input: malformed text is simply not found."""
    token = normalise_token(text)
    return by_token(session, token, now=now) if token else None


def by_number_text_and_name(session: Session, text: str, full_name: str) -> PublicCertificate | None:
    """``by_number_and_name`` for a number as typed; raises NumberFormatError for typos."""
    return by_number_and_name(session, parse_number(text).text, full_name)


def issuing_office_name(office_code: str, own_code: str, own_name: str) -> str:
    """The office's name where we know it (our own code); otherwise its division code."""
    return own_name if office_code == own_code else f"{office_code}"


def by_token(session: Executor, token: str, *, now: datetime | None = None) -> PublicCertificate | None:
    """The certificate version, or the use copy, whose token is ``token``; a use copy's
    expiry is judged at ``now`` (the caller's clock; default the real one)."""
    row = session.execute(_BY_TOKEN, {"token": token}).first()
    if row is not None:
        return _public(session, row)
    return _use_copy(session, UseCopy.token == token, now)


def by_sha256(session: Session, sha256: str, *, now: datetime | None = None) -> PublicCertificate | None:
    row = session.execute(_base().where(Certificate.pdf_sha256 == sha256)).first()
    if row is not None:
        return _public(session, row)
    return _use_copy(session, UseCopy.pdf_sha256 == sha256, now)


def by_earlier_revision(session: Session, sha256: str) -> tuple[PublicCertificate, int] | None:
    """The version whose file ``sha256`` was before a document-timestamp renewal replaced it
    (``ecert renew-timestamps``), and that file's revision number (1: as issued)."""
    found = session.execute(
        select(Certificate.token, CertificateRevision.revision)
        .join(Certificate, CertificateRevision.certificate_id == Certificate.id)
        .where(CertificateRevision.previous_sha256 == sha256)
        .order_by(CertificateRevision.revision)
        .limit(1)
    ).first()
    if found is None:
        return None
    row = session.execute(_BY_TOKEN, {"token": found.token}).first()
    return (_public(session, row), int(found.revision) - 1) if row is not None else None


def _use_copy(session: Executor, where: Any, now: datetime | None) -> PublicCertificate | None:
    copy = session.execute(
        select(
            UseCopy.token,
            UseCopy.recipient,
            UseCopy.purpose,
            UseCopy.valid_until,
            UseCopy.withdrawn_at,
            Certificate.token.label("certificate_token"),
        )
        .join(Certificate, UseCopy.certificate_id == Certificate.id)
        .where(where)
    ).first()
    if copy is None:
        return None
    row = session.execute(_BY_TOKEN, {"token": copy.certificate_token}).first()
    if row is None:
        return None
    certificate = _public(session, row)
    own = PublicStatus(use_copies.state(copy.valid_until, copy.withdrawn_at, now or utc_now()).value)
    return dataclasses.replace(
        certificate,
        token=copy.token,
        status=statuses.prevailing([certificate.status, own]),
        use_copy=PublicUseCopy(
            recipient=copy.recipient,
            purpose=copy.purpose,
            valid_until=copy.valid_until,
            state=own,
            withdrawn_at=copy.withdrawn_at,
            certificate_status=certificate.status,
        ),
    )


def by_number(session: Session, number: str, version: int | None = None) -> PublicCertificate | None:
    """The given version, or the latest one. For internal callers: it does not check the name."""
    query = _base().where(Certificate.number == number)
    query = query.where(Certificate.version == version) if version else query.order_by(Certificate.version.desc())
    row = session.execute(query.limit(1)).first()
    return _public(session, row) if row else None


def by_number_and_name(session: Session, number: str, full_name: str) -> PublicCertificate | None:
    """Latest version of ``number`` if ``full_name`` is the holder's; otherwise None.

    A wrong name answers exactly like an unknown number, so the form cannot be used
    to learn whether a number exists. A name the issuer would refuse finds nothing (the
    pages and the API say what is wrong with it before they ask).
    """
    if name_problem(full_name) is not None:
        return None
    found = session.execute(
        _base().where(Certificate.number == number).order_by(Certificate.version.desc()).limit(1)
    ).first()
    # Both sides normalised: rows stored before the rule gained NFC still match.
    name = normalise_name(found.name) if found else "\x00"
    matches = hmac.compare_digest(name.encode(), normalise_name(full_name).encode())
    return _public(session, found) if found and matches else None


def _public(session: Executor, row: Row) -> PublicCertificate:
    own = CertificateStatus(row.status)
    current = None
    if row.superseded_by_id is not None:
        current = session.execute(_CURRENT, {"number": row.number}).first()
    status = statuses.of_version(own, CertificateStatus(current.status) if current is not None else None)
    # A revocation that prevails over this version's own status is the current version's.
    revoked: Row | None = None
    if status is PublicStatus.REVOKED:
        revoked = current if current is not None and own is not CertificateStatus.REVOKED else row
    return PublicCertificate(
        number=row.number,
        version=row.version,
        token=row.token,
        status=status,
        masked_name=mask_name(row.name),
        qualification=row.qualification,
        level=row.level,
        series=row.series,
        specialty=row.specialty,
        grant_date=row.approval_date,
        approving_body=row.approving_body,
        doc_no=row.doc_no,
        issuing_office_code=row.office_code,
        issued_at=row.issued_at,
        revoked_at=revoked.revoked_at if revoked is not None else None,
        revocation_reason=revoked.revocation_reason if revoked is not None else None,
        revocation_doc_no=revoked.revocation_doc_no if revoked is not None else None,
        current_version=current.version if current is not None else None,
        current_token=current.token if current is not None else None,
        provenance=provenance_of(row.provenance),
    )
