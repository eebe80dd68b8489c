"""The registry: holders, decisions, certificates (one row per version), audit events.

A certificate row is the truth (DESIGN principle 1); its PDF is a signed projection
stored in the blob store under ``pdf_sha256``.
"""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    DateTime,
    Dialect,
    Enum,
    ForeignKey,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class UTCDateTime(TypeDecorator[datetime]):
    """A moment: stored in UTC, read back as an aware UTC ``datetime`` on every database.

    The column stays ``TIMESTAMP WITH TIME ZONE`` (no migration).  PostgreSQL hands back
    the session's time zone and SQLite, which has no such type, a naive value of the
    UTC wall time written: both are made aware UTC here, so no caller ever meets a naive
    moment.  Writing a naive moment is refused: its zone would be a guess.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: pass an aware one (ecert.clock.utc_now)")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        moment: datetime = value
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class Base(DeclarativeBase):
    pass


class CertificateStatus(enum.StrEnum):
    PENDING = "pending"  # number and token reserved, PDF not yet signed
    VALID = "valid"
    REVOKED = "revoked"
    SUPERSEDED = "superseded"


class Holder(Base):
    __tablename__ = "holders"

    id: Mapped[int] = mapped_column(primary_key=True)
    id_number: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    gender: Mapped[str] = mapped_column(String(2))
    # From the decisions CSV's optional mobile column: where a holder's one-time codes go.
    mobile: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Decision(Base):
    """An approved title decision: the source every certificate version is rendered from."""

    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    identity_key: Mapped[str] = mapped_column(String(64), unique=True)
    holder_id: Mapped[int] = mapped_column(ForeignKey("holders.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    gender: Mapped[str] = mapped_column(String(2))
    employer: Mapped[str] = mapped_column(String(200))
    series: Mapped[str] = mapped_column(String(64))
    specialty: Mapped[str] = mapped_column(String(128))
    level: Mapped[str] = mapped_column(String(16))
    qualification: Mapped[str] = mapped_column(String(64))
    grant_route: Mapped[str] = mapped_column(String(16))
    approval_date: Mapped[date] = mapped_column(Date)
    approving_body: Mapped[str] = mapped_column(String(200))
    doc_no: Mapped[str] = mapped_column(String(64))
    photo_sha256: Mapped[str | None] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(16), default="csv")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    holder: Mapped[Holder] = relationship()


class Certificate(Base):
    __tablename__ = "certificates"
    __table_args__ = (
        UniqueConstraint("number", "version", name="uq_certificates_number_version"),
        UniqueConstraint("decision_id", "version", name="uq_certificates_decision_version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id"), index=True)
    office_code: Mapped[str] = mapped_column(String(6))
    number: Mapped[str] = mapped_column(String(32), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    token: Mapped[str] = mapped_column(String(32), unique=True)
    status: Mapped[CertificateStatus] = mapped_column(
        Enum(CertificateStatus, name="certificate_status", values_callable=lambda e: [m.value for m in e]),
        default=CertificateStatus.PENDING,
    )
    reserved_at: Mapped[datetime] = mapped_column(UTCDateTime())
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    pdf_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    pdf_size: Mapped[int | None] = mapped_column(Integer)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revocation_reason: Mapped[str | None] = mapped_column(Text)
    revocation_doc_no: Mapped[str | None] = mapped_column(String(64))
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id"))

    decision: Mapped[Decision] = relationship()


class NumberCounter(Base):
    """Last sequence number handed out per issuing office and year."""

    __tablename__ = "number_counters"

    office_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer)


class ReleasedNumber(Base):
    """A sequence number whose reservation was released: its certificate failed after the
    number was reserved (signing, storage). The next reservation of the same office and year
    takes it first, so that the numbers handed out stay contiguous."""

    __tablename__ = "released_numbers"

    office_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    released_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AuditEvent(Base):
    """Append-only, chained: ``hash`` is the HMAC-SHA-256 (under the audit key ``key_id``)
    of the event and ``prev_hash``; ``key_id`` NULL marks a legacy event, plain SHA-256
    (``ecert.audit``)."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(128))
    payload: Mapped[dict] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    key_id: Mapped[str | None] = mapped_column(String(32))


class DeploymentSetting(Base):
    """A fact every machine sharing the database must agree on, by key.

    ``public_url``: the base URL printed in QR codes, recorded at the first issuance. QR
    codes are forever, so a machine configured with another URL refuses to issue rather
    than print codes that point elsewhere (``issuer.services.public_url``).
    """

    __tablename__ = "deployment_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by: Mapped[str] = mapped_column(String(128))


class Account(Base):
    """A person who logs in: a holder (bound to one ID number) or a staff member (bound
    to an office, with roles). Never both: ``kind`` says which (``accounts.roles``).

    A holder's account sees certificates only once ``holder_id`` is set: when the
    registry's mobile number received its one-time code, when staff confirmed the
    identity, or when the holder entered an activation code the office handed out.
    """

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))  # "holder" | "staff"
    login: Mapped[str] = mapped_column(String(64), unique=True)  # ID number, or a staff username
    name: Mapped[str] = mapped_column(String(64))
    mobile: Mapped[str | None] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(256))
    roles: Mapped[str] = mapped_column(String(64), default="")  # staff: comma-separated
    office_code: Mapped[str | None] = mapped_column(String(6))
    holder_id: Mapped[int | None] = mapped_column(ForeignKey("holders.id"), unique=True)
    identity_confirmed_by: Mapped[str | None] = mapped_column(String(32))  # registry_mobile | staff | activation_code
    active: Mapped[bool] = mapped_column(default=True)
    # Staff: the TOTP secret (RFC 6238, base32), enrolled at first login, and the last time
    # step accepted, so that one code cannot be used twice.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class OneTimeCode(Base):
    """A code sent through the notifier (registration, recovery) or handed out by the
    office (activation). Only its HMAC is stored; ``ticket`` names it in the browser."""

    __tablename__ = "one_time_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket: Mapped[str] = mapped_column(String(43), unique=True)
    purpose: Mapped[str] = mapped_column(String(16))  # register | activation
    subject: Mapped[str] = mapped_column(String(64), index=True)  # the ID number it is for
    code_hmac: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


# --- two-person acts (batch revocation, reinstatement) ---


class TwoPersonAct(Base):
    """A change one staff member proposes and a second, different account confirms before
    it happens: revoking every certificate one approval 文号 granted, or reinstating one
    revoked certificate (``issuer.services.acts``).

    ``numbers`` is frozen when proposed: the list the preview showed is the list executed,
    so a certificate issued under the same 文号 afterwards is not swept in. ``outcome``
    says, once done, which were changed and which were found changed already.
    """

    __tablename__ = "two_person_acts"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # batch_revoke | reinstate
    params: Mapped[dict] = mapped_column(JSON)
    numbers: Mapped[list] = mapped_column(JSON)
    proposed_by: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    confirmed_by: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_by: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    outcome: Mapped[dict | None] = mapped_column(JSON)
