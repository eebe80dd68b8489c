"""Typed, frozen settings read from the environment.

Development is the default and works on a bare machine: SQLite and files under
``ECERT_HOME``, a development PKI and an in-process timestamp authority.  In
production (``ECERT_ENV=production``) nothing secret or trust-related has a default:
the secret key, the signer and the timestamp authority must be configured, and
development parts are refused.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from ecert import ConfigurationError

# "none": a verifier-only deployment that holds no private key and cannot issue.
SignerKind = Literal["development", "pkcs12", "pkcs11", "none"]

DEFAULT_OFFICE_CODE = "500111"
DEFAULT_OFFICE_NAME = "重庆市大足区职称改革办公室"
DEFAULT_OFFICE_PHONE = "023-43767539"  # the notice's 联系电话 (docs/sources/notice-dazu-2025.txt)


@dataclass(frozen=True)
class PKCS12Config:
    path: Path
    passphrase_file: Path | None = None


@dataclass(frozen=True)
class PKCS11Config:
    module: Path
    token_label: str
    key_label: str
    pin_file: Path
    cert_label: str | None = None


@dataclass(frozen=True)
class RateLimits:
    """Requests per client (or per API key, later) for each public route, Flask-Limiter syntax."""

    enabled: bool = True  #: ECERT_RATELIMIT_ENABLED; production refuses 0 (benchmarks only)
    page: str = "30/minute"  #: ECERT_RATELIMIT_PAGE, the QR landing page /v/<token>
    lookup: str = "10/minute"  #: ECERT_RATELIMIT_LOOKUP, /lookup by number and name
    upload: str = "10/minute"  #: ECERT_RATELIMIT_UPLOAD, /verify (PDF upload page)
    api: str = "60/minute"  #: ECERT_RATELIMIT_API, single look-ups in /api/v1
    api_batch: str = "300/minute"  #: ECERT_RATELIMIT_API_BATCH, items of /api/v1/batch
    api_verify: str = "10/minute"  #: ECERT_RATELIMIT_API_VERIFY, /api/v1/verify (PDF body)
    # With an API key (``ecert api-keys``) the API's limits count per key, not per address:
    # many offices behind one carrier's address do not share one budget.
    api_key: str = "600/minute"  #: ECERT_RATELIMIT_API_KEY, single look-ups per key (a key's own --limit wins)
    api_key_batch: str = "3000/minute"  #: ECERT_RATELIMIT_API_KEY_BATCH, batch items per key
    login: str = "10/minute;50/hour"  #: ECERT_RATELIMIT_LOGIN, registration, codes and login (POST)
    # Failed logins and codes per account, from any client (a password guessed from many places).
    login_per_account: str = "5/15minute;20/day"  #: ECERT_RATELIMIT_LOGIN_PER_ACCOUNT
    # Lookups by number and name that find nothing, per name (``verifier.views.name_budget``).
    name_misses_per_client: str = "5/hour;20/day"  #: ECERT_RATELIMIT_NAME_MISSES_PER_CLIENT
    name_misses: str = "20/hour;100/day"  #: ECERT_RATELIMIT_NAME_MISSES, from all clients together
    # CPU seconds of PDF checking per client in a sliding window (both PDF routes together);
    # a genuine check costs ~0.15 s, a hostile file at most SandboxLimits.cpu_seconds.
    pdf_cpu: str = "20/minute;120/hour"  #: ECERT_RATELIMIT_PDF_CPU
    pdf_concurrent: int = 1  #: ECERT_RATELIMIT_PDF_CONCURRENT, PDF checks in flight per client
    # Posts of the correction form per holder account (each may carry a 10 MB attachment).
    corrections: str = "5/hour;20/day"  #: ECERT_RATELIMIT_CORRECTIONS


@dataclass(frozen=True)
class RenewalPolicy:
    """When ``ecert renew-timestamps`` renews a certificate's document timestamp."""

    # Renew when the newest timestamp's TSA certificate expires within this many days:
    # two years leaves room for a TSA that is down, a run that is missed, a key ceremony.
    horizon_days: int = 730  #: ECERT_RENEWAL_HORIZON_DAYS
    # Algorithms (digest or signature, lower case) that no longer protect a timestamp:
    # a timestamp using any of them is renewed whatever its certificate's end.
    weak_algorithms: tuple[str, ...] = ("md5", "sha1")  #: ECERT_RENEWAL_WEAK_ALGORITHMS, comma-separated


@dataclass(frozen=True)
class SandboxLimits:
    """Limits of the confined child that parses one hostile file (``ecert.sandbox``).

    The file's own budget is CPU time (``cpu_seconds``): a file that needs more is at fault.
    The wall clock (``timeout``, at least ``cpu_seconds``) only guards against a child that
    gets no CPU (a busy host, a stopped process): running out of it with CPU to spare says
    nothing about the file ("could not check now")."""

    timeout: float = 10.0  #: ECERT_SANDBOX_TIMEOUT, wall-clock seconds per file once its child runs
    # Seconds to wait for a free slot before answering "busy". With the default timeout,
    # wait + timeout stays under a 30 s front-end/gunicorn request timeout.
    wait: float = 15.0  #: ECERT_SANDBOX_WAIT
    memory_bytes: int = 1024 * 1024 * 1024  #: ECERT_SANDBOX_MEMORY_MB (RLIMIT_AS of the child)
    # A genuine certificate needs ~0.1-0.3 s; 5 s is the most one file may cost.
    cpu_seconds: float = 5.0  #: ECERT_SANDBOX_CPU_SECONDS, CPU time one file may use (ITIMER_PROF, RLIMIT_CPU)
    max_jobs: int = max(2, os.cpu_count() or 2)  #: ECERT_SANDBOX_WORKERS, children at once per process
    # Checks waiting for a free child (beyond the running ones); more: "busy" at once.
    queue: int = 8  #: ECERT_SANDBOX_QUEUE


@dataclass(frozen=True)
class Settings:
    home: Path
    database_url: str
    public_url: str = "http://127.0.0.1:8000"
    environment: Literal["development", "production"] = "development"
    # How one-time codes reach holders: "outbox" (development: files under ECERT_HOME/outbox,
    # refused in production) or "none" (registration closed: the production default until
    # an SMS gateway is configured).
    notifier: Literal["outbox", "none"] = "outbox"  #: ECERT_NOTIFIER
    secret_key: str = field(default="", repr=False)
    office_code: str = DEFAULT_OFFICE_CODE
    office_name: str = DEFAULT_OFFICE_NAME
    # The contact block on every public page (the notice's 联系电话); empty lines are not shown.
    office_phone: str = DEFAULT_OFFICE_PHONE
    office_address: str = ""
    signer: SignerKind = "development"
    pkcs12: PKCS12Config | None = None
    pkcs11: PKCS11Config | None = None
    tsa_url: str | None = None
    # PEM bundle of the roots a verifier pins; development uses the dev PKI's root.
    trust_roots_file: Path | None = None
    # Rate-limit counters must be shared by every process and machine in production.
    ratelimit_storage_uri: str = "memory://"
    # How many reverse proxies in front of us set X-Forwarded-For/-Proto/-Host; 0 = none,
    # so a client cannot choose its own address for rate limiting by sending the header.
    trusted_proxies: int = 0
    # QR claim key (Ed25519 PEM) and its key id, for the issuer; the published key set
    # (JSON) for the issuer and the verifier. Development generates its own when unset.
    qr_key_file: Path | None = None
    qr_key_id: str | None = None
    qr_keyset_file: Path | None = None
    # The audit log's HMAC key (hex, one line) and the retired keys still needed to verify
    # older events; the folder of published audit anchors (``ecert.audit``). Development
    # generates ECERT_HOME/audit-key when unset; production needs the file to write events.
    audit_key_file: Path | None = None
    audit_retired_key_files: tuple[Path, ...] = ()
    audit_anchor_dir: Path | None = None
    ratelimits: RateLimits = field(default_factory=RateLimits)
    sandbox: SandboxLimits = field(default_factory=SandboxLimits)
    renewal: RenewalPolicy = field(default_factory=RenewalPolicy)
    # The largest PDF a verifier checks, and the largest request body the web accepts
    # (a PDF plus its multipart envelope, or a batch).
    max_pdf_bytes: int = 10 * 1024 * 1024  #: ECERT_MAX_PDF_BYTES
    max_request_bytes: int = 16 * 1024 * 1024  #: ECERT_MAX_REQUEST_BYTES
    # Record each verification in the holders' history (``ecert.verifications``); off for a
    # verifier-only deployment on read-only database credentials.
    verification_history: bool = True  #: ECERT_VERIFICATION_HISTORY
    # Days the evidence of a rejected or withdrawn conversion application is kept after the
    # decision (``ecert legacy purge-evidence``). A year: the holder may ask again or
    # dispute the decision within it (administrative reconsideration: 60 days, a suit: six
    # months), and staff can still compare a new application with the old scans; scans of
    # archive forms are personal data that should not outlive their use.
    legacy_evidence_retention_days: int = 365  #: ECERT_LEGACY_EVIDENCE_RETENTION_DAYS
    # pg_dump / pg_restore for ``ecert backup`` and ``ecert restore`` on PostgreSQL.
    pg_bin_dir: Path = Path("/usr/lib/postgresql/15/bin")  #: ECERT_PG_BIN
    # What hands batch rows to workers (``issuer.batches``): "local" (the workers take rows
    # from the database's batch tables: SQLite or PostgreSQL, no queue server) or
    # "procrastinate" (jobs of Procrastinate on the same PostgreSQL).
    queue: Literal["local", "procrastinate"] = "local"  #: ECERT_QUEUE

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    @property
    def blob_dir(self) -> Path:
        return self.home / "blobs"

    @property
    def pki_dir(self) -> Path:
        return self.home / "pki"

    @property
    def qr_dev_key_dir(self) -> Path:
        return self.home / "qr-keys"

    @property
    def audit_anchor_path(self) -> Path:
        return self.audit_anchor_dir or self.home / "audit-anchors"

    @property
    def trust_roots_path(self) -> Path:
        """The pinned roots: configured, or in development the root the development PKI wrote."""
        return self.trust_roots_file or self.pki_dir / "root-ca.cert.pem"

    @property
    def qr_keyset_path(self) -> Path:
        """The published QR key set: configured, or the development one under home."""
        return self.qr_keyset_file or self.home / "published" / "qr-keys.json"

    def verify_url(self, token: str) -> str:
        return f"{self.public_url.rstrip('/')}/v/{token}"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        home = Path(env.get("ECERT_HOME", "instance")).resolve()
        environment = env.get("ECERT_ENV", "development")
        if environment not in ("development", "production"):
            raise ConfigurationError(f"ECERT_ENV must be development or production, not {environment!r}")
        signer = env.get("ECERT_SIGNER", "development")
        if signer not in ("development", "pkcs12", "pkcs11", "none"):
            raise ConfigurationError(f"ECERT_SIGNER must be development, pkcs12, pkcs11 or none, not {signer!r}")
        pkcs12 = None
        if signer == "pkcs12":
            pkcs12 = PKCS12Config(
                path=Path(_required(env, "ECERT_PKCS12_FILE")),
                passphrase_file=_optional_path(env, "ECERT_PKCS12_PASSPHRASE_FILE"),
            )
        pkcs11 = None
        if signer == "pkcs11":
            pkcs11 = PKCS11Config(
                module=Path(_required(env, "ECERT_PKCS11_MODULE")),
                token_label=_required(env, "ECERT_PKCS11_TOKEN_LABEL"),
                key_label=_required(env, "ECERT_PKCS11_KEY_LABEL"),
                cert_label=env.get("ECERT_PKCS11_CERT_LABEL") or None,
                pin_file=Path(_required(env, "ECERT_PKCS11_PIN_FILE")),
            )
        settings = cls(
            home=home,
            database_url=env.get("DATABASE_URL") or f"sqlite:///{home / 'ecert.sqlite3'}",
            public_url=env.get("ECERT_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/"),
            environment=environment,  # type: ignore[arg-type]
            notifier=_choice(
                env, "ECERT_NOTIFIER", ("outbox", "none"), "none" if environment == "production" else "outbox"
            ),  # type: ignore[arg-type]
            secret_key=env.get("ECERT_SECRET_KEY", ""),
            office_code=env.get("ECERT_OFFICE_CODE", DEFAULT_OFFICE_CODE),
            office_name=env.get("ECERT_OFFICE_NAME", DEFAULT_OFFICE_NAME),
            office_phone=env.get("ECERT_OFFICE_PHONE", DEFAULT_OFFICE_PHONE).strip(),
            office_address=env.get("ECERT_OFFICE_ADDRESS", "").strip(),
            signer=signer,  # type: ignore[arg-type]
            pkcs12=pkcs12,
            pkcs11=pkcs11,
            tsa_url=env.get("ECERT_TSA_URL") or None,
            ratelimit_storage_uri=env.get("ECERT_RATELIMIT_STORAGE_URI", "memory://"),
            trusted_proxies=_count(env, "ECERT_TRUSTED_PROXIES"),
            trust_roots_file=_optional_path(env, "ECERT_TRUST_ROOTS"),
            qr_key_file=_optional_path(env, "ECERT_QR_KEY_FILE"),
            qr_key_id=env.get("ECERT_QR_KEY_ID") or None,
            qr_keyset_file=_optional_path(env, "ECERT_QR_KEYSET_FILE"),
            audit_key_file=_optional_path(env, "ECERT_AUDIT_KEY_FILE"),
            audit_retired_key_files=tuple(
                Path(part) for part in env.get("ECERT_AUDIT_RETIRED_KEY_FILES", "").split(os.pathsep) if part
            ),
            audit_anchor_dir=_optional_path(env, "ECERT_AUDIT_ANCHOR_DIR"),
            verification_history=_flag(env, "ECERT_VERIFICATION_HISTORY", True),
            legacy_evidence_retention_days=_count(
                env, "ECERT_LEGACY_EVIDENCE_RETENTION_DAYS", Settings.legacy_evidence_retention_days
            ),
            ratelimits=RateLimits(
                enabled=_flag(env, "ECERT_RATELIMIT_ENABLED", True),
                page=_rate(env, "ECERT_RATELIMIT_PAGE", RateLimits.page),
                lookup=_rate(env, "ECERT_RATELIMIT_LOOKUP", RateLimits.lookup),
                upload=_rate(env, "ECERT_RATELIMIT_UPLOAD", RateLimits.upload),
                api=_rate(env, "ECERT_RATELIMIT_API", RateLimits.api),
                api_batch=_rate(env, "ECERT_RATELIMIT_API_BATCH", RateLimits.api_batch),
                api_verify=_rate(env, "ECERT_RATELIMIT_API_VERIFY", RateLimits.api_verify),
                api_key=_rate(env, "ECERT_RATELIMIT_API_KEY", RateLimits.api_key),
                api_key_batch=_rate(env, "ECERT_RATELIMIT_API_KEY_BATCH", RateLimits.api_key_batch),
                login=_rate(env, "ECERT_RATELIMIT_LOGIN", RateLimits.login),
                login_per_account=_rate(env, "ECERT_RATELIMIT_LOGIN_PER_ACCOUNT", RateLimits.login_per_account),
                name_misses_per_client=_rate(
                    env, "ECERT_RATELIMIT_NAME_MISSES_PER_CLIENT", RateLimits.name_misses_per_client
                ),
                name_misses=_rate(env, "ECERT_RATELIMIT_NAME_MISSES", RateLimits.name_misses),
                pdf_cpu=_rate(env, "ECERT_RATELIMIT_PDF_CPU", RateLimits.pdf_cpu),
                corrections=_rate(env, "ECERT_RATELIMIT_CORRECTIONS", RateLimits.corrections),
                pdf_concurrent=_count(env, "ECERT_RATELIMIT_PDF_CONCURRENT", RateLimits.pdf_concurrent),
            ),
            sandbox=SandboxLimits(
                timeout=_seconds(env, "ECERT_SANDBOX_TIMEOUT", SandboxLimits.timeout),
                wait=_seconds(env, "ECERT_SANDBOX_WAIT", SandboxLimits.wait),
                memory_bytes=_count(env, "ECERT_SANDBOX_MEMORY_MB", SandboxLimits.memory_bytes // 2**20) * 2**20,
                cpu_seconds=_seconds(env, "ECERT_SANDBOX_CPU_SECONDS", SandboxLimits.cpu_seconds),
                max_jobs=_count(env, "ECERT_SANDBOX_WORKERS", SandboxLimits.max_jobs),
                queue=_count(env, "ECERT_SANDBOX_QUEUE", SandboxLimits.queue),
            ),
            pg_bin_dir=Path(env.get("ECERT_PG_BIN") or Settings.pg_bin_dir),
            renewal=RenewalPolicy(
                horizon_days=_count(env, "ECERT_RENEWAL_HORIZON_DAYS", RenewalPolicy.horizon_days),
                weak_algorithms=tuple(
                    part.strip().lower()
                    for part in env.get("ECERT_RENEWAL_WEAK_ALGORITHMS", ",".join(RenewalPolicy.weak_algorithms)).split(
                        ","
                    )
                    if part.strip()
                ),
            ),
            queue=_choice(env, "ECERT_QUEUE", ("local", "procrastinate"), "local"),  # type: ignore[arg-type]
            max_pdf_bytes=_count(env, "ECERT_MAX_PDF_BYTES", Settings.max_pdf_bytes),
            max_request_bytes=_count(env, "ECERT_MAX_REQUEST_BYTES", Settings.max_request_bytes),
        )
        settings.check()
        return settings

    def check(self) -> None:
        """Refuse development parts and missing secrets in production."""
        if not (self.office_code.isdigit() and len(self.office_code) == 6):
            raise ConfigurationError("ECERT_OFFICE_CODE must be a 6-digit division code (GB/T 2260)")
        if (self.qr_key_file is None) != (self.qr_key_id is None):
            raise ConfigurationError("ECERT_QR_KEY_FILE and ECERT_QR_KEY_ID must be set together")
        if self.max_request_bytes < self.max_pdf_bytes:
            raise ConfigurationError("ECERT_MAX_REQUEST_BYTES must be at least ECERT_MAX_PDF_BYTES")
        if self.sandbox.memory_bytes < 64 * 2**20 or self.sandbox.max_jobs < 1:
            raise ConfigurationError("ECERT_SANDBOX_MEMORY_MB must be at least 64 and ECERT_SANDBOX_WORKERS at least 1")
        if self.ratelimits.pdf_concurrent < 1:
            raise ConfigurationError("ECERT_RATELIMIT_PDF_CONCURRENT must be at least 1")
        if self.queue == "procrastinate" and not self.database_url.startswith("postgresql"):
            raise ConfigurationError("ECERT_QUEUE=procrastinate needs a PostgreSQL DATABASE_URL (SQLite: local)")
        if not 0 < self.sandbox.cpu_seconds <= self.sandbox.timeout:
            # Otherwise a file that spends its whole budget would meet the wall clock first and
            # be taken for a starved check.
            raise ConfigurationError("ECERT_SANDBOX_CPU_SECONDS must be above 0 and at most ECERT_SANDBOX_TIMEOUT")
        if not self.is_production:
            return
        problems = []
        if len(self.secret_key) < 32:
            problems.append("ECERT_SECRET_KEY must be set to at least 32 random characters")
        if self.signer == "development":
            problems.append("ECERT_SIGNER must be pkcs12, pkcs11 or none (the development PKI is refused)")
        if self.trust_roots_file is None:
            problems.append("ECERT_TRUST_ROOTS must name the PEM file of pinned trust roots")
        if self.ratelimit_storage_uri.startswith("memory://"):
            problems.append("ECERT_RATELIMIT_STORAGE_URI must name shared storage (e.g. redis://...), not memory://")
        if self.signer != "none":  # an issuing deployment; a verifier-only one needs no key
            if not self.tsa_url:
                problems.append("ECERT_TSA_URL must name an RFC 3161 timestamp authority")
            if self.qr_key_file is None or not self.qr_key_id:
                problems.append(
                    "ECERT_QR_KEY_FILE and ECERT_QR_KEY_ID must name the Ed25519 QR claim key and its key id"
                )
        if self.signer == "none" and self.audit_key_file is not None and not self.tsa_url:
            # A process that writes events anchors them at every batch end, with a timestamp.
            problems.append("ECERT_TSA_URL must name an RFC 3161 timestamp authority to anchor the audit log")
        if self.qr_keyset_file is None:
            problems.append("ECERT_QR_KEYSET_FILE must name the published QR key set (JSON)")
        if self.notifier == "outbox":
            problems.append("ECERT_NOTIFIER=outbox only writes files: production needs an SMS gateway or none")
        if not self.ratelimits.enabled:
            problems.append("ECERT_RATELIMIT_ENABLED=0 is for benchmarks only; production keeps rate limits on")
        if problems:
            raise ConfigurationError("production settings incomplete: " + "; ".join(problems))


def _required(env: Mapping[str, str], name: str) -> str:
    value = env.get(name)
    if not value:
        raise ConfigurationError(f"{name} must be set")
    return value


def _count(env: Mapping[str, str], name: str, default: int = 0) -> int:
    value = env.get(name, str(default)).strip()
    if not value.isdigit():
        raise ConfigurationError(f"{name} must be a whole number, not {value!r}")
    return int(value)


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    value = env.get(name, "").strip()
    if not value:
        return default
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds < 3600:
        raise ConfigurationError(f"{name} must be a number of seconds (0 to 3600), not {value!r}")
    return seconds


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    value = env.get(name, "").strip().lower()
    if not value:
        return default
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ConfigurationError(f"{name} must be 1 or 0, not {value!r}")


def _rate(env: Mapping[str, str], name: str, default: str) -> str:
    from limits import parse_many

    value = env.get(name, "").strip() or default
    try:
        parse_many(value)
    except ValueError:
        raise ConfigurationError(f"{name} must be a rate limit such as 30/minute, not {value!r}") from None
    return value


def _choice(env: Mapping[str, str], name: str, allowed: tuple[str, ...], default: str) -> str:
    value = env.get(name, "").strip() or default
    if value not in allowed:
        raise ConfigurationError(f"{name} must be one of {', '.join(allowed)}, not {value!r}")
    return value


def _optional_path(env: Mapping[str, str], name: str) -> Path | None:
    value = env.get(name)
    return Path(value) if value else None
