"""The report of an uploaded-PDF check: six named checks, each with a reason code.

Pure data: every check carries a ``reason`` code and its parameters, never sentences;
``verifier.words.pdf`` says them in the reader's language and ``verifier.shapes`` turns a
report into the documented JSON (API and ``ecert verify --json``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from verifier.lookup import PublicCertificate
from verifier.status import PublicStatus

CHECK_CODES = ("is_pdf", "issued_by_us", "signature_intact", "trusted_signer", "coverage", "registry_status")
# Checks that must pass for a valid file (issued_by_us is informative: a valid file renewed
# with a later document timestamp has a new hash).
REQUIRED = tuple(code for code in CHECK_CODES if code != "issued_by_us")
AUTHENTIC = tuple(code for code in REQUIRED if code != "registry_status")
NOT_RUN = "not_run"  # an earlier check failed
UNAVAILABLE = "unavailable"  # the checking service could not run (no verdict on the file)


@dataclass(frozen=True)
class Check:
    code: str
    passed: bool | None  # None: not run because an earlier check failed (or could not run)
    reason: str  # why it passed or failed, e.g. "not_pdf", "revoked" (words: verifier.words.pdf)
    params: dict[str, Any] = field(default_factory=dict)  # what the words need, e.g. {"kind": "JPEG"}
    detail: str = ""  # technical: what the validator said (English, not translated)


@dataclass(frozen=True)
class PdfVerdict:
    valid: bool
    # Which one-line summary: "valid", "unavailable", or the first failed check's code, or for a
    # failed registry_status the certificate's status ("revoked", "superseded", "withdrawn",
    # "expired", "unknown").
    summary: str
    checks: list[Check] = field(default_factory=list)
    certificate: PublicCertificate | None = None
    sha256: str = ""
    seconds: float = 0.0
    # True: we could not check the file (busy, checker failed to start); not a verdict on it.
    unavailable: bool = False
    cpu_seconds: float = 0.0  # CPU time the checker spent on the file (the client's budget)

    @property
    def authentic(self) -> bool:
        """The file is one we signed and nothing but timestamps was added since (checks 1, 3–5)."""
        by_code = {c.code: c.passed for c in self.checks}
        return all(by_code.get(code) is True for code in AUTHENTIC)

    @property
    def status(self) -> PublicStatus | None:
        """The certificate's public status when the file is authentic; None when it is not (or
        could not be checked): then the file itself is the answer, 无效 or 暂时无法检查."""
        if self.unavailable or not self.authentic:
            return None
        return self.certificate.status if self.certificate is not None else PublicStatus.UNKNOWN

    def check(self, code: str) -> Check:
        return next(c for c in self.checks if c.code == code)

    @property
    def failed(self) -> list[str]:
        return [c.code for c in self.checks if c.passed is False]


class Builder:
    """Collects the checks of one file, in any order; ``finish`` lists them in order."""

    def __init__(self) -> None:
        self.checks: dict[str, Check] = {}

    def add(self, code: str, passed: bool | None, reason: str, detail: str = "", **params: Any) -> bool | None:
        self.checks[code] = Check(code, passed, reason, params, detail[:2000])
        return passed

    def finish(
        self,
        certificate: PublicCertificate | None,
        sha256: str,
        seconds: float,
        *,
        unavailable: bool = False,
    ) -> PdfVerdict:
        for code in CHECK_CODES:
            if code not in self.checks:
                self.add(code, None, UNAVAILABLE if unavailable else NOT_RUN)
        checks = [self.checks[code] for code in CHECK_CODES]
        valid = not unavailable and all(self.checks[code].passed is True for code in REQUIRED)
        summary = "unavailable" if unavailable else _summary(checks, certificate, valid)
        return PdfVerdict(valid, summary, checks, certificate, sha256, seconds, unavailable)


def _summary(checks: list[Check], certificate: PublicCertificate | None, valid: bool) -> str:
    if valid and certificate is not None:
        return "valid"
    first = next((c.code for c in checks if c.passed is False and c.code in REQUIRED), "registry_status")
    if first != "registry_status":
        return first
    if certificate is not None and certificate.status is not PublicStatus.VALID:
        return certificate.status.value
    return "unknown"


# Seconds a caller is told to wait when the check was unavailable (API and upload page).
RETRY_AFTER_SECONDS = 30
