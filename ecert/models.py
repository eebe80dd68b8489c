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
    Index,
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
    source: Mapped[str] = mapped_column(String(16), default="csv")  # csv | legacy
    # A certificate converted from paper (``source`` legacy): the paper certificate's number,
    # printed beside the new one, and where the conversion came from, signed into the PDF
    # and shown by the verifier: ``{"paper_number", "verified_by", "verified_on",
    # "application_id"}``.
    paper_number: Mapped[str | None] = mapped_column(String(64), index=True)
    provenance: Mapped[dict | None] = mapped_column(JSON)
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


class CertificateRevision(Base):
    """A later revision of one certificate version's PDF: the same signed certificate with a
    fresh document timestamp and the validation data it needs appended (``ecert
    renew-timestamps``). Revisions are not versions: the version's row points at the newest
    file (``Certificate.pdf_sha256``); each revision row keeps the hash of the file it
    replaced, so an upload of an earlier revision is still recognised by its hash.

    ``timestamp_expires_at`` is when the TSA certificate of this revision's newest document
    timestamp expires and ``algorithms`` its digest and signature algorithms: what the next
    renewal is decided on without opening the file.
    """

    __tablename__ = "certificate_revisions"
    __table_args__ = (UniqueConstraint("certificate_id", "revision", name="uq_certificate_revisions_revision"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificates.id"), index=True)
    revision: Mapped[int] = mapped_column(Integer)  # 2 for the first renewal (1 is the file as issued)
    pdf_sha256: Mapped[str] = mapped_column(String(64), index=True)
    pdf_size: Mapped[int] = mapped_column(Integer)
    previous_sha256: Mapped[str] = mapped_column(String(64), index=True)
    timestamp_expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    algorithms: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


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
    purpose: Mapped[str] = mapped_column(String(16))  # register | activation | recover | mobile
    subject: Mapped[str] = mapped_column(String(64), index=True)  # the ID number it is for
    code_hmac: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class LoginSession(Base):
    """One login, from the account's last factor to its logout. The signed session cookie
    names it by a random token (only its SHA-256 is kept here), and every request checks
    it, so that a logout — or an idle staff session timing out — ends it on every worker
    and machine at once, and a copy of the cookie kept from before stops working too.
    """

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    end_reason: Mapped[str | None] = mapped_column(String(16))  # logout | idle


# --- use copies (加注件) ---
class UseCopy(Base):
    """A copy of one certificate version made by its holder for a named recipient and
    purpose, valid to the end of ``valid_until`` (an office-local day): its own token, QR
    and signed PDF, the annotation printed across the page (``ecert.vocab.use_copies``).

    Its public status is computed at read time: withdrawn once ``withdrawn_at`` is set,
    expired after the end of ``valid_until``, and never stronger than its certificate's
    (``verifier.status``). A row exists only once its PDF is signed and stored.
    """

    __tablename__ = "use_copies"

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificates.id"), index=True)
    token: Mapped[str] = mapped_column(String(32), unique=True)
    recipient: Mapped[str] = mapped_column(String(64))
    purpose: Mapped[str] = mapped_column(String(64))
    valid_until: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    created_by: Mapped[str] = mapped_column(String(128))
    pdf_sha256: Mapped[str] = mapped_column(String(64), index=True)
    pdf_size: Mapped[int] = mapped_column(Integer)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    certificate: Mapped[Certificate] = relationship()


# --- verification history and notifications ---


class VerificationEvent(Base):
    """One check of a certificate or use copy, keyed by the token checked (a use copy has
    its own token, so it fits unchanged). No IP address, no user agent, nothing of the
    verifier: only the channel and the minute (``ecert.verifications``). At most
    ``DETAILED_PER_DAY`` rows per token and day; beyond that only ``VerificationCount``."""

    __tablename__ = "verification_events"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    token: Mapped[str] = mapped_column(String(32), index=True)
    channel: Mapped[str] = mapped_column(String(8))  # qr | lookup | upload | api | api_pdf
    at: Mapped[datetime] = mapped_column(UTCDateTime())  # to the minute


class VerificationCount(Base):
    """Checks of one token on one day (the office's) through one channel: every check, detailed or not."""

    __tablename__ = "verification_counts"

    token: Mapped[str] = mapped_column(String(32), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    channel: Mapped[str] = mapped_column(String(8), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)


class Notification(Base):
    """A notice for a holder (``ecert.notifications.notify``): words come from ``kind`` and
    ``params`` at the edge. ``sent_at``: delivered through the notifier (None: not sent,
    e.g. no account yet); ``read_at``: marked read in 我的证书."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    holder_id: Mapped[int] = mapped_column(ForeignKey("holders.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    number: Mapped[str] = mapped_column(String(32))
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


# --- API keys ---


class ApiKey(Base):
    """A key an organisation's systems present to the JSON API (``ecert api-keys``).

    Only the SHA-256 of the whole key is stored: the key is 256 random bits, so a plain
    hash cannot be reversed or guessed, and a copy of the database lets nobody call the
    API. ``key_id`` is the public part of the key (it is printed in the key itself), used
    to find the row, in logs, in the console and as the rate limits' key.
    """

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    key_id: Mapped[str] = mapped_column(String(16), unique=True)
    organisation: Mapped[str] = mapped_column(String(128))
    secret_sha256: Mapped[str] = mapped_column(String(64))
    # Flask-Limiter syntax for single lookups; None: ``RateLimits.api_key`` of the settings.
    rate_limit: Mapped[str | None] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_by: Mapped[str | None] = mapped_column(String(128))


class ApiKeyUsage(Base):
    """Requests made with one key on one day (the office's calendar): one row per key and
    day, counted up by each request, so usage costs one small write and staff read it back
    without scanning logs. ``refused``: those answered 429 (the key's limit reached)."""

    __tablename__ = "api_key_usage"

    api_key_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    requests: Mapped[int] = mapped_column(Integer, default=0)
    refused: Mapped[int] = mapped_column(Integer, default=0)


# --- correction requests ---
class CorrectionRequest(Base):
    """A holder's request that a certificate be corrected: what is wrong, an optional
    attachment (checked and cleaned; ``attachment_name`` is what the holder's file was
    called, kept as data only, never as a path), and staff's answer."""

    __tablename__ = "correction_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    holder_id: Mapped[int] = mapped_column(ForeignKey("holders.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    certificate_number: Mapped[str] = mapped_column(String(32), index=True)
    field: Mapped[str] = mapped_column(String(32))
    what_is_wrong: Mapped[str] = mapped_column(Text)
    attachment_sha256: Mapped[str | None] = mapped_column(String(64))
    attachment_name: Mapped[str | None] = mapped_column(String(200))
    attachment_type: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), index=True)  # open | answered
    outcome: Mapped[str | None] = mapped_column(String(16))  # accepted | declined
    answer_text: Mapped[str | None] = mapped_column(Text)
    answered_by: Mapped[str | None] = mapped_column(String(128))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


# --- csv upload ---


class IssueBatch(Base):
    """One decisions CSV uploaded in the console and issued in the background: who
    uploaded which file (by SHA-256), how far it got, and at the end what it issued and
    which rows it could not (row errors as codes with parameters: the page says the words).

    ``status``: ``checking`` then ``running`` while its worker goes (``updated_at`` is its
    heartbeat: a batch not heard of for a while was killed, ``interrupted``), then ``finished``
    (every row issued, already issued or, with ``skip_invalid``, reported), ``stopped`` (a
    row failed without ``skip_invalid``: the rows before it stay issued), ``rejected``
    (rows invalid when the worker checked them again: nothing issued) or ``failed`` (no
    row's fault: ``problem`` says what).
    """

    __tablename__ = "issue_batches"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    file_sha256: Mapped[str] = mapped_column(String(64), index=True)
    file_name: Mapped[str] = mapped_column(String(128))
    uploaded_by: Mapped[str] = mapped_column(String(128))
    skip_invalid: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(16))
    rows_total: Mapped[int] = mapped_column(Integer)
    rows_checked: Mapped[int] = mapped_column(Integer, default=0)
    rows_done: Mapped[int] = mapped_column(Integer, default=0)
    rows_failed: Mapped[int] = mapped_column(Integer, default=0)
    results: Mapped[list] = mapped_column(JSON, default=list)
    errors: Mapped[list] = mapped_column(JSON, default=list)
    problem: Mapped[dict | None] = mapped_column(JSON)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


# --- batches: a decisions CSV as queued work (``issuer.batches``) ---


class Batch(Base):
    """One run of ``ecert issue FILE.csv``: which file (by SHA-256), who, with which
    options; its rows are ``BatchItem``s, counted by state (no counters kept here that could
    drift from the items).

    ``status``: ``open`` while its items are worked on; ``finished`` when none is pending or
    running; ``stopped`` when a row failed without ``skip_invalid`` (the pending rows are
    not taken; a re-run of the file issues them); ``failed`` for what is no row's fault
    (``problem``); ``superseded`` when a later run of the same file took over its rows.
    """

    __tablename__ = "batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(256))
    file_sha256: Mapped[str] = mapped_column(String(64), index=True)
    actor: Mapped[str] = mapped_column(String(128))
    skip_invalid: Mapped[bool] = mapped_column(default=False)
    accept_public_url_change: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(16), index=True)
    rows_total: Mapped[int] = mapped_column(Integer)
    problem: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class BatchItem(Base):
    """One row of a batch: ``pending`` (to be taken), ``running`` (taken by ``worker`` at
    ``claimed_at``), ``done`` (``outcome`` issued or already issued, as ``number`` version
    ``version``) or ``failed`` (``reason``: the row error or what failed, and what became of
    the number). ``decision`` is the validated row, as a worker on any machine needs it
    (its photo in the blob store by ``photo_sha256``); it is dropped once the row is done.
    """

    __tablename__ = "batch_items"
    __table_args__ = (UniqueConstraint("batch_id", "row", name="uq_batch_items_batch_row"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"))
    row: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16))
    decision: Mapped[dict | None] = mapped_column(JSON)
    photo_sha256: Mapped[str | None] = mapped_column(String(64))
    worker: Mapped[str | None] = mapped_column(String(128))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    outcome: Mapped[str | None] = mapped_column(String(16))
    number: Mapped[str | None] = mapped_column(String(32))
    version: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[dict | None] = mapped_column(JSON)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


Index("ix_batch_items_batch_state_row", BatchItem.batch_id, BatchItem.state, BatchItem.row)


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


# --- legacy conversion (pre-2021 paper certificates) ---


class RosterEntry(Base):
    """One row of a historical approval roster an archive handed over (``ecert legacy
    import-roster``), normalised: what the office approved before certificates were
    electronic. Kept in the kernel because the verifier answers for paper numbers found
    here ("纸质证书存档记录存在，尚未转换为电子证书") and the conversion checks claims against it.

    ``row_key`` is the SHA-256 of the normalised values: re-importing the same file, or the
    same row from another copy of it, adds nothing. ``id_number_original`` keeps what the
    roster said when it was upgraded (a 15-digit number), ``approval_date_text`` the date as
    written (``2003年7月`` has no day: ``approval_date`` is then the 1st and
    ``approval_date_precision`` says ``month``).
    """

    __tablename__ = "roster_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    row_key: Mapped[str] = mapped_column(String(64), unique=True)
    source_label: Mapped[str] = mapped_column(String(128))
    source_file: Mapped[str] = mapped_column(String(200))
    source_sha256: Mapped[str] = mapped_column(String(64), index=True)
    sheet: Mapped[str | None] = mapped_column(String(64))
    source_row: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(64), index=True)
    gender: Mapped[str | None] = mapped_column(String(2))
    id_number: Mapped[str | None] = mapped_column(String(18), index=True)
    id_number_original: Mapped[str | None] = mapped_column(String(18))
    employer: Mapped[str | None] = mapped_column(String(200))
    series: Mapped[str | None] = mapped_column(String(64))
    specialty: Mapped[str | None] = mapped_column(String(128))
    level: Mapped[str | None] = mapped_column(String(16))
    qualification: Mapped[str] = mapped_column(String(64))
    approval_date: Mapped[date | None] = mapped_column(Date)
    approval_date_text: Mapped[str | None] = mapped_column(String(32))
    approval_date_precision: Mapped[str | None] = mapped_column(String(8))  # day | month
    approving_body: Mapped[str | None] = mapped_column(String(200))
    doc_no: Mapped[str | None] = mapped_column(String(64), index=True)
    paper_number: Mapped[str | None] = mapped_column(String(64), index=True)
    imported_by: Mapped[str] = mapped_column(String(128))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime())


class LegacyApplication(Base):
    """A holder's request to convert a paper certificate (``legacy_import.workflow`` has the
    statuses and who may move it where).

    ``claim``: what the holder says the paper says (field → text, the decisions CSV's field
    names plus ``paper_number``), kept as typed while a draft; ``staff_changes``: each
    change staff made to it before approval, ``{"field", "old", "new", "reason", "by",
    "at"}``, shown to the holder. ``findings``: the automatic checks' last result
    (``legacy_import.checks``), ``max_severity`` its highest severity (0 none … 3 high), for
    the queue's filter. The commitment's exact text and acceptance time are kept as accepted.
    """

    __tablename__ = "legacy_applications"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    id_number: Mapped[str] = mapped_column(String(18), index=True)
    case: Mapped[str] = mapped_column(String(16))  # intact | lost | incomplete
    status: Mapped[str] = mapped_column(String(16), index=True)
    claim: Mapped[dict] = mapped_column(JSON, default=dict)
    staff_changes: Mapped[list] = mapped_column(JSON, default=list)
    findings: Mapped[list] = mapped_column(JSON, default=list)
    max_severity: Mapped[int] = mapped_column(Integer, default=0)
    roster_entry_id: Mapped[int | None] = mapped_column(ForeignKey("roster_entries.id"))
    commitment_text: Mapped[str | None] = mapped_column(Text)
    commitment_accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    staff_message: Mapped[str | None] = mapped_column(Text)  # the last 补正 request or rejection reason
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    recommended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    approver_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    certificate_number: Mapped[str | None] = mapped_column(String(32))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class LegacyEvidence(Base):
    """One file a holder uploaded for an application, checked and cleaned
    (``legacy_import.evidence``) and stored in the blob store by ``sha256`` (the cleaned
    bytes; ``original_sha256`` is the upload's, for the duplicate check). ``original_name``
    is data only, never a path. ``image_hash``: the perceptual hash of the first page, for
    near-duplicates across applicants; ``ocr_text``: Tesseract's reading, a hint for staff.
    ``deleted_at``: removed after the retention period of a rejected or withdrawn one."""

    __tablename__ = "legacy_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("legacy_applications.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))  # paper_certificate | review_form | report_form | archive_letter
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    original_sha256: Mapped[str] = mapped_column(String(64), index=True)
    content_type: Mapped[str] = mapped_column(String(32))
    original_name: Mapped[str] = mapped_column(String(200))
    size: Mapped[int] = mapped_column(Integer)
    pages: Mapped[int] = mapped_column(Integer, default=1)
    image_hash: Mapped[str | None] = mapped_column(String(32), index=True)
    thumbnail_sha256: Mapped[str | None] = mapped_column(String(64))
    ocr_text: Mapped[str | None] = mapped_column(Text)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
