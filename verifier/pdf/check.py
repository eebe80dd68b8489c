"""Verdict on an uploaded certificate PDF: six named checks, in order, failing closed.

Checks (stable codes, reported in this order, every one listed):

1. ``is_pdf``          a PDF at all: magic bytes, size limit, and it parses (in the sandbox)
2. ``issued_by_us``    its SHA-256 is the hash of a file we issued, now or before a
                       document-timestamp renewal (``earlier_revision``: the same version,
                       an earlier revision of its file); informational
3. ``signature_intact`` the signed bytes hash to the signature and the signature verifies;
                       so does every document (archive) timestamp added later: its token
                       matches the bytes it covers and the TSA's signature verifies
4. ``trusted_signer``  the signer chains to our pinned roots only (revocation required,
                       with the validation data in the file, at the signature timestamp)
                       and is the issuing office's document-signing certificate; every
                       document timestamp's TSA chains to the same roots
5. ``coverage``        the signature covers the entire file, or later revisions only add
                       timestamps / validation data; exactly one signature; no bytes after
                       the last ``%%EOF``
6. ``registry_status`` the registry's status *now* of that certificate (by hash, or by
                       the number/version of the embedded record once 3–5 hold)

A file the registry knows by its hash that this process has already checked in full, and
found passing 1 and 3–5, gets those four checks again without the sandbox
(:mod:`verifier.pdf.known_files`); 6 is always read afresh.

``passed`` is None when a check was not run because an earlier one failed. The file is
valid only when 1, 3, 4, 5 and 6 pass. The parent process only looks at the magic bytes
and the hash; parsing runs in :mod:`ecert.sandbox` (memory and time limits), and any
failure there is a failed check with a reason, never an exception.

One outcome is not a verdict on the file: ``unavailable`` (no free checker within the
sandbox's wait bound or the queue full, the checker starved of CPU on a busy host or
killed from outside, or it could not be started). Then ``valid`` is False, no check
failed, and callers answer "try again later" (HTTP 503, exit status 3), never "not
valid". Only the file's own faults are "not valid": a structure over the limits of
:mod:`verifier.pdf.limits` (refused before any PDF library parses it), its CPU budget
spent, a memory blow-up, a crash or an exception while parsing.

The result is codes (:mod:`verifier.pdf.report`); the individual checks are in
:mod:`verifier.pdf.checks`, their words in :mod:`verifier.words.pdf` and the JSON form in
:mod:`verifier.shapes`. Dates are the office's local days (``ecert.clock.OFFICE_TZ``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import os
import time
from collections.abc import Sequence
from pathlib import Path

from asn1crypto import crl as asn1_crl
from asn1crypto import x509 as asn1_x509

from ecert.db import Database
from ecert.sandbox import run_sandboxed
from ecert.settings import SandboxLimits, Settings
from verifier import lookup
from verifier.pdf import checks
from verifier.pdf.known_files import known_files
from verifier.pdf.report import CHECK_CODES, UNAVAILABLE, Builder, Check, PdfVerdict

__all__ = ["CHECK_CODES", "Check", "PdfVerdict", "verify_pdf"]

PDF_MAGIC = b"%PDF-"


def verify_pdf(
    data: bytes | Path,
    *,
    db: Database,
    trust_roots: Sequence[asn1_x509.Certificate],
    office_names: Sequence[str] | None = None,
    crls: Sequence[asn1_crl.CertificateList] = (),
    require_lta: bool = False,
    validation_time: dt.datetime | None = None,
    limits: SandboxLimits | None = None,
    max_bytes: int = Settings.max_pdf_bytes,
    now: dt.datetime | None = None,
) -> PdfVerdict:
    """Check ``data`` (an uploaded file: its bytes, or a file on disk that the sandboxed
    child reads itself) and give the verdict; never raises for a bad file.

    ``office_names``: the subject organisation/common name(s) of the issuing office's signing
    certificate; default: the app's configured office name. ``require_lta``: also require
    AdES-LTA validation at ``validation_time`` to pass (needs current CRLs in ``crls`` once
    the embedded ones are older than their validity); otherwise its result is only shown in
    the detail of ``trusted_signer``. Either way every document timestamp in the file must
    be intact and valid (``signature_intact``) and come from a TSA chaining to
    ``trust_roots`` (``trusted_signer``). ``max_bytes``: larger files are not ours
    (``Settings.max_pdf_bytes``).

    ``limits``: the sandbox's limits; when no checker is free within ``limits.wait`` (or
    one cannot be started) the verdict has ``unavailable=True``: no verdict on the file.
    ``now``: the moment a use copy's expiry is judged at (default: the real clock).
    """
    started = time.monotonic()
    names = tuple(office_names) if office_names is not None else _default_office_names()
    b = Builder()
    head, size, sha256 = _summary_of(data, max_bytes)

    cpu = 0.0  # the checker's CPU seconds, charged to the client's budget by the web

    def finish(certificate: lookup.PublicCertificate | None = None, unavailable: bool = False) -> PdfVerdict:
        verdict = b.finish(certificate, sha256, time.monotonic() - started, unavailable=unavailable)
        return dataclasses.replace(verdict, cpu_seconds=cpu)

    # (1a) the parent only looks at the size and the magic bytes
    if not _precheck(b, head, size, max_bytes):
        return finish()

    # (2) hash match, needs no parsing
    with db.read() as session:
        by_hash = lookup.by_sha256(session, sha256, now=now)
        earlier = lookup.by_earlier_revision(session, sha256) if by_hash is None and sha256 else None
    if by_hash is not None:
        b.add("issued_by_us", True, "match", f"sha256 {sha256}", number=by_hash.number, version=by_hash.version)
    elif earlier is not None:
        # A file we issued, renewed since with a later document timestamp: the same version.
        by_hash, revision = earlier
        detail = f"sha256 {sha256}: revision {revision} of the file, renewed since"
        number, version = by_hash.number, by_hash.version
        b.add("issued_by_us", True, "earlier_revision", detail, number=number, version=version, revision=revision)
    else:
        b.add("issued_by_us", False, "no_match", f"sha256 {sha256}")

    # (1b, 3–5) a file checked in full before, byte for byte: its file checks again
    known_key = None
    if by_hash is not None and not require_lta and validation_time is None and not crls:
        known_key = known_files.key(sha256, trust_roots, names)
        if (known := known_files.get(known_key)) is not None:
            for check in known:
                b.checks[check.code] = check
            checks.registry(b, by_hash)
            return finish(by_hash)

    # (1b, 3–5) everything that parses runs in the sandbox
    outcome = run_sandboxed(
        # By name: pyHanko loads in the sandbox's processes only, never in the one asking.
        "verifier.pdf.worker:inspect_pdf",
        str(data) if isinstance(data, Path) else data,
        [root.dump() for root in trust_roots],
        names,
        [c.dump() for c in crls],
        validation_time,
        limits=limits,
    )
    cpu = outcome.cpu
    if outcome.unavailable:
        # Not the file's fault (no free checker, or it could not start): no verdict on it.
        b.add("is_pdf", None, UNAVAILABLE, f"{outcome.failure}: {outcome.message}", cause=outcome.failure)
        return finish(unavailable=True)
    inspection = outcome.value if outcome.ok else None
    if inspection is None or not inspection.parsed:
        checks.parse_failure(b, outcome, inspection)
        # A byte-identical issued file cannot fail to parse; fail closed all the same.
        return finish()
    detail = f"{size} bytes, {inspection.revisions} revision(s), checked in {outcome.seconds * 1000:.0f} ms"
    b.add("is_pdf", True, "ok", detail)
    report = inspection.report
    signature_ok = checks.signature(b, report)
    trusted_ok = signature_ok and checks.signer(b, report, inspection.signer, require_lta)
    coverage_ok = trusted_ok and checks.coverage(b, report)

    # (6) registry status: by hash, or by the embedded record once the file is authentic
    certificate = by_hash
    if certificate is None and coverage_ok:
        if inspection.record_number is None:
            b.add("registry_status", False, "no_record", inspection.record_error)
        elif inspection.record_use_copy_token is not None:
            # A use copy is its own record: never answered with its certificate's status,
            # which knows nothing of the copy's expiry or withdrawal.
            with db.read() as session:
                certificate = lookup.by_token(session, inspection.record_use_copy_token, now=now)
            if certificate is None or certificate.use_copy is None:
                certificate = None
                number, version = inspection.record_number, inspection.record_version
                b.add("registry_status", False, "not_in_registry", "unknown", number=number, version=version)
        else:
            with db.read() as session:
                certificate = lookup.by_number(session, inspection.record_number, inspection.record_version)
            if certificate is None:
                number, version = inspection.record_number, inspection.record_version
                b.add("registry_status", False, "not_in_registry", "unknown", number=number, version=version)
    if certificate is not None:
        checks.registry(b, certificate)
    if known_key is not None:
        known_files.remember(known_key, b.checks)
    return finish(certificate)


def _default_office_names() -> tuple[str, ...]:
    from flask import has_app_context

    if has_app_context():
        from ecert.kernel import kernel

        return (kernel().settings.office_name,)
    return ()  # no name to compare with: trusted_signer fails (fail closed)


def _summary_of(data: bytes | Path, max_bytes: int) -> tuple[bytes, int, str]:
    """The first bytes, the size and the SHA-256 of the file (read in chunks from disk; not
    hashed when it is over ``max_bytes``)."""
    if isinstance(data, bytes):
        return data[:16], len(data), hashlib.sha256(data).hexdigest()
    digest = hashlib.sha256()
    with data.open("rb") as handle:
        head = handle.read(16)
        size = os.fstat(handle.fileno()).st_size
        if size > max_bytes:
            return head, size, ""
        digest.update(head)
        while chunk := handle.read(64 * 1024):
            digest.update(chunk)
        return head, handle.tell(), digest.hexdigest()


def _precheck(b: Builder, head: bytes, size: int, max_bytes: int) -> bool:
    if not size:
        return bool(b.add("is_pdf", False, "empty", "0 bytes"))
    if size > max_bytes:
        return bool(b.add("is_pdf", False, "too_large", f"{size} bytes", mib=max_bytes // (1024 * 1024)))
    if not head.startswith(PDF_MAGIC):
        return bool(b.add("is_pdf", False, "not_pdf", f"first bytes {head[:8]!r}", kind=_sniff(head)))
    return True


def _sniff(data: bytes) -> str:
    for magic, kind in (
        (b"\xff\xd8\xff", "JPEG"),
        (b"\x89PNG", "PNG"),
        (b"GIF8", "GIF"),
        (b"PK\x03\x04", "ZIP/Office"),
        (b"\xd0\xcf\x11\xe0", "Office"),
    ):
        if data.startswith(magic):
            return kind
    return ""
