"""Checking a claim's signature against a published key set (no registry, no words).

A key's period is the period in which it may *sign*: a claim whose issue date lies
outside its key's period is invalid; a claim stays verifiable after its key's period
ends (certificates last decades).  A retired key still verifies what it signed.

The outcome is a value, never an exception: a ``VerificationCode`` and the parameters
its message needs.  Pure code: the edges (pages, API, ``ecert verify-qr``) turn the
code into words in the reader's language.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from cryptography.exceptions import InvalidSignature

from ecert.qr_claim.format import Claim, decode_claim
from ecert.qr_claim.keyset import ALG, KeySet, PublishedKey


class VerificationCode(enum.StrEnum):
    """Why a claim holds or not; ``Verification.params`` gives what its message names."""

    OK = "ok"
    MALFORMED = "malformed"  # not decodable: bad base32, truncated, non-canonical, ...
    UNKNOWN_KEY = "unknown_key"  # its key id is not in the key set (or not Ed25519)
    BAD_SIGNATURE = "bad_signature"  # the content was altered, or moved to another token
    KEY_NOT_VALID_ON_DATE = "key_not_valid_on_date"  # params: day, start, end (dates)


@dataclass(frozen=True)
class Verification:
    """Outcome of checking a claim against a key set (no registry involved).

    ``claim`` is the decoded claim whenever it could be decoded, also when the
    signature does not hold: callers must only trust its fields when ``ok``.
    """

    reason: VerificationCode
    claim: Claim | None = None
    key: PublishedKey | None = None
    params: Mapping[str, date] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.reason is VerificationCode.OK


def verify_claim(text: str, token: str, keyset: KeySet) -> Verification:
    """Decode ``text`` and check its signature and key period; never raises for bad input."""
    try:
        claim = decode_claim(text, token)
    except Exception:  # ClaimFormatError, or anything unforeseen in hostile input: fail closed
        return Verification(VerificationCode.MALFORMED)
    key = keyset.get(claim.kid)
    if key is None or key.alg != ALG:
        return Verification(VerificationCode.UNKNOWN_KEY, claim)
    try:
        key.public_key.verify(claim.signature, claim.message)
    except InvalidSignature:
        return Verification(VerificationCode.BAD_SIGNATURE, claim, key)
    if not key.may_sign_on(claim.issue_date):
        period = {"day": claim.issue_date, "start": key.not_before, "end": key.not_after}
        return Verification(VerificationCode.KEY_NOT_VALID_ON_DATE, claim, key, period)
    return Verification(VerificationCode.OK, claim, key)
