"""Status → what a person reads first, as codes: pure functions, no Flask, no database, no words.

One ``Verdict`` per public status: a tone and colour for the big banner, and the code of the
one sentence that says what it means and what to do, with its parameters (the revocation's
office-local day). ``verifier.words.verdict`` turns it into words in the reader's language;
the page, the lookup form and the API all use these, so the words never drift apart.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date

from ecert.clock import office_date
from verifier.lookup import PublicCertificate
from verifier.pdf.report import PdfVerdict
from verifier.status import PublicStatus


class Tone(enum.StrEnum):
    OK = "ok"
    BAD = "bad"
    WARN = "warn"
    NONE = "none"


# White text on these backgrounds keeps a contrast ratio above 4.5:1 (WCAG AA), also
# on cheap phone screens in daylight.
COLOURS: dict[Tone, str] = {
    Tone.OK: "#1b6e2a",
    Tone.BAD: "#b3141b",
    Tone.WARN: "#8a4b00",
    Tone.NONE: "#4a4f55",
}

TONES: dict[PublicStatus, Tone] = {
    PublicStatus.VALID: Tone.OK,
    PublicStatus.REVOKED: Tone.BAD,
    PublicStatus.SUPERSEDED: Tone.WARN,
    PublicStatus.WITHDRAWN: Tone.WARN,
    PublicStatus.EXPIRED: Tone.WARN,
    PublicStatus.UNKNOWN: Tone.NONE,
}


class Sentence(enum.StrEnum):
    """Which explanation the verdict gives (its words: ``verifier.words.verdict``)."""

    UNKNOWN = "unknown"
    VALID = "valid"
    REVOKED = "revoked"
    SUPERSEDED = "superseded"  # with the current version's number
    SUPERSEDED_NO_CURRENT = "superseded_no_current"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"


@dataclass(frozen=True)
class Verdict:
    status: PublicStatus
    tone: Tone
    sentence: Sentence
    certificate: PublicCertificate | None = None  # the record the sentence's details come from
    revoked_on: date | None = None  # the office-local day of the revocation

    @property
    def colour(self) -> str:
        return COLOURS[self.tone]


def verdict_for(certificate: PublicCertificate | None) -> Verdict:
    """The verdict for a lookup result; ``None`` (unknown, malformed, wrong name) is 未找到."""
    status = certificate.status if certificate is not None else PublicStatus.UNKNOWN
    revoked_on = None
    if certificate is not None and certificate.revoked_at is not None:
        revoked_on = office_date(certificate.revoked_at)
    return Verdict(status, TONES[status], _sentence(certificate), certificate, revoked_on)


def _sentence(certificate: PublicCertificate | None) -> Sentence:
    if certificate is None or certificate.status is PublicStatus.UNKNOWN:
        return Sentence.UNKNOWN
    if certificate.status is PublicStatus.SUPERSEDED:
        return Sentence.SUPERSEDED if certificate.current_version is not None else Sentence.SUPERSEDED_NO_CURRENT
    return Sentence(certificate.status.value)


def pdf_tone(verdict: PdfVerdict) -> Tone:
    """The banner's tone for an uploaded file: its certificate's when the file is authentic."""
    if verdict.unavailable:
        return Tone.NONE
    status = verdict.status
    if status is None or status is PublicStatus.UNKNOWN:
        return Tone.BAD
    return TONES[status]
