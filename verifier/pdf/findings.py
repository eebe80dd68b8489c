"""What the sandboxed worker found in an uploaded PDF: plain, picklable data.

:class:`SignatureReport` is what validating the signature says (``verifier.pdf.signature``),
:class:`SignerIdentity` whether the signer is the issuing office's document-signing key,
and :class:`Inspection` everything the worker sends back to the parent (``verifier.pdf.worker``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

ACCEPTED_MODIFICATIONS = ("NONE", "LTA_UPDATES")


@dataclass(frozen=True)
class LaterChange:
    """One thing a revision after the signed one changed (``verifier.pdf.revisions``)."""

    kind: str  # metadata | orphan | shadow | object | no_timestamp | unreadable
    what: str  # technical, not translated: "/Info /Title", "XMP dc:title", "4 0 obj (/Page)"
    revision: int  # which revision of the file, counting from 1 (the first, unsigned one)


@dataclass(frozen=True)
class SignatureReport:
    intact: bool = False
    valid: bool = False
    trusted: bool = False
    signer_subject: str = ""
    signing_time: dt.datetime | None = None
    timestamp_ok: bool = False
    coverage: str = ""
    modification_level: str = ""
    docmdp_ok: bool = False
    certified: bool = False
    docmdp_level: int | None = None
    ltv: bool = False
    lta_ok: bool = False
    doc_timestamps: int = 0
    has_dss: bool = False
    problems: list[str] = field(default_factory=list)
    # Details for explaining a verdict (filled when the file parses):
    signatures: int = 0  # regular (non-timestamp) signatures in the file
    trailing_bytes: bool = False  # anything but whitespace after the last revision's %%EOF
    changes: str = ""  # what pyHanko's diff analysis says changed after signing
    changed_fields: tuple[str, ...] = ()  # form fields changed after signing (e.g. a 2nd signature)
    trust_problem: str = ""  # why the signer's chain did not validate
    # Document timestamps that are corrupted (token does not match / does not verify / unreadable),
    # and those whose TSA does not chain to the roots: "document timestamp 2 of 2 is corrupted: ..."
    doc_timestamp_problems: tuple[str, ...] = ()
    doc_timestamp_trust_problems: tuple[str, ...] = ()
    signer_cert_der: bytes = field(default=b"", repr=False)  # the signer's certificate (DER)
    # What the revisions after the signed one change beyond timestamps and validation data
    # (metadata, orphan or shadow objects, other parts): any makes the file "modified".
    later_changes: tuple[LaterChange, ...] = ()
    # DSS items that do not parse ("CRL 2 of 6 in the DSS (object 31) is damaged: ...").
    damaged_validation_data: tuple[str, ...] = ()
    error: str = ""  # validation could not run to its end (a damaged file): not "no signature"

    @property
    def ok(self) -> bool:
        """Overall verdict for one of our certificates: everything must hold."""
        return (
            self.intact
            and self.valid
            and self.trusted
            and self.timestamp_ok
            and self.ltv
            and self.certified
            and self.docmdp_ok
            and self.modification_level in ACCEPTED_MODIFICATIONS
            and not self.doc_timestamp_problems
            and not self.doc_timestamp_trust_problems
            and not self.later_changes
            and not self.damaged_validation_data
            and not self.problems
        )


@dataclass(frozen=True)
class SignerIdentity:
    subject: str = ""
    organization: str = ""
    common_name: str = ""
    issuer: str = ""
    serial: str = ""
    problems: tuple[str, ...] = ()  # why it is not the issuing office's document-signing key

    @property
    def ok(self) -> bool:
        return bool(self.subject) and not self.problems


@dataclass(frozen=True)
class Inspection:
    parsed: bool
    parse_error: str = ""
    revisions: int = 0
    report: SignatureReport | None = None
    signer: SignerIdentity = field(default_factory=SignerIdentity)
    record_number: str | None = None
    record_version: int | None = None
    record_error: str = ""
    # A use copy's record (it has ``use_copy``): the copy's own token, from its verify URL.
    record_use_copy_token: str | None = None
    structure: str = ""  # when not parsed for a named fault: "encrypted", "xref_broken"
    # Refused before parsing (verifier.pdf.limits): (what, count, limit), e.g. ("objects", 9000, 4096)
    too_complex: tuple[str, int, int] | None = None
