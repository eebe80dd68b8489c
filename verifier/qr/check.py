"""The signed claim of a QR URL (``?c=``), checked against the published key set and the registry.

``claim_status`` answers one of four states for the landing page, with a reason code
(the page's words: ``verifier.words.claim``):

- ``absent``: the URL carries no claim (typed or old URLs): nothing to say;
- ``valid``: the signature holds with a published key valid on the claim's issue date,
  and every field equals the registry's record for this token;
- ``mismatch``: the signature holds but a field differs from the registry (or the
  registry has no such certificate): the registry is the authority, the page says so;
- ``invalid``: malformed, unknown key, signature broken (tampered), or the key was not
  valid on the claim's issue date.

A claim carries the holder's masked name only (``ecert.qr_claim.format`` says why); it is
compared with the mask of the registry's name for the token (a version's name never
changes: a corrected name is a new version with a new token). Nothing here raises for
hostile input.

The published key set is read from ``Settings.qr_keyset_path`` and kept per process;
it is re-read when the file changes (its inode, size or mtime).  This instance's own
``public_url`` is always among its ``verify_base_urls``: its pages are where its QR
codes point, and an operator's key set written before the field existed lacks it.
"""

from __future__ import annotations

import hmac
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from ecert.kernel import kernel
from ecert.models import Certificate, Decision, UseCopy
from ecert.qr_claim import Claim, KeySet, KeySetError, Verification, load_keyset, verify_claim
from verifier.lookup import PublicCertificate

ClaimState = Literal["absent", "valid", "mismatch", "invalid"]
# Machine-readable detail: "absent", "ok", "not_in_registry", "fields_differ", and for an
# invalid claim the reason of ``ecert.qr_claim.verify_claim`` ("malformed", "unknown_key",
# "bad_signature", "key_not_valid_on_date"). Words: ``verifier.words.claim``.
ClaimReason = str
# The fields a claim is compared on, in the order a mismatch lists them.
FIELDS = ("number", "version", "token", "name", "qualification", "grant_date")


@dataclass(frozen=True)
class ClaimStatus:
    state: ClaimState
    reason: ClaimReason
    # The decoded claim when its signature holds (valid or mismatch), else None.
    claim: Claim | None = None
    mismatched: tuple[str, ...] = ()  # field names (of FIELDS), when state is "mismatch"
    # The key set's answer when the signature was checked (its key's period, for the words).
    verification: Verification | None = None


def claim_status(
    claim: str | None,
    certificate: PublicCertificate | None,
    *,
    token: str,
    keyset: KeySet,
) -> ClaimStatus:
    """The state of the claim text ``claim`` found in the URL of ``token``'s page.

    ``certificate`` is the registry's record for ``token`` (None: not found).
    """
    if claim is None or (isinstance(claim, str) and not claim.strip()):
        return ClaimStatus("absent", "absent")
    try:
        verification = verify_claim(claim, token, keyset)
    except Exception:
        return ClaimStatus("invalid", "malformed")
    if not verification.ok:
        return ClaimStatus("invalid", verification.reason, verification=verification)
    decoded = verification.claim
    assert decoded is not None
    if certificate is None:
        return ClaimStatus("mismatch", "not_in_registry", claim=decoded, verification=verification)
    differ = _differences(decoded, certificate, token)
    if differ:
        return ClaimStatus("mismatch", "fields_differ", claim=decoded, mismatched=differ, verification=verification)
    return ClaimStatus("valid", "ok", claim=decoded, verification=verification)


def _differences(claim: Claim, certificate: PublicCertificate, token: str) -> tuple[str, ...]:
    differ = []
    if claim.number != certificate.number:
        differ.append("number")
    if claim.version != certificate.version:
        differ.append("version")
    if not hmac.compare_digest(token.encode(), certificate.token.encode()):
        differ.append("token")
    if claim.masked_name != certificate.masked_name:
        differ.append("name")
    if claim.qualification != certificate.qualification:
        differ.append("qualification")
    if claim.grant_date != certificate.grant_date:
        differ.append("grant_date")
    return tuple(differ)


def holder_full_name(session: Session, token: str) -> str | None:
    """The holder's full name on the certificate (or use copy) of ``token`` (to compare a typed name with)."""
    name = session.execute(
        select(Decision.name)
        .join(Certificate, Certificate.decision_id == Decision.id)
        .where(Certificate.token == token)
    ).scalar_one_or_none()
    if name is not None:
        return name
    return session.execute(
        select(Decision.name)
        .join(Certificate, Certificate.decision_id == Decision.id)
        .join(UseCopy, UseCopy.certificate_id == Certificate.id)
        .where(UseCopy.token == token)
    ).scalar_one_or_none()


# --------------------------------------------------------------------------- key set

_cache_lock = threading.Lock()
_cache: dict[tuple[Path, str], tuple[tuple[int, int, int], KeySet]] = {}


def load_published_keyset(app: Flask | None = None) -> KeySet:
    """The published QR key set of this instance, parsed once per process and file version.

    Development before the first claim was signed: an empty key set.  Raises
    ``KeySetError`` when the file is unreadable or malformed, or missing in production.
    The instance's ``public_url`` is added to ``verify_base_urls`` (see the module doc).
    """
    settings = kernel(app).settings
    path = settings.qr_keyset_path
    try:
        st = path.stat()
    except FileNotFoundError:
        if settings.is_production:
            raise KeySetError(f"the published QR key set {path} does not exist") from None
        return with_own_base_url(KeySet(issuer=settings.office_name), settings.public_url)
    except OSError as exc:
        raise KeySetError(f"cannot read the published QR key set {path}: {exc}") from exc
    stamp = (st.st_ino, st.st_mtime_ns, st.st_size)
    key = (path, settings.public_url)
    with _cache_lock:
        cached = _cache.get(key)
        if cached is not None and cached[0] == stamp:
            return cached[1]
    keyset = with_own_base_url(load_keyset(path), settings.public_url)
    with _cache_lock:
        _cache[key] = (stamp, keyset)
    return keyset


def with_own_base_url(keyset: KeySet, public_url: str) -> KeySet:
    """``keyset`` with this instance's public URL among its base URLs (unchanged if that is no URL)."""
    try:
        return keyset.with_base_urls((public_url,))
    except KeySetError:
        return keyset
