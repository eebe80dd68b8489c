"""Verdict on an uploaded certificate PDF: six named checks, in order, failing closed.

Checks (stable codes, reported in this order, every one listed):

1. ``is_pdf``          a PDF at all: magic bytes, size limit, and it parses (in the sandbox)
2. ``issued_by_us``    its SHA-256 is the hash of a file we issued (informational: a valid
                       file renewed later with a document timestamp has a new hash)
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

``passed`` is None when a check was not run because an earlier one failed. The file is
valid only when 1, 3, 4, 5 and 6 pass. The parent process only looks at the magic bytes
and the hash; parsing runs in :mod:`ecert.sandbox` (memory and time limits), and any
failure there is a failed check with a reason, never an exception.

One outcome is not a verdict on the file: ``unavailable`` (no free checker within the
sandbox's wait bound, or the checker could not be started). Then ``valid`` is False, no
check failed, and callers answer "try again later" (HTTP 503, exit status 3), never
"not valid". A timeout or memory blow-up *while parsing the file* stays "not valid".

Dates in the text are the office's local dates (``ecert.clock.OFFICE_TZ``), as on the
landing page; timestamps in :meth:`PdfVerdict.to_dict` are ISO 8601 UTC with a ``Z``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from asn1crypto import crl as asn1_crl
from asn1crypto import x509 as asn1_x509

from ecert.clock import office_date
from ecert.db import Database
from verifier import lookup
from verifier.lookup import PublicCertificate, PublicStatus
from ecert.sandbox import SandboxOutcome, run_sandboxed
from ecert.settings import SandboxLimits

__all__ = ["CHECK_CODES", "MAX_PDF_BYTES", "Check", "PdfVerdict", "verify_pdf"]

MAX_PDF_BYTES = 10 * 1024 * 1024
PDF_MAGIC = b"%PDF-"
CHECK_CODES = ("is_pdf", "issued_by_us", "signature_intact", "trusted_signer", "coverage", "registry_status")

_TITLES = {
    "is_pdf": ("是可读取的 PDF 文件", "The file is a readable PDF"),
    "issued_by_us": ("与本机关签发的文件完全一致", "Identical to a file we issued"),
    "signature_intact": ("电子签名完好", "The electronic signature is intact"),
    "trusted_signer": ("签名者是发证机关", "Signed by the issuing office"),
    "coverage": ("签名后未被修改", "Not modified after signing"),
    "registry_status": ("证书当前状态有效", "The certificate is currently valid"),
}
_NOT_RUN = ("前面的检查未通过，此项未检查。", "Not checked because an earlier check failed.")
_UNAVAILABLE = ("暂时无法检查此文件，请稍后再试。", "We could not check this file right now; please try again in a minute.")
_UNAVAILABLE_CHECK = (
    "检查服务暂时繁忙或不可用，文件尚未检查。这不说明文件有问题。",
    "The checking service was busy or unavailable, so the file was not checked. This says nothing about the file.",
)


@dataclass(frozen=True)
class Check:
    code: str
    passed: bool | None  # None: not run because an earlier check failed
    title_zh: str
    title_en: str
    explanation_zh: str
    explanation_en: str
    detail: str = ""  # technical: what the validator said

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "passed": self.passed,
            "title_zh": self.title_zh,
            "title_en": self.title_en,
            "explanation_zh": self.explanation_zh,
            "explanation_en": self.explanation_en,
            "detail": self.detail,
        }


@dataclass(frozen=True)
class PdfVerdict:
    valid: bool
    summary_zh: str
    summary_en: str
    checks: list[Check] = field(default_factory=list)
    certificate: PublicCertificate | None = None
    sha256: str = ""
    seconds: float = 0.0
    # True: we could not check the file (busy, checker failed to start); not a verdict on it.
    unavailable: bool = False

    def check(self, code: str) -> Check:
        return next(c for c in self.checks if c.code == code)

    @property
    def failed(self) -> list[str]:
        return [c.code for c in self.checks if c.passed is False]

    def to_dict(self) -> dict[str, Any]:
        cert = self.certificate
        return {
            "valid": self.valid,
            "unavailable": self.unavailable,
            "summary_zh": self.summary_zh,
            "summary_en": self.summary_en,
            "sha256": self.sha256,
            "checks": [c.to_dict() for c in self.checks],
            "certificate": None if cert is None else _public_dict(cert),
        }


def _public_dict(cert: PublicCertificate) -> dict[str, Any]:
    """The public fields only (masked name; the registry never gives us the ID number)."""
    return {
        "number": cert.number,
        "version": cert.version,
        "status": cert.status.value,
        "masked_name": cert.masked_name,
        "qualification": cert.qualification,
        "level": cert.level,
        "series": cert.series,
        "specialty": cert.specialty,
        "grant_date": cert.grant_date.isoformat(),
        "approving_body": cert.approving_body,
        "issuing_office_code": cert.issuing_office_code,
        "issued_at": _utc_iso(cert.issued_at),
        "revoked_at": _utc_iso(cert.revoked_at),
        "revocation_reason": cert.revocation_reason,
        "revocation_doc_no": cert.revocation_doc_no,
        "current_version": cert.current_version,
    }


def _as_utc(moment: dt.datetime) -> dt.datetime:
    # SQLite returns naive datetimes for timezone-aware columns; they are stored in UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


def _utc_iso(moment: dt.datetime | None) -> str | None:
    """ISO 8601 in UTC with a trailing ``Z`` (the API's format)."""
    if moment is None:
        return None
    return _as_utc(moment).astimezone(dt.timezone.utc).isoformat().replace("+00:00", "Z")


def _office_day(moment: dt.datetime | None) -> str:
    return office_date(_as_utc(moment)).isoformat() if moment is not None else ""


class _Builder:
    def __init__(self) -> None:
        self.checks: dict[str, Check] = {}

    def add(self, code: str, passed: bool | None, zh: str, en: str, detail: str = "") -> bool | None:
        title_zh, title_en = _TITLES[code]
        self.checks[code] = Check(code, passed, title_zh, title_en, zh, en, detail[:2000])
        return passed

    def not_run(self, *codes: str) -> None:
        for code in codes:
            if code not in self.checks:
                self.add(code, None, *_NOT_RUN)

    def ordered(self) -> list[Check]:
        self.not_run(*CHECK_CODES)
        return [self.checks[code] for code in CHECK_CODES]


def verify_pdf(
    data: bytes,
    *,
    db: Database,
    trust_roots: Sequence[asn1_x509.Certificate],
    office_names: Sequence[str] | None = None,
    crls: Sequence[asn1_crl.CertificateList] = (),
    require_lta: bool = False,
    validation_time: dt.datetime | None = None,
    limits: SandboxLimits | None = None,
) -> PdfVerdict:
    """Check ``data`` (an uploaded file) and give the verdict; never raises for a bad file.

    ``office_names``: the subject organisation/common name(s) of the issuing office's signing
    certificate; default: the app's configured office name. ``require_lta``: also require
    AdES-LTA validation at ``validation_time`` to pass (needs current CRLs in ``crls`` once
    the embedded ones are older than their validity); otherwise its result is only shown in
    the detail of ``trusted_signer``. Either way every document timestamp in the file must
    be intact and valid (``signature_intact``) and come from a TSA chaining to
    ``trust_roots`` (``trusted_signer``).

    ``limits``: the sandbox's limits; when no checker is free within ``limits.wait`` (or
    one cannot be started) the verdict has ``unavailable=True``: no verdict on the file.
    """
    import time

    started = time.monotonic()
    names = tuple(office_names) if office_names is not None else _default_office_names()
    b = _Builder()
    sha256 = hashlib.sha256(data).hexdigest()

    # (1a) the parent only looks at the size and the magic bytes
    problem = _precheck(data)
    if problem is not None:
        b.add("is_pdf", False, *problem)
        return _finish(b, None, sha256, started, failed_first=True)

    # (2) hash match, needs no parsing
    with db.read() as session:
        by_hash = lookup.by_sha256(session, sha256)
    if by_hash is not None:
        b.add(
            "issued_by_us", True,
            f"文件与本机关签发的证书 {by_hash.number}（第 {by_hash.version} 版）逐字节一致。",
            f"The file is byte-for-byte the certificate {by_hash.number} (version {by_hash.version}) we issued.",
            f"sha256 {sha256}",
        )
    else:
        b.add(
            "issued_by_us", False,
            "文件与本机关签发的任何文件都不完全一致。这本身不说明证书无效（例如后来加盖了新的时间戳），请看其余检查。",
            "The file is not byte-for-byte any file we issued. That alone does not make it invalid "
            "(e.g. a later archive timestamp); see the other checks.",
            f"sha256 {sha256}",
        )

    # (1b, 3–5) everything that parses runs in the sandbox
    outcome = run_sandboxed(
        "verifier.pdf.worker:inspect_pdf",
        data,
        [root.dump() for root in trust_roots],
        names,
        [c.dump() for c in crls],
        validation_time,
        limits=limits,
    )
    if outcome.unavailable:
        # Not the file's fault (no free checker, or it could not start): no verdict on it.
        b.add("is_pdf", None, *_UNAVAILABLE_CHECK, f"{outcome.failure}: {outcome.message}")
        for code in CHECK_CODES[2:]:
            b.add(code, None, "检查服务暂时不可用，此项未检查。", "Not checked: the checking service was unavailable.")
        return _finish(b, None, sha256, started, failed_first=True, unavailable=True)
    inspection = outcome.value if outcome.ok else None
    if inspection is None or not inspection.parsed:
        b.add("is_pdf", False, *_sandbox_failure(outcome, inspection))
        # A byte-identical issued file cannot fail to parse; fail closed all the same.
        return _finish(b, None, sha256, started, failed_first=True)
    b.add(
        "is_pdf", True,
        "文件是 PDF，大小在限制之内，可以读取。",
        "The file is a PDF within the size limit and can be read.",
        f"{len(data)} bytes, {inspection.revisions} revision(s), checked in {outcome.seconds * 1000:.0f} ms",
    )
    report = inspection.report
    signature_ok = _check_signature(b, report)
    trusted_ok = signature_ok and _check_signer(b, report, inspection.signer, require_lta)
    coverage_ok = trusted_ok and _check_coverage(b, report)

    # (6) registry status: by hash, or by the embedded record once the file is authentic
    certificate = by_hash
    if certificate is None and coverage_ok:
        if inspection.record_number is None:
            b.add(
                "registry_status", False,
                "文件中没有可识别的证书记录，无法在登记系统中查到它。",
                "The file holds no readable certificate record, so it cannot be found in the registry.",
                inspection.record_error,
            )
        else:
            with db.read() as session:
                certificate = lookup.by_number(session, inspection.record_number, inspection.record_version)
            if certificate is None:
                b.add(
                    "registry_status", False,
                    f"登记系统中没有证书 {inspection.record_number}（第 {inspection.record_version} 版）。",
                    f"The registry has no certificate {inspection.record_number} "
                    f"(version {inspection.record_version}).",
                    "unknown",
                )
    if certificate is not None:
        _check_registry(b, certificate)
    return _finish(b, certificate, sha256, started)


def _default_office_names() -> tuple[str, ...]:
    from flask import has_app_context

    if has_app_context():
        from ecert.kernel import kernel

        return (kernel().settings.office_name,)
    return ()  # no name to compare with: trusted_signer fails (fail closed)


def _precheck(data: bytes) -> tuple[str, str, str] | None:
    if not data:
        return ("文件是空的。", "The file is empty.", "0 bytes")
    if len(data) > MAX_PDF_BYTES:
        mib = MAX_PDF_BYTES // (1024 * 1024)
        return (
            f"文件超过 {mib} MB，不是本机关签发的证书。",
            f"The file is larger than {mib} MB; it is not a certificate we issued.",
            f"{len(data)} bytes",
        )
    if not data.startswith(PDF_MAGIC):
        kind = _sniff(data)
        return (
            f"这不是 PDF 文件{f'（看起来是 {kind}）' if kind else ''}。请上传证书的 PDF 原件。",
            f"This is not a PDF file{f' (it looks like {kind})' if kind else ''}. Upload the certificate's PDF file.",
            f"first bytes {data[:8]!r}",
        )
    return None


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


def _sandbox_failure(outcome: SandboxOutcome, inspection: Any) -> tuple[str, str, str]:
    if outcome.failure == "timeout":
        return (
            "文件读取超时（可能是恶意构造的文件），不能作为有效证书。",
            "Reading the file took too long (it may be crafted to do so); it cannot be accepted.",
            outcome.message,
        )
    if outcome.failure == "memory":
        return (
            "文件解压后过大（可能是恶意构造的“压缩炸弹”），不能作为有效证书。",
            "The file expands to too much data (possibly a crafted 'zip bomb'); it cannot be accepted.",
            outcome.message,
        )
    if outcome.failure is not None:
        return (
            "文件无法安全读取，不能作为有效证书。",
            "The file could not be read safely; it cannot be accepted.",
            f"{outcome.failure}: {outcome.message}",
        )
    return (
        "文件已损坏或不完整（例如被截断），无法作为 PDF 读取。",
        "The file is damaged or incomplete (e.g. truncated) and cannot be read as a PDF.",
        inspection.parse_error if inspection is not None else "",
    )


def _check_signature(b: _Builder, report: Any) -> bool:
    if report.signatures == 0:
        b.add(
            "signature_intact", False,
            "文件中没有电子签名，不是本机关签发的电子证书。",
            "The file has no electronic signature; it is not an electronic certificate we issued.",
            "; ".join(report.problems),
        )
        return False
    if not report.intact:
        b.add(
            "signature_intact", False,
            "签名后文件内容被改动过（或签名已损坏），签名不再成立。",
            "The file's content was changed after signing (or the signature is damaged); the signature no longer holds.",
            "; ".join(report.problems),
        )
        return False
    if not report.valid:
        b.add(
            "signature_intact", False,
            "电子签名本身无法通过验证。",
            "The electronic signature itself does not verify.",
            "; ".join(report.problems),
        )
        return False
    if report.doc_timestamp_problems:
        b.add(
            "signature_intact", False,
            "签名之后加盖的存档时间戳已损坏（被改动过），文件不能作为有效证书。",
            "A document (archive) timestamp added after signing is damaged (it was altered); "
            "the file cannot be accepted.",
            "; ".join(report.doc_timestamp_problems),
        )
        return False
    stamps = f"; {report.doc_timestamps} document timestamp(s) intact" if report.doc_timestamps else ""
    b.add(
        "signature_intact", True,
        "签名所覆盖的内容与签名时完全一致，签名在密码学上成立。",
        "The signed content is exactly as it was when signed; the signature verifies cryptographically.",
        f"signed by {report.signer_subject}{stamps}",
    )
    return True


def _check_signer(b: _Builder, report: Any, signer: Any, require_lta: bool) -> bool:
    lta = "AdES-LTA at validation time: " + (
        "passed" if report.lta_ok else next((p for p in report.problems if p.startswith("AdES-LTA")), "not passed")
    )
    detail = f"signer {signer.subject or report.signer_subject}; issuer {signer.issuer}; {lta}"
    if not report.trusted:
        b.add(
            "trusted_signer", False,
            "签名者的证书不是由本机关信任的证书机构签发的：这不是发证机关的签名（可能是仿冒的同名证书）。",
            "The signer's certificate was not issued by the certificate authority we trust: this is not the "
            "issuing office's signature (possibly a look-alike certificate with the same name).",
            f"{detail}; trust problem: {report.trust_problem or 'untrusted'}",
        )
        return False
    if not signer.ok:
        b.add(
            "trusted_signer", False,
            "签名证书虽来自受信任的证书机构，但不是发证机关用于签发证书的证书。",
            "The signing certificate comes from a trusted authority but is not the issuing office's "
            "certificate-signing certificate.",
            f"{detail}; " + "; ".join(signer.problems),
        )
        return False
    if report.doc_timestamp_trust_problems:
        b.add(
            "trusted_signer", False,
            "签名之后加盖的存档时间戳不是由本机关信任的时间戳服务签发的。",
            "A document (archive) timestamp added after signing was not issued by a timestamp "
            "authority we trust.",
            f"{detail}; " + "; ".join(report.doc_timestamp_trust_problems),
        )
        return False
    missing = []
    if not report.timestamp_ok:
        missing.append("no valid signature timestamp")
    if not report.ltv:
        missing.append("validation data (DSS) missing or incomplete")
    if not report.certified:
        missing.append("not a certification signature")
    if require_lta and not report.lta_ok:
        missing.append("AdES-LTA validation did not pass")
    if missing:
        b.add(
            "trusted_signer", False,
            "签名缺少本机关证书应有的时间戳或验证数据，无法确认签名时签名者的证书有效。",
            "The signature lacks the timestamp or validation data our certificates carry, so the signer's "
            "certificate cannot be confirmed valid at signing time.",
            f"{detail}; " + "; ".join(missing),
        )
        return False
    b.add(
        "trusted_signer", True,
        f"签名者是发证机关（{signer.organization or signer.common_name}），其证书由本机关信任的根证书签发，签名时有效。",
        f"The signer is the issuing office ({signer.organization or signer.common_name}); its certificate chains "
        "to our pinned root and was valid when signed.",
        detail,
    )
    return True


def _check_coverage(b: _Builder, report: Any) -> bool:
    what = []
    if report.signatures > 1:
        what.append(f"{report.signatures} signatures (a signature was added after ours)")
    if report.modification_level not in ("NONE", "LTA_UPDATES"):
        what.append(f"modification level {report.modification_level or 'unknown'}")
    if not report.docmdp_ok:
        what.append("changes not permitted by the certification (DocMDP)")
    if report.trailing_bytes:
        what.append("data appended after the end of the file (%%EOF)")
    if report.changes and report.modification_level not in ("NONE", "LTA_UPDATES"):
        what.append(f"pyHanko: {report.changes}")
    if report.changed_fields:
        what.append("changed fields: " + ", ".join(report.changed_fields))
    if what:
        zh = "签名后文件被改动过：" + _changes_zh(report) + "。改动后的文件不能作为有效证书。"
        en = "The file was modified after signing: " + _changes_en(report) + ". A modified file is not a valid certificate."
        b.add("coverage", False, zh, en, f"coverage {report.coverage}; " + "; ".join(what))
        return False
    later = "签名覆盖整个文件。" if report.modification_level == "NONE" else "签名覆盖整个文件；之后只添加了时间戳和验证数据。"
    later_en = (
        "The signature covers the whole file."
        if report.modification_level == "NONE"
        else "The signature covers the whole file; later only timestamps and validation data were added."
    )
    b.add("coverage", True, later, later_en, f"coverage {report.coverage}; modifications {report.modification_level}")
    return True


def _changes_zh(report: Any) -> str:
    parts = []
    if report.signatures > 1:
        parts.append("又添加了一个签名")
    if report.trailing_bytes:
        parts.append("在文件末尾追加了数据")
    if report.modification_level not in ("NONE", "LTA_UPDATES") and report.signatures <= 1:
        parts.append("添加或修改了页面内容、批注或其他对象")
    return "、".join(parts) or "内容有变化"


def _changes_en(report: Any) -> str:
    parts = []
    if report.signatures > 1:
        parts.append("another signature was added")
    if report.trailing_bytes:
        parts.append("data was appended at the end")
    if report.modification_level not in ("NONE", "LTA_UPDATES") and report.signatures <= 1:
        parts.append("page content, annotations or other objects were added or changed")
    return ", ".join(parts) or "content changed"


def _check_registry(b: _Builder, cert: PublicCertificate) -> None:
    label = f"{cert.number}（第 {cert.version} 版）"
    label_en = f"{cert.number} (version {cert.version})"
    status = cert.status
    if status is PublicStatus.VALID:
        b.add("registry_status", True, f"登记系统显示证书 {label}当前有效。",
              f"The registry shows certificate {label_en} as valid now.", "valid")
    elif status is PublicStatus.REVOKED:
        when = _office_day(cert.revoked_at)
        doc = f"，文号 {cert.revocation_doc_no}" if cert.revocation_doc_no else ""
        b.add(
            "registry_status", False,
            f"证书 {label}已于 {when} 被撤销，原因：{cert.revocation_reason or '未说明'}{doc}。",
            f"Certificate {label_en} was revoked on {when}; reason: {cert.revocation_reason or 'not given'}"
            + (f", decision {cert.revocation_doc_no}" if cert.revocation_doc_no else "") + ".",
            f"revoked: {cert.revocation_reason}",
        )
    elif status is PublicStatus.SUPERSEDED:
        n = cert.current_version
        b.add(
            "registry_status", False,
            f"证书 {label}已更正，已被第 {n} 版取代；此文件不再有效，请使用最新版本。",
            f"Certificate {label_en} was corrected and is superseded by version {n}; this file is no longer valid.",
            f"superseded by version {n}",
        )
    elif status is PublicStatus.EXPIRED:
        b.add("registry_status", False, f"证书 {label}已过期。", f"Certificate {label_en} has expired.", "expired")
    else:
        b.add("registry_status", False, f"登记系统中找不到证书 {label}。",
              f"The registry does not know certificate {label_en}.", "unknown")


def _finish(
    b: _Builder,
    cert: PublicCertificate | None,
    sha256: str,
    started: float,
    *,
    failed_first: bool = False,
    unavailable: bool = False,
) -> PdfVerdict:
    import time

    checks = b.ordered()
    by_code = {c.code: c for c in checks}
    valid = not unavailable and all(by_code[code].passed is True for code in CHECK_CODES if code != "issued_by_us")
    zh, en = _UNAVAILABLE if unavailable else _summary(by_code, cert, valid)
    return PdfVerdict(
        valid=valid, summary_zh=zh, summary_en=en, checks=checks, certificate=cert if not failed_first else None,
        sha256=sha256, seconds=time.monotonic() - started, unavailable=unavailable,
    )


def _summary(by_code: dict[str, Check], cert: PublicCertificate | None, valid: bool) -> tuple[str, str]:
    if valid and cert is not None:
        return (
            f"有效：这是发证机关签发的职称电子证书 {cert.number}（第 {cert.version} 版），签名后未被修改，当前有效。",
            f"Valid: this is title certificate {cert.number} (version {cert.version}) issued by the office, "
            "unchanged since signing and valid now.",
        )
    first = next((c for c in by_code.values() if c.passed is False and c.code != "issued_by_us"), None)
    code = first.code if first else "registry_status"
    if code == "is_pdf":
        return ("无效：这不是一个可以检查的证书 PDF 文件。", "Not valid: this is not a certificate PDF that can be checked.")
    if code == "signature_intact":
        return (
            "无效：文件没有完好的电子签名，可能在签发后被改动过。",
            "Not valid: the file has no intact electronic signature; it may have been changed after it was issued.",
        )
    if code == "trusted_signer":
        return (
            "无效：这个文件不是由发证机关签名的。",
            "Not valid: this file was not signed by the issuing office.",
        )
    if code == "coverage":
        return (
            "无效：文件在签名后被修改过。",
            "Not valid: the file was modified after it was signed.",
        )
    if cert is not None and cert.status is PublicStatus.REVOKED:
        return (
            f"无效：证书 {cert.number} 已被撤销（{cert.revocation_reason or '原因未说明'}）。",
            f"Not valid: certificate {cert.number} has been revoked ({cert.revocation_reason or 'no reason given'}).",
        )
    if cert is not None and cert.status is PublicStatus.SUPERSEDED:
        return (
            f"无效：证书已更正，此文件已被第 {cert.current_version} 版取代。",
            f"Not valid: the certificate was corrected; this file is superseded by version {cert.current_version}.",
        )
    if cert is not None and cert.status is PublicStatus.EXPIRED:
        return ("无效：证书已过期。", "Not valid: the certificate has expired.")
    return (
        "无效：登记系统中找不到这份证书。",
        "Not valid: the registry does not know this certificate.",
    )
